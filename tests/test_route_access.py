"""Every route × every kind of visitor, in one table: who gets the page, who is sent to sign in,
who is refused (403), and for whom the household does not exist (404).

A new route without a row fails test_every_route_has_a_row. To add one: a Route with the URL (a
function of the seeded World, for ids and tokens) and, per method, the answers, starting from a
preset (public, staff_only, resident_only) and naming only the roles that differ.

Forms are posted empty with CSRF off (CSRF has its own tests): an allowed visitor then gets the
form's own answer (200 with errors, 400, or a redirect), which differs from every refusal.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook

from pointsys.extensions import db
from pointsys.models import Household, ResidentAccess, User
from pointsys.rules_store import load_demo_rulebook

from . import access_world
from .conftest import make_app

# The visitors. "leader_b" leads 二组, the other group than household A's (一组).
ROLES = ("anon", "resident_a", "resident_b", "leader_a", "leader_b", "clerk", "supervisor", "admin")
STAFF_USERS = {
    "leader_a": "leader_a",
    "leader_b": "leader_b",
    "clerk": "clerk1",
    "supervisor": "sup1",
    "admin": "admin1",
}
LOGIN = "→/auth/login"  # 302 to the staff sign-in (with ?next=)
ME_LOGIN = "→/me/login"  # 302 to the resident sign-in
HOME = "→/"


def answers(default, **by_role) -> dict[str, object]:
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    return {role: by_role.get(role, default) for role in ROLES}


def public(code=200, **by_role):
    """Anyone, signed in or not, gets the same answer."""
    return answers(code, **by_role)


def staff_only(**allowed):
    """Anonymous → staff sign-in; residents and every staff role not named → 403."""
    return answers(403, anon=LOGIN, **allowed)


def resident_only(code=200):
    """Anonymous → resident sign-in; staff → 403; each resident sees their own household."""
    return answers(403, anon=ME_LOGIN, resident_a=code, resident_b=code)


# Who may open the households list (a group leader sees their own groups' rows in it).
LISTERS = dict.fromkeys(("leader_a", "leader_b", "clerk", "admin"), 200)
# Every staff role: the ledger's read-only village-wide pages, honour lists and exports.
ALL_STAFF = dict.fromkeys(("leader_a", "leader_b", "clerk", "supervisor", "admin"), 200)
# Household A's pages in the ledger: every staff role but the leader of the other group (404).
A_VIEWERS = {**ALL_STAFF, "leader_b": 404}
RECORDERS = dict.fromkeys(("clerk", "admin"), 200)
REVIEWERS = dict.fromkeys(("supervisor", "admin"), 200)


def _by(roles: dict[str, object], answer) -> dict[str, object]:
    """The same roles, with another answer (an empty form's 400, a redirect)."""
    return dict.fromkeys(roles, answer)


@dataclass
class Route:
    url: Callable[[access_world.World], str]
    methods: dict[str, dict[str, object]] = field(default_factory=dict)


def _a(w, tail=""):
    return f"/households/{w.households['A']}{tail}"


def _token_of_a(w):
    return db.session.get(Household, w.households["A"]).plaque_token


ROUTES: dict[str, Route] = {
    "main.index": Route(
        lambda w: "/", {"GET": public(200, resident_a="→/me/", resident_b="→/me/")}
    ),
    "auth.login": Route(lambda w: "/auth/login", {"GET": public(), "POST": public()}),
    "auth.logout": Route(lambda w: "/auth/logout", {"POST": public(HOME, anon=LOGIN)}),
    "settings.set_language": Route(lambda w: "/language", {"POST": public(HOME)}),
    "rules.index": Route(lambda w: "/rules/", {"GET": public()}),
    "rules.show": Route(lambda w: "/rules/demo", {"GET": public()}),
    "admin.users": Route(lambda w: "/admin/users", {"GET": staff_only(admin=200)}),
    "admin.set_groups": Route(
        lambda w: f"/admin/users/{w.users['spare']}/groups",
        {"POST": staff_only(admin="→/admin/users")},
    ),
    # Households: role first (403), then the row (404 outside a group leader's groups).
    "households.index": Route(
        lambda w: "/households/",
        {"GET": staff_only(**LISTERS)},
    ),
    "households.detail": Route(
        _a, {"GET": staff_only(leader_a=200, leader_b=404, clerk=200, admin=200)}
    ),
    "households.create": Route(
        lambda w: "/households/new", {"GET": staff_only(admin=200), "POST": staff_only(admin=200)}
    ),
    # An empty POST falls back to the household's own values (WTForms' obj=): saved unchanged.
    "households.edit": Route(
        lambda w: _a(w, "/edit"),
        {"GET": staff_only(admin=200), "POST": staff_only(admin="→/households/{A}")},
    ),
    "households.add_member": Route(lambda w: _a(w, "/members"), {"POST": staff_only(admin=400)}),
    "households.change_status": Route(lambda w: _a(w, "/status"), {"POST": staff_only(admin=400)}),
    "households.split": Route(lambda w: _a(w, "/split"), {"POST": staff_only(admin=400)}),
    "households.merge": Route(lambda w: _a(w, "/merge"), {"POST": staff_only(admin=400)}),
    "households.rotate_token": Route(
        lambda w: _a(w, "/rotate-token"), {"POST": staff_only(admin="→" + "/households/{A}")}
    ),
    "households.issue_pin": Route(lambda w: _a(w, "/pin"), {"POST": staff_only(admin=200)}),
    "households.groups": Route(
        lambda w: "/households/groups",
        {"GET": staff_only(admin=200), "POST": staff_only(admin=200)},
    ),
    "households.import_roster": Route(
        lambda w: "/households/import",
        {"GET": staff_only(admin=200), "POST": staff_only(admin=400)},
    ),
    "households.commit_roster": Route(
        lambda w: "/households/import/commit",
        {"POST": staff_only(admin="→/households/import")},
    ),
    "households.template": Route(
        lambda w: "/households/template.xlsx",
        {"GET": staff_only(**LISTERS)},
    ),
    "households.export": Route(
        lambda w: "/households/export.xlsx", {"GET": staff_only(clerk=200, admin=200)}
    ),
    "households.plaques": Route(lambda w: "/households/plaques", {"GET": staff_only(admin=200)}),
    # The door plaque's page: read-only (GET only) and open to anyone holding the token.
    "households.public": Route(lambda w: f"/h/{_token_of_a(w)}", {"GET": public()}),
    "resident.login": Route(lambda w: "/me/login", {"GET": public(), "POST": public()}),
    "resident.home": Route(lambda w: "/me/", {"GET": resident_only()}),
    "resident.change_pin": Route(
        lambda w: "/me/pin", {"GET": resident_only(), "POST": resident_only()}
    ),
    # An empty form is shown again with its errors; the household is the signed-in one.
    "resident.declare": Route(
        lambda w: "/me/declare", {"GET": resident_only(), "POST": resident_only()}
    ),
    "resident.objections": Route(
        lambda w: "/me/objections", {"GET": resident_only(), "POST": resident_only()}
    ),
    # The ledger (seeded: household A's entry of 2026Q3 with a photo, Q3 closed and published).
    "ledger.household": Route(
        lambda w: f"/ledger/households/{w.households['A']}", {"GET": staff_only(**A_VIEWERS)}
    ),
    # Standings: a group leader gets the page with their groups' rows only (see below).
    "ledger.standings_page": Route(
        lambda w: "/ledger/standings?period=2026Q3", {"GET": staff_only(**ALL_STAFF)}
    ),
    "ledger.entry": Route(
        lambda w: f"/ledger/entries/{w.entry_id}", {"GET": staff_only(**A_VIEWERS)}
    ),
    "ledger.reverse": Route(
        lambda w: f"/ledger/entries/{w.entry_id}/reverse",
        {"POST": staff_only(**_by(REVIEWERS, 400))},
    ),
    "ledger.record": Route(
        lambda w: "/ledger/record",
        {"GET": staff_only(**RECORDERS), "POST": staff_only(**RECORDERS)},
    ),
    # An empty POST has no group yet: the group picker again.
    "ledger.batch": Route(
        lambda w: "/ledger/batch",
        {"GET": staff_only(**RECORDERS), "POST": staff_only(**RECORDERS)},
    ),
    "ledger.review": Route(lambda w: "/ledger/review", {"GET": staff_only(**REVIEWERS)}),
    # The entries page and its export: every staff role (a group leader sees their groups' rows).
    "ledger.entries": Route(lambda w: "/ledger/entries", {"GET": staff_only(**ALL_STAFF)}),
    "ledger.entries_export": Route(
        lambda w: "/ledger/entries.xlsx", {"GET": staff_only(**ALL_STAFF)}
    ),
    # An empty POST has no reason: back to the submission's entries, nothing taken back.
    "ledger.reverse_submission": Route(
        lambda w: f"/ledger/submissions/{w.submission_id}/reverse",
        {"POST": staff_only(**_by(REVIEWERS, "→/ledger/entries"))},
    ),
    "ledger.decide": Route(
        lambda w: "/ledger/review", {"POST": staff_only(**_by(REVIEWERS, "→/ledger/review"))}
    ),
    "ledger.quarters": Route(lambda w: "/ledger/quarters", {"GET": staff_only(admin=200)}),
    # 2026Q2: the admin's empty POST confirms, and closes a quarter no other row depends on.
    "ledger.close_quarter": Route(
        lambda w: "/ledger/quarters/2026Q2/close",
        {"GET": staff_only(admin=200), "POST": staff_only(admin="→/ledger/quarters")},
    ),
    "ledger.reopen_quarter": Route(
        lambda w: "/ledger/quarters/2026Q3/reopen",
        {"POST": staff_only(admin="→/ledger/quarters")},
    ),
    # Evidence photos: the file also to household A's resident, and to no other resident.
    "evidence.photos": Route(
        lambda w: f"/ledger/entries/{w.entry_id}/photos", {"GET": staff_only(**A_VIEWERS)}
    ),
    "evidence.add_photos": Route(
        lambda w: f"/ledger/entries/{w.entry_id}/photos",
        {"POST": staff_only(**_by(("clerk", "supervisor", "admin"), 422))},
    ),
    "evidence.photo": Route(
        lambda w: f"/evidence/{w.photo_id}",
        {"GET": answers(200, anon=LOGIN, resident_b=404, leader_b=404)},
    ),
    # Score sheets: the clerk's work.
    "score_sheets.index": Route(lambda w: "/score-sheets/", {"GET": staff_only(**RECORDERS)}),
    "score_sheets.download": Route(
        lambda w: f"/score-sheets/download?group={w.group_ids['一组']}&item=ENV-01&on=2026-11-20",
        {"GET": staff_only(**RECORDERS)},
    ),
    "score_sheets.upload": Route(
        lambda w: "/score-sheets/upload",
        {"GET": staff_only(**RECORDERS), "POST": staff_only(**_by(RECORDERS, 400))},
    ),
    # An empty POST names no kept upload: back to the upload page, nothing recorded.
    "score_sheets.commit": Route(
        lambda w: "/score-sheets/commit",
        {"POST": staff_only(**_by(RECORDERS, "→/score-sheets/upload"))},
    ),
    # Honour lists: public once published, so every staff role reads them; the admin publishes,
    # clerks record objections, supervisors settle them.
    "lists.index": Route(lambda w: "/lists/", {"GET": staff_only(**ALL_STAFF)}),
    "lists.draft": Route(lambda w: "/lists/draft?quarter=2026Q3", {"GET": staff_only(**ALL_STAFF)}),
    "lists.publish": Route(lambda w: "/lists/publish", {"POST": staff_only(admin=400)}),
    "lists.show": Route(lambda w: f"/lists/{w.publication_id}", {"GET": staff_only(**ALL_STAFF)}),
    "lists.print_page": Route(
        lambda w: f"/lists/{w.publication_id}/print", {"GET": staff_only(**ALL_STAFF)}
    ),
    "lists.notice_board": Route(
        lambda w: f"/lists/{w.publication_id}/notice-board.xlsx", {"GET": staff_only(**ALL_STAFF)}
    ),
    "lists.raise_objection": Route(
        lambda w: f"/lists/{w.publication_id}/objections",
        {"POST": staff_only(**_by(RECORDERS, 400))},
    ),
    "lists.objections": Route(lambda w: "/lists/objections", {"GET": staff_only(**REVIEWERS)}),
    "lists.settle": Route(
        lambda w: f"/lists/objections/{w.objection_id}/settle",
        {"POST": staff_only(supervisor=400)},
    ),
    "lists.year_end": Route(lambda w: "/lists/year?year=2026", {"GET": staff_only(**ALL_STAFF)}),
    "public_lists.index": Route(lambda w: "/public/demo/lists", {"GET": public()}),
    "public_lists.show": Route(
        lambda w: f"/public/demo/lists/{w.publication_id}", {"GET": public()}
    ),
    # Spreadsheets. A household's statement: outside a leader's groups, "no such household".
    "exports.index": Route(lambda w: "/exports/", {"GET": staff_only(**ALL_STAFF)}),
    "exports.notice_board": Route(
        lambda w: "/exports/notice-board.xlsx?quarter=2026Q3", {"GET": staff_only(**ALL_STAFF)}
    ),
    "exports.entries": Route(
        lambda w: "/exports/entries.xlsx?period=2026Q3", {"GET": staff_only(**ALL_STAFF)}
    ),
    "exports.statement": Route(
        lambda w: "/exports/statement.xlsx?year=2026&household=001",
        {"GET": staff_only(**{**ALL_STAFF, "leader_b": 400})},
    ),
    "exports.archive": Route(lambda w: "/exports/archive.xlsx", {"GET": staff_only(admin=200)}),
    "audit.index": Route(lambda w: "/admin/audit/", {"GET": staff_only(admin=200)}),
    "audit.export_xlsx": Route(
        lambda w: "/admin/audit/export.xlsx", {"GET": staff_only(admin=200)}
    ),
    "audit.export_csv": Route(lambda w: "/admin/audit/export.csv", {"GET": staff_only(admin=200)}),
}
EXCLUDED = {"static"}


@pytest.fixture
def table_app(instance_path, database_url):
    from pointsys.cli import init_database

    app = make_app(database_url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        init_database()
        load_demo_rulebook([])
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _client_as(app, world, role):
    client = app.test_client()
    if role == "anon":
        return client
    if role.startswith("resident_"):
        household_id = world.households[role[-1].upper()]
        version = db.session.get(ResidentAccess, household_id).pin_version
        session_id = f"h:{household_id}:{version}"
    else:
        user = db.session.get(User, world.users[STAFF_USERS[role]])
        session_id = user.get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


def _answer(response) -> object:
    if response.status_code == 302:
        return "→" + urlsplit(response.headers["Location"]).path
    return response.status_code


def test_every_route_has_a_row(table_app):
    in_app = {
        (rule.endpoint, method)
        for rule in table_app.url_map.iter_rules()
        if rule.endpoint not in EXCLUDED
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    in_table = {(endpoint, method) for endpoint, r in ROUTES.items() for method in r.methods}
    assert in_app - in_table == set(), "routes without a row in ROUTES"
    assert in_table - in_app == set(), "rows in ROUTES for routes that do not exist"


def test_every_route_answers_every_role_as_the_table_says(table_app):
    world = access_world.build(table_app, ledger=True)
    wrong = []
    for endpoint, route in ROUTES.items():
        for method, expected in route.methods.items():
            for role in ROLES:
                # Built afresh for each visit: an earlier row may have rotated a token or a PIN.
                # No app context is held across requests (Flask-Login keeps the user in it).
                with table_app.app_context():
                    url = route.url(world)
                    client = _client_as(table_app, world, role)
                got = _answer(client.open(url, method=method))
                want = expected[role]
                if isinstance(want, str):
                    want = want.replace("{A}", str(world.households["A"]))
                if got != want:
                    wrong.append(f"{method} {url} ({endpoint}) as {role}: {got}, not {want}")
    assert wrong == [], "\n".join(wrong)


# The village's honour lists (draft, issues, print, notice board, year-end awards), which name
# households as the notice board prints them (张*明): a group leader may read and print them whole.
VILLAGE_LISTS = {
    "lists.draft",
    "lists.show",
    "lists.print_page",
    "lists.notice_board",
    "lists.year_end",
    "exports.notice_board",
    "public_lists.index",
    "public_lists.show",
}
# Household A's 户号 standing alone (not inside a token, a number or a date).
NUMBER_A = re.compile(r"(?<![\w.:/-])001(?![\w.:/-])")


def _text(response) -> str:
    """What a page or a workbook shows, as text."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    return response.get_data(as_text=True)


def _visit(app, world, role, url):
    with app.app_context():
        client = _client_as(app, world, role)
    return client.get(url)


def test_a_group_leader_sees_no_household_of_another_group_anywhere(table_app):
    world = access_world.build(table_app, ledger=True)
    seen = []
    for endpoint, route in ROUTES.items():
        if route.methods.get("GET", {}).get("leader_b") != 200 or endpoint == "households.public":
            continue  # not theirs to open; the plaque is opened by A's token, not listed
        with table_app.app_context():
            url = route.url(world)
        text = _text(_visit(table_app, world, "leader_b", url))
        # A's head and member by name, anywhere; A's 户号 outside the village's lists.
        for shown in ("张三明", "李秀英", "名次有误"):
            if shown in text:
                seen.append(f"{url}: {shown}")
        if endpoint not in VILLAGE_LISTS and NUMBER_A.search(text):
            seen.append(f"{url}: 001")
    assert seen == []


def test_a_group_leader_sees_their_own_groups_rows_with_the_villages_ranks(table_app):
    world = access_world.build(table_app, ledger=True)
    standings = _visit(table_app, world, "leader_a", "/ledger/standings?period=2026Q3")
    html = standings.get_data(as_text=True)
    assert "张三明" in html and "李建国" not in html
    assert "只列出你负责的村民小组的户；名次与全村排名表相同。" in html
    # Household A has the quarter's only points: first in the village, as the clerk sees it.
    assert re.search(r'<td class="num">1</td>\s*<td><a [^>]*>001</a>', html)
    clerk = _visit(table_app, world, "clerk", "/ledger/standings?period=2026Q3")
    clerk_html = clerk.get_data(as_text=True)
    assert "李建国" in clerk_html and "只列出" not in clerk_html
    entries = _text(_visit(table_app, world, "leader_a", "/exports/entries.xlsx?period=2026Q3"))
    assert NUMBER_A.search(entries)
