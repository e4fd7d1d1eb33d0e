"""A resident opens the village's published honour lists on a phone (360 px), without a login."""

import re

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


def test_the_print_page_puts_each_list_on_its_own_a4_page(phone, published):  # noqa: F811
    from pointsys.extensions import db
    from pointsys.models import Publication

    publication_id = db.session.execute(db.select(Publication.id)).scalar_one()
    phone.goto(phone.base_url + "/auth/login")
    phone.fill("#username", "clerk")
    phone.fill("#password", "correct horse 1")
    phone.get_by_role("button", name="登录").click()
    phone.goto(phone.base_url + f"/lists/{publication_id}/print")
    phone.emulate_media(media="print")
    assert not phone.locator(".no-print").first.is_visible()
    pdf = phone.pdf(format="A4", prefer_css_page_size=True)
    # 超红榜, 黄榜 and 黑榜 each start a page; the short lists fit on one page each.
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 3
