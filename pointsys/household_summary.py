"""What a household sees of its own points: balance, this quarter, rank and tier, every entry.

Read by the resident's page (everything) and the door-plaque page (what the rulebook's [plaque]
lets anyone see: `for_plaque`); figures come from standings (the one place that sums the ledger),
the list of entries straight from the ledger table.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from . import standings
from .charts import Bar, Chart
from .extensions import db
from .ledger.lookup import of_household
from .ledger.quarters import list_period_kind
from .ledger.review import what_approval_grants
from .localtime import app_today
from .models import Entry, EntryStatus, Household
from .period_names import KIND_WORDS, period_name_in_year
from .periods import Period, quarter_of
from .rulebook.honours import masked
from .rulebook.model import PlaquePolicy


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
    # every declared balance today (the main one first, its value is `balance`) and the
    # statuses in force ([[statuses]], e.g. 暂停享受村集体福利)
    account: standings.Account
    # The year so far by the rulebook's list period ([honours] period): each period's points
    # (the current one from standings, the ones before from one grouped query), and the
    # household's place in the current period.
    year_points: tuple[tuple[Period, Decimal], ...] = ()
    period_rank: int | None = None
    period_ranked_among: int = 0
    ranked_within: str = "village"

    @property
    def period(self) -> Period:
        """The current period of the lists (the last of year_points)."""
        return self.year_points[-1][0]

    @property
    def year_chart(self) -> Chart:
        """The year's points by period, the current one highlighted."""
        period = self.period
        kind = KIND_WORDS[period.kind]
        return Chart(
            key="chart-year",
            title=_("%(year)s年每%(kind)s得分", year=period.start.year, kind=kind),
            label_heading=str(kind),
            value_heading=_("得分"),
            bars=tuple(
                Bar(period_name_in_year(p), points, highlight=p == period)
                for p, points in self.year_points
            ),
        )

    @property
    def balance_name(self) -> str:
        """The main balance's name (年度积分; 积分余额 for a legacy [account])."""
        return self.account.balances[0].name

    @property
    def other_balances(self):
        """(balance, value) of every balance but the main one, in declaration order."""
        return self.account.pairs()[1:]

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
    account = standings.account(household, today)
    # The chart counts in the lists' period; the figures above it stay quarterly.
    period = Period.of(list_period_kind(household.village), today)
    current = table if period == quarter else standings.standings(household.village, period)
    mine_now = current.of(household.id)
    before = _periods_before(period)
    year_points = list(
        zip(
            before,
            standings.points_by_period(household.village, before, household.id),
            strict=True,
        )
    )
    year_points.append((period, mine_now.points if mine_now else Decimal(0)))
    return HouseholdSummary(
        household=household,
        today=today,
        quarter=quarter,
        balance=account.main,
        quarter_points=mine.points if mine else Decimal(0),
        rank=mine.rank if mine else None,
        ranked_among=table.ranked_among(mine) if mine else 0,
        tier_name=mine.tier.name if mine and mine.tier else None,
        tier_side=mine.tier.side if mine and mine.tier else None,
        entries=entries,
        pending=pending,
        pending_grants=what_approval_grants(pending),
        account=account,
        year_points=tuple(year_points),
        period_rank=mine_now.rank if mine_now else None,
        period_ranked_among=current.ranked_among(mine_now) if mine_now else 0,
        ranked_within=current.ranked_within,
    )


def _periods_before(period: Period) -> list[Period]:
    """The periods of the same kind from January 1 up to (not including) `period`."""
    found = []
    while period.start.month != 1:
        period = period.previous()
        found.insert(0, period)
    return found


@dataclass(frozen=True)
class PlaqueView:
    """The door plaque's page of a household, as the rulebook's [plaque] lets anyone see it."""

    head_name: str
    members: list[tuple[str, str]]  # (name, relation); empty unless [plaque] members = true
    entries_shown: str  # "awards", "all" or "none"
    summary: HouseholdSummary  # its entries (and pending ones) narrowed to what is shown


def for_plaque(household: Household, policy: PlaquePolicy, today: date | None = None) -> PlaqueView:
    """What the door plaque shows: the figures always, names and entries as `policy` says."""
    full = summary(household, today)

    def name(text: str) -> str:
        return text if policy.names == "full" else masked(text)

    if policy.entries == "all":
        shown = full
    else:
        kept = _awards(full.entries) if policy.entries == "awards" else []
        shown = replace(full, entries=kept, pending=[], pending_grants={})
    return PlaqueView(
        head_name=name(household.head_name),
        members=[(name(m.name), m.relation) for m in household.members] if policy.members else [],
        entries_shown=policy.entries,
        summary=shown,
    )


def _awards(entries: list[Entry]) -> list[Entry]:
    """Approved entries that add points and still count (not reversed)."""
    candidates = [
        e
        for e in entries
        if e.status == EntryStatus.APPROVED.value
        and e.kind == "entry"  # a reversal is a correction, not an award
        and e.points is not None
        and e.points > 0
    ]
    if not candidates:
        return []
    reversed_ids = set(
        db.session.execute(
            db.select(Entry.reverses_id).where(
                Entry.reverses_id.in_([e.id for e in candidates]),
                Entry.status == EntryStatus.APPROVED.value,
            )
        ).scalars()
    )
    return [e for e in candidates if e.id not in reversed_ids]
