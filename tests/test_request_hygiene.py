"""Hostile input, case by case: control characters, ids past the database's integers, quantities
past any real one, dates at the calendar's edges, redirects off the site, and the error page when
something fails anyway. tests/test_fuzz.py sweeps every route; these pin the answers."""

from __future__ import annotations

import io
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from flask import abort
from openpyxl import Workbook

from pointsys import households as registry
from pointsys import ledger
from pointsys.extensions import db
from pointsys.households import roster
from pointsys.models import AuditEvent, Household, Village
from pointsys.periods import Period, PeriodError
from pointsys.views.forms import multi_line, one_line
from pointsys.views.safety import safe_next

from . import access_world, test_route_access
from .conftest import csrf_token, login, make_app

# The route table's app (CSRF off, demo rulebook loaded), as a fixture of this module too.
table_app = test_route_access.table_app
_client_as = test_route_access._client_as

CONTROL_PAGE = (
    "网址或提交的内容里有看不见的控制字符（可能是从别处复制来的），系统不能保存。请删掉后重新输入。"
)
OFF_SITE = [
    "////evil.example/phish",
    "/\\evil.example",
    "/\\/evil.example",
    "https://evil.example",
    "//evil.example",
    "/%2F%2Fevil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
]


def _audit_count() -> int:
    return db.session.execute(db.select(db.func.count(AuditEvent.id))).scalar_one()


@pytest.fixture
def world(table_app):
    return access_world.build(table_app, ledger=True)


def _as(app, world, role):
    with app.app_context():
        return _client_as(app, world, role)


# Control characters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, url, data",
    [
        ("POST", "/me/login", {"number": "0\x0001", "pin": "123456"}),
        ("POST", "/auth/login", {"username": "admin1\x00", "password": "x"}),
        ("GET", "/h/%00", None),
        ("GET", "/rules/demo%00", None),
        ("GET", "/households/?q=%00", None),
    ],
)
def test_nul_anywhere_is_refused_before_anything_is_read_or_written(
    table_app, world, method, url, data
):
    with table_app.app_context():
        before = _audit_count()
    response = _as(table_app, world, "anon" if "households" not in url else "admin").open(
        url, method=method, data=data
    )
    assert response.status_code == 400
    assert CONTROL_PAGE in response.get_data(as_text=True)
    with table_app.app_context():
        assert _audit_count() == before


def test_a_household_number_with_control_characters_is_never_stored(table_app, world):
    admin = _as(table_app, world, "admin")
    response = admin.post(
        "/households/new", data={"number": "0\x01\x07\x1b9", "head_name": "王五", "group_id": "0"}
    )
    assert response.status_code == 400
    assert CONTROL_PAGE in response.get_data(as_text=True)
    with table_app.app_context():
        numbers = db.session.execute(db.select(Household.number)).scalars().all()
    assert not any("\x01" in n for n in numbers)
    # The workbooks that print every 户号 keep working.
    assert admin.get("/households/export.xlsx").status_code == 200
    assert admin.get("/exports/archive.xlsx").status_code == 200


def test_tab_and_line_breaks_pass_in_text_and_become_a_space_in_a_single_line_field(
    table_app, world
):
    admin = _as(table_app, world, "admin")
    response = admin.post(
        "/households/new", data={"number": "009", "head_name": "王\t五\r\n", "group_id": "0"}
    )
    assert response.status_code == 302
    with table_app.app_context():
        household = db.session.execute(db.select(Household).filter_by(number="009")).scalar_one()
        assert household.head_name == "王 五"


def test_form_filters():
    assert one_line("张\t三\r\n李\x1b四") == "张 三 李四"
    assert multi_line("第一行\r\n\t第二行\x07") == "第一行\r\n\t第二行"
    assert one_line(None) is None


def test_the_registry_refuses_control_characters_with_the_value_made_visible(app, village):
    with app.app_context():
        place = db.session.get(Village, village.village.id)
        with pytest.raises(registry.RegistryError) as caught:
            registry.create_household(place, number="0\x01\x07\x1b", head_name="赵六", actor="t")
        assert str(caught.value) == (
            "“0␁␇␛”里有看不见的控制字符（显示为 ␁ 之类的符号），请删掉后重新填写"
        )
        household = db.session.execute(db.select(Household).filter_by(number="001")).scalar_one()
        for changes in ({"head_name": "张\x00三"}, {"address": "村口\x1b"}, {"tags": ["低保\x07"]}):
            with pytest.raises(registry.RegistryError):
                registry.update_household(household, actor="t", **changes)
        with pytest.raises(registry.RegistryError):
            registry.add_member(household, name="小\x08明", relation="子", actor="t")
        with pytest.raises(registry.RegistryError):
            registry.create_group(place, "三\x0c组", actor="t")


def _roster(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "户"
    ws.append(["户号", "户主", "门牌地址"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_line_break_in_a_roster_cell_reads_as_a_space(app, village):
    with app.app_context():
        place = db.session.get(Village, village.village.id)
        parsed = roster.parse_roster(_roster([["008", "钱七", "东头\n3号"]]))
        assert parsed.households.rows[0][1][2] == "东头 3号"
        assert roster.plan_parsed(place, parsed).blocking == []


# Numbers past the database's integers --------------------------------------------------------


@pytest.mark.parametrize("number", ["2147483648", "9223372036854775808", "99999999999999999999"])
def test_ids_past_the_databases_integers_are_pages_that_do_not_exist(table_app, world, number):
    anon, admin = _as(table_app, world, "anon"), _as(table_app, world, "admin")
    assert anon.get(f"/public/demo/lists/{number}").status_code == 404
    assert admin.get(f"/households/{number}").status_code == 404
    assert admin.get(f"/ledger/entries/{number}").status_code == 404
    assert admin.get(f"/lists/{number}").status_code == 404
    assert admin.get(f"/evidence/{number}").status_code == 404


@pytest.mark.parametrize("number", ["2147483648", "-99999999999999999999", "99999999999999999999"])
def test_numbers_past_the_databases_integers_in_a_query_filter_nothing(table_app, world, number):
    admin = _as(table_app, world, "admin")
    for url in (
        f"/households/?group={number}",
        f"/ledger/review?group={number}",
        f"/ledger/batch?group={number}",
        f"/ledger/record?household={number}",
        f"/admin/audit/?page={number}",
    ):
        assert admin.get(url).status_code == 200, url


def test_ticked_ids_past_the_databases_integers_are_ignored(table_app, world):
    admin = _as(table_app, world, "admin")
    response = admin.post(
        "/ledger/review", data={"action": "approve", "entry_ids": ["99999999999999999999", "²"]}
    )
    assert response.status_code == 302


def test_an_objection_to_an_entry_number_past_the_databases_integers(table_app, world):
    clerk = _as(table_app, world, "clerk")
    response = clerk.post(
        f"/lists/{world.publication_id}/objections",
        data={"number": "001", "entry_id": "99999999999999999999", "raised_by": "张", "text": "x"},
    )
    assert response.status_code == 400
    assert "没有这个编号的记录，请核对记录编号。" in response.get_data(as_text=True)


# Quantities ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1e27", "-1e27", "1e309", "1000000000.1", "99999999999999999999"])
def test_a_quantity_past_any_real_one_is_refused(text):
    with pytest.raises(ledger.PointsError) as caught:
        ledger.parse_quantity(text)
    assert str(caught.value) == f"数量 “{text}” 太大：请填不超过 1,000,000,000 的数。"


@pytest.mark.parametrize("text", ["NaN", "-Infinity", "sNaN", "两小时"])
def test_a_quantity_that_is_no_number_is_refused(text):
    with pytest.raises(ledger.PointsError) as caught:
        ledger.parse_quantity(text)
    assert str(caught.value) == f"数量 “{text}” 不是数字。"


def test_the_largest_quantity_is_taken():
    assert ledger.parse_quantity("1000000000") == 1_000_000_000


@pytest.mark.parametrize("quantity", ["1e27", "NaN", "1e309"])
def test_a_resident_declaring_a_huge_quantity_is_told_so(table_app, world, quantity):
    resident = _as(table_app, world, "resident_a")
    with table_app.app_context():
        before = _audit_count()
    response = resident.post(
        "/me/declare",
        data={
            "key": "k",
            "item": "PUB-01",
            "occurred_on": (date.today() - timedelta(days=1)).isoformat(),
            "quantity": quantity,
            "note": "在村口打扫卫生两个小时",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"数量 “{quantity}”" in html
    with table_app.app_context():
        assert _audit_count() == before


# Audit dates at the calendar's edges ---------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["since=0001-01-01", "until=9999-12-31", "since=0001-01-01&until=9999-12-31"]
)
def test_audit_filters_at_the_calendars_edges_bound_nothing(table_app, world, query):
    admin = _as(table_app, world, "admin")
    everything = admin.get("/admin/audit/").get_data(as_text=True)
    response = admin.get(f"/admin/audit/?{query}")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("<tr") == everything.count("<tr")
    assert admin.get(f"/admin/audit/export.csv?{query}").status_code == 200
    assert admin.get(f"/admin/audit/export.xlsx?{query}").status_code == 200


# Redirects -----------------------------------------------------------------------------------


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_refuses_every_way_off_the_site(app, target):
    with app.test_request_context():
        assert safe_next(target) == "/"


@pytest.mark.parametrize("target", ["/households/", "/ledger/entries/3?x=a%2Fb", "/me/"])
def test_safe_next_keeps_paths_of_this_site(app, target):
    with app.test_request_context():
        assert safe_next(target) == target


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_and_language_never_redirect_off_the_site(client, make_user, target):
    make_user("clerk1")
    token = csrf_token(client, "/auth/login")
    signed_in = client.post(
        "/auth/login",
        query_string={"next": target},
        data={"csrf_token": token, "username": "clerk1", "password": "correct horse 1"},
    )
    if "\t" in target:  # no control character in a URL: refused before anyone signs in
        assert signed_in.status_code == 400
    else:
        assert signed_in.status_code == 302
        assert _on_site(signed_in.headers["Location"])
    switched = client.post(
        "/language", data={"csrf_token": csrf_token(client), "lang": "en", "next": target}
    )
    assert switched.status_code == 302
    assert _on_site(switched.headers["Location"])


def _on_site(location: str) -> bool:
    """Where a browser would go stays on this site (a tab in a form's `next` became a space)."""
    seen = location.replace("\\", "/")
    return location in ("/", "/%20/evil.example") and not urlsplit(seen).netloc


# The error page ------------------------------------------------------------------------------


@pytest.fixture
def failing_app(instance_path, database_url):
    """An app whose /boom fails halfway through a transaction, as an unforeseen bug would."""
    from pointsys.cli import init_database

    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        village = Village(code="x", name="甲")
        db.session.add_all([village, Village(code="x", name="乙")])
        db.session.flush()  # the unique code fails: the session now needs a rollback
        abort(500)  # not reached

    with app.app_context():
        init_database()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_error_page_renders_after_a_failed_transaction(failing_app):
    client = failing_app.test_client()
    with failing_app.app_context():
        from pointsys.models import User, UserRole

        user = User(username="clerk1", display_name="CLERK1")
        user.role_rows = [UserRole(role="clerk")]
        user.set_password("correct horse 1")
        db.session.add(user)
        db.session.commit()
    login(client, "clerk1", "correct horse 1")
    response = client.get("/boom")
    assert response.status_code == 500
    assert "系统出现了问题，您的操作没有保存。请稍后重试或联系管理员。" in response.get_data(
        as_text=True
    )
    # The session was rolled back: the next request works and the user is still signed in.
    assert client.get("/").status_code == 200
    assert "CLERK1" in client.get("/").get_data(as_text=True)


# Periods at the calendar's edges -------------------------------------------------------------


@pytest.mark.parametrize("text", ["9999", "9999Q4", "3000-01", "0001", "0000Q1", "1899-12"])
def test_periods_past_what_the_calendar_can_follow_are_not_read(text):
    with pytest.raises(PeriodError):
        Period.parse(text)


def test_the_first_and_last_years_a_period_may_have():
    assert Period.parse("1900Q1").previous().code == "1899Q4"
    assert Period.parse("2999Q4").next().code == "3000Q1"


@pytest.mark.parametrize(
    "url",
    [
        "/lists/year?year=9999",
        "/lists/draft?quarter=9999Q4",
        "/ledger/standings?period=0001",
        "/exports/statement.xlsx?year=9999&household=001",
        "/exports/entries.xlsx?period=9999-12",
        "/exports/notice-board.xlsx?quarter=0000Q1",
    ],
)
def test_pages_asked_for_such_a_period_answer_without_failing(table_app, world, url):
    assert _as(table_app, world, "admin").get(url).status_code < 500
