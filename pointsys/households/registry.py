"""The household registry: groups, households, members, statuses; the values the audit keeps.

Plain arguments in, model rows out; no request or current_user. Every write goes through the audit
trail in the caller's transaction, and nothing here commits: the caller commits or rolls back whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from .. import audit
from ..extensions import db
from ..localtime import app_today
from ..models import (
    Household,
    HouseholdStatus,
    HouseholdStatusChange,
    HouseholdTag,
    Member,
    Village,
    VillageGroup,
    utcnow,
)
from ..rulebook.messages import N_
from ..translated import TranslatedError
from .plaques import new_plaque_token
from .search import pinyin_keys

STATUS_NAMES = {
    HouseholdStatus.ACTIVE: "在册",
    HouseholdStatus.MOVED_OUT: "迁出",
    HouseholdStatus.CANCELLED: "注销",
}
STATUS_BY_NAME = {name: status for status, name in STATUS_NAMES.items()}
SEX_NAMES = {"M": "男", "F": "女"}
SEX_BY_NAME = {"男": "M", "女": "F", "M": "M", "F": "F", "m": "M", "f": "F"}

# Mainland mobile numbers, or a landline with its area code (0xxx-xxxxxxx).
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")

Actor = audit.Actor


class RegistryError(TranslatedError):
    """A change the registry refuses; the message tells a clerk what to do."""


# C0 control characters: PostgreSQL cannot store NUL, and a stored BEL or ESC would make every
# workbook that prints the household fail. Every registry field is a single line.
CONTROL_RE = re.compile(r"[\x00-\x1f]")
CONTROL_MESSAGE = N_("“%(value)s”里有看不见的控制字符（显示为 ␁ 之类的符号），请删掉后重新填写")


def visible(text: str) -> str:
    """`text` with each control character shown as its Unicode picture (\x01 → ␁)."""
    return CONTROL_RE.sub(lambda m: chr(0x2400 + ord(m.group())), text)


def refuse_control_characters(*values: str | None) -> None:
    """RegistryError naming the first value that holds a control character, if any does."""
    for value in values:
        if value and CONTROL_RE.search(value):
            raise RegistryError(CONTROL_MESSAGE, value=visible(value))


def normalise_phone(value: str | None) -> str | None:
    """A phone number without spaces, or RegistryError naming what is wrong."""
    if value is None or not str(value).strip():
        return None
    text = re.sub(r"[\s()（）]", "", str(value)).replace("—", "-")
    if not PHONE_RE.match(text):
        raise RegistryError(
            N_("电话“%(value)s”格式不对：应为 11 位手机号或带区号的座机号"), value=value
        )
    return text


def snapshot(household: Household) -> dict[str, Any]:
    """The household's registry values, as the audit trail stores them before and after."""
    return {
        "number": household.number,
        "head_name": household.head_name,
        "address": household.address,
        "group": household.group.name if household.group else None,
        "grid": household.grid,
        "phone": household.phone,
        "tags": sorted(household.tags),
        "status": household.status,
    }


def ensure_editable(household: Household) -> None:
    """Moved-out and cancelled households keep their history read-only."""
    if not household.is_active:
        moved = household.status == HouseholdStatus.MOVED_OUT.value
        if household.status_since:
            message = (
                N_("户号 %(number)s 已迁出（%(since)s），记录只读，不能修改")
                if moved
                else N_("户号 %(number)s 已注销（%(since)s），记录只读，不能修改")
            )
            since = household.status_since.isoformat()
            raise RegistryError(message, number=household.number, since=since)
        message = (
            N_("户号 %(number)s 已迁出，记录只读，不能修改")
            if moved
            else N_("户号 %(number)s 已注销，记录只读，不能修改")
        )
        raise RegistryError(message, number=household.number)


def find_household(village: Village, number: str) -> Household | None:
    return db.session.execute(
        db.select(Household).filter_by(village_id=village.id, number=number)
    ).scalar_one_or_none()


def find_group(village: Village, name: str) -> VillageGroup | None:
    return db.session.execute(
        db.select(VillageGroup).filter_by(village_id=village.id, name=name)
    ).scalar_one_or_none()


def create_group(village: Village, name: str, *, actor: Actor) -> VillageGroup:
    """Add a village group (村民小组); names are unique in the village."""
    name = name.strip()
    refuse_control_characters(name)
    if not name:
        raise RegistryError(N_("请填写村民小组名称"))
    if find_group(village, name) is not None:
        raise RegistryError(N_("村民小组“%(name)s”已存在"), name=name)
    order = db.session.execute(
        db.select(db.func.count(VillageGroup.id)).filter_by(village_id=village.id)
    ).scalar_one()
    group = VillageGroup(village_id=village.id, name=name, sort_order=order + 1)
    db.session.add(group)
    db.session.flush()
    audit.record("create", "village_group", group.id, actor=actor, after={"name": name})
    return group


def groups_of(village: Village) -> list[VillageGroup]:
    return list(
        db.session.execute(
            db.select(VillageGroup)
            .filter_by(village_id=village.id)
            .order_by(VillageGroup.sort_order, VillageGroup.id)
        ).scalars()
    )


def _clean_tags(tags: Iterable[str]) -> list[str]:
    result = []
    for tag in tags:
        tag = tag.strip()
        refuse_control_characters(tag)
        if len(tag) > 30:
            raise RegistryError(N_("标签“%(tag)s”太长（最多 30 字）"), tag=tag)
        if tag and tag not in result:
            result.append(tag)
    return sorted(result)


def split_tags(text: str | None) -> list[str]:
    """Tags as typed in one cell or field: separated by 、 , ， ; or spaces."""
    return _clean_tags(re.split(r"[、,，;；\s]+", text or ""))


def household_columns(
    village_id: int,
    *,
    number: str,
    head_name: str,
    address: str | None,
    grid: str | None,
    phone: str | None,
    on: date,
    status: str = HouseholdStatus.ACTIVE.value,
) -> dict[str, Any]:
    """Column values of a new household: search keys and a plaque token included.

    Shared by create_household and the roster's bulk insert, so both make the same rows.
    """
    initials, full = pinyin_keys(head_name)
    return {
        "village_id": village_id,
        "number": number,
        "head_name": head_name,
        "address": (address or "").strip() or None,
        "grid": (grid or "").strip() or None,
        "phone": phone,
        "status": status,
        "status_since": on,
        "registered_on": on,
        "head_initials": initials,
        "head_pinyin": full,
        "plaque_token": new_plaque_token(),
        "plaque_token_rotated_at": utcnow(),
    }


def registration_day(on: date | None) -> date:
    """The day a new household is 在册 from: today unless given, never a day still to come."""
    today = app_today()
    if on is not None and on > today:
        raise RegistryError(
            N_("在册日期 %(on)s 还没到；请填写实际登记在册的日期。"), on=on.isoformat()
        )
    return on or today


def create_household(
    village: Village,
    *,
    number: str,
    head_name: str,
    actor: Actor,
    address: str | None = None,
    group: VillageGroup | None = None,
    grid: str | None = None,
    phone: str | None = None,
    tags: Iterable[str] = (),
    on: date | None = None,
    add_head_member: bool = True,
) -> Household:
    """Register a new household (its head the first member, unless told not to) with a token."""
    number, head_name = number.strip(), head_name.strip()
    refuse_control_characters(number, head_name, address, grid, phone)
    if not number:
        raise RegistryError(N_("请填写户号"))
    if not head_name:
        raise RegistryError(N_("请填写户主姓名"))
    if find_household(village, number) is not None:
        raise RegistryError(N_("户号 %(number)s 已存在"), number=number)
    on = registration_day(on)
    household = Household(
        **household_columns(
            village.id,
            number=number,
            head_name=head_name,
            address=address,
            grid=grid,
            phone=normalise_phone(phone),
            on=on,
        )
    )
    household.group = group
    household.tag_rows = [HouseholdTag(name=t) for t in _clean_tags(tags)]
    household.members = [Member(name=head_name, relation="户主")] if add_head_member else []
    household.status_history = [
        HouseholdStatusChange(status=HouseholdStatus.ACTIVE.value, effective_on=on, reason="登记")
    ]
    db.session.add(household)
    db.session.flush()
    audit.record("create", "household", household.id, actor=actor, after=snapshot(household))
    return household


def update_household(household: Household, *, actor: Actor, **changes: Any) -> bool:
    """Change registry fields (head_name, address, group, grid, phone, tags); False if no change."""
    ensure_editable(household)
    refuse_control_characters(
        *(v for k, v in changes.items() if k in ("head_name", "address", "grid", "phone"))
    )
    before = snapshot(household)
    renamed_head: tuple[str, str] | None = None
    if "head_name" in changes:
        head_name = (changes.pop("head_name") or "").strip()
        if not head_name:
            raise RegistryError(N_("请填写户主姓名"))
        if head_name != household.head_name:
            head = _head_member(household)
            if head is not None and head.name != head_name:
                renamed_head = (head.name, head_name)
                head.name = head_name
            household.head_name = head_name
            household.head_initials, household.head_pinyin = pinyin_keys(head_name)
    if "phone" in changes:
        household.phone = normalise_phone(changes.pop("phone"))
    if "tags" in changes:
        wanted = _clean_tags(changes.pop("tags"))
        if wanted != household.tags:
            household.tag_rows = [HouseholdTag(name=t) for t in wanted]
    if "group" in changes:
        household.group = changes.pop("group")
    for field in ("address", "grid"):
        if field in changes:
            setattr(household, field, (changes.pop(field) or "").strip() or None)
    if changes:
        raise TypeError(f"unknown household fields: {sorted(changes)}")
    after = snapshot(household)
    if after == before:
        return False
    if renamed_head is not None:
        # The member row of the head is renamed in the same change, and audited with it.
        before["head_member"], after["head_member"] = renamed_head
    db.session.flush()
    audit.record("update", "household", household.id, actor=actor, before=before, after=after)
    return True


def _head_member(household: Household) -> Member | None:
    """The member row of the household's head: relation 户主, by the current head's name first."""
    heads = [m for m in household.members if m.relation == "户主"]
    for member in heads:
        if member.name == household.head_name:
            return member
    return heads[0] if len(heads) == 1 else None


def change_status(
    household: Household, status: HouseholdStatus, *, on: date, actor: Actor, reason: str = ""
) -> None:
    """Move a household out (迁出) or cancel it (注销); from then on it is read-only."""
    ensure_editable(household)
    if status == HouseholdStatus.ACTIVE:
        raise RegistryError(N_("户号 %(number)s 已经在册"), number=household.number)
    refuse_control_characters(reason)
    before = snapshot(household)
    household.status = status.value
    household.status_since = on
    household.status_history.append(
        HouseholdStatusChange(status=status.value, effective_on=on, reason=reason.strip() or None)
    )
    db.session.flush()
    audit.record(
        "change_status",
        "household",
        household.id,
        actor=actor,
        before=before,
        after={**snapshot(household), "effective_on": on.isoformat(), "reason": reason},
    )


def add_member(
    household: Household,
    *,
    name: str,
    relation: str,
    actor: Actor,
    sex: str | None = None,
    birth_year: int | None = None,
    is_party_member: bool = False,
) -> Member:
    """Add a family member (no ID-card number is ever stored)."""
    ensure_editable(household)
    name, relation = name.strip(), relation.strip()
    refuse_control_characters(name, relation)
    if not name or not relation:
        raise RegistryError(N_("请填写成员姓名和与户主关系"))
    if birth_year is not None and not 1900 <= birth_year <= app_today().year:
        raise RegistryError(N_("出生年份 %(year)s 不合理"), year=birth_year)
    member = Member(
        name=name,
        relation=relation,
        sex=sex,
        birth_year=birth_year,
        is_party_member=is_party_member,
    )
    household.members.append(member)
    db.session.flush()
    audit.record("add_member", "household", household.id, actor=actor, after=member_values(member))
    return member


def member_values(member: Member) -> dict[str, Any]:
    return {
        "name": member.name,
        "relation": member.relation,
        "sex": member.sex,
        "birth_year": member.birth_year,
        "is_party_member": member.is_party_member,
    }
