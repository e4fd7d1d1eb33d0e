"""The demo village's registry: groups, tags, phones, statuses and plaque tokens. Idempotent:
fills in only what is missing, never changes a value that is already there."""

from __future__ import annotations

from datetime import date

from .. import audit
from ..extensions import db
from ..models import Household, HouseholdStatus, HouseholdStatusChange, HouseholdTag, Village
from . import registry
from .plaques import new_plaque_token
from .search import pinyin_keys

ACTOR = "demo"
DEMO_GROUPS = ["一组", "二组", "三组"]
# 户号 → (村民小组, 网格, 电话, 标签)
DEMO_REGISTRY = {
    "001": ("一组", "第一网格", "13800000001", ["党员户"]),
    "002": ("一组", "第一网格", "13800000002", []),
    "003": ("一组", "第一网格", "13800000003", ["军属"]),
    "004": ("一组", "第一网格", "13800000004", []),
    "005": ("二组", "第二网格", "13800000005", ["低保户"]),
    "006": ("二组", "第二网格", "13800000006", []),
    "007": ("二组", "第二网格", "13800000007", ["五保户"]),
    "008": ("二组", "第二网格", "0571-86000008", ["党员户"]),
    "009": ("三组", "第三网格", "13800000009", []),
    "010": ("三组", "第三网格", "13800000010", ["党员户", "军属"]),
    "011": ("三组", "第三网格", "13800000011", []),
    "012": ("三组", "第三网格", "13800000012", ["低保户"]),
}


def demo_registry(village: Village, report) -> None:
    """Give the demo households groups, grids, phones, tags, search keys, statuses and tokens."""
    groups = {g.name: g for g in registry.groups_of(village)}
    for name in DEMO_GROUPS:
        if name not in groups:
            groups[name] = registry.create_group(village, name, actor=ACTOR)
            report.created.append(f"村民小组 {name}")
    filled = 0
    # Only the demo's own households: anything a user added is theirs to keep as it is.
    for household in db.session.execute(
        db.select(Household)
        .filter_by(village_id=village.id)
        .where(Household.number.in_(DEMO_REGISTRY))
        .order_by(Household.number)
    ).scalars():
        if _fill(household, groups, DEMO_REGISTRY[household.number]):
            filled += 1
    if filled:
        report.created.append(f"{filled} 户的户籍信息")


def _fill(household: Household, groups, values) -> bool:
    before = registry.snapshot(household)
    changed = False
    if not household.head_initials:
        household.head_initials, household.head_pinyin = pinyin_keys(household.head_name)
        changed = True
    if household.plaque_token is None:
        household.plaque_token = new_plaque_token()
        changed = True
    if not household.status_history:
        since = household.status_since or date(2026, 1, 1)
        household.status_since = since
        household.status_history.append(
            HouseholdStatusChange(
                status=HouseholdStatus.ACTIVE.value, effective_on=since, reason="登记"
            )
        )
        changed = True
    group, grid, phone, tags = values
    if household.group_id is None:
        household.group = groups[group]
    household.grid = household.grid or grid
    household.phone = household.phone or phone
    if not household.tag_rows and tags:
        household.tag_rows = [HouseholdTag(name=t) for t in tags]
    after = registry.snapshot(household)
    if after != before or changed:
        db.session.flush()
        audit.record(
            "demo_fill", "household", household.id, actor=ACTOR, before=before, after=after
        )
        return True
    return False
