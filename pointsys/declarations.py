"""A resident declares a good deed (申报): it enters the ledger as pending, like a clerk's entry,
for the group leader and the supervision committee to review; the resident follows its status.
"""

from __future__ import annotations

from datetime import date

from . import ledger, rules_store
from .ledger import Draft, PointsError
from .models import Entry, Household
from .rulebook.messages import N_

MAX_NOTE = 500


def declarable_items(household: Household, on: date) -> list:
    """The items a resident may declare on a day: awards (加分) in force; penalties are staff's,
    and an item accumulating another's quantity (quantity_from) comes only with that item."""
    rulebook = rules_store.in_force(household.village.code).rulebook  # no items while none
    versions = (item.version_on(on) for item in rulebook.items.values())
    return [
        v
        for v in versions
        if v is not None and not v.scoring.is_penalty and not v.scoring.quantity_from
    ]


def declare(
    household: Household,
    item: str,
    on: date,
    note: str,
    *,
    key: str,
    quantity=None,
    level: str | None = None,
    today: date | None = None,
) -> ledger.Recorded:
    """Record the household's declaration as a pending entry (never posted without review)."""
    note = (note or "").strip()
    if not note:
        raise PointsError(N_("请简单写明做了什么好事（时间、地点、经过），便于核实。"))
    if len(note) > MAX_NOTE:
        raise PointsError(N_("说明太长了，请不超过 %(max)s 个字。"), max=MAX_NOTE)
    allowed = {v.code for v in declarable_items(household, on)}
    version = rules_store.in_force(household.village.code).rulebook.item_on(item, on)
    if version is not None and version.scoring.quantity_from:
        raise PointsError(
            N_("事项 %(item)s 按 %(source)s 的记录自动累计，不能申报；请申报 %(source)s。"),
            item=item,
            source=version.scoring.quantity_from,
        )
    if item not in allowed:
        raise PointsError(N_("事项 %(item)s 不能由农户申报；扣分事项由村里记录。"), item=item)
    result = ledger.record(
        household.village,
        [Draft(household.id, item, on, quantity, note=note, level=level)],
        key=key,
        actor=f"户{household.number}",
        source="declaration",
        today=today,
    )
    return result


def declarations_of(household: Household) -> list[Entry]:
    """The household's own declarations, newest first, whatever their status."""
    from .extensions import db

    return list(
        db.session.execute(
            db.select(Entry)
            .where(Entry.household_id == household.id, Entry.source == "declaration")
            .order_by(Entry.id.desc())
        ).scalars()
    )
