"""The honour lists (红黑榜) of a quarter as plain values: the one representation that the draft
page, the print page, the public page and the notice-board workbook all render.

Plain data only (no database, no Flask), so the spreadsheet writers can take it as they take the
rest of their data. `publishing.draft_lists` builds it from standings; `publishing.published_lists`
gives a published issue back in the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .periods import Period

# The code of the optional list of every ranked household (not a tier of the rulebook, whose
# codes are never empty).
EVERYONE = ""


@dataclass(frozen=True, slots=True)
class ListRow:
    """One household on a list, as the notice board prints it."""

    rank: int  # shared by ties (1, 2, 2, 4), within the village or the group
    household_id: int
    number: str  # 户号
    public_name: str  # 户主, masked (张*明) when the rulebook says so
    group_name: str | None
    points: Decimal  # this quarter's points
    balance: Decimal  # the account balance at the quarter's end (累计积分)
    tier_name: str  # 等级: the household's tier (the list's own, except on the everyone list)
    reason: str = ""  # black side: the veto items, or the rule that put the household there


@dataclass(frozen=True)
class HonourList:
    """One tier's list: 超红榜, 红榜, 黄榜, 黑榜 …"""

    tier_code: str
    tier_name: str
    side: str  # "red" or "black"
    rows: list[ListRow]


@dataclass(frozen=True)
class HonourLists:
    """Every list of a quarter, red side first, each side in rulebook order."""

    village_code: str
    village_name: str
    quarter: Period
    scope: str  # "village" or "group": where ranks are counted
    names: str  # "full" or "masked"
    lists: list[HonourList]

    @property
    def rows(self) -> list[tuple[HonourList, ListRow]]:
        return [(honour_list, row) for honour_list in self.lists for row in honour_list.rows]


def red_side_first(tiers):
    """Tiers in the order the lists are shown: the red side, then the black side, each in the
    rulebook's order (a stable sort)."""
    return sorted(tiers, key=lambda tier: tier.side != "red")
