"""The household registry: create, change, move out, split and merge households; lineage; search.

Plain arguments in, model rows out; no request or current_user. Every write goes through the audit
trail in the caller's transaction, and nothing here commits: the caller commits or rolls back whole.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pypinyin import lazy_pinyin
from sqlalchemy import Select, and_, exists, or_

from . import audit
from .extensions import db
from .localtime import app_today
from .models import (
    Household,
    HouseholdLink,
    HouseholdStatus,
    HouseholdStatusChange,
    HouseholdTag,
    Member,
    User,
    Village,
    VillageGroup,
    utcnow,
)
from .translated import TranslatedError

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
# Surnames whose everyday reading differs from pypinyin's default for the character.
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "查": "zha",
    "朴": "piao",
    "覃": "qin",
    "盖": "ge",
    "缪": "miao",
    "翟": "zhai",
    "乐": "yue",
    "尉": "yu",
}

Actor = User | str  # a staff user, or a label such as "cli" or "demo"


def N_(message: str) -> str:
    """Mark a message id for extraction; it is translated when shown, not here."""
    return message


class RegistryError(TranslatedError):
    """A change the registry refuses; the message tells a clerk what to do."""


@dataclass(frozen=True)
class LedgerSource:
    """Entries of household_id dated before `until` (None: no end) count for the household."""

    household_id: int
    until: date | None


@functools.lru_cache(maxsize=8192)
def pinyin_keys(name: str) -> tuple[str, str]:
    """Initials and full pinyin of a name, lower case: ("zsm", "zhangsanming")."""
    syllables = lazy_pinyin(name, errors="ignore")
    if name and name[0] in SURNAME_READINGS and syllables:
        syllables[0] = SURNAME_READINGS[name[0]]
    cleaned = [re.sub(r"[^a-z0-9]", "", s.lower()) for s in syllables]
    cleaned = [s for s in cleaned if s]
    return "".join(s[0] for s in cleaned)[:50], "".join(cleaned)[:200]


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


def new_plaque_token() -> str:
    """A fresh unguessable token for a door plaque's QR code (192 random bits)."""
    return secrets.token_urlsafe(24)


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
        "head_initials": initials,
        "head_pinyin": full,
        "plaque_token": new_plaque_token(),
        "plaque_token_rotated_at": utcnow(),
    }


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
    if not number:
        raise RegistryError(N_("请填写户号"))
    if not head_name:
        raise RegistryError(N_("请填写户主姓名"))
    if find_household(village, number) is not None:
        raise RegistryError(N_("户号 %(number)s 已存在"), number=number)
    on = on or app_today()
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


def rotate_plaque_token(household: Household, *, actor: Actor) -> str:
    """Give the household a new plaque token; the old QR code stops working at once."""
    old = household.plaque_token
    household.plaque_token = new_plaque_token()
    household.plaque_token_rotated_at = utcnow()
    db.session.flush()
    # The token is a capability: the audit trail keeps only a short fingerprint of it.
    audit.record(
        "rotate_plaque_token",
        "household",
        household.id,
        actor=actor,
        before={"token": _fingerprint(old)},
        after={"token": _fingerprint(household.plaque_token)},
    )
    return household.plaque_token


def _fingerprint(token: str | None) -> str | None:
    return hashlib.sha256(token.encode()).hexdigest()[:12] if token else None


def by_plaque_token(token: str) -> Household | None:
    """The household a plaque's QR code opens, or None for an unknown or rotated token."""
    if not token or len(token) > 64:
        return None
    return db.session.execute(
        db.select(Household).filter_by(plaque_token=token)
    ).scalar_one_or_none()


def _prefix(column, text: str):
    """column starts with text, written as a range so a plain b-tree index serves it."""
    upper = text[:-1] + chr(ord(text[-1]) + 1)
    return and_(column >= text, column < upper)


def search(
    village_id: int,
    *,
    text: str = "",
    group_id: int | None = None,
    tag: str | None = None,
    status: str | None = None,
) -> Select:
    """Households of a village matching a number, a name or pinyin initials ("zsm"), filtered."""
    query = db.select(Household).where(Household.village_id == village_id)
    text = (text or "").strip()
    if text:
        if re.fullmatch(r"[A-Za-z]+", text):
            key = text.lower()
            query = query.where(
                or_(
                    _prefix(Household.head_initials, key),
                    _prefix(Household.head_pinyin, key),
                    Household.number == text,
                )
            )
        else:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(
                or_(
                    Household.number == text,
                    _prefix(Household.number, text),
                    Household.head_name.like(pattern, escape="\\"),
                    exists().where(
                        Member.household_id == Household.id,
                        Member.name.like(pattern, escape="\\"),
                    ),
                )
            )
    if group_id:
        query = query.where(Household.group_id == group_id)
    if tag:
        query = query.where(
            exists().where(HouseholdTag.household_id == Household.id, HouseholdTag.name == tag)
        )
    if status:
        query = query.where(Household.status == status)
    return query.order_by(Household.number)


def tags_in_use(village_id: int, *conditions) -> list[str]:
    """Tags on the village's households (those matching `conditions`, e.g. access's filter)."""
    return list(
        db.session.execute(
            db.select(HouseholdTag.name)
            .join(Household)
            .where(Household.village_id == village_id, *conditions)
            .distinct()
            .order_by(HouseholdTag.name)
        ).scalars()
    )
