"""The honour lists (红黑榜) of a period (a quarter unless the rulebook says otherwise) as
plain values: the one representation that the draft page, the print page, the public page and
the notice-board workbook all render.

Plain data only (no database, no Flask), so the spreadsheet writers can take it as they take the
rest of their data. `publishing.draft_lists` builds it from standings; `publishing.published_lists`
gives a published issue back in the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .periods import Period

# The code of the optional list of every ranked household (not a tier of the rulebook, whose
# codes are never empty).
EVERYONE = ""


@dataclass(frozen=True, slots=True)
class ListRow:
    """One household on a list, as the notice board prints it; or, on a latest-deductions list
    (曝光台), one penalty entry: its household, the name as printed (the village group's
    name, or the head's, masked or full), the item, the day and the points, no balance."""

    rank: int  # shared by ties (1, 2, 2, 4), within the village or the group; an entry: 1, 2 …
    household_id: int
    number: str  # 户号
    public_name: str  # 户主, masked (张*明) when the rulebook says so; an entry: as printed
    group_name: str | None
    points: Decimal  # this period's points; an entry: its points
    balance: Decimal | None  # the account balance at the period's end (累计积分); an entry: None
    tier_name: str  # 等级: the household's tier (the list's own, except on the everyone list)
    reason: str = ""  # black side: the veto items, or the rule that put the household there
    entry_id: int | None = None  # an entry's line only
    occurred_on: date | None = None  # an entry's line: the day of the conduct
    item_title: str = ""  # an entry's line: the item


@dataclass(frozen=True)
class HonourList:
    """One tier's list: 超红榜, 红榜, 黄榜, 黑榜 …"""

    tier_code: str
    tier_name: str
    side: str  # "red" or "black"
    rows: list[ListRow]
    latest: int | None = None  # a latest-deductions list: at most this many entries
    names: str = ""  # a latest-deductions list: how entries are named (group, masked, full)

    @property
    def of_entries(self) -> bool:
        """A list of entries (the latest deductions), not of households."""
        return self.latest is not None


@dataclass(frozen=True)
class HonourLists:
    """Every list of a period, red side first, each side in rulebook order."""

    village_code: str
    village_name: str
    period: Period
    scope: str  # "village" or "group": where ranks are counted
    names: str  # "full" or "masked"
    lists: list[HonourList]
    # The heading of the balance column (a message id or the rulebook's own name): the main
    # balance a rulebook declares (年度积分, 信用积分 …), or 累计积分 for a legacy [account].
    balance_name: str = "累计积分"

    @property
    def quarter(self) -> Period:
        """The period, by its first name (the lists were quarterly before [honours] period)."""
        return self.period

    @property
    def rows(self) -> list[tuple[HonourList, ListRow]]:
        return [(honour_list, row) for honour_list in self.lists for row in honour_list.rows]


def red_side_first(tiers):
    """Tiers in the order the lists are shown: the red side, then the black side, each in the
    rulebook's order (a stable sort)."""
    return sorted(tiers, key=lambda tier: tier.side != "red")
