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
        # 29 submissions (54 entries) and one reversal: none was skipped as refused.
        assert "积分记录 55 条" in first.created
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
        assert [e.household.number for e in entries if e.veto] == ["005", "005"]
        # The demo shows the rulebook's threshold at work: 005 is below 70 on its 年度积分.
        today = standings.standings(village, Period.parse("2026Q4"))
        suspended = [s.number for s in today.rows if any(t.code == "suspended" for t in s.statuses)]
        assert suspended == ["005"] and today.of(reversal.household_id) is not None

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


LEGACY_ACCOUNT = """[account]
base_points = 100
reset = "yearly"
reset_on = "01-01"
honour_total = true
"""


def _legacy_demo():
    """rules/demo.toml as it was before [[balances]]: the same items and lists, one [account]."""
    from pointsys.rulebook import loads
    from pointsys.rules_store import DEMO_RULEBOOK

    text = DEMO_RULEBOOK.read_text(encoding="utf-8")
    start, end = text.index("[[balances]]"), text.index("# 一票否决的后果")
    return loads(text[:start] + LEGACY_ACCOUNT + "\n" + text[end:])


def test_a_rulebook_declaring_nothing_new_ranks_the_demo_ledger_as_before(app, instance_path):
    # Points, balance, rank and tier of every household in every quarter of 2026, with the
    # legacy [account] rulebook, against a plain SQL sum and the pure tier rule; and the demo's
    # three balances leave its main balance, ranks and tiers exactly the same.
    from sqlalchemy import text

    from pointsys.models import from_hundredths
    from pointsys.rulebook import tier_for

    with app.app_context():
        build_demo(str(instance_path), Deadlines())
        village = db.session.execute(db.select(Village).filter_by(code="demo")).scalar_one()
        legacy = _legacy_demo()
        assert [b.code for b in legacy.balances] == ["balance", "honour"]
        sums = text(
            "SELECT household_id, sum(CASE WHEN occurred_on >= :start THEN points ELSE 0 END),"
            " sum(points) FROM entry WHERE village_id = :village AND status = 'approved'"
            " AND occurred_on >= '2026-01-01' AND occurred_on < :end GROUP BY household_id"
        )
        for code in ("2026Q1", "2026Q2", "2026Q3", "2026Q4"):
            quarter = Period.parse(code)
            found = {  # the ledger keeps whole hundredths
                h: (from_hundredths(p), from_hundredths(y))
                for h, p, y in db.session.execute(
                    sums, {"village": village.id, "start": quarter.start, "end": quarter.end}
                )
            }
            table = standings.standings(village, quarter, legacy)
            ranked = [s for s in table.rows if s.rank is not None]
            assert len(ranked) == 12
            field = [s.points for s in ranked]
            for s in ranked:
                points, year = found.get(s.household_id, (0, 0))
                assert s.points == points and s.balance == 100 + year, (code, s.number)
                assert s.rank == 1 + sum(1 for p in field if p > s.points)
                expected = tier_for(
                    legacy.honours,
                    s.points,
                    field,
                    vetoed=s.vetoed,
                    barred_from_red=s.barred_from_red,
                )
                assert s.tier == expected, (code, s.number)
            now = standings.standings(village, quarter)
            assert [(s.number, s.points, s.balance, s.rank, s.tier) for s in now.rows] == [
                (s.number, s.points, s.balance, s.rank, s.tier) for s in table.rows
            ]
            assert [b.name for b in now.balances] == ["年度积分", "荣誉积分", "可兑换积分"]
            for s in now.rows:
                yearly, honour, redeemable = s.balances
                assert yearly == s.balance and redeemable == max(0, yearly - 100)
                assert honour == yearly - 100  # every entry of the demo ledger is of 2026
                # Only 005 falls below 70, in October (gambling after a veto): 暂停享受村集体福利.
                below = yearly < 70
                assert [t.code for t in s.statuses] == (["suspended"] if below else [])
                assert below == (code == "2026Q4" and s.number == "005")
        # One figure pinned from main, beside the plain sums above.
        leader = standings.standings(village, Period.parse("2026Q3"), legacy).rows[0]
        assert (leader.number, leader.points, leader.rank) == ("003", 12, 1)
