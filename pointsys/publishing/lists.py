"""Draft honour lists (红黑榜) for a quarter, read from the one standings function.

Nothing here sums the ledger: standings() already decides every household's rank, tier, veto and
bar from the red list. This module only groups its rows by tier, red side first and each side in
the rulebook's order, and says how each row is printed (the name masked when the rulebook says
so, the reason for a black-list place). It is the only builder of honour lists: the pages and the
notice-board workbook render what it returns.
"""

from __future__ import annotations

from decimal import Decimal

from .. import rules_store
from .. import standings as standings_module
from ..honour_lists import EVERYONE, HonourList, HonourLists, ListRow, red_side_first
from ..models import Village
from ..periods import Period
from ..rulebook import Rulebook
from ..rulebook.describe import plain
from ..rulebook.honours import public_name
from ..rulebook.model import Tier

# The printed lists are a Chinese document whatever the language of the person who prints them,
# so their own words (reasons, the everyone list's title) are written in Chinese, not translated.
EVERYONE_TITLE = "全村积分排名"


def draft_lists(
    village: Village,
    quarter: Period,
    rulebook: Rulebook | None = None,
    *,
    everyone: bool = False,
) -> HonourLists:
    """The quarter's lists as they would be published now.

    Rows keep the order standings() gives: by rank, ties by 户号; with a "group" scope, group by
    group (in the order of the groups' ids) and by rank within each group. `everyone` adds, after
    the tiers, a list of every ranked household with its tier (for the notice board's command).
    """
    rulebook = rulebook or rules_store.in_force(village.code).rulebook
    table = standings_module.standings(village, quarter, rulebook)
    policy = rulebook.honours
    vetoes = standings_module.veto_items(village, quarter)
    tiers = red_side_first(policy.tiers)
    by_tier: dict[str, list[ListRow]] = {t.code: [] for t in tiers}
    every: list[ListRow] = []
    for standing in table.rows:
        if standing.rank is None:
            continue
        tier = standing.tier
        reason = ""
        if tier is not None and tier.side == "black":
            reason = _black_reason(tier, standing.vetoed, vetoes.get(standing.household_id))
        row = ListRow(
            rank=standing.rank,
            household_id=standing.household_id,
            number=standing.number,
            public_name=public_name(policy, standing.head_name),
            group_name=standing.group_name,
            points=standing.points,
            balance=standing.balance,
            tier_name=tier.name if tier is not None else "",
            reason=reason,
        )
        every.append(row)
        if tier is not None:
            by_tier[tier.code].append(row)
    lists = [HonourList(t.code, t.name, t.side, by_tier[t.code]) for t in tiers]
    if everyone:
        lists.append(HonourList(EVERYONE, EVERYONE_TITLE, "red", every))
    return HonourLists(
        village_code=village.code,
        village_name=village.name,
        quarter=quarter,
        scope=policy.scope,
        names=policy.names,
        lists=lists,
    )


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
