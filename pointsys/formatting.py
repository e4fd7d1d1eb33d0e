"""Template filters, registered once by create_app; each name says what kind of value it formats.

- signed_points: a change of points (an entry, a quarter's points): +5, -3, 0.
- points_amount: a balance, total, base points or threshold: 105, -3 — never a plus sign.
- plain: any other number (a quantity): 3, 0.5.
- local_datetime / local_date: a stored (UTC) timestamp on the village's clock: 2026-11-24 09:05.
- who: a stored actor label (username, resident:demo:001) as a name: 张会计, 村民（户号 001）.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask

from .localtime import app_zone, to_local
from .people import name_of
from .period_names import nobody, period_name, period_name_of, points_heading
from .rulebook.describe import plain as _plain
from .rulebook.describe import signed as _signed


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def signed_points(value) -> str:
    """+2, -0.5, 0: a change of points as residents read it; empty while not granted."""
    if value is None:
        return ""
    value = _decimal(value)
    return "0" if value == 0 else _signed(value)


def points_amount(value) -> str:
    """105, 0.5, -3: a balance or total; empty when there is none."""
    if value is None:
        return ""
    value = _decimal(value)
    return "0" if value == 0 else _plain(value)


def plain(value) -> str:
    """3, 0.5: a quantity as people write it (no trailing zeros)."""
    return "" if value is None else points_amount(value)


def local_datetime(value: datetime | None) -> str:
    """A stored timestamp in the village's time zone, to the minute: 2026-11-24 09:05."""
    return "" if value is None else f"{to_local(value, app_zone()):%Y-%m-%d %H:%M}"


def local_date(value: datetime | date | None) -> str:
    """The village's date of a stored timestamp (a plain date is shown as it is)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value, app_zone()).date()
    return value.isoformat()


def period_label(period) -> str:
    """A period (or its code, 2026Q3) as people read it: 2026年第三季度 (period_names)."""
    return period_name_of(period) if isinstance(period, str) else period_name(period)


FILTERS = {
    "signed_points": signed_points,
    "points_amount": points_amount,
    "plain": plain,
    "local_datetime": local_datetime,
    "local_date": local_date,
    "period_name": period_label,
    "points_heading": points_heading,
    "nobody": nobody,
    "who": name_of,
}


def register(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
