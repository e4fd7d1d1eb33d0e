"""Publishing: draft honour lists from standings, immutable issues with a publicity period,
objections settled by the supervision committee, and the year-end star ratings."""

from __future__ import annotations

from ..honour_lists import HonourList, HonourLists, ListRow
from ..localtime import app_today
from ..periods import Period
from .issues import (
    Change,
    Deadlines,
    PublishingError,
    difference,
    in_publicity,
    issues,
    issues_of,
    latest_issue,
    previous_issue,
    publish,
    published_lists,
)
from .lists import draft_lists
from .objections import (
    ObjectionView,
    entries_to_object_to,
    find_household,
    household_objections,
    households_to_object_for,
    objections,
    objections_raised_by,
    open_for_objection,
    raise_objection,
    settle_objection,
)
from .year_end import YearEnd, YearRow, year_end

DEMO_QUARTER = "2026Q3"


def publish_demo(village, report, deadlines: Deadlines) -> None:
    """The demo step: publish 2026Q3 once, if that quarter is closed and has entries; otherwise
    do nothing. `report` is the DemoReport (its `created` list names the new issue)."""
    from ..extensions import db
    from ..ledger import period_closed
    from ..models import Entry, Role, User, UserRole

    quarter = Period.parse(DEMO_QUARTER)
    if app_today() < quarter.end or not period_closed(village, quarter):
        return
    if latest_issue(village, quarter) is not None:
        return
    has_entries = db.session.execute(
        db.select(Entry.id)
        .where(
            Entry.village_id == village.id,
            Entry.occurred_on >= quarter.start,
            Entry.occurred_on < quarter.end,
        )
        .limit(1)
    ).first()
    if has_entries is None:
        return
    admin = db.session.execute(
        db.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN.value)
        .order_by(User.id)
        .limit(1)
    ).scalar_one_or_none()
    if admin is None:
        return
    publish(village, quarter, admin, deadlines)
    db.session.commit()
    report.created.append(f"{DEMO_QUARTER} 红黑榜（第1版）")


__all__ = [
    "Change",
    "Deadlines",
    "HonourList",
    "HonourLists",
    "ListRow",
    "ObjectionView",
    "PublishingError",
    "YearEnd",
    "YearRow",
    "difference",
    "draft_lists",
    "entries_to_object_to",
    "find_household",
    "household_objections",
    "households_to_object_for",
    "in_publicity",
    "issues",
    "issues_of",
    "latest_issue",
    "objections",
    "objections_raised_by",
    "open_for_objection",
    "previous_issue",
    "publish",
    "publish_demo",
    "published_lists",
    "raise_objection",
    "settle_objection",
    "year_end",
]
