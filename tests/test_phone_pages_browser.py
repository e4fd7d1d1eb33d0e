"""Every page of the app, as each kind of visitor reaches it, on a 360×740 phone: nothing scrolls
sideways, nothing sticks out past the right edge, every tap target is at least 44 px tall.

The pages are the route × role table's (tests/test_route_access.py): each GET route a role is
answered 200, at the table's sample URL, in the table's village (access_world with a ledger: the
demo rulebook's long item names in selects, a closed and published quarter, an objection, a photo).
A route added to the table is visited here too. Files (workbooks, CSV, photos) are not pages.
"""

from __future__ import annotations

from datetime import date

import pytest

from pointsys import ledger
from pointsys.extensions import db
from pointsys.models import User, Village
from pointsys.rules_store import load_demo_rulebook

from . import access_world
from .conftest import PHONE
from .phone_layout import overflow, small_targets
from .test_route_access import ROUTES, STAFF_USERS

pytestmark = pytest.mark.browser

# One visitor per kind (the second resident and the other group's leader see the same pages).
VISITORS = ("anon", "resident_a", "leader_a", "clerk", "supervisor", "admin")


# The pages behind a route's first step (a household picked, a group picked, a search made), with
# the visitors who reach them: the route table visits each route once, at its first step.
NEXT_STEPS = [
    (lambda w: f"/ledger/record?household={w.households['A']}", ("clerk", "admin")),
    (lambda w: "/ledger/record?q=zh", ("clerk", "admin")),
    (lambda w: f"/ledger/batch?group={w.group_ids['一组']}", ("clerk", "admin")),
    (lambda w: "/households/?q=张", ("leader_a", "clerk", "admin")),
    (lambda w: f"/households/plaques?group={w.group_ids['一组']}", ("admin",)),
]


@pytest.fixture
def world(app):
    with app.app_context():
        load_demo_rulebook([])
        db.session.commit()
    world = access_world.build(app, ledger=True)
    with app.app_context():
        # An entry waiting for review, so the review queue has a row to lay out.
        village = db.session.get(Village, world.village_id)
        clerk = db.session.get(User, world.users["clerk1"])
        draft = ledger.Draft(world.households["A"], "ENV-02", date(2026, 11, 20), note="门前" * 30)
        ledger.record(village, [draft], key="phone-1", actor=clerk, today=date(2026, 11, 21))
        db.session.commit()
    return world


def _sign_in(page, base, world, visitor):
    if visitor == "anon":
        return
    if visitor == "resident_a":
        page.goto(base + "/me/login")
        page.fill("#number", world.numbers["A"])
        page.fill("#pin", world.pins["A"])
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(base + "/me/")
        return
    page.goto(base + "/auth/login")
    page.fill("#username", STAFF_USERS[visitor])
    page.fill("#password", access_world.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/")


def _pages_for(app, world, visitor):
    with app.app_context():
        pages = [
            (endpoint, route.url(world))
            for endpoint, route in ROUTES.items()
            if route.methods.get("GET", {}).get(visitor) == 200
        ]
        pages += [("next step", url(world)) for url, who in NEXT_STEPS if visitor in who]
        return pages


# English words run longer than Chinese ones: the pages are visited in English too.
VISITS = [(v, "zh") for v in VISITORS] + [(v, "en") for v in ("anon", "resident_a", "admin")]


@pytest.mark.parametrize(("visitor", "language"), VISITS)
def test_every_page_fits_a_phone(app, browser, live_server, world, visitor, language):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True)
    page = context.new_page()
    try:
        _sign_in(page, live_server, world, visitor)
        if language == "en":
            page.goto(live_server + "/rules/")
            page.get_by_role("button", name="English").click()
            assert page.get_attribute("html", "lang") == "en"
        problems, visited = [], 0
        for endpoint, url in _pages_for(app, world, visitor):
            # Ask first (with the same cookies): a workbook or a photo is downloaded, not shown.
            head = context.request.get(live_server + url)
            assert head.status == 200, f"{url} as {visitor}: {head.status}"
            if not head.headers.get("content-type", "").startswith("text/html"):
                continue
            page.goto(live_server + url)
            visited += 1
            wide = overflow(page)
            if wide:
                problems.append(f"{url} ({endpoint}): {wide}")
            small = small_targets(page)
            if small:
                problems.append(f"{url} ({endpoint}) small tap targets: {small}")
        assert visited >= 3, f"{visitor} visited only {visited} pages"
        assert problems == [], f"as {visitor} ({language}):\n" + "\n".join(problems)
    finally:
        context.close()


def _menu_links(page):
    return [a for a in page.locator(".topbar .nav a").all() if a.is_visible()]


@pytest.mark.parametrize("javascript", [True, False])
def test_the_phone_menu_folds_and_opens_without_javascript(
    app, browser, live_server, world, javascript
):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=1, is_mobile=True, java_script_enabled=javascript
    )
    page = context.new_page()
    try:
        _sign_in(page, live_server, world, "admin")
        page.goto(live_server + "/exports/")
        # Folded: the bar is one line (brand, 菜单, language), no menu link shown.
        assert _menu_links(page) == []
        assert page.locator(".topbar").bounding_box()["height"] < 70
        page.locator(".menu-toggle summary").click()
        labels = [a.inner_text() for a in _menu_links(page)]
        assert labels[:2] == ["首页", "用户"] and "操作日志" in labels
        # One link a line, each a full-width 44 px target.
        boxes = [a.bounding_box() for a in _menu_links(page)]
        assert all(b["height"] >= 44 and b["width"] > 300 for b in boxes)
        assert overflow(page) is None
        page.get_by_role("link", name="操作日志").click()
        assert page.locator("h1").inner_text() == "操作日志"
        assert _menu_links(page) == []  # a new page starts folded again
    finally:
        context.close()


def test_a_pc_shows_the_whole_menu_and_no_menu_button(app, browser, live_server, world):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        _sign_in(page, live_server, world, "admin")
        assert not page.locator(".menu-toggle").is_visible()
        assert "操作日志" in [a.inner_text() for a in _menu_links(page)]
    finally:
        context.close()


def test_a_resident_reaches_the_red_and_black_lists_from_the_menu(app, browser, live_server, world):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True)
    page = context.new_page()
    try:
        _sign_in(page, live_server, world, "resident_a")
        page.locator(".menu-toggle summary").click()
        page.get_by_role("link", name="红黑榜").click()
        page.wait_for_url(live_server + "/public/demo/lists")
        assert page.locator("h1").inner_text() == "幸福村 红黑榜"
        assert overflow(page) is None
    finally:
        context.close()
