"""Finding households: by 户号, by name (head or any member), by pinyin ("zsm", "zhangsan").

Initials and full pinyin are stored per household (pinyin_keys), so a search stays one database
query whose prefixes are index ranges.
"""

from __future__ import annotations

import functools
import re

from pypinyin import lazy_pinyin
from sqlalchemy import Select, and_, exists, or_

from ..extensions import db
from ..models import Household, HouseholdTag, Member

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


@functools.lru_cache(maxsize=8192)
def pinyin_keys(name: str) -> tuple[str, str]:
    """Initials and full pinyin of a name, lower case: ("zsm", "zhangsanming")."""
    syllables = lazy_pinyin(name, errors="ignore")
    if name and name[0] in SURNAME_READINGS and syllables:
        syllables[0] = SURNAME_READINGS[name[0]]
    cleaned = [re.sub(r"[^a-z0-9]", "", s.lower()) for s in syllables]
    cleaned = [s for s in cleaned if s]
    return "".join(s[0] for s in cleaned)[:50], "".join(cleaned)[:200]


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
