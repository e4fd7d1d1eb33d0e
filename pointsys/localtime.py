"""The village's clock: one source of "now", and today's date in the village's time zone.

Timestamps are stored in UTC; days, months and quarters are the village's local dates (a quarter
starts at local midnight, so an entry made at 07:30 on 1 October in Shanghai belongs to Q4 even
though it is still 30 September in UTC). Everything that asks "what time is it" goes through
utc_now(), so a test can freeze the whole app by replacing that one function.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

__all__ = [
    "UnknownZone",
    "app_now",
    "app_today",
    "app_zone",
    "local_now",
    "local_today",
    "to_local",
    "utc_now",
    "zone",
]


class UnknownZone(ValueError):
    """A time zone name the zone database does not know."""


def utc_now() -> datetime:
    """The one clock: an aware datetime in UTC. Tests replace this attribute to freeze time."""
    return datetime.now(UTC)


def zone(name: str) -> ZoneInfo:
    """The IANA zone called `name` ("Asia/Shanghai", "UTC"), or UnknownZone."""
    try:
        return ZoneInfo(str(name).strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:  # ValueError: "../x", "" and the like
        raise UnknownZone(name) from exc


def to_local(moment: datetime, tz: ZoneInfo) -> datetime:
    """A stored timestamp on the village's clock. Naive values are UTC (SQLite drops the zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz)


def local_now(tz: ZoneInfo) -> datetime:
    return utc_now().astimezone(tz)


def local_today(tz: ZoneInfo) -> date:
    """Today's date in the village: the day a period, a deadline or "today" is counted from."""
    return local_now(tz).date()


def app_zone() -> ZoneInfo:
    """The deployment's zone (the TIMEZONE setting, checked by create_app)."""
    return zone(current_app.config["TIMEZONE"])


def app_now() -> datetime:
    return local_now(app_zone())


def app_today() -> date:
    """Today in the deployment's zone: what views, commands and domain defaults use as today."""
    return local_today(app_zone())
