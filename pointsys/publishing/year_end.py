"""Year end: annual totals and star ratings (星级文明户) for the award ceremony."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .. import rules_store
from .. import standings as standings_module
from ..models import Village
from ..periods import Period
from ..rulebook import Rulebook
from ..rulebook.honours import public_name, star_level


@dataclass(frozen=True, slots=True)
class YearRow:
    household_id: int
    number: str
    public_name: str
    group_name: str | None
    points: Decimal  # the year's approved points
    rank: int
    stars: int  # 0: no star
    dropped: int  # levels taken away by a star_drop veto that year
    veto_titles: tuple[str, ...]


@dataclass(frozen=True)
class YearEnd:
    village_name: str
    year: Period
    has_stars: bool  # whether the rulebook defines star ratings at all
    rows: list[YearRow]  # every ranked household, in rank order (ties by 户号)

    def awards(self) -> list[tuple[int, list[YearRow]]]:
        """The award list: households by star level, five stars first; no-star ones left out."""
        levels = sorted({r.stars for r in self.rows if r.stars}, reverse=True)
        return [(level, [r for r in self.rows if r.stars == level]) for level in levels]


def year_end(village: Village, year: int | Period, rulebook: Rulebook | None = None) -> YearEnd:
    """Annual totals from standings() for the year, with stars when the rulebook defines them.

    A household with a live veto that carries `star_drop` in the year loses the rulebook's
    `star_drop_levels` (once, however many such vetoes it has)."""
    period = year if isinstance(year, Period) else Period.parse(str(year))
    rulebook = rulebook or rules_store.in_force(village.code).rulebook
    table = standings_module.standings(village, period, rulebook)
    vetoes = standings_module.veto_items(village, period)
    policy = rulebook.honours
    drop_levels = rulebook.veto.star_drop_levels or 0
    rows = []
    for standing in table.rows:
        if standing.rank is None:
            continue
        found = vetoes.get(standing.household_id, [])
        drop = drop_levels if any("star_drop" in c for _, c in found) else 0
        earned = star_level(policy, standing.points) if policy.stars else 0
        rows.append(
            YearRow(
                household_id=standing.household_id,
                number=standing.number,
                public_name=public_name(policy, standing.head_name),
                group_name=standing.group_name,
                points=standing.points,
                rank=standing.rank,
                stars=max(earned - drop, 0),
                dropped=min(drop, earned),
                veto_titles=tuple(title for title, _ in found),
            )
        )
    return YearEnd(village.name, period, bool(policy.stars), rows)
