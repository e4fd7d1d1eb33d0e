"""Draft honour lists (红黑榜) for a quarter, read from the one standings function.

Nothing here sums the ledger: standings() already decides every household's rank, tier, veto and
bar from the red list. This module only groups its rows by tier, in the rulebook's order with
the red side first, and says how each row is printed (the name masked when the rulebook says so,
the reason for a black-list place).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .. import standings as standings_module
from ..models import Village
from ..periods import Period
from ..rulebook import Rulebook
from ..rulebook.describe import plain
from ..rulebook.honours import public_name
from ..rulebook.model import Tier


@dataclass(frozen=True, slots=True)
class ListRow:
    """One household on a list, as the notice board shows it."""

    rank: int  # shared by ties (1, 2, 2, 4), within the village or the group
    household_id: int
    number: str  # 户号
    public_name: str  # 户主, masked (张*明) when the rulebook says so
    group_name: str | None
    points: Decimal  # this quarter's points
    balance: Decimal  # the account balance at the quarter's end (累计积分)
    reason: str = ""  # black lists: the veto item, or the rule that put the household there


@dataclass(frozen=True)
class HonourList:
    """One tier's list: 超红榜, 红榜, 黄榜, 黑榜 …"""

    tier_code: str
    tier_name: str
    side: str  # "red" or "black"
    rows: list[ListRow]


@dataclass(frozen=True)
class HonourLists:
    """Every list of a quarter, red side first, each in rulebook order."""

    village_code: str
    village_name: str
    quarter: Period
    scope: str  # "village" or "group": where ranks are counted
    names: str  # "full" or "masked"
    lists: list[HonourList]

    @property
    def rows(self) -> list[tuple[HonourList, ListRow]]:
        return [(honour_list, row) for honour_list in self.lists for row in honour_list.rows]


def draft_lists(village: Village, quarter: Period, rulebook: Rulebook | None = None) -> HonourLists:
    """The quarter's lists as they would be published now.

    Rows keep the order standings() gives: by rank, ties by 户号; with a "group" scope, group by
    group (in the order of the groups' ids) and by rank within each group.
    """
    rulebook = rulebook or standings_module._rulebook(village)
    table = standings_module.standings(village, quarter, rulebook)
    policy = rulebook.honours
    vetoes = standings_module.veto_items(village, quarter)
    tiers = sorted(policy.tiers, key=lambda t: t.side != "red")  # stable: rulebook order kept
    by_tier: dict[str, list[ListRow]] = {t.code: [] for t in tiers}
    for standing in table.rows:
        if standing.tier is None or standing.rank is None:
            continue
        reason = ""
        if standing.tier.side == "black":
            reason = _black_reason(
                standing.tier, standing.vetoed, vetoes.get(standing.household_id)
            )
        by_tier[standing.tier.code].append(
            ListRow(
                rank=standing.rank,
                household_id=standing.household_id,
                number=standing.number,
                public_name=public_name(policy, standing.head_name),
                group_name=standing.group_name,
                points=standing.points,
                balance=standing.balance,
                reason=reason,
            )
        )
    return HonourLists(
        village_code=village.code,
        village_name=village.name,
        quarter=quarter,
        scope=policy.scope,
        names=policy.names,
        lists=[HonourList(t.code, t.name, t.side, by_tier[t.code]) for t in tiers],
    )


# The reasons are part of the printed list, which is a Chinese document whatever the language of
# the person who publishes it; so they are written in Chinese, not translated.
def _black_reason(tier: Tier, vetoed: bool, vetoes) -> str:
    if vetoed:
        titles = [title for title, consequences in vetoes or () if "black_list" in consequences]
        return "一票否决：" + "；".join(dict.fromkeys(titles)) if titles else "一票否决"
    if tier.min is not None and tier.below is not None:
        return (
            f"本季积分在 {plain(tier.min)} 至 {plain(tier.below)} 之间（不含 {plain(tier.below)}）"
        )
    if tier.below is not None:
        return f"本季积分低于 {plain(tier.below)}"
    if tier.min is not None:
        return f"本季积分不低于 {plain(tier.min)}"
    if tier.bottom is not None:
        return f"本季积分倒数 {tier.bottom} 名以内"
    if tier.bottom_percent is not None:
        return f"本季积分排在后 {plain(Decimal(tier.bottom_percent))}%"
    return ""
