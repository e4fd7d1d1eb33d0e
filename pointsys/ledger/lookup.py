"""Reading the ledger for pages: the review queue, a household's entries, quarter states.

Queries only; nothing here writes. Sums of points stay in pointsys.standings (invariant 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select

from ..extensions import db
from ..models import Entry, EntryStatus, Household, QuarterClose, User, Village
from ..periods import MONTHS, Period


def entry_in(village: Village, entry_id: int) -> Entry | None:
    """The village's entry with this id, or None (another village's entry is not found)."""
    entry = db.session.get(Entry, entry_id)
    return entry if entry is not None and entry.village_id == village.id else None


def entries_in(village: Village, ids: list[int]) -> list[Entry]:
    """The village's entries with these ids, in id order; unknown ids are left out."""
    if not ids:
        return []
    return list(
        db.session.execute(
            db.select(Entry)
            .where(Entry.village_id == village.id, Entry.id.in_(ids))
            .order_by(Entry.id)
        ).scalars()
    )


def pending(
    village: Village,
    *,
    group_id: int | None = None,
    item: str | None = None,
    period: Period | None = None,
) -> Select:
    """Pending entries of the village, oldest conduct first, filtered by group, item or period."""
    query = (
        db.select(Entry)
        .join(Household, Household.id == Entry.household_id)
        .where(Entry.village_id == village.id, Entry.status == EntryStatus.PENDING.value)
        .options(db.contains_eager(Entry.household), db.joinedload(Entry.created_by))
    )
    if group_id:
        query = query.where(Household.group_id == group_id)
    if item:
        query = query.where(Entry.item_code == item)
    if period is not None:
        query = query.where(Entry.occurred_on >= period.start, Entry.occurred_on < period.end)
    return query.order_by(Entry.occurred_on, Entry.id)


def pending_items(village: Village) -> list[str]:
    """The item codes that have pending entries (for the review queue's filter)."""
    return list(
        db.session.execute(
            db.select(Entry.item_code)
            .where(Entry.village_id == village.id, Entry.status == EntryStatus.PENDING.value)
            .distinct()
            .order_by(Entry.item_code)
        ).scalars()
    )


def of_household(household: Household) -> Select:
    """All of a household's entries, every status, newest conduct first."""
    return (
        db.select(Entry)
        .where(Entry.household_id == household.id)
        .order_by(Entry.occurred_on.desc(), Entry.id.desc())
    )


@dataclass(frozen=True)
class QuarterState:
    """A quarter as the closing page shows it."""

    period: Period
    closed: bool
    ended: bool
    changed_by: str | None
    changed_at: datetime | None
    reason: str | None


def quarter_states(
    village: Village, years: list[int], today: date, kind: str = "quarter"
) -> list[QuarterState]:
    """The periods of `kind` (the lists' period: quarters by default) of these years, oldest
    first, with whether and by whom each was closed; and, in their place, any period of another
    kind still closed in those years (closed before the rulebook changed its list period), so
    it can be reopened."""
    rows = {
        row.period_code: row
        for row in db.session.execute(
            db.select(QuarterClose).filter_by(village_id=village.id)
        ).scalars()
    }
    changers = {r.changed_by_id for r in rows.values() if r.changed_by_id is not None}
    names = dict(
        db.session.execute(db.select(User.id, User.display_name).where(User.id.in_(changers))).all()
    )
    periods = {
        Period.of(kind, date(year, month, 1))
        for year in years
        for month in range(1, 13, MONTHS[kind])
    }
    periods |= {
        Period.parse(code)
        for code, row in rows.items()
        if row.closed and row.quarter_start.year in years
    }
    states = []
    for period in sorted(periods, key=lambda p: (p.start, p.end)):
        row = rows.get(period.code)
        states.append(
            QuarterState(
                period,
                closed=bool(row and row.closed),
                ended=today >= period.end,
                changed_by=names.get(row.changed_by_id) if row else None,
                changed_at=row.changed_at if row else None,
                reason=row.reason if row else None,
            )
        )
    return states
