"""Split (分户) and merge (合户), recorded as lineage rows; whose entries count for a balance.

Nobody's history is rewritten: a split or a merge adds a HouseholdLink (kind, source, target, day),
and ledger_sources reads those links for standings (README "Split and merge: the points rule").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_

from .. import audit
from ..extensions import db
from ..models import Household, HouseholdLink, HouseholdStatus, Member, Village
from ..rulebook.messages import N_
from .registry import Actor, RegistryError, change_status, create_household, ensure_editable


@dataclass(frozen=True)
class LedgerSource:
    """Entries of household_id dated before `until` (None: no end) count for the household."""

    household_id: int
    until: date | None


def split_household(
    household: Household,
    *,
    new_number: str,
    member_ids: Iterable[int],
    new_head_id: int,
    on: date,
    actor: Actor,
    address: str | None = None,
) -> Household:
    """分户: the chosen members leave for a new household; lineage records split_from and the day.

    Points rule (README "Households"): the original household keeps its whole ledger; the new one
    starts from nothing on `on`.
    """
    ensure_editable(household)
    moving_ids = set(member_ids)
    by_id = {m.id: m for m in household.members}
    if not moving_ids:
        raise RegistryError(N_("请选择要分出的家庭成员"))
    if not moving_ids <= set(by_id):
        raise RegistryError(N_("所选成员不属于这一户"))
    if new_head_id not in moving_ids:
        raise RegistryError(N_("新户户主必须是分出的成员之一"))
    staying = [m for m in household.members if m.id not in moving_ids]
    if not any(m.name == household.head_name and m.relation == "户主" for m in staying):
        raise RegistryError(N_("原户主不能分出；如需更换户主，请先修改原户的户主"))
    village = db.session.get(Village, household.village_id)
    head = by_id[new_head_id]
    new = create_household(
        village,
        number=new_number,
        head_name=head.name,
        actor=actor,
        address=address if address is not None else household.address,
        group=household.group,
        grid=household.grid,
        on=on,
        add_head_member=False,  # the head comes over below as a real member row, details and all
    )
    for member in sorted((by_id[i] for i in moving_ids), key=lambda m: m.id):
        household.members.remove(member)
        member.relation = "户主" if member.id == new_head_id else member.relation
        new.members.append(member)
    db.session.add(
        HouseholdLink(kind="split", source_id=household.id, target_id=new.id, effective_on=on)
    )
    db.session.flush()
    audit.record(
        "split",
        "household",
        household.id,
        actor=actor,
        before={"members": sorted(by_id[i].name for i in by_id)},
        after={
            "new_household": new.number,
            "moved_members": sorted(by_id[i].name for i in moving_ids),
            "effective_on": on.isoformat(),
        },
    )
    return new


def merge_households(absorbed: Household, survivor: Household, *, on: date, actor: Actor) -> None:
    """合户: `absorbed` joins `survivor` on `on`; absorbed is cancelled and kept read-only.

    Points rule (README "Households"): the survivor carries the absorbed household's approved
    entries dated before `on`; the absorbed household keeps its own history for reading.
    """
    if absorbed.id == survivor.id:
        raise RegistryError(N_("不能把一户并入它自己"))
    if absorbed.village_id != survivor.village_id:
        raise RegistryError(N_("只能合并同一个村的户"))
    ensure_editable(absorbed)
    ensure_editable(survivor)
    for member in absorbed.members:
        # Copies, so the cancelled household still shows who lived there.
        survivor.members.append(
            Member(
                name=member.name,
                relation=member.relation if member.relation != "户主" else "原户主",
                sex=member.sex,
                birth_year=member.birth_year,
                is_party_member=member.is_party_member,
            )
        )
    db.session.add(
        HouseholdLink(kind="merge", source_id=absorbed.id, target_id=survivor.id, effective_on=on)
    )
    change_status(
        absorbed,
        HouseholdStatus.CANCELLED,
        on=on,
        actor=actor,
        reason=f"并入户号 {survivor.number}",
    )
    audit.record(
        "merge",
        "household",
        survivor.id,
        actor=actor,
        before={"members": len(survivor.members) - len(absorbed.members)},
        after={"merged": absorbed.number, "effective_on": on.isoformat()},
    )


def ledger_sources(
    household_id: int, links: Iterable[tuple[str, int, int, date]]
) -> list[LedgerSource]:
    """Whose entries count for a household's balance: itself, plus every household merged into it
    (recursively) up to the day of the merge. Splits add nothing: a new household starts at zero.

    `links` are (kind, source_id, target_id, effective_on) rows of HouseholdLink.
    """
    merged_into: dict[int, list[tuple[int, date]]] = {}
    for kind, source, target, effective_on in links:
        if kind == "merge":
            merged_into.setdefault(target, []).append((source, effective_on))
    result = [LedgerSource(household_id, None)]
    seen = {household_id}
    pending = [(household_id, None)]
    while pending:
        current, until = pending.pop()
        for source, effective_on in merged_into.get(current, []):
            if source in seen:
                continue
            seen.add(source)
            limit = effective_on if until is None else min(until, effective_on)
            result.append(LedgerSource(source, limit))
            pending.append((source, limit))
    return result


def lineage_of(household: Household) -> list[HouseholdLink]:
    return list(
        db.session.execute(
            db.select(HouseholdLink)
            .where(
                or_(
                    HouseholdLink.source_id == household.id, HouseholdLink.target_id == household.id
                )
            )
            .order_by(HouseholdLink.effective_on, HouseholdLink.id)
        ).scalars()
    )
