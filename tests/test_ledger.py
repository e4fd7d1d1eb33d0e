"""The ledger: recording, review, caps at approval, reversals, idempotency and closed quarters."""

from datetime import date
from decimal import Decimal

import pytest

from pointsys import ledger
from pointsys.extensions import db
from pointsys.ledger import Draft, PointsError, SubmissionRefused
from pointsys.models import AuditEvent, Entry
from pointsys.periods import Period

TODAY = date(2026, 11, 21)


def record(v, *drafts, key="k1", actor=None, source="form"):
    result = ledger.record(
        v.village, list(drafts), key=key, actor=actor or v.clerk, source=source, today=TODAY
    )
    db.session.commit()
    return result


def approve(v, entries, reviewer=None):
    result = ledger.approve(entries, reviewer=reviewer or v.supervisor, today=TODAY)
    db.session.commit()
    return result


def test_an_entry_starts_pending_and_records_what_it_was_scored_under(village):
    h = village.households[0]
    result = record(village, Draft(h.id, "ENV-03", date(2026, 8, 3)))
    (entry,) = result.entries
    assert entry.status == "pending"
    assert entry.points is None
    assert entry.requested == Decimal("1")  # the 2026-07-01 version: 1 point, not 0.5
    assert entry.item_version == date(2026, 7, 1)
    assert entry.item_title and entry.article
    assert entry.created_label == "clerk"


def test_items_needing_no_review_post_at_once(village):
    h = village.households[0]
    (entry,) = record(village, Draft(h.id, "ENV-01", date(2026, 8, 3))).entries
    assert entry.status == "approved"
    assert entry.points == Decimal(2)
    assert entry.reviewed_by_id is None


def test_pending_is_approved_by_a_supervisor_and_never_by_its_author(village):
    h = village.households[0]
    (entry,) = record(village, Draft(h.id, "FIL-02", date(2026, 8, 3))).entries
    mine = ledger.approve([entry], reviewer=village.clerk, today=TODAY)
    assert [str(p) for _, p in mine.refused] == [
        f"记录 #{entry.id} 是您本人录入的，不能由您审核；请另一位监督委员审核。"
    ]
    assert entry.status == "pending"
    approve(village, [entry])
    assert entry.status == "approved" and entry.points == Decimal("0.5")
    again = ledger.approve([entry], reviewer=village.supervisor2, today=TODAY)
    assert [str(p) for _, p in again.refused] == [f"记录 #{entry.id} 已经审核过了。"]


def test_cap_is_applied_on_approval_and_the_clerk_is_told_why(village):
    h = village.households[0]
    # PUB-01 (2026-07 version): 1 point an hour, at most 4 an entry, 10 a quarter.
    first = record(village, Draft(h.id, "PUB-01", date(2026, 8, 1), Decimal(8)), key="a").entries
    approve(village, first)
    assert first[0].points == 4 and first[0].requested == 8
    assert ledger.limit_notices(first[0], _rulebook()) == ["该事项每次最多计 4 分，本次计 4 分。"]
    second = record(village, Draft(h.id, "PUB-01", date(2026, 8, 2), Decimal(4)), key="b").entries
    third = record(village, Draft(h.id, "PUB-01", date(2026, 8, 3), Decimal(4)), key="c").entries
    approve(village, second)
    preview = third_notice = record(
        village, Draft(h.id, "PUB-01", date(2026, 8, 3), Decimal(4)), key="c"
    )
    assert preview.replayed
    approve(village, third)
    assert third[0].points == 2  # 4 + 4 used; the quarter's cap of 10 leaves 2
    assert ledger.limit_notices(third[0], _rulebook()) == [
        "本季度该事项已达上限 10 分，本次计 2 分。"
    ]
    assert third_notice.entries == third


def test_the_clerk_is_warned_at_entry_when_the_cap_is_already_used(village):
    h = village.households[0]
    approve(village, record(village, Draft(h.id, "ENV-02", date(2026, 8, 1)), key="a").entries)
    approve(village, record(village, Draft(h.id, "ENV-02", date(2026, 8, 2)), key="b").entries)
    approve(village, record(village, Draft(h.id, "ENV-02", date(2026, 8, 3)), key="c").entries)
    result = record(village, Draft(h.id, "ENV-02", date(2026, 8, 4)), key="d")
    assert result.notices == ["提醒：本季度该事项已达上限 3 分，本次计 0 分。"]


def test_once_per_period_refuses_the_second_entry(village):
    h = village.households[0]
    record(village, Draft(h.id, "ENV-01", date(2026, 8, 3)), key="a")
    with pytest.raises(SubmissionRefused) as refused:
        record(village, Draft(h.id, "ENV-01", date(2026, 9, 3)), key="b")
    assert str(refused.value) == "事项 ENV-01 每季度只计一次，本季度已经记过。"
    assert db.session.execute(db.select(db.func.count(Entry.id))).scalar_one() == 1


def test_bad_drafts_are_refused_together_and_nothing_is_written(village):
    h1, h2, _ = village.households
    drafts = [
        Draft(h1.id, "NOPE-1", date(2026, 8, 3)),
        Draft(h2.id, "PUB-01", date(2026, 8, 3)),
        Draft(h2.id, "ENV-08", date(2026, 3, 3)),
        Draft(h2.id, "FIL-05", date(2026, 8, 3), Decimal(-1)),
        Draft(h1.id, "FIL-02", date(2026, 12, 1)),
        Draft(h1.id, "PUB-01", date(2026, 8, 3), Decimal("1.25")),
        Draft(9999, "FIL-02", date(2026, 8, 3)),
    ]
    with pytest.raises(SubmissionRefused) as refused:
        record(village, *drafts)
    assert [(i, str(p)) for i, p in refused.value.problems] == [
        (0, "没有编码为 “NOPE-1” 的积分事项。"),
        (1, "事项 PUB-01 需要填写数量（小时），且须大于 0。"),
        (2, "事项 ENV-08 自 2026-04-01 起才生效，2026-03-03 的行为不能按它记分。"),
        (3, "事项 FIL-05 的分值须在 -10 到 -3 之间（最多一位小数），填的是 -1。"),
        (4, "行为日期 2026-12-01 还没到；请填写行为实际发生的日期。"),
        (5, "数量最多一位小数，填的是 1.25。"),
        (6, "没有这一户（编号 9999）。"),
    ]
    assert db.session.execute(db.select(db.func.count(Entry.id))).scalar_one() == 0


def test_a_replay_changes_nothing_and_other_content_under_the_same_key_is_refused(village):
    h = village.households[0]
    first = record(village, Draft(h.id, "FIL-02", date(2026, 8, 3)), key="same")
    again = record(village, Draft(h.id, "FIL-02", date(2026, 8, 3)), key="same")
    assert again.replayed and [e.id for e in again.entries] == [e.id for e in first.entries]
    with pytest.raises(PointsError) as refused:
        record(village, Draft(h.id, "FIL-03", date(2026, 8, 3)), key="same")
    assert str(refused.value) == (
        "这个提交编号已经用于另一份内容，本次未作任何记录。请刷新页面，重新填写后再提交。"
    )
    assert db.session.execute(db.select(db.func.count(Entry.id))).scalar_one() == 1


def test_reject_needs_a_reason(village):
    h = village.households[0]
    entries = record(village, Draft(h.id, "FIL-02", date(2026, 8, 3))).entries
    with pytest.raises(PointsError) as refused:
        ledger.reject(entries, reviewer=village.supervisor, reason=" ")
    assert str(refused.value) == "驳回时请写明理由，农户会看到它。"
    ledger.reject(entries, reviewer=village.supervisor, reason="照片看不清")
    db.session.commit()
    assert entries[0].status == "rejected" and entries[0].review_note == "照片看不清"


def test_a_reversal_cancels_an_entry_and_frees_its_cap_and_can_itself_be_reversed(village):
    h = village.households[0]
    (entry,) = record(village, Draft(h.id, "ENV-01", date(2026, 8, 3)), key="a").entries
    with pytest.raises(PointsError) as refused:
        ledger.reverse(entry, actor=village.supervisor, reason="", key="r0")
    assert str(refused.value) == "冲正时请写明理由，它会和冲正记录一起公示。"
    (reversal,) = ledger.reverse(entry, actor=village.supervisor, reason="记错户", key="r1").entries
    db.session.commit()
    assert reversal.points == -2 and reversal.reverses_id == entry.id
    assert reversal.occurred_on == entry.occurred_on
    with pytest.raises(PointsError) as twice:
        ledger.reverse(entry, actor=village.supervisor, reason="again", key="r2")
    assert str(twice.value) == f"记录 #{entry.id} 已经被记录 #{reversal.id} 冲正过了。"
    # The once-per-quarter item may be recorded again now the first is cancelled …
    (second,) = record(village, Draft(h.id, "ENV-01", date(2026, 8, 20)), key="b").entries
    # … so reversing the reversal, which would revive the original, is refused (two in a
    # quarter) …
    with pytest.raises(PointsError) as revived:
        ledger.reverse(reversal, actor=village.admin, reason="原记录无误", key="r3")
    assert str(revived.value) == (
        f"恢复记录 #{entry.id} 的 2 分会超出该事项本期上限，不能撤销冲正；请新记一条。"
    )
    db.session.rollback()
    # … until the second is cancelled too: then the original comes back.
    ledger.reverse(second, actor=village.admin, reason="重复记分", key="r4")
    ledger.reverse(reversal, actor=village.admin, reason="原记录无误", key="r5")
    db.session.commit()
    live = ledger.live_entries(h.id, 2026, 2026)
    assert [(e.on, e.points) for e in live] == [(date(2026, 8, 3), 2)]


def test_pending_entries_cannot_be_reversed(village):
    h = village.households[0]
    (entry,) = record(village, Draft(h.id, "FIL-02", date(2026, 8, 3))).entries
    with pytest.raises(PointsError) as refused:
        ledger.reverse(entry, actor=village.supervisor, reason="x", key="r")
    assert str(refused.value) == (
        f"记录 #{entry.id} 还没有审核通过，不需要冲正；待审核的记录请直接驳回。"
    )


def test_closing_a_quarter_refuses_entries_dated_in_it_until_an_admin_reopens(village):
    h = village.households[0]
    q3 = Period.parse("2026Q3")
    pending = record(village, Draft(h.id, "FIL-02", date(2026, 8, 3)), key="a").entries
    with pytest.raises(PointsError) as refused:
        ledger.close_quarter(village.village, q3, actor=village.admin, today=TODAY)
    assert str(refused.value) == "2026Q3 还有 1 条待审核的记录，请先审核完再结账。"
    approve(village, pending)
    with pytest.raises(PointsError) as early:
        ledger.close_quarter(
            village.village, Period.parse("2026Q4"), actor=village.admin, today=TODAY
        )
    assert str(early.value) == "2026Q4 还没有结束（到 2027-01-01 前），不能结账。"
    ledger.close_quarter(village.village, q3, actor=village.admin, today=TODAY)
    db.session.commit()
    with pytest.raises(SubmissionRefused) as closed:
        record(village, Draft(h.id, "FIL-02", date(2026, 9, 30)), key="b")
    assert str(closed.value) == (
        "2026Q3 已结账，不能再记这个季度的分；如确需补记，请村两委先重新开账。"
    )
    with pytest.raises(PointsError) as no_reason:
        ledger.reopen_quarter(village.village, q3, actor=village.admin, reason="")
    assert str(no_reason.value) == "重新开账必须写明理由，它会记入操作日志。"
    ledger.reopen_quarter(village.village, q3, actor=village.admin, reason="补记漏登的好人好事")
    db.session.commit()
    record(village, Draft(h.id, "FIL-02", date(2026, 9, 30)), key="b")
    actions = (
        db.session.execute(db.select(AuditEvent.action).where(AuditEvent.object_type == "quarter"))
        .scalars()
        .all()
    )
    assert actions == ["quarter_closed", "quarter_reopened"]


def test_every_ledger_write_is_in_the_audit_trail(village):
    h = village.households[0]
    (entry,) = record(village, Draft(h.id, "FIL-02", date(2026, 8, 3))).entries
    approve(village, [entry])
    ledger.reverse(entry, actor=village.supervisor2, reason="重复登记", key="r")
    db.session.commit()
    rows = db.session.execute(
        db.select(AuditEvent.action, AuditEvent.actor_label)
        .where(AuditEvent.object_type == "entry")
        .order_by(AuditEvent.id)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("entry_recorded", "clerk"),
        ("entry_approved", "supervisor"),
        ("entry_reversed", "supervisor2"),
    ]


def _rulebook():
    from pointsys import rules_store

    return rules_store.rulebook_of(rules_store.current_snapshot("demo"))


def test_a_batch_refused_while_posting_writes_nothing(village):
    h1, h2, _ = village.households
    drafts = [
        Draft(h1.id, "ENV-01", date(2026, 8, 3)),
        Draft(h2.id, "ENV-01", date(2026, 8, 3)),
        Draft(h1.id, "ENV-01", date(2026, 9, 3)),  # the same quarter again: once per quarter
    ]
    with pytest.raises(SubmissionRefused) as refused:
        record(village, *drafts, source="batch")
    assert [(i, str(p)) for i, p in refused.value.problems] == [
        (2, "事项 ENV-01 每季度只计一次，本季度已经记过。")
    ]
    db.session.rollback()
    assert db.session.execute(db.select(db.func.count(Entry.id))).scalar_one() == 0
    assert ledger.record(
        village.village, drafts[:2], key="k1", actor=village.clerk, source="batch", today=TODAY
    ).entries  # the key was not used up by the refused attempt
