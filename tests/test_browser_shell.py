"""The page shell in a real browser on a 360 px phone: Chinese first, a working language switch."""

import pytest

pytestmark = pytest.mark.browser


def _no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_home_on_a_phone_is_chinese_and_fits(phone):
    phone.goto(phone.base_url + "/")
    assert phone.locator("h1").inner_text() == "村级积分管理"
    assert phone.get_attribute("html", "lang") == "zh-CN"
    assert _no_horizontal_scroll(phone)


def test_language_switch_in_the_browser(phone, make_user):
    make_user("clerk1", roles=("clerk",))
    phone.goto(phone.base_url + "/auth/login")
    phone.get_by_role("button", name="English").click()
    assert phone.locator("h1").inner_text() == "Staff sign-in"
    phone.fill("#username", "clerk1")
    phone.fill("#password", "correct horse 1")
    phone.get_by_role("button", name="Sign in").click()
    assert "Welcome, CLERK1." in phone.locator(".flash").inner_text()
    assert _no_horizontal_scroll(phone)
    phone.get_by_role("button", name="中文").click()
    assert phone.locator("h1").inner_text() == "村级积分管理"
