"""Closing and reopening quarters: entries dated in a closed quarter are refused."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .. import audit
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
from ..periods import Period, quarter_of
from ..rulebook.messages import N_
from .common import PointsError, lock_villages


def closed_quarters(village: Village) -> set[date]:
    """The first days of the village's closed quarters."""
    return set(
        db.session.execute(
            db.select(QuarterClose.quarter_start).filter_by(village_id=village.id, closed=True)
        ).scalars()
    )


def closed_quarters_for(entries: Iterable[Entry]) -> set[tuple[int, date]]:
    villages = {e.village_id for e in entries}
    rows = db.session.execute(
        db.select(QuarterClose.village_id, QuarterClose.quarter_start).where(
            QuarterClose.village_id.in_(villages), QuarterClose.closed.is_(True)
        )
    ).all()
    return {(r.village_id, r.quarter_start) for r in rows}


def close_quarter(
    village: Village, quarter: Period, *, actor: User, today: date | None = None
) -> None:
    """Close a quarter that has ended and has nothing pending. The caller commits."""
    today = today or app_today()
    if quarter.kind != "quarter":
        raise PointsError(N_("只能按季度结账，例如 2026Q3。"))
    if today < quarter.end:
        raise PointsError(
            N_("%(quarter)s 还没有结束（到 %(end)s 前），不能结账。"),
            quarter=quarter.code,
            end=quarter.end.isoformat(),
        )
    # Wait for the recordings and reviews under way in the village, and make new ones wait, so
    # none can add a pending entry or approve one in the quarter after the count below.
    lock_villages([village.id], exclusive=True)
    pending = db.session.execute(
        db.select(db.func.count(Entry.id)).where(
            Entry.village_id == village.id,
            Entry.status == EntryStatus.PENDING.value,
            Entry.occurred_on >= quarter.start,
            Entry.occurred_on < quarter.end,
        )
    ).scalar_one()
    if pending:
        raise PointsError(
            N_("%(quarter)s 还有 %(count)s 条待审核的记录，请先审核完再结账。"),
            quarter=quarter.code,
            count=pending,
        )
    row = _quarter_row(village, quarter)
    if row is not None and row.closed:
        raise PointsError(N_("%(quarter)s 已经结账了。"), quarter=quarter.code)
    if row is None:
        row = QuarterClose(village_id=village.id, quarter_start=quarter.start)
        db.session.add(row)
    row.closed, row.changed_by_id, row.changed_at, row.reason = True, actor.id, utcnow(), None
    db.session.flush()
    audit.record(
        "quarter_closed",
        "quarter",
        f"{village.code}:{quarter.code}",
        actor=actor,
        before={"closed": False},
        after={"closed": True},
    )


def reopen_quarter(village: Village, quarter: Period, *, actor: User, reason: str) -> None:
    """Reopen a closed quarter (admins only, with a reason kept in the audit trail)."""
    reason = (reason or "").strip()
    if not reason:
        raise PointsError(N_("重新开账必须写明理由，它会记入操作日志。"))
    lock_villages([village.id], exclusive=True)
    row = _quarter_row(village, quarter)
    if row is None or not row.closed:
        raise PointsError(N_("%(quarter)s 没有结账，不需要重新开账。"), quarter=quarter.code)
    row.closed, row.changed_by_id, row.changed_at, row.reason = False, actor.id, utcnow(), reason
    db.session.flush()
    audit.record(
        "quarter_reopened",
        "quarter",
        f"{village.code}:{quarter.code}",
        actor=actor,
        before={"closed": True},
        after={"closed": False, "reason": reason},
    )


def _quarter_row(village: Village, quarter: Period) -> QuarterClose | None:
    return db.session.execute(
        db.select(QuarterClose).filter_by(village_id=village.id, quarter_start=quarter.start)
    ).scalar_one_or_none()


def is_closed(village: Village, day: date) -> bool:
    """Whether the quarter `day` falls in is closed for the village."""
    return quarter_of(day).start in closed_quarters(village)
