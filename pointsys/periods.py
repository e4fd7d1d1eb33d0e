"""Periods as half-open date ranges in the village's local date: months, two-month blocks,
quarters, half-years and years (the periods real rulebooks score and publish lists in).

A quarter is [Jan 1, Apr 1): an entry belongs to the period of the day the conduct happened.
Pure Python, no Flask: the rulebook, the ledger and the standings all count in these.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

KINDS = ("month", "two_months", "quarter", "half_year", "year")
# How many months each kind spans; every kind starts on January 1 and tiles the year, so a
# period's start is its month rounded down to a multiple of this (two-month blocks are Jan–Feb,
# Mar–Apr, …; half-years Jan–Jun and Jul–Dec).
MONTHS = {"month": 1, "two_months": 2, "quarter": 3, "half_year": 6, "year": 12}
# The letter of a numbered kind's code: 2026B4 (July–August), 2026Q3, 2026H2.
_LETTERS = {"two_months": "B", "quarter": "Q", "half_year": "H"}
_PATTERNS = {
    "quarter": re.compile(r"^(\d{4})\s*[Qq]([1-4])$"),
    "two_months": re.compile(r"^(\d{4})\s*[Bb]([1-6])$"),
    "half_year": re.compile(r"^(\d{4})\s*[Hh]([12])$"),
    "month": re.compile(r"^(\d{4})-(\d{1,2})$"),
    "year": re.compile(r"^(\d{4})$"),
}

# Years a period may be read for: none is before any ledger or after any page's lifetime, and the
# look-backs and look-aheads around them (previous quarters, next year) stay far inside Python's
# calendar, which ends with 9999: "9999Q4" would end on a day that has no date.
FIRST_YEAR, LAST_YEAR = 1900, 2999


class PeriodError(ValueError):
    """A period written in a way we cannot read."""


def period_start(kind: str, day: date) -> date:
    """The first day of the period of this kind (month, two months, quarter, half-year, year)
    that `day` falls in."""
    months = MONTHS[kind]
    return date(day.year, months * ((day.month - 1) // months) + 1, 1)


def same_period(kind: str, a: date, b: date) -> bool:
    return period_start(kind, a) == period_start(kind, b)


@dataclass(frozen=True, order=True)
class Period:
    """[start, end): a month, two months, a quarter, a half-year or a year."""

    start: date
    end: date
    kind: str

    @classmethod
    def of(cls, kind: str, day: date) -> Period:
        """The period of this kind that `day` falls in."""
        start = period_start(kind, day)
        month = start.month - 1 + MONTHS[kind]
        return cls(start, date(start.year + month // 12, month % 12 + 1, 1), kind)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read "2026Q3", "2026B4", "2026H2", "2026-07" or "2026"; PeriodError otherwise."""
        text = text.strip()
        for kind, pattern in _PATTERNS.items():
            match = pattern.match(text)
            if match:
                year = int(match.group(1))
                if not FIRST_YEAR <= year <= LAST_YEAR:
                    break
                if kind in _LETTERS:
                    number = int(match.group(2))
                    return cls.of(kind, date(year, MONTHS[kind] * (number - 1) + 1, 1))
                if kind == "month":
                    month = int(match.group(2))
                    if not 1 <= month <= 12:
                        break
                    return cls.of(kind, date(year, month, 1))
                return cls.of(kind, date(year, 1, 1))
        raise PeriodError(text)

    def __contains__(self, day: date) -> bool:
        return self.start <= day < self.end

    @property
    def code(self) -> str:
        """The form parse() reads back: 2026Q3, 2026B4, 2026H2, 2026-07, 2026."""
        if self.kind in _LETTERS:
            number = (self.start.month - 1) // MONTHS[self.kind] + 1
            return f"{self.start.year}{_LETTERS[self.kind]}{number}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        return str(self.start.year)

    def previous(self) -> Period:
        from datetime import timedelta

        return Period.of(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        return Period.of(self.kind, self.end)


def months_in(shorter: str, longer: str) -> int | None:
    """How many periods of the shorter kind fit in one of the longer kind (every kind tiles the
    year, so each fits whole in every longer one but two months in a quarter); None if not whole."""
    whole, rest = divmod(MONTHS[longer], MONTHS[shorter])
    return whole if whole and not rest else None


def quarter_of(day: date) -> Period:
    return Period.of("quarter", day)


def account_year(reset_on: tuple[int, int], day: date) -> tuple[date, date]:
    """The [start, end) of the points year that `day` falls in, for a reset on (month, day).

    A reset day a year lacks (02-29 outside leap years) falls on that month's last day; rulebook
    validation refuses 02-29, but a snapshot stored before it did must not break every balance.
    """
    start = _reset_day(day.year, reset_on)
    if day < start:
        start = _reset_day(day.year - 1, reset_on)
    return start, _reset_day(start.year + 1, reset_on)


def _reset_day(year: int, reset_on: tuple[int, int]) -> date:
    month, dom = reset_on
    return date(year, month, min(dom, calendar.monthrange(year, month)[1]))
