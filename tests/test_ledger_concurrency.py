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
