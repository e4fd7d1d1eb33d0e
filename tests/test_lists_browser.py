"""A resident opens the village's published honour lists on a phone (360 px), without a login."""

import pytest

from .test_lists_views import published  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_public_lists_are_readable_on_a_phone(phone, published):  # noqa: F811
    phone.goto(phone.base_url + "/public/demo/lists")
    assert phone.locator("h1").inner_text() == "幸福村 红黑榜"
    titles = phone.locator(".honour-title").all_inner_texts()
    assert titles == ["超红榜", "黄榜", "黑榜"]
    assert phone.locator("[data-tier=black] tbody td").nth(2).inner_text() == "李*"
    # The page itself never scrolls sideways; the 累计积分 and 村民小组 columns give way.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not phone.locator(".honour th.wide").first.is_visible()
