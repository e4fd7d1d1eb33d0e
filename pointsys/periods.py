"""Periods as half-open date ranges in the village's local date: months, quarters and years.

A quarter is [Jan 1, Apr 1): an entry belongs to the period of the day the conduct happened.
Pure Python, no Flask: the rulebook, the ledger and the standings all count in these.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

KINDS = ("month", "quarter", "year")
_PATTERNS = {
    "quarter": re.compile(r"^(\d{4})\s*[Qq]([1-4])$"),
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
    """The first day of the month, quarter or year that `day` falls in."""
    if kind == "month":
        return day.replace(day=1)
    if kind == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def same_period(kind: str, a: date, b: date) -> bool:
    return period_start(kind, a) == period_start(kind, b)


@dataclass(frozen=True, order=True)
class Period:
    """[start, end): a month, a quarter or a year."""

    start: date
    end: date
    kind: str

    @classmethod
    def of(cls, kind: str, day: date) -> Period:
        """The period of this kind that `day` falls in."""
        start = period_start(kind, day)
        months = {"month": 1, "quarter": 3, "year": 12}[kind]
        month = start.month - 1 + months
        return cls(start, date(start.year + month // 12, month % 12 + 1, 1), kind)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read "2026Q3", "2026-07" or "2026"; PeriodError otherwise."""
        text = text.strip()
        for kind, pattern in _PATTERNS.items():
            match = pattern.match(text)
            if match:
                year = int(match.group(1))
                if not FIRST_YEAR <= year <= LAST_YEAR:
                    break
                if kind == "quarter":
                    return cls.of(kind, date(year, 3 * int(match.group(2)) - 2, 1))
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
        """The form parse() reads back: 2026Q3, 2026-07, 2026."""
        if self.kind == "quarter":
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        return str(self.start.year)

    def previous(self) -> Period:
        from datetime import timedelta

        return Period.of(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        return Period.of(self.kind, self.end)


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
