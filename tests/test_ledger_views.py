"""The ledger's pages: who may open them, recording (single and batch) through the ledger,
idempotent double submits, review, reversal, standings and quarter closing."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import refresh

from pointsys import ledger
from pointsys.extensions import db
from pointsys.ledger import Draft
from pointsys.localtime import app_today
from pointsys.models import Entry, QuarterClose
from pointsys.periods import Period, quarter_of

from .access_world import lead
from .conftest import csrf_token, login

PASSWORD = "correct horse 1"
HIDDEN_RE = re.compile(
    r'<input[^>]*name="(csrf_token|key)"[^>]*value="([^"]*)"|'
    r'<input[^>]*value="([^"]*)"[^>]*name="(csrf_token|key)"'
)


def hidden(client, path):
    """The csrf_token and idempotency key a browser would submit with the form at `path`."""
    html = client.get(path).get_data(as_text=True)
    found = {}
    for m in HIDDEN_RE.finditer(html):
        name, value = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        found.setdefault(name, value)
    return found


def as_user(client, name):
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    login(client, name, PASSWORD)
    return client


PREVIEWED_RE = re.compile(
    r'name="previewed"[^>]*value="([0-9a-f]*)"|value="([0-9a-f]*)"[^>]*name="previewed"'
)


def batch_saved(client, path, data, **kwargs):
    """Post a batch as a clerk does: the preview first, then saving what it showed."""
    preview = client.post(path, data={**data, "step": "preview"})
    match = PREVIEWED_RE.search(preview.get_data(as_text=True))
    if preview.status_code != 200 or match is None:
        return preview
    saved = {**data, "step": "save", "previewed": match.group(1) or match.group(2)}
    return client.post(path, data=saved, **kwargs)


def entries():
    db.session.expire_all()
    return list(db.session.execute(db.select(Entry).order_by(Entry.id)).scalars())


def recorded(v, household, item, on, quantity=None, key="k", actor=None):
    result = ledger.record(
        v.village, [Draft(household.id, item, on, quantity)], key=key, actor=actor or v.clerk
    )
    db.session.commit()
    return result.entries[0]


PAGES = {
    "/ledger/record": {"admin", "clerk"},
    "/ledger/batch": {"admin", "clerk"},
    "/ledger/review": {"admin", "supervisor"},
    "/ledger/standings": {"admin", "clerk", "supervisor", "leader"},
    "/ledger/quarters": {"admin"},
    "/ledger/households/{h}": {"admin", "clerk", "supervisor", "leader"},
    "/ledger/entries/{e}": {"admin", "clerk", "supervisor", "leader"},
    "/ledger/quarters/2026Q2/close": {"admin"},
}


def test_each_page_opens_for_its_roles_and_is_forbidden_to_others(client, village, make_user):
    make_user("leader", roles=("group_leader",))
    h = village.households[0]
    lead("leader", h.group_id)  # a leader sees the household pages of their own groups only
    e = recorded(village, h, "FIL-02", date(2026, 8, 3))
    for name in ("admin", "clerk", "supervisor", "leader"):
        as_user(client, name)
        for path, allowed in PAGES.items():
            response = client.get(path.format(h=h.id, e=e.id))
            expected = 200 if name in allowed else 403
            assert response.status_code == expected, (name, path, response.status_code)


def test_anonymous_is_sent_to_login(client, village):
    response = client.get("/ledger/review")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_menu_shows_the_ledger_pages_by_role(client, village):
    html = as_user(client, "clerk").get("/").get_data(as_text=True)
    assert ">记分<" in html and ">批量记分<" in html and ">积分排名<" in html
    assert ">审核<" not in html and ">季度结账<" not in html
    html = as_user(client, "supervisor").get("/").get_data(as_text=True)
    assert ">审核<" in html and ">记分<" not in html


def test_household_first_picker(client, village):
    as_user(client, "clerk")
    response = client.get("/ledger/record?q=001")
    assert response.status_code == 302
    assert f"household={village.households[0].id}" in response.headers["Location"]
    html = client.get("/ledger/record?q=无此人").get_data(as_text=True)
    assert "没有找到在册的户“无此人”。" in html


def test_single_entry_form_lists_items_members_and_records_through_the_ledger(client, village):
    h = village.households[0]
    as_user(client, "clerk")
    path = f"/ledger/record?household={h.id}"
    html = client.get(path).get_data(as_text=True)
    assert '<optgroup label="环境卫生">' in html
    assert "ENV-01 庭院整洁，季度检查合格 · 每次 +2 分 · " in html
    assert 'data-hint="（在 -5 至 -1 之间选分值）"' in html  # ENV-06, a range item
    assert "PUB-01" in html and 'data-hint="（单位：小时）"' in html
    assert f'value="{app_today().isoformat()}"' in html  # the day of the conduct defaults to today
    member = h.members[0]
    form = hidden(client, path)
    assert len(form["key"]) == 36
    data = {
        **form,
        "item": "FIL-02",
        "on": "2026-08-03",
        "quantity": "",
        "member_ids": str(member.id),
        "note": "看望五保户",
    }
    response = client.post(path, data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    (entry,) = entries()
    assert entry.status == "pending" and entry.member_ids == [member.id]
    assert entry.note == "看望五保户" and entry.source == "form"
    assert f"已记录 #{entry.id}：001 张三明，FIL-02 探望孤寡老人（待审核，申请 +0.5 分）" in html


def test_direct_items_say_posted_and_caps_are_flashed(client, village):
    h = village.households[0]
    as_user(client, "clerk")
    path = f"/ledger/record?household={h.id}"
    data = {**hidden(client, path), "item": "ENV-01", "on": "2026-08-03"}
    html = client.post(path, data=data, follow_redirects=True).get_data(as_text=True)
    assert "（已直接入账，共 +2 分）" in html
    data = {**hidden(client, path), "item": "PUB-01", "on": "2026-08-04", "quantity": "8"}
    html = client.post(path, data=data, follow_redirects=True).get_data(as_text=True)
    assert "待审核，申请 +8 分" in html
    assert "提醒：该事项每次最多计 4 分，本次计 4 分。" in html


def test_double_submit_with_the_same_key_records_once(client, village):
    h = village.households[0]
    as_user(client, "clerk")
    path = f"/ledger/record?household={h.id}"
    data = {**hidden(client, path), "item": "FIL-02", "on": "2026-08-03"}
    client.post(path, data=data)
    html = client.post(path, data=data, follow_redirects=True).get_data(as_text=True)
    assert "这份内容已经提交过，没有重复记录。" in html
    assert len(entries()) == 1


def test_a_range_item_without_points_is_told_its_range(client, village):
    """Issue 17: an item scored -5 to -1 was told its quantity must be above 0."""
    as_user(client, "clerk")
    path = f"/ledger/record?household={village.households[0].id}"
    data = {**hidden(client, path), "item": "ENV-06", "on": "2026-08-03", "quantity": ""}
    html = client.post(path, data=data).get_data(as_text=True)
    assert "事项 ENV-06 须填写分值，分值须在 -5 到 -1 之间（最多一位小数）。" in html
    assert "大于 0" not in html
    assert entries() == []


def test_refusals_are_form_errors_and_nothing_is_written(client, village):
    h = village.households[0]
    as_user(client, "clerk")
    path = f"/ledger/record?household={h.id}"
    data = {**hidden(client, path), "item": "PUB-01", "on": "2026-08-03", "quantity": ""}
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "事项 PUB-01 需要填写数量（小时），且须大于 0。" in response.get_data(as_text=True)
    data["quantity"] = "两个"
    assert "数量 “两个” 不是数字。" in client.post(path, data=data).get_data(as_text=True)
    data.update(item="", quantity="")
    assert "请选择积分事项。" in client.post(path, data=data).get_data(as_text=True)
    data.update(item="FIL-02", on=(app_today() + timedelta(days=3)).isoformat())
    assert "还没到；请填写行为实际发生的日期。" in client.post(path, data=data).get_data(
        as_text=True
    )
    assert entries() == []


def test_batch_entry_records_every_ticked_household_in_one_submission(client, village):
    a, b, _ = village.households
    as_user(client, "clerk")
    # One group: the batch page opens on it.
    html = client.get("/ledger/batch").get_data(as_text=True)
    assert "批量记分 · 一组" in html
    path = f"/ledger/batch?group={village.group.id}"
    html = client.get(path).get_data(as_text=True)
    assert "001 张三明" in html and "002 李四" in html and "003 王五" not in html
    assert 'id="select-all"' in html
    data = {
        **hidden(client, path),
        "item": "ENV-01",
        "on": "2026-09-18",
        "household_ids": [str(a.id), str(b.id)],
    }
    html = batch_saved(client, path, data, follow_redirects=True).get_data(as_text=True)
    assert "已为一组 2 户记录 ENV-01 庭院整洁，季度检查合格（已直接入账，共 +4 分）" in html
    rows = entries()
    assert [(e.household_id, e.source, e.points) for e in rows] == [
        (a.id, "batch", 2),
        (b.id, "batch", 2),
    ]
    assert len({e.submission_id for e in rows}) == 1


def test_batch_errors_name_the_households(client, village):
    a, b, _ = village.households
    as_user(client, "clerk")
    recorded(village, a, "ENV-01", date(2026, 9, 1), key="earlier")
    path = f"/ledger/batch?group={village.group.id}"
    data = {
        **hidden(client, path),
        "item": "ENV-01",
        "on": "2026-09-18",
        "household_ids": [str(a.id), str(b.id)],
    }
    response = client.post(path, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "没有记录任何一户，请改正后重新提交：" in html
    assert "001 张三明：事项 ENV-01 每季度只计一次，本季度已经记过。" in html
    assert len(entries()) == 1
    data["household_ids"] = []
    html = client.post(path, data=data).get_data(as_text=True)
    assert "没有要记录的内容：请至少选择一户。" in html


def test_review_queue_shows_the_preview_and_approves_in_bulk(client, village):
    a, b, _ = village.households
    first = recorded(village, a, "PUB-01", date(2026, 8, 1), Decimal(8), key="a")
    second = recorded(village, b, "FIL-02", date(2026, 8, 2), key="b")
    own = recorded(village, b, "FIL-02", date(2026, 8, 3), key="c", actor=village.supervisor)
    as_user(client, "supervisor")
    html = client.get("/ledger/review").get_data(as_text=True)
    assert "待审核 3 条" in html and "本人录入" in html
    assert "提醒：该事项每次最多计 4 分，本次计 4 分。" in html
    assert ">+4<" in html  # what approving PUB-01 (8 hours) would grant
    assert "CLERK" in html  # who recorded it
    token = hidden(client, "/ledger/review")["csrf_token"]
    data = {
        "csrf_token": token,
        "action": "approve",
        "entry_ids": [str(first.id), str(second.id), str(own.id)],
    }
    html = client.post("/ledger/review", data=data, follow_redirects=True).get_data(as_text=True)
    assert "已审核通过 2 条。" in html
    assert (
        f"记录 #{own.id} 未处理：记录 #{own.id} 是您本人录入的，不能由您审核；"
        "请另一位监督委员审核。"
    ) in html
    assert [e.status for e in entries()] == ["approved", "approved", "pending"]
    assert entries()[0].points == 4


def test_review_filters(client, village):
    a = village.households[0]
    recorded(village, a, "FIL-02", date(2026, 8, 1), key="a")
    recorded(village, village.households[2], "FIL-03", date(2026, 5, 2), key="b")
    as_user(client, "supervisor")
    assert "待审核 1 条" in client.get("/ledger/review?item=FIL-03").get_data(as_text=True)
    assert "待审核 1 条" in client.get("/ledger/review?period=2026Q3").get_data(as_text=True)
    html = client.get(f"/ledger/review?group={village.group.id}").get_data(as_text=True)
    assert "待审核 1 条" in html and "FIL-02" in html
    response = client.get("/ledger/review?period=三季度")
    assert response.status_code == 400
    assert "看不懂期间 “三季度”，请写成 2026Q3 这样。" in response.get_data(as_text=True)


def test_reject_needs_a_reason_and_single_rows_can_be_decided(client, village):
    a = village.households[0]
    one = recorded(village, a, "FIL-02", date(2026, 8, 1), key="a")
    two = recorded(village, a, "FIL-03", date(2026, 8, 2), key="b")
    as_user(client, "supervisor")
    token = hidden(client, "/ledger/review")["csrf_token"]
    html = client.post(
        "/ledger/review", data={"csrf_token": token, "reject_one": one.id}, follow_redirects=True
    ).get_data(as_text=True)
    assert "驳回时请写明理由，农户会看到它。" in html
    assert entries()[0].status == "pending"
    client.post(
        "/ledger/review", data={"csrf_token": token, "reject_one": one.id, "reason": "当天未在村"}
    )
    client.post("/ledger/review", data={"csrf_token": token, "approve_one": two.id})
    first, second = entries()
    assert (first.status, first.review_note) == ("rejected", "当天未在村")
    assert second.status == "approved"
    html = client.post(
        "/ledger/review", data={"csrf_token": token, "action": "approve"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "请先勾选要审核的记录。" in html


def test_entry_detail_explains_limits_and_the_reversal_chain(client, village):
    a = village.households[0]
    entry = recorded(village, a, "PUB-01", date(2026, 8, 1), Decimal(8))
    ledger.approve([entry], reviewer=village.supervisor)
    db.session.commit()
    as_user(client, "clerk")
    html = client.get(f"/ledger/entries/{entry.id}").get_data(as_text=True)
    assert "该事项每次最多计 4 分，本次计 4 分。" in html
    assert "村规民约第十五条" in html and "冲正这条记录" not in html  # clerks cannot reverse
    as_user(client, "supervisor")
    path = f"/ledger/entries/{entry.id}"
    form = hidden(client, path)
    response = client.post(f"{path}/reverse", data={**form, "reason": ""})
    assert response.status_code == 400
    assert "冲正时请写明理由，它会和冲正记录一起公示。" in response.get_data(as_text=True)
    response = client.post(f"{path}/reverse", data={**form, "reason": "小时数记错"})
    reversal = entries()[-1]
    assert response.headers["Location"].endswith(f"/ledger/entries/{reversal.id}")
    client.post(f"{path}/reverse", data={**form, "reason": "小时数记错"})  # a resent POST
    assert len(entries()) == 2 and reversal.points == -4
    html = client.get(f"/ledger/entries/{reversal.id}").get_data(as_text=True)
    assert f'href="/ledger/entries/{entry.id}"' in html and "小时数记错" in html
    html = client.get(path).get_data(as_text=True)
    assert f'href="/ledger/entries/{reversal.id}"' in html and "冲正这条记录" not in html


def test_household_ledger_page(client, village):
    a = village.households[0]
    recorded(village, a, "ENV-01", date(2026, 8, 3), key="a")
    pending = recorded(village, a, "FIL-02", date(2026, 8, 4), key="b")
    as_user(client, "clerk")
    html = client.get(f"/households/{a.id}").get_data(as_text=True)
    assert f'href="/ledger/households/{a.id}"' in html
    html = client.get(f"/ledger/households/{a.id}").get_data(as_text=True)
    assert "001 张三明" in html and "待审核" in html
    assert html.index(f"#{pending.id}") < html.index(f"#{pending.id - 1}")  # newest first
    assert '<dd class="balance">102<' in html  # 100 base points + 2
    for i in range(60):
        recorded(village, a, "FIL-03", date(2026, 1, 1) + timedelta(days=i), key=f"p{i}")
    html = client.get(f"/ledger/households/{a.id}").get_data(as_text=True)
    assert "第 1 / 2 页" in html


def test_standings_page(client, village):
    b = village.households[1]
    recorded(village, b, "ENV-01", date(2026, 8, 3), key="a")
    as_user(client, "supervisor")
    html = client.get("/ledger/standings?period=2026Q3").get_data(as_text=True)
    assert "2026Q3" in html
    rows = re.findall(r"<tr>\s*<td class=\"num\">(\d+)</td>\s*<td><a[^>]*>(\d+)</a>", html)
    assert rows[0] == ("1", "002")
    assert client.get("/ledger/standings").status_code == 200
    assert quarter_of(app_today()).code in client.get("/ledger/standings").get_data(as_text=True)


def test_staff_pages_name_every_balance_and_show_statuses(client, village):
    a, b = village.households[:2]
    for n, day in enumerate(
        (date(2026, 7, 3), date(2026, 7, 4), date(2026, 7, 5), date(2026, 7, 6))
    ):
        entry = recorded(village, a, "CUS-05", day, key=f"c{n}")  # 100 - 40 = 60: below 70
        ledger.approve([entry], reviewer=village.supervisor)
        db.session.commit()
    recorded(village, b, "ENV-01", date(2026, 8, 3), key="b")
    as_user(client, "supervisor")
    html = client.get("/ledger/standings?period=2026Q3").get_data(as_text=True)
    assert (
        '<th class="num">年度积分</th><th class="num">荣誉积分</th><th class="num">可兑换积分</th>'
        "<th>榜单</th><th>状态</th>" in html
    )
    row_a = html.split(">001</a>")[1].split("</tr>")[0]
    assert re.findall(r'<td class="num">(-?\d+)</td>', row_a) == ["-40", "60", "-40", "0"]
    assert "<td>暂停享受村集体福利</td>" in row_a
    row_b = html.split(">002</a>")[1].split("</tr>")[0]
    assert re.findall(r'<td class="num">(-?\d+)</td>', row_b) == ["102", "2", "2"]  # after +2
    assert "暂停享受村集体福利" not in row_b
    html = client.get(f"/ledger/households/{a.id}").get_data(as_text=True)
    assert '<dt>年度积分</dt><dd class="balance">60<' in html
    assert "<dt>荣誉积分</dt><dd>-40<" in html and "<dt>可兑换积分</dt><dd>0<" in html
    assert '<span class="status status-suspended">暂停享受村集体福利</span>' in html


def test_close_and_reopen_a_quarter_through_the_page(client, village):
    as_user(client, "admin")
    html = client.get("/ledger/quarters").get_data(as_text=True)
    assert "2026Q2" in html and "未结账" in html
    path = "/ledger/quarters/2026Q2/close"
    html = client.get(path).get_data(as_text=True)
    assert "确认结账：2026Q2" in html
    token = hidden(client, path)["csrf_token"]
    html = client.post(path, data={"csrf_token": token}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "2026Q2 已结账；这个季度不能再记分、审核或冲正。" in html
    assert ledger.is_closed(village.village, date(2026, 5, 1))
    html = client.post(path, data={"csrf_token": token}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "2026Q2 已经结账了。" in html
    reopen = "/ledger/quarters/2026Q2/reopen"
    html = client.post(
        reopen, data={"csrf_token": token, "reason": ""}, follow_redirects=True
    ).get_data(as_text=True)
    assert "重新开账必须写明理由，它会记入操作日志。" in html
    html = client.post(
        reopen, data={"csrf_token": token, "reason": "补记漏登的义务劳动"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "2026Q2 已重新开账。" in html and "曾重新开账：补记漏登的义务劳动" in html
    db.session.expire_all()
    assert not ledger.is_closed(village.village, date(2026, 5, 1))
    future = quarter_of(app_today()).code
    html = client.post(
        f"/ledger/quarters/{future}/close", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert f"{future} 还没有结束" in html
    assert client.get("/ledger/quarters/2026-05/close").status_code == 404
    assert db.session.execute(db.select(QuarterClose)).scalars().all()


def test_entries_of_another_village_are_not_found(client, village):
    as_user(client, "clerk")
    assert client.get("/ledger/entries/999").status_code == 404
    assert client.get("/ledger/households/999").status_code == 404


@pytest.mark.parametrize(
    "path, heading",
    [("/ledger/standings?period=2026Q3", "<h1>Standings"), ("/ledger/review", "<h1>Review")],
)
def test_pages_render_in_english(client, village, path, heading):
    as_user(client, "admin")
    client.post("/language", data={"csrf_token": csrf_token(client), "lang": "en", "next": "/"})
    # The village fixture keeps one app context across requests, where Flask-Babel caches the
    # locale: forget it, as a new request in a real server would.
    refresh()
    html = client.get(path).get_data(as_text=True)
    assert heading in html


def test_period_helpers_agree():
    assert Period.parse("2026Q3") == quarter_of(date(2026, 8, 1))


def test_missing_date_and_expired_forms_are_explained(client, village):
    h = village.households[0]
    as_user(client, "clerk")
    path = f"/ledger/record?household={h.id}"
    data = {**hidden(client, path), "item": "FIL-02", "on": ""}
    assert "请填写行为日期。" in client.post(path, data=data).get_data(as_text=True)
    assert "最多 20 个字。" in client.post(path, data={**data, "quantity": "1" * 21}).get_data(
        as_text=True
    )
    as_user(client, "supervisor")
    token = hidden(client, "/ledger/review")["csrf_token"]
    data = {"csrf_token": token, "action": "reject", "reason": "长" * 501}
    html = client.post("/ledger/review", data=data, follow_redirects=True).get_data(as_text=True)
    assert "驳回理由：最多 500 个字。" in html
    as_user(client, "admin")
    data = {"csrf_token": token, "reason": "长" * 501}
    html = client.post("/ledger/quarters/2026Q1/reopen", data=data, follow_redirects=True)
    assert "重新开账理由：最多 500 个字。" in html.get_data(as_text=True)
    assert entries() == []


def test_a_pending_entry_that_cannot_be_approved_says_why(client, village):
    h = village.households[0]
    first = recorded(village, h, "LAW-01", date(2026, 3, 1), key="a")
    second = recorded(village, h, "LAW-01", date(2026, 6, 1), key="b")
    ledger.approve([first], reviewer=village.supervisor)
    db.session.commit()
    as_user(client, "supervisor")
    html = client.get(f"/ledger/entries/{second.id}").get_data(as_text=True)
    assert "现在不能审核通过。" in html
    assert "提醒：事项 LAW-01 每年只计一次，本年已经记过。" in html
    html = client.get("/ledger/review").get_data(as_text=True)
    assert "提醒：事项 LAW-01 每年只计一次，本年已经记过。" in html


def test_recording_without_a_rulebook_is_explained(client, app, make_user):
    from pointsys.models import Household, User, Village

    with app.app_context():
        place = Village(code="norules", name="新村")
        db.session.add(place)
        db.session.flush()
        household = Household(
            village=place, number="001", head_name="张三明", registered_on=date(2020, 1, 1)
        )
        db.session.add(household)
        db.session.commit()
        household_id, village_id = household.id, place.id
    make_user("clerk9", roles=("clerk",))
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(username="clerk9")).scalar_one()
        user.village_id = village_id
        db.session.commit()
    login(client, "clerk9", PASSWORD)
    html = client.get(f"/ledger/record?household={household_id}").get_data(as_text=True)
    assert "本村还没有加载积分管理细则，不能记分。" in html


def test_evidence_photos_ride_along_with_a_single_entry(client, village):
    import io

    from PIL import Image

    from pointsys.models import EntryPhoto

    h = village.households[0]
    as_user(client, "clerk")
    path = f"/ledger/record?household={h.id}"
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(picture, "PNG")
    data = {
        **hidden(client, path),
        "item": "FIL-02",
        "on": "2026-08-03",
        "photos": [(io.BytesIO(b"not a picture"), "photo.jpg")],
    }
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "不是 JPEG 或 PNG" in response.get_data(as_text=True)
    assert entries() == []  # a refused photo records nothing
    data["photos"] = [(io.BytesIO(picture.getvalue()), "photo.png")]
    client.post(path, data=data, content_type="multipart/form-data")
    (entry,) = entries()
    photos = db.session.execute(db.select(EntryPhoto)).scalars().all()
    assert [(p.entry_id, p.content_type) for p in photos] == [(entry.id, "image/png")]
