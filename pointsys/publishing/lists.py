"""Draft honour lists (红黑榜) for a period of the lists (a quarter unless the rulebook's
[honours] period says otherwise), read from the one standings function.

Nothing here sums the ledger: standings() already decides every household's rank, tier, veto and
bar from the red list. This module only groups its rows by tier, red side first and each side in
the rulebook's order, and says how each row is printed (the name masked when the rulebook says
so, the reason for a black-list place). A latest-deductions tier (latest = N, 曝光台) lists
entries, not households: the period's latest N penalties from ledger_queries.latest_penalties.
It is the only builder of honour lists: the pages and the notice-board workbook render what it
returns.
"""

from __future__ import annotations

from decimal import Decimal

from .. import rules_store
from .. import standings as standings_module
from ..honour_lists import EVERYONE, HonourList, HonourLists, ListRow, red_side_first
from ..ledger_queries import latest_penalties
from ..models import Village
from ..periods import Period
from ..rulebook import Rulebook
from ..rulebook.describe import plain
from ..rulebook.honours import masked, public_name
from ..rulebook.model import HonourPolicy, Tier, account_balances

# The printed lists are a Chinese document whatever the language of the person who prints them,
# so their own words (reasons, the everyone list's title) are written in Chinese, not translated.
EVERYONE_TITLE = "全村积分排名"
# "本季积分低于 -10": the period as a black list's reason names it.
THIS_PERIOD = {
    "month": "本月",
    "two_months": "本期",
    "quarter": "本季",
    "half_year": "本半年",
    "year": "本年",
}


def draft_lists(
    village: Village,
    period: Period,
    rulebook: Rulebook | None = None,
    *,
    everyone: bool = False,
) -> HonourLists:
    """The period's lists as they would be published now.

    Rows keep the order standings() gives: by rank, ties by 户号; with a "group" scope, group by
    group (in the order of the groups' ids) and by rank within each group. `everyone` adds, after
    the tiers, a list of every ranked household with its tier (for the notice board's command).
    """
    rulebook = rulebook or rules_store.in_force(village.code).rulebook
    table = standings_module.standings(village, period, rulebook)
    policy = rulebook.honours
    vetoes = standings_module.veto_items(village, period)
    tiers = red_side_first(policy.tiers)
    by_tier: dict[str, list[ListRow]] = {t.code: [] for t in tiers}
    every: list[ListRow] = []
    for standing in table.rows:
        if standing.rank is None:
            continue
        tier = standing.tier
        reason = ""
        if tier is not None and tier.side == "black":
            reason = _black_reason(
                tier, standing.vetoed, vetoes.get(standing.household_id), period.kind
            )
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
    lists = [
        _latest_list(village, period, policy, t)
        if t.of_entries
        else HonourList(t.code, t.name, t.side, by_tier[t.code])
        for t in tiers
    ]
    if everyone:
        lists.append(HonourList(EVERYONE, EVERYONE_TITLE, "red", every))
    return HonourLists(
        village_code=village.code,
        village_name=village.name,
        period=period,
        scope=policy.scope,
        names=policy.names,
        lists=lists,
        balance_name=balance_heading(rulebook),
    )


def balance_heading(rulebook: Rulebook) -> str:
    """What a list calls its balance column: the main balance's own name when the rulebook
    declares [[balances]]; 累计积分, as lists always said, for a legacy [account]."""
    if rulebook.balances and rulebook.balances != account_balances(rulebook.account):
        return rulebook.main_balance.name
    return HonourLists.balance_name


def _latest_list(village: Village, period: Period, policy: HonourPolicy, tier: Tier):
    """A latest-deductions list: the period's latest `tier.latest` penalty entries, newest
    first, each named as the tier says (the group only, or the head masked or in full)."""
    rows = []
    for position, entry in enumerate(latest_penalties(village, period, tier.latest), start=1):
        if tier.names == "group":
            name = entry.group_name or ""
        elif tier.names == "masked":
            name = masked(entry.head_name)
        else:
            name = entry.head_name
        rows.append(
            ListRow(
                rank=position,
                household_id=entry.household_id,
                number=entry.number,
                public_name=name,
                group_name=entry.group_name,
                points=entry.points,
                balance=None,
                tier_name=tier.name,
                entry_id=entry.id,
                occurred_on=entry.occurred_on,
                item_title=entry.item_title,
            )
        )
    return HonourList(tier.code, tier.name, tier.side, rows, latest=tier.latest, names=tier.names)


def _black_reason(tier: Tier, vetoed: bool, vetoes, kind: str = "quarter") -> str:
    if vetoed:
        titles = [title for title, consequences in vetoes or () if "black_list" in consequences]
        return "一票否决：" + "；".join(dict.fromkeys(titles)) if titles else "一票否决"
    this = THIS_PERIOD[kind]
    if tier.bottom is not None:
        reason = f"{this}积分倒数 {tier.bottom} 名以内"
    elif tier.bottom_percent is not None:
        reason = f"{this}积分排在后 {plain(Decimal(tier.bottom_percent))}%"
    else:
        reason = ""
    if tier.min is not None and tier.below is not None:
        bound = f"积分在 {plain(tier.min)} 至 {plain(tier.below)} 之间（不含 {plain(tier.below)}）"
    elif tier.below is not None:
        bound = f"积分低于 {plain(tier.below)}"
    elif tier.min is not None:
        bound = f"积分不低于 {plain(tier.min)}"
    else:
        return reason
    # A place and points together: 本季积分倒数 3 名以内，且积分低于 0
    return f"{reason}，且{bound}" if reason else this + bound
