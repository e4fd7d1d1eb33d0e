"""The village's clock: "today" and every shown time are local (POINTSYS_TIMEZONE, by default
Asia/Shanghai), so an entry made at 07:30 on 1 October in the village lands in Q4, not in the
UTC day before. The clock is frozen by replacing pointsys.localtime.utc_now, the one clock."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from pointsys import localtime
from pointsys.cli import init_database
from pointsys.config import ConfigError
from pointsys.extensions import db
from pointsys.models import AuditEvent, Entry
from pointsys.periods import quarter_of

from .conftest import make_app
from .test_ledger_views import as_user, hidden

FROZEN = datetime(2026, 9, 30, 23, 30, tzinfo=UTC)  # 2026-10-01 07:30 in Shanghai
PASSWORD = "correct horse 1"


@pytest.fixture
def zone_env():
    """POINTSYS_TIMEZONE for the app; None leaves the default (Asia/Shanghai)."""
    return None


@pytest.fixture
def app(instance_path, database_url, zone_env, monkeypatch):
    """The conftest app, made with POINTSYS_TIMEZONE set as the test asks."""
    if zone_env:
        monkeypatch.setenv("POINTSYS_TIMEZONE", zone_env)
    app = make_app(database_url)
    with app.app_context():
        init_database()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(localtime, "utc_now", lambda: FROZEN)
    return FROZEN


def test_local_today_and_to_local():
    shanghai = localtime.zone("Asia/Shanghai")
    assert localtime.to_local(FROZEN, shanghai) == datetime(2026, 10, 1, 7, 30, tzinfo=shanghai)
    assert localtime.to_local(FROZEN.replace(tzinfo=None), shanghai).hour == 7  # naive is UTC
    assert localtime.local_today(localtime.zone("UTC")) <= localtime.local_today(shanghai)


def test_the_frozen_clock_reaches_today_and_stored_times(app, frozen):
    with app.app_context():
        assert localtime.app_today() == date(2026, 10, 1)
        assert localtime.app_now().strftime("%Y-%m-%d %H:%M %z") == "2026-10-01 07:30 +0800"
        from pointsys.models import utcnow

        assert utcnow() == FROZEN


def record_today(client, village):
    """The clerk records ENV-01 for 001 on the form's default day; returns (form day, entry)."""
    h1 = village.households[0]
    as_user(client, "clerk")
    path = f"/ledger/record?household={h1.id}"
    form_page = client.get(path).get_data(as_text=True)
    day = form_page.split('name="on"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    data = {**hidden(client, path), "item": "ENV-01", "on": day, "quantity": "", "note": ""}
    response = client.post(path, data=data, follow_redirects=True)
    assert response.status_code == 200
    db.session.expire_all()
    entry = db.session.execute(db.select(Entry)).scalar_one()
    return day, entry


def audit_time_of(client, action):
    """The time cell of the event `action` in the CSV and the xlsx export of the trail."""
    as_user(client, "admin")
    text = client.get("/admin/audit/export.csv").get_data(as_text=True).lstrip("\ufeff")
    csv_row = next(r for r in csv.reader(io.StringIO(text)) if len(r) > 4 and r[4] == action)
    sheet = load_workbook(io.BytesIO(client.get("/admin/audit/export.xlsx").data)).active
    xlsx_row = next(r for r in sheet.iter_rows(values_only=True) if r[4] == action)
    return csv_row[0], xlsx_row[0]


def archive_recorded_at(client):
    """录入时间 of the first entry in the archive workbook (admins)."""
    sheet = load_workbook(io.BytesIO(client.get("/exports/archive.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    return rows[1][rows[0].index("录入时间")]


def test_before_eight_in_the_morning_it_is_already_the_next_day_in_the_village(
    client, village, frozen
):
    day, entry = record_today(client, village)
    assert day == "2026-10-01"  # the form's default: the village's today, not UTC's 30 September
    assert entry.occurred_on == date(2026, 10, 1) and quarter_of(entry.occurred_on).code == "2026Q4"

    detail = client.get(f"/ledger/entries/{entry.id}").get_data(as_text=True)
    assert "2026-10-01 07:30" in detail
    household = client.get(f"/ledger/households/{entry.household_id}").get_data(as_text=True)
    assert "2026Q4 得分" in household and "截至 2026-10-01" in household

    assert audit_time_of(client, "entry_posted") == (
        "2026-10-01 07:30:00",
        datetime(2026, 10, 1, 7, 30),
    )
    assert "2026-10-01 07:30:00" in client.get("/admin/audit/").get_data(as_text=True)
    assert archive_recorded_at(client) == datetime(2026, 10, 1, 7, 30)


@pytest.mark.parametrize("zone_env", ["UTC"])
def test_a_deployment_in_utc_keeps_utcs_day(client, village, frozen, zone_env):
    assert client.application.config["TIMEZONE"] == "UTC"
    day, entry = record_today(client, village)
    assert day == "2026-09-30" and quarter_of(entry.occurred_on).code == "2026Q3"

    detail = client.get(f"/ledger/entries/{entry.id}").get_data(as_text=True)
    assert "2026-09-30 23:30" in detail
    assert audit_time_of(client, "entry_posted") == (
        "2026-09-30 23:30:00",
        datetime(2026, 9, 30, 23, 30),
    )
    assert archive_recorded_at(client) == datetime(2026, 9, 30, 23, 30)


@pytest.mark.parametrize("zone_env", ["Asia/Beijing"])
def test_an_unknown_zone_is_refused_at_start_up(instance_path, database_url, zone_env, monkeypatch):
    monkeypatch.setenv("POINTSYS_TIMEZONE", zone_env)
    with pytest.raises(ConfigError) as caught:
        make_app(database_url)
    assert caught.value.message == (
        "POINTSYS_TIMEZONE “Asia/Beijing” 不是有效的时区名称；"
        "应为 IANA 时区名，如 Asia/Shanghai 或 UTC（系统缺少时区数据时请安装 tzdata）"
    )


def test_the_audit_trail_is_stamped_by_the_same_clock(app, frozen):
    with app.app_context():
        from pointsys import audit

        audit.record("create", "village", 1, actor="test")
        db.session.commit()
        at = db.session.execute(db.select(AuditEvent.at)).scalar_one()
        assert localtime.to_local(at, localtime.app_zone()).strftime("%H:%M") == "07:30"
