"""Listing ledger entries for exports, row by row (never summed here: sums live in standings.py).

Queries select plain columns (no ORM objects, so no identity map grows) and stream with
`yield_per`: PostgreSQL uses a server-side cursor, SQLite reads its cursor as it goes. A million
entries pass through in constant memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, true
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from .extensions import db
from .ledger.common import is_cancelled
from .models import Entry, EntryStatus, Household, User, Village, VillageGroup
from .periods import Period

BATCH = 2000


def approved_entries(
    village: Village, period: Period, households: ColumnElement[bool] | None = None
) -> Iterator:
    """Every approved entry of the village that happened in `period` (reversals included), by
    户号, then day, then the order they were recorded in; only of the households matching
    `households` when given (a condition on Household, e.g. access.visible_households_filter)."""
    query = (
        db.select(
            Entry.id,
            Entry.kind,
            Entry.item_code,
            Entry.item_title,
            Entry.article,
            Entry.occurred_on,
            Entry.points,
            Entry.note,
            Household.number,
            Household.head_name,
        )
        .join(Household, Household.id == Entry.household_id)
        .where(
            Entry.village_id == village.id,
            Entry.status == EntryStatus.APPROVED.value,
            Entry.occurred_on >= period.start,
            Entry.occurred_on < period.end,
            households if households is not None else true(),
        )
        .order_by(Household.number, Entry.occurred_on, Entry.id)
        .execution_options(yield_per=BATCH)
    )
    yield from db.session.execute(query)


def approved_entries_of(sources: list[tuple[int, date | None]], start: date, end: date) -> list:
    """The approved entries in [start, end) of a household and of the households merged into it
    (each `source` is (household id, counted until — the merge day, or None)), by day."""
    conditions = [
        and_(
            Entry.household_id == household_id,
            Entry.occurred_on < (end if until is None else min(until, end)),
        )
        for household_id, until in sources
    ]
    query = (
        db.select(
            Entry.id,
            Entry.kind,
            Entry.item_title,
            Entry.article,
            Entry.occurred_on,
            Entry.points,
            Entry.note,
            Household.number,
            Entry.level,
        )
        .join(Household, Household.id == Entry.household_id)
        .where(
            Entry.status == EntryStatus.APPROVED.value,
            Entry.occurred_on >= start,
            or_(*conditions),
        )
        .order_by(Entry.occurred_on, Entry.id)
    )
    return db.session.execute(query).all()


def archive_rows(village: Village) -> Iterator:
    """Every entry of the village in every status, with who recorded and who reviewed it, in
    the order recorded. Streamed."""
    creator = aliased(User)
    reviewer = aliased(User)
    query = (
        db.select(
            Entry.id,
            Household.number,
            Household.head_name,
            Entry.item_code,
            Entry.item_title,
            Entry.article,
            Entry.occurred_on,
            Entry.quantity,
            Entry.requested,
            Entry.points,
            Entry.status,
            Entry.kind,
            Entry.reverses_id,
            Entry.limits,
            Entry.veto,
            Entry.source,
            Entry.note,
            Entry.created_label,
            creator.username,
            Entry.created_at,
            reviewer.username,
            Entry.reviewed_at,
            Entry.review_note,
        )
        .join(Household, Household.id == Entry.household_id)
        .outerjoin(creator, creator.id == Entry.created_by_id)
        .outerjoin(reviewer, reviewer.id == Entry.reviewed_by_id)
        .where(Entry.village_id == village.id)
        .order_by(Entry.id)
        .execution_options(yield_per=BATCH)
    )
    yield from db.session.execute(query)


def latest_penalties(village: Village, period: Period, count: int) -> list:
    """The latest `count` penalty entries (points < 0) of the village dated in `period`:
    approved and not cancelled by a reversal, newest first (by day, then as recorded), each
    with its household's 户号, head and group — the rows of a latest-deductions list (曝光台).

    A reversal is dated on the day of the entry it reverses, so the period's reversals are all
    there is to read; a reversal of a reversal revives the entry (ledger.common.is_cancelled).
    """
    rows = db.session.execute(
        db.select(
            Entry.id,
            Entry.kind,
            Entry.reverses_id,
            Entry.household_id,
            Entry.item_title,
            Entry.occurred_on,
            Entry.points,
            Household.number,
            Household.head_name,
            VillageGroup.name.label("group_name"),
        )
        .join(Household, Household.id == Entry.household_id)
        .outerjoin(VillageGroup, VillageGroup.id == Household.group_id)
        .where(
            Entry.village_id == village.id,
            Entry.status == EntryStatus.APPROVED.value,
            Entry.occurred_on >= period.start,
            Entry.occurred_on < period.end,
            or_(Entry.reverses_id.is_not(None), and_(Entry.kind == "entry", Entry.points < 0)),
        )
        .order_by(Entry.occurred_on.desc(), Entry.id.desc())
    ).all()
    reversed_by = {r.reverses_id: r.id for r in rows if r.reverses_id is not None}
    live = (
        r
        for r in rows
        if r.kind == "entry" and r.points < 0 and not is_cancelled(r.id, reversed_by)
    )
    return [row for row, _ in zip(live, range(count), strict=False)]


# The entries page (积分记录): every entry, filtered, paged; its export streams the same rows.
STATUSES = ("pending", "approved", "rejected", "reversed")
ENTRY_SOURCES = ("form", "batch", "sheet", "declaration", "reversal")


@dataclass(frozen=True)
class EntryFilter:
    """What the entries page asks for; None (or empty) means "any". `status` is one of STATUSES:
    "approved" is approved and still counting, "reversed" approved and cancelled by a reversal."""

    start: date | None = None  # conduct day, inclusive
    end: date | None = None  # conduct day, inclusive
    item: str | None = None
    household: str | None = None  # 户号
    group_id: int | None = None
    recorder_id: int | None = None
    status: str | None = None
    source: str | None = None
    submission_id: int | None = None


def _reversal_of(entry) -> ColumnElement[bool]:
    reversal = aliased(Entry)
    return db.select(reversal.id).where(reversal.reverses_id == entry.id).exists()


def entry_conditions(
    village: Village, wanted: EntryFilter, households: ColumnElement[bool]
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of `wanted` (on Entry joined to Household), within the households
    the viewer may see (`households`, e.g. access.visible_households_filter)."""
    conditions = [Entry.village_id == village.id, households]
    if wanted.start is not None:
        conditions.append(Entry.occurred_on >= wanted.start)
    if wanted.end is not None:
        conditions.append(Entry.occurred_on <= wanted.end)
    if wanted.item:
        conditions.append(Entry.item_code == wanted.item)
    if wanted.household:
        conditions.append(Household.number == wanted.household)
    if wanted.group_id:
        conditions.append(Household.group_id == wanted.group_id)
    if wanted.recorder_id:
        conditions.append(Entry.created_by_id == wanted.recorder_id)
    if wanted.source:
        conditions.append(Entry.source == wanted.source)
    if wanted.submission_id:
        conditions.append(Entry.submission_id == wanted.submission_id)
    if wanted.status == "reversed":
        conditions += [Entry.status == EntryStatus.APPROVED.value, _reversal_of(Entry)]
    elif wanted.status == "approved":
        conditions += [Entry.status == EntryStatus.APPROVED.value, ~_reversal_of(Entry)]
    elif wanted.status:
        conditions.append(Entry.status == wanted.status)
    return conditions


def entries_page(village: Village, wanted: EntryFilter, households: ColumnElement[bool]):
    """The entries matching `wanted`, newest conduct first, as ORM rows for one page (the caller
    paginates: never all rows)."""
    return (
        db.select(Entry)
        .join(Household, Household.id == Entry.household_id)
        .where(*entry_conditions(village, wanted, households))
        .options(
            db.contains_eager(Entry.household),
            db.joinedload(Entry.created_by),
            db.joinedload(Entry.reversed_by),
        )
        .order_by(Entry.occurred_on.desc(), Entry.id.desc())
    )


def entry_rows(village: Village, wanted: EntryFilter, households: ColumnElement[bool]) -> Iterator:
    """The same entries as entries_page, as plain columns for the export, streamed."""
    creator = aliased(User)
    reversal = aliased(Entry)
    query = (
        db.select(
            Entry.id,
            Entry.occurred_on,
            Household.number,
            Household.head_name,
            VillageGroup.name.label("group_name"),
            Entry.item_code,
            Entry.item_title,
            Entry.level,
            Entry.quantity,
            Entry.requested,
            Entry.points,
            Entry.status,
            reversal.id.label("reversed_by"),
            Entry.kind,
            Entry.reverses_id,
            Entry.source,
            Entry.submission_id,
            Entry.created_label,
            creator.display_name.label("created_name"),
            Entry.created_at,
            Entry.note,
            Entry.review_note,
        )
        .join(Household, Household.id == Entry.household_id)
        .outerjoin(VillageGroup, VillageGroup.id == Household.group_id)
        .outerjoin(creator, creator.id == Entry.created_by_id)
        .outerjoin(reversal, reversal.reverses_id == Entry.id)
        .where(*entry_conditions(village, wanted, households))
        .order_by(Entry.occurred_on.desc(), Entry.id.desc())
        .execution_options(yield_per=BATCH)
    )
    yield from db.session.execute(query)


def recorders(village: Village) -> list:
    """(id, display name) of everyone who recorded an entry in the village, for the filter."""
    return db.session.execute(
        db.select(User.id, User.display_name)
        .where(
            User.id.in_(
                db.select(Entry.created_by_id)
                .where(Entry.village_id == village.id, Entry.created_by_id.is_not(None))
                .distinct()
            )
        )
        .order_by(User.display_name)
    ).all()


def item_codes(village: Village) -> list[str]:
    """The item codes the village's entries use, for the filter."""
    return list(
        db.session.execute(
            db.select(Entry.item_code)
            .where(Entry.village_id == village.id)
            .distinct()
            .order_by(Entry.item_code)
        ).scalars()
    )
