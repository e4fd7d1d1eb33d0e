"""Two reviewers approving at once cannot both use the last of a cap: the household is locked."""

import threading
import time
from datetime import date

import pytest

from pointsys import ledger
from pointsys.extensions import db
from pointsys.ledger import Draft
from pointsys.models import Entry, User

TODAY = date(2026, 11, 21)


def _pending(v, key, day):
    h = v.households[0]
    result = ledger.record(
        v.village, [Draft(h.id, "ENV-02", day)], key=key, actor=v.clerk, today=TODAY
    )
    db.session.commit()
    return result.entries[0].id


def test_the_second_approval_waits_for_the_first_and_sees_the_cap_used(app, village, request):
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite has a single writer (next test)")
    # ENV-02: +1, at most 3 a quarter. Two are approved; two pending compete for the last point.
    for n in range(2):
        ledger.approve(
            [db.session.get(Entry, _pending(village, f"a{n}", date(2026, 8, n + 1)))],
            reviewer=village.supervisor,
            today=TODAY,
        )
        db.session.commit()
    first_id = _pending(village, "b1", date(2026, 8, 10))
    second_id = _pending(village, "b2", date(2026, 8, 11))
    supervisor2_id = village.supervisor2.id

    # The first reviewer approves but has not committed yet: it holds the household's lock.
    ledger.approve([db.session.get(Entry, first_id)], reviewer=village.supervisor, today=TODAY)
    outcome = {}

    def second_reviewer():
        with app.app_context():
            entry = db.session.get(Entry, second_id)
            result = ledger.approve(
                [entry], reviewer=db.session.get(User, supervisor2_id), today=TODAY
            )
            db.session.commit()
            outcome["points"] = entry.points
            outcome["refused"] = result.refused

    thread = threading.Thread(target=second_reviewer)
    thread.start()
    _wait_until_blocked()
    assert "points" not in outcome  # still waiting for the first reviewer's lock
    db.session.commit()
    thread.join(timeout=30)
    assert db.session.get(Entry, first_id).points == 1
    assert outcome == {"points": 0, "refused": []}  # the cap was used up by the first


def _wait_until_blocked() -> None:
    """Poll PostgreSQL until another session waits on a lock (no fixed sleeps)."""
    deadline = time.monotonic() + 20
    with db.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                " WHERE NOT l.granted AND a.query ILIKE '%%FROM household%%FOR UPDATE%%'"
            ).scalar_one()
            if waiting:
                return
            conn.rollback()
    raise AssertionError("the second reviewer never waited for the lock")


def test_on_sqlite_locking_a_household_makes_this_transaction_the_writer(app, village, request):
    if request.config.getoption("--db") == "postgresql":
        pytest.skip("SQLite's single writer")
    ledger.lock_household(village.households[0].id)
    raw = db.session.connection().connection.driver_connection
    assert raw.in_transaction  # the write lock is held until commit: reviews are serialised
    db.session.rollback()


# Two reviewers, a batch and a close: what PostgreSQL used to answer with 500s or let through.


def _postgres_only(request):
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite has a single writer")


def _wait_for(pattern: str) -> None:
    """Poll PostgreSQL until a session waits on a lock in a statement like `pattern`."""
    deadline = time.monotonic() + 20
    with db.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                " WHERE NOT l.granted AND a.query ILIKE %s",
                (pattern,),
            ).scalar_one()
            if waiting:
                return
            conn.rollback()
    raise AssertionError(f"nobody waited in {pattern}")


def _in_thread(app, work):
    """Run `work()` in a thread with its own app context (own session); returns a join()
    giving its result or raising what it raised."""
    outcome = {}

    def run():
        with app.app_context():
            try:
                outcome["result"] = work()
                db.session.commit()
            except Exception as exc:  # handed to the test below
                db.session.rollback()
                outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()

    def join():
        thread.join(timeout=30)
        assert not thread.is_alive()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]

    return join


def test_a_stale_entry_is_not_approved_twice(app, village):
    """The entry as loaded says pending; another reviewer approved it since: refused, no 500."""
    entry_id = _pending(village, "s1", date(2026, 8, 1))
    supervisor2_id = village.supervisor2.id
    stale = db.session.get(Entry, entry_id)
    db.session.expunge(stale)
    db.session.rollback()
    with app.app_context():  # the other reviewer, in its own session
        ledger.approve(
            [db.session.get(Entry, entry_id)],
            reviewer=db.session.get(User, supervisor2_id),
            today=TODAY,
        )
        db.session.commit()
    stale = db.session.merge(stale, load=False)
    assert stale.status == "pending"  # what this reviewer's page showed
    result = ledger.approve([stale], reviewer=village.supervisor, today=TODAY)
    db.session.commit()
    assert result.done == []
    assert [str(problem) for _, problem in result.refused] == [
        f"记录 #{entry_id} 已被他人审核，本次未作处理。"
    ]
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        assert str(result.refused[0][1]) == (
            f"Entry #{entry_id} has already been reviewed by someone else; nothing was done."
        )


def test_two_supervisors_approving_one_entry(app, village, request):
    _postgres_only(request)
    entry_id = _pending(village, "t1", date(2026, 8, 1))
    supervisor2_id = village.supervisor2.id
    # The first approves and holds the household until it commits.
    ledger.approve([db.session.get(Entry, entry_id)], reviewer=village.supervisor, today=TODAY)
    second = _in_thread(
        app,
        lambda: ledger.approve(
            [db.session.get(Entry, entry_id)],
            reviewer=db.session.get(User, supervisor2_id),
            today=TODAY,
        ),
    )
    _wait_for("%FROM household%FOR UPDATE%")
    db.session.commit()
    result = second()  # no exception: the append-only trigger is never asked to refuse
    assert result.done == []
    assert [str(p) for _, p in result.refused] == [f"记录 #{entry_id} 已被他人审核，本次未作处理。"]
    assert db.session.get(Entry, entry_id).reviewed_by_id == village.supervisor.id


def test_a_batch_posting_waits_for_an_approval_without_deadlock(app, village, request):
    """The approval holds households 1 and 3; a batch posting ENV-01 (no review) to 3 and 1 locks
    them in the same order before writing, so it waits instead of deadlocking."""
    _postgres_only(request)
    h1, _, h3 = (h.id for h in village.households)
    first = _pending(village, "d1", date(2026, 8, 1))
    db.session.commit()
    third = (
        ledger.record(
            village.village,
            [Draft(h3, "ENV-02", date(2026, 8, 1))],
            key="d3",
            actor=village.clerk,
            today=TODAY,
        )
        .entries[0]
        .id
    )
    db.session.commit()
    village_id, clerk_id = village.village.id, village.clerk.id
    ledger.approve(
        [db.session.get(Entry, first), db.session.get(Entry, third)],
        reviewer=village.supervisor,
        today=TODAY,
    )

    def batch():
        from pointsys.models import Village

        recorded = ledger.record(
            db.session.get(Village, village_id),
            [Draft(h3, "ENV-01", date(2026, 8, 2)), Draft(h1, "ENV-01", date(2026, 8, 2))],
            key="batch",
            actor=db.session.get(User, clerk_id),
            source="batch",
            today=TODAY,
        )
        return [e.status for e in recorded.entries]

    posting = _in_thread(app, batch)
    _wait_for("%FROM household%FOR UPDATE%")
    db.session.commit()
    assert posting() == ["approved", "approved"]


def test_closing_waits_for_a_recording_and_then_sees_it_pending(app, village, request):
    _postgres_only(request)
    from pointsys.models import Village
    from pointsys.periods import Period

    village_id, admin_id = village.village.id, village.admin.id
    ledger.record(
        village.village,
        [Draft(village.households[0].id, "ENV-02", date(2026, 9, 30))],
        key="c1",
        actor=village.clerk,
        today=TODAY,
    )  # not committed yet: the village is held
    closing = _in_thread(
        app,
        lambda: ledger.close_quarter(
            db.session.get(Village, village_id),
            Period.parse("2026Q3"),
            actor=db.session.get(User, admin_id),
            today=TODAY,
        ),
    )
    _wait_for("%FROM village%FOR UPDATE%")
    db.session.commit()
    with pytest.raises(ledger.PointsError) as refused:
        closing()
    assert str(refused.value) == "2026Q3 还有 1 条待审核的记录，请先审核完再结账。"


def test_recording_waits_for_a_close_and_then_sees_it(app, village, request):
    _postgres_only(request)
    from pointsys.models import Village
    from pointsys.periods import Period

    village_id, clerk_id = village.village.id, village.clerk.id
    household_id = village.households[1].id
    # Closing, not committed yet: the village is held exclusively.
    ledger.close_quarter(village.village, Period.parse("2026Q3"), actor=village.admin, today=TODAY)

    def record():
        return ledger.record(
            db.session.get(Village, village_id),
            [Draft(household_id, "ENV-02", date(2026, 9, 29))],
            key="late",
            actor=db.session.get(User, clerk_id),
            today=TODAY,
        )

    recording = _in_thread(app, record)
    _wait_for("%FROM village%FOR KEY SHARE%")
    db.session.commit()
    with pytest.raises(ledger.SubmissionRefused) as refused:
        recording()
    assert [str(p) for _, p in refused.value.problems] == [
        "2026Q3 已结账，不能再记这个季度的分；如确需补记，请村两委先重新开账。"
    ]


def test_a_close_waits_for_an_approval_under_way(app, village, request):
    """No entry is approved after its quarter closed: the close waits for the approval."""
    _postgres_only(request)
    from pointsys.models import QuarterClose, Village
    from pointsys.periods import Period

    entry_id = _pending(village, "q1", date(2026, 9, 30))
    village_id, admin_id = village.village.id, village.admin.id
    ledger.approve([db.session.get(Entry, entry_id)], reviewer=village.supervisor, today=TODAY)
    closing = _in_thread(
        app,
        lambda: ledger.close_quarter(
            db.session.get(Village, village_id),
            Period.parse("2026Q3"),
            actor=db.session.get(User, admin_id),
            today=TODAY,
        ),
    )
    _wait_for("%FROM village%FOR UPDATE%")
    db.session.commit()
    closing()
    entry = db.session.get(Entry, entry_id)
    closed = db.session.execute(db.select(QuarterClose)).scalar_one()
    assert entry.status == "approved" and closed.closed
    assert entry.reviewed_at <= closed.changed_at
