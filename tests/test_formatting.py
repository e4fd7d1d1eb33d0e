"""Template filters: registered once by create_app, each named for what it formats; a balance
is never shown with a plus sign."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from pointsys import formatting
from pointsys.extensions import db

from .conftest import login
from .test_publishing import post

PASSWORD = "correct horse 1"


@pytest.mark.parametrize(
    ("value", "signed", "amount"),
    [
        (Decimal(5), "+5", "5"),
        (Decimal("-3.00"), "-3", "-3"),
        (Decimal("0.00"), "0", "0"),
        (Decimal("-0"), "0", "0"),
        (Decimal("105.00"), "+105", "105"),
        (Decimal("0.50"), "+0.5", "0.5"),
        (7, "+7", "7"),
        (None, "", ""),
    ],
)
def test_a_change_is_signed_and_an_amount_is_not(value, signed, amount):
    assert formatting.signed_points(value) == signed
    assert formatting.points_amount(value) == amount


def test_the_filters_are_the_apps_not_a_blueprints(app):
    for name in ("signed_points", "points_amount", "plain", "local_datetime", "local_date"):
        assert app.jinja_env.filters[name] is formatting.FILTERS[name]
    assert "points" not in app.jinja_env.filters  # the ambiguous name is gone


def test_stored_times_are_shown_on_the_villages_clock(app):
    moment = datetime(2026, 9, 30, 23, 30, tzinfo=UTC)
    with app.app_context():
        assert formatting.local_datetime(moment) == "2026-10-01 07:30"
        assert formatting.local_datetime(moment.replace(tzinfo=None)) == "2026-10-01 07:30"
        assert formatting.local_date(moment) == "2026-10-01"
        assert formatting.local_date(date(2026, 9, 30)) == "2026-09-30"
        assert formatting.local_datetime(None) == ""


def test_a_balance_of_105_has_no_plus_sign_on_list_and_household_pages(client, village):
    h1 = village.households[0]
    post(village, h1, "PUB-06", date(2026, 8, 5), Decimal(5))  # base 100 + 5 in 2026Q3
    h1.plaque_token = "p" * 32
    db.session.commit()
    login(client, "admin", PASSWORD)

    draft = client.get("/lists/draft?quarter=2026Q3").get_data(as_text=True)
    row = re.search(r"<td>001</td>.*?</tr>", draft, re.S).group(0)
    assert '<td class="num">+5</td>' in row  # 本季积分: a change
    assert '<td class="num wide">105</td>' in row  # 累计积分: an amount
    assert "+105" not in draft

    standings = client.get("/ledger/standings?period=2026Q3").get_data(as_text=True)
    assert '<td class="num">105</td>' in standings and "+105" not in standings

    ledger_page = client.get(f"/ledger/households/{h1.id}").get_data(as_text=True)
    assert '<dd class="balance">105<' in ledger_page and "+105" not in ledger_page

    plaque = client.get("/h/" + "p" * 32).get_data(as_text=True)
    assert '<span class="figure-value">105</span>' in plaque and "+105" not in plaque
    assert '<span class="entry-points">+5</span>' in plaque
