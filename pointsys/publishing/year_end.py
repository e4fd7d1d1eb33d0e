"""Year end: annual totals and star ratings (星级文明户) for the award ceremony."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .. import rules_store
from .. import standings as standings_module
from ..models import Village
from ..periods import Period
from ..rulebook import Rulebook, accounts
from ..rulebook.honours import public_name


@dataclass(frozen=True, slots=True)
class YearRow:
    household_id: int
    number: str
    public_name: str
    group_name: str | None
    points: Decimal  # the year's approved points
    rank: int
    stars: int  # 0: no star (or the declared level 0, see star_name)
    dropped: int  # levels taken away by a star_drop veto that year
    veto_titles: tuple[str, ...]
    balance: Decimal = Decimal(0)  # the main balance at the year's end
    star_name: str = ""  # the rulebook's name for the level (三星文明户, 待提升户), "" if none
    stars_value: Decimal = Decimal(0)  # what the stars were counted on (stars_on, or points)


@dataclass(frozen=True)
class YearEnd:
    village_name: str
    year: Period
    has_stars: bool  # whether the rulebook defines star ratings at all
    rows: list[YearRow]  # every ranked household, in rank order (ties by 户号)
    balance_name: str = ""  # the main balance's name (年度积分), for the balance column
    stars_on_name: str = ""  # the balance stars are counted on; "" when on the year's points

    def awards(self) -> list[tuple[int, list[YearRow]]]:
        """The award list: households by star level, five stars first; no-star ones left out."""
        levels = sorted({r.stars for r in self.rows if r.stars}, reverse=True)
        return [(level, [r for r in self.rows if r.stars == level]) for level in levels]


def year_end(village: Village, year: int | Period, rulebook: Rulebook | None = None) -> YearEnd:
    """Annual totals from standings() for the year, with stars when the rulebook defines them:
    on [honours] stars_on's balance at the year's end when declared, else the year's points.

    A household with a live veto that carries `star_drop` in the year loses the rulebook's
    `star_drop_levels` (once, however many such vetoes it has), or with star_drop = "lowest"
    falls to the lowest declared level."""
    period = year if isinstance(year, Period) else Period.parse(str(year))
    rulebook = rulebook or rules_store.in_force(village.code).rulebook
    table = standings_module.standings(village, period, rulebook)
    vetoes = standings_module.veto_items(village, period)
    policy = rulebook.honours
    rows = []
    for standing in table.rows:
        if standing.rank is None:
            continue
        found = vetoes.get(standing.household_id, [])
        dropping = any("star_drop" in c for _, c in found)
        counted = accounts.stars_value(rulebook, standing.points, standing.balances)
        earned = accounts.star_level(policy, rulebook.veto, counted) if policy.stars else 0
        stars = accounts.star_level(policy, rulebook.veto, counted, dropping) if policy.stars else 0
        rows.append(
            YearRow(
                household_id=standing.household_id,
                number=standing.number,
                public_name=public_name(policy, standing.head_name),
                group_name=standing.group_name,
                points=standing.points,
                rank=standing.rank,
                stars=stars,
                dropped=earned - stars,
                veto_titles=tuple(title for title, _ in found),
                balance=standing.balance,
                star_name=accounts.star_name(policy, stars),
                stars_value=counted,
            )
        )
    on = rulebook.balance_named(policy.stars_on) if policy.stars_on else None
    return YearEnd(
        village.name,
        period,
        bool(policy.stars),
        rows,
        balance_name=rulebook.main_balance.name,
        stars_on_name=on.name if on else "",
    )
