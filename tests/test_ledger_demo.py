"""The demo village's ledger: realistic, reviewed by the demo supervisor, and idempotent."""

from datetime import date

from sqlalchemy import func

from pointsys import ledger, standings
from pointsys.demo import build_demo
from pointsys.extensions import db
from pointsys.models import AuditEvent, Entry, QuarterClose, Submission, Village
from pointsys.periods import Period
from pointsys.publishing import Deadlines


def _counts():
    return tuple(
        db.session.execute(db.select(func.count()).select_from(model)).scalar_one()
        for model in (Entry, Submission, QuarterClose, AuditEvent)
    )


def test_demo_ledger_is_built_once_and_ranks_the_hero_first(app, instance_path):
    with app.app_context():
        first = build_demo(str(instance_path), Deadlines())
        # 28 submissions (53 entries) and one reversal: none was skipped as refused.
        assert "积分记录 54 条" in first.created
        counts = _counts()
        second = build_demo(str(instance_path), Deadlines())
        assert second.created == []
        assert _counts() == counts

        village = db.session.execute(db.select(Village).filter_by(code="demo")).scalar_one()
        entries = db.session.execute(db.select(Entry)).scalars().all()
        assert max(e.occurred_on for e in entries) <= date(2026, 11, 21)
        by_status = {}
        for e in entries:
            by_status[e.status] = by_status.get(e.status, 0) + 1
        assert by_status == {"approved": by_status["approved"], "pending": 4}
        assert {e.created_label for e in entries if e.kind == "entry"} == {"clerk"}
        reviewed = {e.reviewed_by.username for e in entries if e.reviewed_by}
        assert reviewed == {"supervisor"}
        (reversal,) = [e for e in entries if e.kind == "reversal"]
        assert reversal.reverses.item_code == "ENV-05" and reversal.points == 2
        (capped,) = [e for e in entries if e.limits]
        assert (capped.item_code, capped.requested, capped.points) == ("PUB-01", 8, 4)
        assert [e.household.number for e in entries if e.veto] == ["005"]

        q3 = standings.standings(village, Period.parse("2026Q3"))
        leader = q3.rows[0]
        assert (leader.rank, leader.number, leader.head_name, leader.points) == (
            1,
            "003",
            "王大海",
            12,
        )
        assert q3.of(next(e.household_id for e in entries if e.veto)).vetoed
        assert ledger.is_closed(village, date(2026, 2, 1))
        assert ledger.is_closed(village, date(2026, 5, 1))
        assert ledger.is_closed(village, date(2026, 8, 1))  # closed, and published by the demo
        assert not ledger.is_closed(village, date(2026, 11, 1))
