"""The calendar periods caps and frequencies count in: half-open month, quarter and year."""

from __future__ import annotations

from datetime import date


def period_start(period: str, day: date) -> date:
    """The first day of the month, quarter or year that `day` falls in."""
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def same_period(period: str, a: date, b: date) -> bool:
    return period_start(period, a) == period_start(period, b)
