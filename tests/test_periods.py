"""Periods and the points year (account_year) a balance counts in."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from pointsys.periods import Period, PeriodError, account_year


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


def test_every_period_kind_reads_back_and_tiles_the_year():
    from pointsys.periods import KINDS

    for kind in KINDS:
        period = Period.of(kind, date(2026, 1, 1))
        seen = []
        while period.start.year == 2026:
            assert Period.parse(period.code) == period
            seen.append(period)
            period = period.next()
        assert seen[0].start == date(2026, 1, 1) and period.start == date(2027, 1, 1)
        assert all(a.end == b.start for a, b in itertools.pairwise(seen))


@pytest.mark.parametrize(
    ("code", "start", "end"),
    [
        ("2026B4", date(2026, 7, 1), date(2026, 9, 1)),
        ("2026B6", date(2026, 11, 1), date(2027, 1, 1)),
        ("2026H1", date(2026, 1, 1), date(2026, 7, 1)),
        ("2026H2", date(2026, 7, 1), date(2027, 1, 1)),
    ],
)
def test_two_month_blocks_and_half_years(code, start, end):
    period = Period.parse(code)
    assert (period.start, period.end) == (start, end)
    assert Period.of(period.kind, end - timedelta(days=1)) == period


@pytest.mark.parametrize("text", ["2026B7", "2026B0", "2026H3", "2026H0"])
def test_numbered_periods_out_of_range_are_refused(text):
    with pytest.raises(PeriodError):
        Period.parse(text)
