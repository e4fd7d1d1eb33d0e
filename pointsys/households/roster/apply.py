"""Applying a checked roster plan: all of it in the caller's transaction, or nothing.

New households go in by multi-row INSERTs (a village roster has thousands of rows); changes to
existing ones go through the registry, so they are checked and audited like a clerk's edits.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert

from ... import audit
from ...extensions import db
from ...localtime import app_today
from ...models import (
    Household,
    HouseholdStatus,
    HouseholdStatusChange,
    HouseholdTag,
    Member,
    Village,
)
from ...rulebook.messages import N_
from .. import registry
from .plan import Plan
from .read import RosterError


def apply_import(village: Village, plan: Plan, *, actor) -> dict[str, int]:
    """Write a checked plan in the caller's transaction; refuse if it has blocking problems."""
    if plan.blocking:
        raise RosterError(
            N_("名册还有 %(count)s 处问题，改正后重新上传；本次未导入任何数据"),
            count=len(plan.blocking),
        )
    groups = {g.name: g for g in registry.groups_of(village)}
    today = app_today()
    _bulk_create(village, plan, groups, actor, today)
    created = plan_numbers(plan)
    existing = {
        h.number: h
        for h in db.session.execute(
            db.select(Household).where(
                Household.village_id == village.id,
                Household.number.in_(
                    [r["number"] for r in plan.updates]
                    + [n for n in plan.member_sets if n not in created]
                ),
            )
        ).scalars()
    }
    for row in plan.updates:
        household = existing[row["number"]]
        changes = dict(row["changes"])
        status = changes.pop("status", None)
        if "group" in changes:
            changes["group"] = groups.get(changes["group"]) if changes["group"] else None
        if changes:
            registry.update_household(household, actor=actor, **changes)
        if status:
            registry.change_status(
                household, HouseholdStatus(status), on=today, actor=actor, reason="名册导入"
            )
    for number, people in plan.member_sets.items():
        household = existing.get(number)
        if household is None:
            continue  # created above, members and all
        before = [registry.member_values(m) for m in household.members]
        household.members = [Member(**person) for person in people]
        db.session.flush()
        audit.record(
            "set_members",
            "household",
            household.id,
            actor=actor,
            before={"members": before},
            after={"members": people},
        )
    return {
        "created": len(plan.creates),
        "updated": len(plan.updates),
        "members": len(plan.member_sets),
        "unchanged": plan.unchanged,
    }


def plan_numbers(plan: Plan) -> set[str]:
    """Household numbers the plan creates."""
    return {row["number"] for row in plan.creates}


def _bulk_create(village: Village, plan: Plan, groups, actor, today: date) -> None:
    """New households in a few multi-row INSERTs (a village roster has thousands of rows).

    Same rows as households.create_household makes one at a time: the columns come from the
    same function, and each household gets its members, tags, status history and audit event.
    """
    if not plan.creates:
        return
    values = []
    for row in plan.creates:
        on = date.fromisoformat(row["registered_on"]) if row.get("registered_on") else today
        columns = registry.household_columns(
            village.id,
            number=row["number"],
            head_name=row["head_name"],
            address=row["address"],
            grid=row["grid"],
            phone=row["phone"],
            on=on,
            status=row["status"],
        )
        columns["group_id"] = groups[row["group"]].id if row["group"] else None
        columns["created_at"] = columns["plaque_token_rotated_at"]
        values.append(columns)
    ids = db.session.scalars(
        insert(Household).returning(Household.id, sort_by_parameter_order=True), values
    ).all()
    members, tags, history, events = [], [], [], []
    for household_id, row in zip(ids, plan.creates, strict=True):
        people = plan.member_sets.get(row["number"]) or [
            {
                "name": row["head_name"],
                "relation": "户主",
                "sex": None,
                "birth_year": None,
                "is_party_member": False,
            }
        ]
        members.extend({"household_id": household_id, **p} for p in people)
        tags.extend({"household_id": household_id, "name": t} for t in row["tags"])
        history.append(
            {
                "household_id": household_id,
                "status": row["status"],
                "effective_on": date.fromisoformat(row["registered_on"])
                if row.get("registered_on")
                else today,
                "reason": "名册导入",
            }
        )
        after = {k: row[k] for k in ("number", "head_name", "address", "group", "grid", "phone")}
        after.update(tags=row["tags"], status=row["status"], members=len(people))
        events.append(
            {"action": "create", "obj_type": "household", "obj_id": household_id, "after": after}
        )
    db.session.execute(insert(Member), members)
    if tags:
        db.session.execute(insert(HouseholdTag), tags)
    db.session.execute(insert(HouseholdStatusChange), history)
    audit.record_many(events, actor=actor)
