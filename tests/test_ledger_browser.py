"""In a real browser: a clerk records an entry, a supervisor approves it from the queue."""

import re

import pytest

from pointsys.extensions import db
from pointsys.models import Entry

pytestmark = pytest.mark.browser


def _login(page, base, username):
    page.goto(base + "/auth/login")
    page.fill("#username", username)
    page.fill("#password", "correct horse 1")
    page.get_by_role("button", name="登录").click()


def test_clerk_records_and_supervisor_approves(browser, live_server, village):
    clerk = browser.new_context().new_page()
    _login(clerk, live_server, "clerk")
    clerk.get_by_role("link", name="记分", exact=True).click()
    clerk.get_by_role("searchbox").fill("001")
    clerk.get_by_role("button", name="找户").click()
    assert "001 张三明" in clerk.locator("h1").inner_text()
    clerk.select_option("#item", "PUB-01")
    assert clerk.locator("#quantity-hint").inner_text() == "（单位：小时）"
    clerk.fill("#on", "2026-08-03")
    clerk.fill("#quantity", "3")
    clerk.get_by_label("张三明").check()
    clerk.get_by_role("button", name="记录").click()
    assert "待审核，申请 +3 分" in clerk.locator(".flash-success").inner_text()
    clerk.context.close()

    supervisor = browser.new_context().new_page()
    _login(supervisor, live_server, "supervisor")
    supervisor.get_by_role("link", name=re.compile(r"^审核")).click()
    assert "待审核 1 条" in supervisor.content()
    supervisor.locator("#select-all").check()
    supervisor.get_by_role("button", name="通过所选").click()
    assert supervisor.locator(".flash-success").inner_text() == "已审核通过 1 条。"
    assert "没有待审核的记录。" in supervisor.content()
    supervisor.context.close()

    db.session.expire_all()
    (entry,) = db.session.execute(db.select(Entry)).scalars()
    assert (entry.status, entry.points, entry.created_label) == ("approved", 3, "clerk")
    assert entry.reviewed_by.username == "supervisor"
