"""Households (户): the registry, lineage (split and merge), search, door plaques, the roster.

    from pointsys import households as registry      # the registry's public names, listed below
    from pointsys.households import roster           # the roster (花名册) in Excel

Everything the rest of the app uses is importable from here, whichever module it lives in.
"""

from .lineage import (
    LedgerSource,
    ledger_sources,
    lineage_of,
    merge_households,
    split_household,
)
from .plaques import (
    active_counts_by_group,
    by_plaque_token,
    new_plaque_token,
    rotate_plaque_token,
)
from .registry import (
    PHONE_RE,
    SEX_BY_NAME,
    SEX_NAMES,
    STATUS_BY_NAME,
    STATUS_NAMES,
    Actor,
    RegistryError,
    add_member,
    change_status,
    create_group,
    create_household,
    ensure_editable,
    find_group,
    find_household,
    groups_of,
    household_columns,
    member_values,
    normalise_phone,
    registration_day,
    snapshot,
    split_tags,
    update_household,
)
from .search import pinyin_keys, search, tags_in_use

__all__ = [
    "PHONE_RE",
    "SEX_BY_NAME",
    "SEX_NAMES",
    "STATUS_BY_NAME",
    "STATUS_NAMES",
    "Actor",
    "LedgerSource",
    "RegistryError",
    "active_counts_by_group",
    "add_member",
    "by_plaque_token",
    "change_status",
    "create_group",
    "create_household",
    "ensure_editable",
    "find_group",
    "find_household",
    "groups_of",
    "household_columns",
    "ledger_sources",
    "lineage_of",
    "member_values",
    "merge_households",
    "new_plaque_token",
    "normalise_phone",
    "pinyin_keys",
    "registration_day",
    "rotate_plaque_token",
    "search",
    "snapshot",
    "split_household",
    "split_tags",
    "tags_in_use",
    "update_household",
]
