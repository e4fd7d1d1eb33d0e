"""The entries page (积分记录): every entry, filtered, paged and exported with the same filters;
a batch as a unit, taken back whole with one reason; review rejecting a row with its own reason
and showing the evidence photos."""

import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from pointsys import evidence, ledger
from pointsys.audit import AuditEvent
from pointsys.extensions import db
from pointsys.ledger import Draft
from pointsys.models import Entry, Submission

from .access_world import _png, lead
from .test_ledger_views import as_user, entries, hidden, recorded

TODAY = date(2026, 11, 21)


def _batch(v, households, item, on, key, quantity=None, actor=None):
    result = ledger.record(
        v.village,
        [Draft(h.id, item, on, quantity) for h in households],
        key=key,
        actor=actor or v.clerk,
        source="batch",
        today=TODAY,
    )
    db.session.commit()
    return result.entries


def test_the_page_filters_by_every_field_and_pages(client, village):
    a, b, c = village.households
    approved = _batch(village, [a, b], "ENV-01", date(2026, 8, 3), "b1")  # posted at once
    pending = recorded(village, c, "PUB-01", date(2026, 9, 1), Decimal(2), key="p")
    rejected = recorded(village, b, "FIL-02", date(2026, 9, 2), key="r", actor=village.clerk2)
    ledger.reject([rejected], reviewer=village.supervisor, reason="重复")
    ledger.reverse(approved[1], actor=village.supervisor, reason="记错", key="rev")
    db.session.commit()
    as_user(client, "clerk")

    def ids(query):
        response = client.get("/ledger/entries?" + query)
        assert response.status_code == 200, response.get_data(as_text=True)
        html = response.get_data(as_text=True)
        return {e.id for e in entries() if f'/ledger/entries/{e.id}"' in html}

    every = {e.id for e in entries()}
    assert ids("") == every
    assert ids("status=pending") == {pending.id}
    assert ids("status=rejected") == {rejected.id}
    assert ids("status=reversed") == {approved[1].id}
    assert ids("status=approved") == {approved[0].id, approved[1].reversed_by.id}
    assert ids("source=batch") == {approved[0].id, approved[1].id}
    assert ids("source=form") == {pending.id, rejected.id}
    assert ids("item=PUB-01") == {pending.id}
    assert ids("household=002") == {approved[1].id, rejected.id, approved[1].reversed_by.id}
    assert ids(f"group={village.group.id}") == every - {pending.id}
    assert ids(f"recorder={village.clerk2.id}") == {rejected.id}
    assert ids("start=2026-09-01&end=2026-09-01") == {pending.id}
    assert ids(f"submission={approved[0].submission_id}") == {
        a.id and approved[0].id,
        approved[1].id,
    }
    response = client.get("/ledger/entries?start=2026-13-01")
    assert response.status_code == 400
    assert "起始日期 “2026-13-01” 看不懂，请写成 2026-08-03 这样。" in response.get_data(
        as_text=True
    )


def test_the_page_shows_fifty_rows_at_a_time(client, village):
    a = village.households[0]
    ledger.record(
        village.village,
        [Draft(a.id, "FIL-02", date(2026, 8, 1 + n % 28), None, (), f"n{n}") for n in range(60)],
        key="many",
        actor=village.clerk,
        today=TODAY,
    )
    db.session.commit()
    as_user(client, "clerk")
    html = client.get("/ledger/entries").get_data(as_text=True)
    assert "共 60 条" in html and "第 1 / 2 页" in html
    assert html.count('<a href="/ledger/entries/') == 50
    html = client.get("/ledger/entries?page=2").get_data(as_text=True)
    assert html.count('<a href="/ledger/entries/') == 10


def test_a_group_leader_sees_only_their_groups(client, village, make_user):
    a, b, c = village.households
    _batch(village, [a, b, c], "ENV-01", date(2026, 8, 3), "b1")
    make_user("leader", roles=("group_leader",))
    lead("leader", village.group.id)
    as_user(client, "leader")
    html = client.get("/ledger/entries").get_data(as_text=True)
    assert "001 张三明" in html and "002 李四" in html and "003 王五" not in html
    book = load_workbook(io.BytesIO(client.get("/ledger/entries.xlsx").data))
    numbers = [row[2] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert sorted(numbers) == ["001", "002"]


def test_the_export_has_the_same_filters_and_keeps_text_as_text(client, village):
    a, b, _ = village.households
    recorded(village, a, "FIL-02", date(2026, 8, 1), key="x")
    entry = ledger.record(
        village.village,
        [Draft(b.id, "FIL-02", date(2026, 8, 2), None, (), '=HYPERLINK("http://x")')],
        key="y",
        actor=village.clerk,
        today=TODAY,
    ).entries[0]
    db.session.commit()
    as_user(client, "clerk")
    response = client.get("/ledger/entries.xlsx?household=002")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:4] == ("编号", "行为日期", "户号", "户主")
    assert [(r[0], r[2], r[10], r[11], r[15]) for r in rows] == [
        (entry.id, "002", "待审核", "单条记分", '=HYPERLINK("http://x")')
    ]
    note = sheet.cell(2, 16)
    assert note.data_type == "s" and note.quotePrefix
    response = client.get("/ledger/entries.xlsx?end=nonsense")
    assert response.status_code == 400


def test_a_wrong_batch_is_taken_back_whole_with_one_reason(client, village):
    a, b, c = village.households
    posted = _batch(village, [a, b], "ENV-01", date(2026, 8, 3), "b1")
    waiting = _batch(village, [a, c], "PUB-01", date(2026, 8, 4), "b2", Decimal(2))
    as_user(client, "clerk")
    html = client.get("/ledger/entries?source=batch").get_data(as_text=True)
    assert f'/ledger/entries?submission={posted[0].submission_id}"' in html
    assert "整批撤销" not in client.get(
        f"/ledger/entries?submission={posted[0].submission_id}"
    ).get_data(as_text=True)  # a clerk does not take back

    as_user(client, "supervisor")
    page = f"/ledger/entries?submission={waiting[0].submission_id}"
    html = client.get(page).get_data(as_text=True)
    assert "整批撤销" in html and "共 2 条" in html
    action = f"/ledger/submissions/{waiting[0].submission_id}/reverse"
    form = hidden(client, page)
    html = client.post(action, data={**form, "reason": ""}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "撤销整批时请写明理由，它会和冲正记录一起公示。" in html
    html = client.post(
        action, data={**form, "reason": "记错了事项"}, follow_redirects=True
    ).get_data(as_text=True)
    assert f"已撤销提交 #{waiting[0].submission_id}：冲正 0 条，驳回 2 条。" in html
    assert [e.status for e in entries() if e.submission_id == waiting[0].submission_id] == [
        "rejected",
        "rejected",
    ]
    # The same key again: a replay, nothing more.
    html = client.post(
        action, data={**form, "reason": "记错了事项"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "这份内容已经提交过，没有重复处理。" in html

    page = f"/ledger/entries?submission={posted[0].submission_id}"
    action = f"/ledger/submissions/{posted[0].submission_id}/reverse"
    html = client.post(
        action, data={**hidden(client, page), "reason": "不是这一组"}, follow_redirects=True
    ).get_data(as_text=True)
    assert f"已撤销提交 #{posted[0].submission_id}：冲正 2 条，驳回 0 条。" in html
    db.session.expire_all()
    reversals = [e for e in entries() if e.kind == "reversal"]
    assert sorted((e.reverses_id, e.points, e.note) for e in reversals) == [
        (posted[0].id, -2, "不是这一组"),
        (posted[1].id, -2, "不是这一组"),
    ]
    event = db.session.execute(
        db.select(AuditEvent).filter_by(
            action="submission_reversed", object_id=str(posted[0].submission_id)
        )
    ).scalar_one()
    assert event.after["reversed"] == [posted[0].id, posted[1].id]
    html = client.post(
        action, data={**hidden(client, page), "reason": "再撤"}, follow_redirects=True
    ).get_data(as_text=True)
    assert f"提交 #{posted[0].submission_id} 的记录都已驳回或冲正，没有可撤销的。" in html


def test_taking_back_is_all_or_nothing(village):
    a, b, _ = village.households
    own = _batch(village, [a, b], "PUB-01", date(2026, 8, 4), "b1", Decimal(2), village.admin)
    ledger.approve([own[0]], reviewer=village.supervisor, today=TODAY)
    db.session.commit()
    submission = db.session.get(Submission, own[0].submission_id)
    # The admin recorded the batch: four eyes forbid them to reject its pending entry, so the
    # approved one is not reversed either.
    try:
        ledger.reverse_submission(submission, actor=village.admin, reason="错", key="k")
    except ledger.PointsError as exc:
        db.session.rollback()
        assert f"记录 #{own[1].id} 不能驳回，整批未作任何处理：" in str(exc)
        assert "是您本人录入的" in str(exc)
    else:
        raise AssertionError("taken back despite a refusal")
    assert [(e.status, e.reversed_by) for e in entries()] == [("approved", None), ("pending", None)]
    result = ledger.reverse_submission(submission, actor=village.supervisor, reason="错", key="k2")
    db.session.commit()
    assert (len(result.reversals), len(result.rejected)) == (1, 1)


def test_review_rejects_a_row_with_its_reason_and_approves_the_rest(client, village, app):
    a, b, c = village.households
    rows = _batch(village, [a, b, c], "PUB-01", date(2026, 8, 4), "b1", Decimal(2))
    evidence.attach(rows[1], [_png()], village.clerk, root=evidence.folder(app.instance_path))
    db.session.commit()
    photo = db.session.execute(db.select(evidence.EntryPhoto)).scalar_one()
    as_user(client, "supervisor")
    html = client.get("/ledger/review").get_data(as_text=True)
    assert f'<img src="/evidence/{photo.id}"' in html and "照片 1" in html
    assert f'name="reason-{rows[1].id}"' in html
    data = {
        **hidden(client, "/ledger/review"),
        "entry_ids": [str(e.id) for e in rows],
        f"reason-{rows[1].id}": "照片不是这一户",
        "action": "approve",
    }
    html = client.post("/ledger/review", data=data, follow_redirects=True).get_data(as_text=True)
    assert "已审核通过 2 条。" in html and "已驳回 1 条。" in html
    got = {e.id: (e.status, e.review_note) for e in entries()}
    assert got == {
        rows[0].id: ("approved", None),
        rows[1].id: ("rejected", "照片不是这一户"),
        rows[2].id: ("approved", None),
    }
    # The entry page shows the photo too, and links the batch.
    html = client.get(f"/ledger/entries/{rows[1].id}").get_data(as_text=True)
    assert f'<img src="/evidence/{photo.id}"' in html
    assert f"/ledger/entries?submission={rows[1].submission_id}" in html


def test_review_row_reject_button_uses_the_row_reason(client, village):
    a = village.households[0]
    entry = recorded(village, a, "PUB-01", date(2026, 8, 4), Decimal(2))
    as_user(client, "supervisor")
    data = {**hidden(client, "/ledger/review"), "reject_one": str(entry.id)}
    html = client.post("/ledger/review", data=data, follow_redirects=True).get_data(as_text=True)
    assert "驳回时请写明理由，农户会看到它。" in html
    data[f"reason-{entry.id}"] = "时长不对"
    html = client.post("/ledger/review", data=data, follow_redirects=True).get_data(as_text=True)
    assert "已驳回 1 条。" in html
    assert db.session.get(Entry, entry.id).review_note == "时长不对"
