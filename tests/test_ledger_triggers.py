"""The database itself refuses tampering with the ledger (design invariant 1, issue 5 item 4).

Every statement here is raw SQL sent through the driver's own connection (sqlite3 or psycopg),
bypassing the ledger and the ORM, on SQLite and on PostgreSQL alike: what a script, a console
session or a buggy view would do.
"""

from __future__ import annotations

from datetime import date

import pytest

from pointsys import ledger, rules_store
from pointsys.cli import init_database
from pointsys.extensions import db
from pointsys.ledger import Draft
from pointsys.models import Household, User, UserRole, Village

from .conftest import make_app

TODAY = date(2026, 11, 21)
APPEND_ONLY = "append-only"
# Every column of an entry, so a raw INSERT … SELECT can copy a row with a few values changed.
COLUMNS = [c.name for c in db.metadata.tables["entry"].columns if c.name != "id"]


class Raw:
    """One DBAPI connection, autocommitting each statement (a refused one is rolled back)."""

    def __init__(self) -> None:
        self.conn = db.engine.raw_connection()

    def run(self, sql: str) -> int:
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql)
            self.conn.commit()
            return cursor.rowcount
        except Exception:
            self.conn.rollback()
            raise
        finally:
            cursor.close()

    def one(self, sql: str):
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql)
            return cursor.fetchone()
        finally:
            cursor.close()
            self.conn.rollback()

    def refused(self, sql: str, match: str = APPEND_ONLY) -> None:
        with pytest.raises(Exception, match=match) as caught:
            self.run(sql)
        # The driver's own error, not something raised on our side of it.
        assert type(caught.value).__module__.split(".")[0] in ("sqlite3", "psycopg")

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def ledger_db(instance_path, any_database_url):
    """A migrated database with a pending, an approved and a rejected entry; yields Raw and ids."""
    app = make_app(any_database_url)
    with app.app_context():
        init_database()
        village = Village(code="demo", name="幸福村")
        db.session.add(village)
        db.session.flush()
        household = Household(
            village=village, number="001", head_name="张三", registered_on=date(2020, 1, 1)
        )
        clerk = User(username="clerk", display_name="C", village_id=village.id)
        clerk.role_rows = [UserRole(role="clerk")]
        supervisor = User(username="supervisor", display_name="S", village_id=village.id)
        supervisor.role_rows = [UserRole(role="supervisor")]
        for user in (clerk, supervisor):
            user.set_password("correct horse 1")
        db.session.add_all([household, clerk, supervisor])
        db.session.flush()
        snapshot, _ = rules_store.store(rules_store.DEMO_RULEBOOK, actor_label="test")
        drafts = [Draft(household.id, "FIL-02", date(2026, 8, d)) for d in (3, 4, 5)]
        pending, to_reject, _ = ledger.record(
            village, drafts, key="k", actor=clerk, today=TODAY
        ).entries
        (approved,) = ledger.record(
            village,
            [Draft(household.id, "ENV-01", date(2026, 8, 3))],
            key="a",
            actor=clerk,
            today=TODAY,
        ).entries
        ledger.reject([to_reject], reviewer=supervisor, reason="不实")
        db.session.commit()
        assert approved.status == "approved" and to_reject.status == "rejected"
        ids = {
            "pending": pending.id,
            "approved": approved.id,
            "rejected": to_reject.id,
            "snapshot": snapshot.id,
            "supervisor": supervisor.id,
        }
        raw = Raw()
        yield raw, ids
        raw.close()
        db.session.remove()
        db.engine.dispose()


def test_no_entry_can_be_deleted(ledger_db):
    raw, ids = ledger_db
    for state in ("pending", "approved", "rejected"):
        raw.refused(f"DELETE FROM entry WHERE id = {ids[state]}")
    raw.refused("DELETE FROM entry")
    assert raw.one("SELECT count(*) FROM entry")[0] == 4


# Each assignment alone is refused (one migrated database serves them all: migrations are slow).
APPROVED_EDITS = [
    "requested = requested + 100",
    "points = points + 100",
    "points = NULL",
    "quantity = 5",
    "household_id = household_id + 1",
    "item_code = 'ENV-02'",
    "occurred_on = '2026-08-04'",
    "kind = 'reversal', reverses_id = id",
    "reviewed_by_id = NULL",
    "note = 'edited'",
    # Added by migration 0012: a level and a companion's link are as fixed as the item code.
    "level = '国家级'",
    "source_entry_id = id",
]


def test_an_approved_entry_cannot_be_changed(ledger_db):
    raw, ids = ledger_db
    columns = "points, requested, quantity, household_id, item_code, occurred_on, kind, note"
    before = raw.one(f"SELECT {columns} FROM entry WHERE id = {ids['approved']}")
    for assignment in APPROVED_EDITS:
        raw.refused(f"UPDATE entry SET {assignment} WHERE id = {ids['approved']}")
    after = raw.one(f"SELECT {columns} FROM entry WHERE id = {ids['approved']}")
    assert after == before


def test_a_reviewed_entry_keeps_its_status(ledger_db):
    raw, ids = ledger_db
    for state in ("approved", "rejected"):
        for status in ("pending", "rejected", "approved"):
            if state != status:
                raw.refused(f"UPDATE entry SET status = '{status}' WHERE id = {ids[state]}")
        # Even "re-approving" with the same values counts as a second review.
        raw.refused(
            f"UPDATE entry SET status = status, points = 1 WHERE id = {ids[state]}",
            match=APPEND_ONLY + "|approved_has_points",
        )
    assert raw.one(f"SELECT status FROM entry WHERE id = {ids['rejected']}") == ("rejected",)


def test_a_pending_entry_is_approved_with_its_points_exactly_once(ledger_db):
    raw, ids = ledger_db
    pending = ids["pending"]
    # A pending entry's content is as fixed as a posted one's.
    raw.refused(f"UPDATE entry SET requested = 5000 WHERE id = {pending}")
    raw.refused(f"UPDATE entry SET note = 'x' WHERE id = {pending}")
    raw.refused(f"UPDATE entry SET level = '省级' WHERE id = {pending}")
    raw.refused(
        f"UPDATE entry SET status = 'approved', points = 50, source_entry_id = {ids['approved']}"
        f" WHERE id = {pending}"
    )
    # Approval must grant points (a check constraint), and may not change the content with it.
    raw.refused(f"UPDATE entry SET status = 'approved' WHERE id = {pending}", "approved_has_points")
    raw.refused(
        f"UPDATE entry SET status = 'approved', points = 50, requested = 9999 WHERE id = {pending}"
    )
    approve = (
        f"UPDATE entry SET status = 'approved', points = 50, reviewed_by_id = {ids['supervisor']},"
        f" reviewed_at = CURRENT_TIMESTAMP, review_note = 'ok' WHERE id = {pending}"
    )
    assert raw.run(approve) == 1
    assert raw.one(f"SELECT status, points FROM entry WHERE id = {pending}") == ("approved", 50)
    raw.refused(approve)
    raw.refused(f"UPDATE entry SET points = 60 WHERE id = {pending}")
    raw.refused(f"UPDATE entry SET status = 'rejected' WHERE id = {pending}")
    assert raw.one(f"SELECT status, points FROM entry WHERE id = {pending}") == ("approved", 50)


def _copy(raw: Raw, entry_id: int, **values: str) -> str:
    columns = ", ".join(COLUMNS)
    chosen = ", ".join(values.get(c, c) for c in COLUMNS)
    return f"INSERT INTO entry ({columns}) SELECT {chosen} FROM entry WHERE id = {entry_id}"


def test_a_reversal_must_point_back_and_only_a_reversal_may(ledger_db):
    raw, ids = ledger_db
    approved = ids["approved"]
    points_back = "reversal_points_back"
    raw.refused(_copy(raw, approved, kind="'reversal'", reverses_id="NULL"), points_back)
    raw.refused(_copy(raw, approved, kind="'entry'", reverses_id=str(approved)), points_back)
    raw.refused(_copy(raw, approved, kind="'bonus'"), "known_kind|reversal_points_back")
    raw.refused(_copy(raw, approved, status="'posted'"), "known_status")
    raw.refused(_copy(raw, ids["pending"], status="'approved'"), "approved_has_points")
    reversal = _copy(raw, approved, kind="'reversal'", reverses_id=str(approved), points="-points")
    assert raw.run(reversal) == 1
    # An entry is reversed at most once.
    raw.refused(reversal, "unique|UNIQUE|duplicate")
    assert raw.one(f"SELECT count(*) FROM entry WHERE reverses_id = {approved}")[0] == 1


def test_a_rulebook_snapshot_cannot_be_changed_or_deleted(ledger_db):
    raw, ids = ledger_db
    snapshot = ids["snapshot"]
    immutable = "rulebook snapshots are immutable"
    raw.refused(f"UPDATE rulebook_snapshot SET text = 'x' WHERE id = {snapshot}", immutable)
    raw.refused("UPDATE rulebook_snapshot SET effective = '2020-01-01'", immutable)
    raw.refused(f"DELETE FROM rulebook_snapshot WHERE id = {snapshot}", immutable)
    assert raw.one("SELECT count(*) FROM rulebook_snapshot")[0] == 1
