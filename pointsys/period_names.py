"""A period as people read it: 2026年第三季度, 2026年7月, 2026年7–8月, 2026年上半年, 2026年.

The one place periods are named for pages, workbooks and messages (through Flask-Babel, so an
English page reads "Q3 2026"); `pointsys.periods` stays pure and only knows their codes.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .periods import MONTHS, Period

QUARTER_NAMES = {1: _l("第一季度"), 2: _l("第二季度"), 3: _l("第三季度"), 4: _l("第四季度")}
HALF_NAMES = {1: _l("上半年"), 2: _l("下半年")}
# The kind itself: "按季度公布", "本季度" …
KIND_WORDS = {
    "month": _l("月"),
    "two_months": _l("两个月"),
    "quarter": _l("季度"),
    "half_year": _l("半年"),
    "year": _l("年"),
}


def period_name(period: Period) -> str:
    """2026年第三季度, 2026年7月, 2026年7–8月, 2026年上半年, 2026年."""
    year, month = period.start.year, period.start.month
    if period.kind == "quarter":
        return _("%(year)s年%(quarter)s", year=year, quarter=QUARTER_NAMES[(month - 1) // 3 + 1])
    if period.kind == "month":
        return _("%(year)s年%(month)s月", year=year, month=month)
    if period.kind == "two_months":
        return _(
            "%(year)s年%(first)s–%(last)s月",
            year=year,
            first=month,
            last=month + MONTHS["two_months"] - 1,
        )
    if period.kind == "half_year":
        return _("%(year)s年%(half)s", year=year, half=HALF_NAMES[(month - 1) // 6 + 1])
    return _("%(year)s年", year=year)


def period_name_in_year(period: Period) -> str:
    """第三季度, 7月, 7–8月, 上半年, 2026年: a period named within its year (a chart's column)."""
    month = period.start.month
    if period.kind == "quarter":
        return str(QUARTER_NAMES[(month - 1) // 3 + 1])
    if period.kind == "month":
        return _("%(month)s月", month=month)
    if period.kind == "two_months":
        return _("%(first)s–%(last)s月", first=month, last=month + MONTHS["two_months"] - 1)
    if period.kind == "half_year":
        return str(HALF_NAMES[(month - 1) // 6 + 1])
    return period_name(period)


def period_name_of(code: str) -> str:
    """period_name() of a period's code (2026Q3)."""
    return period_name(Period.parse(code))


# A list's column of the period's points, and what a list says when nobody is on it.
POINTS_HEADINGS = {
    "month": _l("本月积分"),
    "two_months": _l("本期积分"),
    "quarter": _l("本季积分"),
    "half_year": _l("本半年积分"),
    "year": _l("本年积分"),
}
NOBODY = {
    "month": _l("本月无。"),
    "two_months": _l("本期无。"),
    "quarter": _l("本季无。"),
    "half_year": _l("本半年无。"),
    "year": _l("本年无。"),
}


def points_heading(period: Period) -> str:
    """本季积分, 本月积分 …: the heading of a list's points column."""
    return str(POINTS_HEADINGS[period.kind])


def nobody(period: Period) -> str:
    """本季无。, 本月无。 …: an empty list."""
    return str(NOBODY[period.kind])
