"""What a household sees of its own points: balance, this quarter, rank and tier, every entry.

Read by the resident's page and the door-plaque page; figures come from standings (the one place
that sums the ledger), the list of entries straight from the ledger table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from . import standings
from .extensions import db
from .ledger.lookup import of_household
from .localtime import app_today
from .models import Entry, EntryStatus, Household
from .periods import Period, quarter_of


@dataclass(frozen=True)
class HouseholdSummary:
    household: Household
    today: date
    quarter: Period
    balance: Decimal
    quarter_points: Decimal
    rank: int | None
    ranked_among: int
    tier_name: str | None
    tier_side: str | None
    entries: list[Entry]  # newest conduct first, every status
    pending: list[Entry]

    @property
    def pending_points(self) -> Decimal:
        return sum((e.requested for e in self.pending), Decimal(0))


def summary(household: Household, today: date | None = None, limit: int = 200) -> HouseholdSummary:
    """The household's figures for today's quarter and its latest `limit` entries."""
    today = today or app_today()
    quarter = quarter_of(today)
    table = standings.standings(household.village, quarter)
    mine = table.of(household.id)
    entries = list(db.session.execute(of_household(household).limit(limit)).scalars())
    return HouseholdSummary(
        household=household,
        today=today,
        quarter=quarter,
        balance=standings.balance(household, today),
        quarter_points=mine.points if mine else Decimal(0),
        rank=mine.rank if mine else None,
        ranked_among=sum(1 for s in table.rows if s.rank is not None),
        tier_name=mine.tier.name if mine and mine.tier else None,
        tier_side=mine.tier.side if mine and mine.tier else None,
        entries=entries,
        pending=[e for e in entries if e.status == EntryStatus.PENDING.value],
    )
