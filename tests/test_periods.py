"""Periods and the points year (account_year) a balance counts in."""

from __future__ import annotations

from datetime import date

import pytest

from pointsys.periods import Period, account_year


@pytest.mark.parametrize(
    ("reset_on", "day", "expected"),
    [
        ((1, 1), date(2026, 7, 1), (date(2026, 1, 1), date(2027, 1, 1))),
        ((4, 1), date(2026, 3, 31), (date(2025, 4, 1), date(2026, 4, 1))),
        ((4, 1), date(2026, 4, 1), (date(2026, 4, 1), date(2027, 4, 1))),
        # 02-29 is refused by validation, but a snapshot stored before that must still work:
        # in a common year the reset falls on the last day of February.
        ((2, 29), date(2026, 7, 1), (date(2026, 2, 28), date(2027, 2, 28))),
        ((2, 29), date(2028, 2, 28), (date(2027, 2, 28), date(2028, 2, 29))),
        ((2, 29), date(2028, 2, 29), (date(2028, 2, 29), date(2029, 2, 28))),
    ],
)
def test_account_year(reset_on, day, expected):
    assert account_year(reset_on, day) == expected


def test_account_years_follow_each_other_without_gaps_for_a_leap_day_reset():
    start, end = account_year((2, 29), date(2025, 1, 1))
    for _ in range(8):
        assert account_year((2, 29), end)[0] == end and start < end
        start, end = account_year((2, 29), end)


def test_period_codes_read_back():
    for code in ("2026Q3", "2026-07", "2026"):
        assert Period.parse(code).code == code
