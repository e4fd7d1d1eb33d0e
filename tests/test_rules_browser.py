"""The rulebook page on a 360 px phone: readable without sideways scrolling, in both languages."""

from __future__ import annotations

import pytest

from pointsys.extensions import db
from pointsys.rules_store import DEMO_RULEBOOK, store

pytestmark = pytest.mark.browser


def test_rulebook_on_a_phone(app, phone):
    with app.app_context():
        store(DEMO_RULEBOOK, actor_label="test")
        db.session.commit()
    phone.goto(phone.base_url + "/")
    phone.get_by_role("link", name="查看本村积分管理细则").click()
    phone.get_by_role("link", name="demo").click()
    assert phone.locator("h1").inner_text() == "幸福村积分管理细则"
    assert phone.locator(".rule-item").count() >= 60
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.get_by_role("link", name="历次修订").click()
    assert phone.locator("#changes h3").first.is_visible()
    phone.get_by_role("button", name="English").click()
    assert phone.locator("#changes h2").inner_text() == "Revisions"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
