"""Closing and reopening the periods of the lists (结账): entries dated in a closed period are
refused. A period is a quarter unless the rulebook's [honours] period says otherwise (month …
year); a village that changes its period keeps its closed quarters closed, so what counts is
whether any closed period holds the day."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .. import audit, rules_store
from ..extensions import db
from ..localtime import app_today
from ..models import (
    Entry,
    EntryStatus,
    QuarterClose,
    User,
    Village,
    utcnow,
)
from ..period_names import KIND_WORDS
from ..periods import Period, PeriodError
from ..rulebook.messages import N_
from .common import PointsError, lock_villages

# How the refusals write an example of each kind of period.
EXAMPLES = {
    "month": "2026-07",
    "two_months": "2026B4",
    "quarter": "2026Q3",
    "half_year": "2026H2",
    "year": "2026",
}


@dataclass(frozen=True)
class ClosedPeriods:
    """A village's closed periods (of any kind: quarters closed before its rulebook changed
    its list period stay closed)."""

    periods: tuple[Period, ...] = ()

    def containing(self, day: date) -> Period | None:
        """The closed period that holds `day`, or None."""
        return next((p for p in self.periods if day in p), None)

    def __contains__(self, day: date) -> bool:
        return self.containing(day) is not None


def _period(row) -> Period:
    try:
        return Period.parse(row.period_code)
    except PeriodError:  # never written by this code; read as the quarter it starts
        return Period.of("quarter", row.quarter_start)


def closed_periods(village: Village) -> ClosedPeriods:
    """The village's closed periods."""
    rows = db.session.execute(
        db.select(QuarterClose.quarter_start, QuarterClose.period_code).filter_by(
            village_id=village.id, closed=True
        )
    ).all()
    return ClosedPeriods(tuple(sorted(_period(r) for r in rows)))


def closed_periods_for(entries: Iterable[Entry]) -> dict[int, ClosedPeriods]:
    """The closed periods of the entries' villages, by village id."""
    villages = {e.village_id for e in entries}
    found: dict[int, list[Period]] = {v: [] for v in villages}
    rows = db.session.execute(
        db.select(
            QuarterClose.village_id, QuarterClose.quarter_start, QuarterClose.period_code
        ).where(QuarterClose.village_id.in_(villages), QuarterClose.closed.is_(True))
    ).all()
    for row in rows:
        found[row.village_id].append(_period(row))
    return {v: ClosedPeriods(tuple(sorted(periods))) for v, periods in found.items()}


def list_period_kind(village: Village) -> str:
    """The kind of period the village's lists are closed and published for: the [honours]
    period of the rulebook in force (quarter when none is loaded)."""
    return rules_store.in_force(village.code).rulebook.honours.period


def check_list_period(village: Village, period: Period, error=PointsError) -> None:
    """Refuse a period of another kind than the rulebook's list period."""
    kind = list_period_kind(village)
    if period.kind != kind:
        raise error(
            N_("本村红黑榜按%(kind)s排名、结账和公布，请写成 %(example)s 这样。"),
            kind=KIND_WORDS[kind],
            example=EXAMPLES[kind],
        )


def close_period(
    village: Village, period: Period, *, actor: User, today: date | None = None
) -> None:
    """Close a period of the lists that has ended and has nothing pending. The caller commits."""
    today = today or app_today()
    check_list_period(village, period)
    if today < period.end:
        raise PointsError(
            N_("%(quarter)s 还没有结束（到 %(end)s 前），不能结账。"),
            quarter=period.code,
            end=period.end.isoformat(),
        )
    # Wait for the recordings and reviews under way in the village, and make new ones wait, so
    # none can add a pending entry or approve one in the period after the count below.
    lock_villages([village.id], exclusive=True)
    pending = db.session.execute(
        db.select(db.func.count(Entry.id)).where(
            Entry.village_id == village.id,
            Entry.status == EntryStatus.PENDING.value,
            Entry.occurred_on >= period.start,
            Entry.occurred_on < period.end,
        )
    ).scalar_one()
    if pending:
        raise PointsError(
            N_("%(quarter)s 还有 %(count)s 条待审核的记录，请先审核完再结账。"),
            quarter=period.code,
            count=pending,
        )
    row = _period_row(village, period)
    if row is not None and row.closed:
        raise PointsError(N_("%(quarter)s 已经结账了。"), quarter=period.code)
    if row is None:
        row = QuarterClose(
            village_id=village.id,
            quarter_start=period.start,
            period_code=period.code,
            period_end=period.end,
        )
        db.session.add(row)
    row.closed, row.changed_by_id, row.changed_at, row.reason = True, actor.id, utcnow(), None
    db.session.flush()
    audit.record(
        "quarter_closed",
        "quarter",
        f"{village.code}:{period.code}",
        actor=actor,
        before={"closed": False},
        after={"closed": True},
    )


def reopen_period(village: Village, period: Period, *, actor: User, reason: str) -> None:
    """Reopen a closed period of any kind (admins only, with a reason kept in the audit
    trail): a quarter closed before the rulebook changed its list period can be reopened too."""
    reason = (reason or "").strip()
    if not reason:
        raise PointsError(N_("重新开账必须写明理由，它会记入操作日志。"))
    lock_villages([village.id], exclusive=True)
    row = _period_row(village, period)
    if row is None or not row.closed:
        raise PointsError(N_("%(quarter)s 没有结账，不需要重新开账。"), quarter=period.code)
    row.closed, row.changed_by_id, row.changed_at, row.reason = False, actor.id, utcnow(), reason
    db.session.flush()
    audit.record(
        "quarter_reopened",
        "quarter",
        f"{village.code}:{period.code}",
        actor=actor,
        before={"closed": True},
        after={"closed": False, "reason": reason},
    )


# The names the ledger has always had; a period of the lists is a quarter by default.
close_quarter = close_period
reopen_quarter = reopen_period


def _period_row(village: Village, period: Period) -> QuarterClose | None:
    return db.session.execute(
        db.select(QuarterClose).filter_by(village_id=village.id, period_code=period.code)
    ).scalar_one_or_none()


def is_closed(village: Village, day: date) -> bool:
    """Whether a closed period of the village holds `day`."""
    return day in closed_periods(village)


def period_closed(village: Village, period: Period) -> bool:
    """Whether this very period is closed (publishing needs the period itself closed)."""
    row = _period_row(village, period)
    return row is not None and row.closed
