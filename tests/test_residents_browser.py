"""A resident signs in with 户号 + PIN on a 360 px phone and sees the household's page."""

import pytest

from . import access_world

pytestmark = pytest.mark.browser


def test_resident_signs_in_on_a_phone(app, phone):
    world = access_world.build(app)
    phone.goto(phone.base_url + "/me/login")
    phone.fill("#number", "001")
    phone.fill("#pin", world.pins["A"])
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(phone.base_url + "/me/")
    assert phone.locator("h1").inner_text() == "幸福村 · 户号 001"
    assert phone.locator(".members li").all_inner_texts() == ["张三明（户主）", "李秀英（配偶）"]
    # Each balance the rulebook keeps (a legacy [account]: with 荣誉总分), quarter, rank, list.
    labels = phone.locator("#ledger-summary .figure-label").all_inner_texts()
    assert labels[:2] == ["积分余额", "荣誉总分"] and labels[3:] == ["本季度排名", "榜单"]
    assert labels[2].endswith(" 得分") and len(labels) == 5
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.get_by_role("link", name="修改 PIN").first.click()
    assert phone.locator("h1").inner_text() == "修改 PIN"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.goto(phone.base_url + "/me/declare")
    assert phone.locator("h1").inner_text() == "申报好人好事"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
