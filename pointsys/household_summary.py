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
from .ledger.review import what_approval_grants
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
    # pending entry id → what approving it now would grant (caps applied), not what was asked
    pending_grants: dict[int, Decimal]

    @property
    def pending_points(self) -> Decimal:
        return sum(self.pending_grants.values(), Decimal(0))

    def shown_points(self, entry: Entry) -> Decimal:
        """An entry's points as the household sees them: granted, or what approval would grant."""
        if entry.points is not None:
            return entry.points
        return self.pending_grants.get(entry.id, entry.requested)


def summary(household: Household, today: date | None = None, limit: int = 200) -> HouseholdSummary:
    """The household's figures for today's quarter and its latest `limit` entries."""
    today = today or app_today()
    quarter = quarter_of(today)
    table = standings.standings(household.village, quarter)
    mine = table.of(household.id)
    entries = list(db.session.execute(of_household(household).limit(limit)).scalars())
    pending = [e for e in entries if e.status == EntryStatus.PENDING.value]
    return HouseholdSummary(
        household=household,
        today=today,
        quarter=quarter,
        balance=standings.balance(household, today),
        quarter_points=mine.points if mine else Decimal(0),
        rank=mine.rank if mine else None,
        ranked_among=table.ranked_among(mine) if mine else 0,
        tier_name=mine.tier.name if mine and mine.tier else None,
        tier_side=mine.tier.side if mine and mine.tier else None,
        entries=entries,
        pending=pending,
        pending_grants=what_approval_grants(pending),
    )
