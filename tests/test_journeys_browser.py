"""Two journeys end to end in Chromium against the app served on 127.0.0.1, each on a 360×740
phone: a resident's door-plaque page before and after a staff entry is approved, and an admin
closing and publishing a quarter and downloading the notice-board workbook.

Every step leaves a full-page screenshot in test-artifacts/<test>/ (see tests/phone_layout.py;
$POINTSYS_TEST_ARTIFACTS moves it), and every page visited is checked to fit 360 px.
The clerk's batch and the supervisor's review queue have their own browser tests; here the
approval is the ledger's, so the journey stays about what the resident sees.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from pointsys import ledger
from pointsys.extensions import db
from pointsys.localtime import app_today
from pointsys.models import Entry, Household, User, Village

from . import access_world
from .conftest import PHONE
from .phone_layout import artefacts_dir, overflow
from .test_phone_pages_browser import _sign_in, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


class Steps:
    """Screenshots numbered in the order taken, and the width check on every page shown."""

    def __init__(self, page, name):
        self.page, self.count = page, 0
        self.folder = artefacts_dir() / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()

    def shot(self, label):
        self.count += 1
        self.page.screenshot(path=self.folder / f"{self.count:02d}-{label}.png", full_page=True)
        assert overflow(self.page) is None, f"{label}: {overflow(self.page)}"


def _phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    return context, context.new_page()


def _balance(page):
    return page.locator("#ledger-summary .figure-value").first.inner_text()


def test_a_resident_sees_the_new_balance_on_the_plaque_page_after_approval(
    app,
    browser,
    live_server,
    world,  # noqa: F811
):
    with app.app_context():
        token = db.session.get(Household, world.households["A"]).plaque_token
        today = app_today()
    plaque = live_server + f"/h/{token}"
    context, page = _phone(browser)
    steps = Steps(page, "resident-plaque")
    try:
        page.goto(plaque)
        assert page.locator("h1").inner_text() == "幸福村 · 户号 001"
        before = _balance(page)
        steps.shot("plaque-before")

        # The clerk records 门前三包落实到位 (+1, waits for review) on the phone, without a script.
        _sign_in(page, live_server, world, "clerk")
        page.goto(live_server + f"/ledger/record?household={world.households['A']}")
        steps.shot("record-form")
        page.select_option("#item", "ENV-02")
        page.fill("#on", today.isoformat())
        page.get_by_role("button", name="记录").click()
        assert "待审核" in page.locator(".flash").first.inner_text()
        steps.shot("recorded")

        page.goto(plaque)
        assert _balance(page) == before  # pending: not counted yet
        steps.shot("plaque-pending")

        with app.app_context():
            entry = db.session.execute(
                db.select(Entry).filter_by(item_code="ENV-02", status="pending", occurred_on=today)
            ).scalar_one()
            supervisor = db.session.get(User, world.users["sup1"])
            assert ledger.approve([entry], reviewer=supervisor).done == [entry]
            db.session.commit()

        page.goto(plaque)
        assert float(_balance(page)) == float(before) + 1
        assert "门前三包落实到位" in page.locator(".entries").inner_text()
        # The year's chart, drawn on the server, fits the phone and carries its figures as a table.
        chart = page.locator("figure.chart-figure")
        assert chart.locator("svg[role=img]").count() == 1
        assert chart.locator("svg").bounding_box()["width"] <= 360
        assert chart.locator("table.chart-table tbody tr").count() >= 1
        steps.shot("plaque-after")
    finally:
        context.close()


@pytest.fixture
def quarter_to_close(village):
    """2026Q3 of the conftest village: household 001 with an approved +2 (ENV-01 needs no
    review), 002 and 003 with none; nothing closed or published."""
    place = db.session.get(Village, village.village.id)
    clerk = db.session.get(User, village.clerk.id)
    draft = ledger.Draft(village.households[0].id, "ENV-01", date(2026, 8, 3))
    ledger.record(place, [draft], key="q3-1", actor=clerk, today=app_today())
    db.session.commit()
    return village


def test_an_admin_closes_publishes_and_downloads_the_notice_board(
    app, browser, live_server, quarter_to_close
):
    context, page = _phone(browser)
    steps = Steps(page, "admin-publish")
    try:
        page.goto(live_server + "/auth/login")
        page.fill("#username", "admin")
        page.fill("#password", access_world.PASSWORD)
        page.get_by_role("button", name="登录").click()
        steps.shot("signed-in")

        page.locator(".menu-toggle summary").click()
        steps.shot("menu-open")
        page.get_by_role("link", name="季度结账").click()
        steps.shot("quarters")
        page.locator("#q-2026Q3").get_by_role("link", name="结账").click()
        assert page.locator("h1").inner_text() == "确认结账：2026Q3"
        steps.shot("close-confirm")
        page.get_by_role("button", name="确认结账").click()
        assert "已结账" in page.locator("#q-2026Q3").inner_text()
        steps.shot("closed")

        page.locator(".menu-toggle summary").click()
        page.get_by_role("link", name="红黑榜").click()
        page.fill("input[name=period]", "2026Q3")
        page.get_by_role("button", name="预览草稿").click()
        steps.shot("draft")
        page.get_by_role("button", name="公布第 1 版").click()
        assert "第 1 版" in page.locator("h1, .flash").all_inner_texts().__str__()
        steps.shot("published")

        with page.expect_download() as download_info:
            page.get_by_role("link", name="下载公示表（Excel）").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".xlsx")
        saved = steps.folder / download.suggested_filename
        download.save_as(saved)
        book = load_workbook(io.BytesIO(saved.read_bytes()), read_only=True)
        text = "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
        assert "幸福村" in text and "超红榜" in text
        assert "张*明" in text  # household 001 on the lists, its head's name masked
    finally:
        context.close()
