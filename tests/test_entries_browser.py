"""In Chromium on a 360 px phone: a clerk records an inspection batch with a value per household
(preview, then save); a supervisor rejects one row with its reason and approves the rest. Every
step's screenshot is kept under the test's tmp dir; every page visited fits 360 px."""

from datetime import date
from decimal import Decimal

import pytest

from pointsys.extensions import db
from pointsys.localtime import app_today
from pointsys.models import Entry

pytestmark = pytest.mark.browser

# The widest thing on the page: the document's scroll width and the right edge of every element.
WIDEST = """() => {
  let right = document.documentElement.scrollWidth;
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > right) right = box.right;
  }
  return Math.ceil(right);
}"""


def _step(page, shots, widths, name):
    """Keep the step's screenshot and how wide its page is."""
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    widths[name] = page.evaluate(WIDEST)


def _login(page, base, username):
    page.goto(base + "/auth/login")
    page.fill("#username", username)
    page.fill("#password", "correct horse 1")
    page.get_by_role("button", name="登录").click()


def _walk(phone, village, tmp_path) -> dict[str, int]:
    """The clerk's inspection batch, then the supervisor's review; each page's width by step."""
    shots = tmp_path / "screenshots"
    shots.mkdir()
    widths: dict[str, int] = {}
    a, b, _ = village.households
    base = phone.base_url
    day = min(app_today(), date(2026, 8, 31)).isoformat()

    _login(phone, base, "clerk")
    _step(phone, shots, widths, "01-clerk-home")
    phone.goto(base + "/ledger/batch")
    _step(phone, shots, widths, "02-batch-form")
    phone.select_option("#item", "PUB-01")
    phone.fill("#on", day)
    phone.fill(f"input[name='value-{a.id}']", "3")
    phone.fill(f"input[name='value-{b.id}']", "2")
    phone.get_by_role("button", name="预览每户得分").click()
    assert "预览：保存后每户得分" in phone.content()
    assert "共 2 户" in phone.locator("#batch-preview").inner_text()
    _step(phone, shots, widths, "03-batch-preview")
    phone.get_by_role("button", name="确认保存这 2 户").click()
    assert "已为一组 2 户记录 PUB-01" in phone.locator(".flash-success").inner_text()
    # The next batch keeps the item and the day.
    assert phone.locator("#item").input_value() == "PUB-01"
    assert phone.locator("#on").input_value() == day
    _step(phone, shots, widths, "04-batch-saved")
    phone.context.clear_cookies()

    _login(phone, base, "supervisor")
    phone.goto(base + "/ledger/review")
    assert "待审核 2 条" in phone.content()
    _step(phone, shots, widths, "05-review")
    db.session.rollback()  # a fresh read: the live server committed the batch
    first, second = db.session.execute(db.select(Entry).order_by(Entry.id)).scalars()
    phone.fill(f"input[name='reason-{second.id}']", "时长与签到表不符")
    phone.locator("#select-all").check()
    phone.get_by_role("button", name="通过所选").click()
    flashes = phone.locator(".flash-success").all_inner_texts()
    assert flashes == ["已审核通过 1 条。", "已驳回 1 条。"]
    _step(phone, shots, widths, "06-reviewed")
    phone.goto(base + f"/ledger/entries/{second.id}")
    assert "时长与签到表不符" in phone.content()
    _step(phone, shots, widths, "07-rejected-entry")
    phone.goto(base + f"/ledger/entries?submission={first.submission_id}")
    assert "共 2 条" in phone.content()
    _step(phone, shots, widths, "08-the-batch")

    db.session.rollback()  # a fresh read again: the review committed since
    got = [
        (e.status, e.points, e.review_note)
        for e in db.session.execute(db.select(Entry).order_by(Entry.id)).scalars()
    ]
    assert got == [("approved", Decimal(3), None), ("rejected", None, "时长与签到表不符")]
    assert len(list(shots.iterdir())) == 8
    return widths


def test_inspection_batch_then_review_with_a_row_reason_on_a_phone(phone, village, tmp_path):
    widths = _walk(phone, village, tmp_path)
    assert len(widths) == 8
    # No page of the walk is wider than the phone: neither its scroll width nor any element.
    too_wide = {step: width for step, width in widths.items() if width > 360}
    assert too_wide == {}
