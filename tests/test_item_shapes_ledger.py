"""Item shapes in the ledger (issue 14 C): a level kept on the entry, per_member counts checked
against the household's members, and companion entries for an item accumulating another item's
quantity (quantity_from), since the household joined (threshold_period = "ever")."""

from datetime import date
from decimal import Decimal

import pytest

from pointsys import ledger
from pointsys.extensions import db
from pointsys.ledger import Draft, SubmissionRefused
from pointsys.models import AuditEvent, Entry

TODAY = date(2028, 3, 1)


def record(v, *drafts, key="k1"):
    result = ledger.record(v.village, list(drafts), key=key, actor=v.clerk, today=TODAY)
    db.session.commit()
    return result


def approve(v, entries):
    result = ledger.approve(entries, reviewer=v.supervisor, today=TODAY)
    db.session.commit()
    assert not result.refused, result.refused
    return result


def refusal_of(v, draft) -> str:
    with pytest.raises(SubmissionRefused) as caught:
        record(v, draft, key="refused")
    db.session.rollback()
    ((_, problem),) = caught.value.problems
    return str(problem)


def test_a_levels_item_keeps_the_level_chosen_and_scores_its_points(village):
    h = village.households[0]
    (entry,) = record(village, Draft(h.id, "CIV-08", date(2026, 5, 1), level="省级")).entries
    assert (entry.status, entry.level, entry.requested) == ("pending", "省级", Decimal(50))
    approve(village, [entry])
    db.session.expire_all()
    assert (entry.points, entry.level) == (Decimal(50), "省级")


def test_a_levels_item_without_a_known_level_is_refused_with_the_levels(village):
    h = village.households[0]
    levels = "国家级 +100、省级 +50、市级 +20、县级 +10、镇级 +5、村级 +3"
    assert refusal_of(village, Draft(h.id, "CIV-08", date(2026, 5, 1))) == (
        f"事项 CIV-08 须选择级别，可选的有：{levels}。"
    )
    assert refusal_of(village, Draft(h.id, "CIV-08", date(2026, 5, 1), level="乡级")) == (
        f"事项 CIV-08 没有 “乡级” 这个级别，可选的有：{levels}。"
    )
    assert db.session.query(Entry).count() == 0


def test_the_level_is_part_of_the_submission_content(village):
    h = village.households[0]
    record(village, Draft(h.id, "CIV-08", date(2026, 5, 1), level="省级"), key="same")
    with pytest.raises(ledger.PointsError, match="已经用于另一份内容"):
        record(village, Draft(h.id, "CIV-08", date(2026, 5, 1), level="国家级"), key="same")


def test_per_member_refuses_more_people_than_the_household_has(village):
    h = village.households[0]  # one member: the head
    assert refusal_of(village, Draft(h.id, "PUB-05", date(2026, 5, 1), Decimal(2))) == (
        "事项 PUB-05 按人数计分，填了 2 人，但本户只有 1 名家庭成员；"
        "请改正人数，或先在户籍里补登家庭成员。"
    )
    (entry,) = record(village, Draft(h.id, "PUB-05", date(2026, 5, 1), Decimal(1))).entries
    assert entry.requested == 1


def test_an_item_fed_by_another_cannot_be_recorded_directly(village):
    h = village.households[0]
    assert refusal_of(village, Draft(h.id, "PUB-09", date(2026, 5, 1), Decimal(60))) == (
        "事项 PUB-09 按 PUB-01 的记录自动累计，不能直接记分；请记 PUB-01，达到门槛时系统自动加分。"
    )


def _volunteer(v, hours, on, key):
    h = v.households[0]
    (entry,) = record(v, Draft(h.id, "PUB-01", on, Decimal(hours)), key=key).entries
    approve(v, [entry])
    return entry


def test_a_source_entry_posts_its_companion_when_the_accumulation_crosses_a_threshold(village):
    first = _volunteer(village, 40, date(2026, 2, 1), "a")
    assert first.companions == []  # 40 hours: below the first milestone (50)
    # Two years later (beyond the years around it a cap counts): 40 + 15 crosses 50.
    second = _volunteer(village, 15, date(2028, 2, 1), "b")
    db.session.expire_all()
    (companion,) = second.companions
    assert (companion.item_code, companion.status, companion.kind) == (
        "PUB-09",
        "approved",
        "entry",
    )
    assert (companion.requested, companion.points) == (Decimal(5), Decimal(5))
    assert (companion.occurred_on, companion.quantity) == (date(2028, 2, 1), Decimal(15))
    assert (companion.household_id, companion.source_entry_id) == (second.household_id, second.id)
    assert companion.created_label == "clerk" and companion.reviewed_by_id == village.supervisor.id
    assert companion.submission_id is None and companion.item_title == "志愿服务累计里程碑"
    event = db.session.query(AuditEvent).filter_by(action="entry_accumulated").one()
    assert event.object_id == str(companion.id) and event.after["source_entry"] == second.id
    # Replaying the source's submission returns what was submitted, not the companion.
    h = village.households[0]
    replay = record(village, Draft(h.id, "PUB-01", date(2028, 2, 1), Decimal(15)), key="b")
    assert replay.replayed and replay.entries == [second]


def test_reversing_the_source_reverses_its_companion_and_undoing_that_revives_both(village):
    _volunteer(village, 40, date(2026, 2, 1), "a")
    source = _volunteer(village, 15, date(2026, 3, 1), "b")
    (companion,) = source.companions
    result = ledger.reverse(
        source, actor=village.supervisor, reason="记错户", key="r1", today=TODAY
    )
    db.session.commit()
    reversal, companion_reversal = result.entries
    assert (reversal.reverses_id, reversal.points) == (source.id, -source.points)
    assert (companion_reversal.reverses_id, companion_reversal.points) == (companion.id, -5)
    assert companion_reversal.source_entry_id == reversal.id
    live = ledger.live_entries(source.household_id, None, 2028)
    assert [e.item for e in live] == ["PUB-01"]  # only the first 40 hours
    # Recorded again after the reversal: 40 + 15 crosses 50 again, so the milestone comes back.
    again = _volunteer(village, 15, date(2026, 3, 2), "c")
    assert [c.points for c in again.companions] == [Decimal(5)]
    # Undoing the first reversal would grant the 50-hour milestone twice: refused.
    with pytest.raises(ledger.PointsError, match="不能撤销冲正"):
        ledger.reverse(reversal, actor=village.supervisor, reason="恢复", key="r2", today=TODAY)
    db.session.rollback()


def test_undoing_a_reversal_revives_the_companion_with_its_source(village):
    _volunteer(village, 40, date(2026, 2, 1), "a")
    source = _volunteer(village, 15, date(2026, 3, 1), "b")
    (reversal, _) = ledger.reverse(
        source, actor=village.supervisor, reason="记错", key="r1", today=TODAY
    ).entries
    db.session.commit()
    revived = ledger.reverse(
        reversal, actor=village.supervisor, reason="恢复", key="r2", today=TODAY
    )
    db.session.commit()
    assert [e.points for e in revived.entries] == [source.points, Decimal(5)]
    live = ledger.live_entries(source.household_id, None, 2028)
    assert sorted(e.item for e in live) == ["PUB-01", "PUB-01", "PUB-09"]
