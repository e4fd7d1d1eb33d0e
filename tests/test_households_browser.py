"""A resident scans the door plaque on a phone (360 px) and sees the household page."""

import pytest

from pointsys import households as registry
from pointsys.extensions import db
from pointsys.models import Village

pytestmark = pytest.mark.browser


def _no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def token(app):
    with app.app_context():
        village = Village(code="v1", name="幸福村")
        db.session.add(village)
        db.session.flush()
        group = registry.create_group(village, "一组", actor="test")
        household = registry.create_household(
            village, number="001", head_name="张三明", group=group, actor="test"
        )
        registry.add_member(household, name="李秀英", relation="配偶", actor="test")
        db.session.commit()
        return household.plaque_token


def test_plaque_link_opens_the_household_page_on_a_phone(phone, token):
    phone.goto(phone.base_url + f"/h/{token}")
    assert phone.locator("h1").inner_text() == "幸福村 · 户号 001"
    # What the plaque shows is the rulebook's [plaque]; without one loaded, the defaults.
    assert phone.locator(".facts dd").first.inner_text() == "张*明"
    assert phone.locator(".members li").count() == 0
    assert _no_horizontal_scroll(phone)
    response = phone.goto(phone.base_url + "/h/not-a-token")
    assert response.status == 404


def test_household_list_search_on_a_phone(app, phone, token, make_user):
    from pointsys import accounts

    make_user("leader1", roles=("group_leader",))
    with app.app_context():
        village = db.session.execute(db.select(Village)).scalar_one()
        leader = accounts.find_user("leader1")
        accounts.set_groups(leader, accounts.find_groups(village, ["一组"]), actor="test")
        db.session.commit()
    phone.goto(phone.base_url + "/auth/login")
    phone.fill("#username", "leader1")
    phone.fill("#password", "correct horse 1")
    phone.get_by_role("button", name="登录").click()
    phone.goto(phone.base_url + "/households/")
    phone.get_by_role("searchbox").fill("zsm")
    phone.get_by_role("button", name="查找").click()
    assert phone.locator("tbody tr td").first.inner_text() == "001"
    assert _no_horizontal_scroll(phone)
