"""Balances, the redeemable amount, statuses and stars from per-window sums (pure, no database).

A rulebook declares balances ([[balances]], or the legacy [account] converted): each is a base
plus the sum of some approved entries over a window of days. Plan(balances, end, first_day) says
which sums are needed to know every balance on the day before `end`, and values() combines them.
The ledger (standings.py) sums the windows in SQL, the scenario runner (scenarios.py) and the
reference tests in Python from a list of entries: both through this one module.

Sums are whole hundredths (ints), as the ledger keeps points (invariant 8); values are Decimals
built the way standings always built the balance: base + from_hundredths(sum), so a rulebook that
declares nothing new prints exactly what it printed before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ..periods import account_year
from .model import Balance, HonourPolicy, Rulebook, Status, VetoPolicy


@dataclass(frozen=True, order=True)
class Window:
    """The approved entries dated in [start, end) (from the first when start is None); with
    awards, only those adding points (an award, and a reversal that takes one back)."""

    start: date | None
    end: date
    awards: bool = False

    def holds(self, day: date, points: Decimal, reversal: bool = False) -> bool:
        """Whether an approved entry of `points` on `day` counts in this window."""
        if day >= self.end or (self.start is not None and day < self.start):
            return False
        return not self.awards or (points < 0 if reversal else points > 0)


def hundredths(value: Decimal) -> int:
    return int(value * 100)


def from_hundredths(value: int) -> Decimal:
    """1050 → 10.5, as models.from_hundredths (kept here: this module imports no database)."""
    return Decimal(value) / 100


def reset_days(balance: Balance, start: date, end: date) -> list[date]:
    """The days in [start, end) on which `balance` resets (a yearly balance's reset_on)."""
    if balance.reset != "yearly" or balance.redeemable == "above_base":
        return []
    days = []
    day = account_year(balance.reset_on, start)[0]
    while day < end:
        if day >= start:
            days.append(day)
        day = account_year(balance.reset_on, day)[1]
    return days


def reopen(balance: Balance, closing: int) -> int:
    """The balance (hundredths) a yearly balance opens the next account year with, after closing
    the last one at `closing`: its base, or with carry = "negative" the shortfall below it."""
    base = hundredths(balance.base)
    return min(closing, base) if balance.carry == "negative" else base


class Plan:
    """Which sums give every balance on the day before `end`, and how to combine them.

    `first_day` is the earliest day an entry may count on (the village's or household's first
    entry): carry = "negative" folds year by year from it; None when there are no entries.
    """

    def __init__(self, balances: Sequence[Balance], end: date, first_day: date | None) -> None:
        self.balances = tuple(balances)
        self.end = end
        windows: dict[Window, int] = {}
        self._steps: list[tuple] = []
        for balance in self.balances:
            if balance.redeemable == "above_base":
                of = next(i for i, b in enumerate(self.balances) if b.code == balance.of)
                self._steps.append(("above", of, hundredths(self.balances[of].base)))
                continue
            spans = self.spans(balance, first_day)
            indices = tuple(windows.setdefault(w, len(windows)) for w in spans)
            self._steps.append(("plain", indices, hundredths(balance.base), balance))
        self.windows: tuple[Window, ...] = tuple(windows)
        self._decimals = tuple(_Decimals(b) for b in self.balances)

    def spans(self, balance: Balance, first_day: date | None) -> list[Window]:
        """The windows of one balance, oldest first; the last is the one running at `end`."""
        awards = balance.counts == "awards"
        if balance.reset != "yearly":
            return [Window(None, self.end, awards)]
        current = account_year(balance.reset_on, self.end - timedelta(days=1))[0]
        if balance.carry != "negative" or first_day is None or first_day >= current:
            return [Window(current, self.end, awards)]
        # Each account year since the first entry: a shortfall carries into the next.
        spans, start = [], account_year(balance.reset_on, first_day)[0]
        while start < current:
            following = account_year(balance.reset_on, start)[1]
            spans.append(Window(start, following, awards))
            start = following
        return [*spans, Window(current, self.end, awards)]

    def hundredths(self, sums: Sequence[int], spent: int = 0) -> tuple[int, ...]:
        """Each balance in hundredths, from the sums of self.windows in order (spent: what the
        points store took from the redeemable balances; it changes nothing else)."""
        values: list[int] = []
        append = values.append
        for step in self._steps:
            if step[0] == "above":
                _, of, base = step
                append(max(0, values[of] - base) - spent)
                continue
            _, indices, base, balance = step
            if len(indices) == 1:  # no year to fold: the common case
                value = base + sums[indices[0]]
            elif balance.carry == "negative":  # reopen(): a shortfall carries, a surplus not
                value = base
                for index in indices[:-1]:  # the closed years before the running one
                    value += sums[index]
                    if value > base:
                        value = base
                value += sums[indices[-1]]
            else:
                value = base + sums[indices[-1]]
            append(value - spent if balance.redeemable == "earned" else value)
        return tuple(values)

    def values(self, sums: Sequence[int], spent: int = 0) -> tuple[Decimal, ...]:
        """Each balance as a Decimal: base + from_hundredths(what the entries added); points
        above a base (above_base) without the base. Standings calls this once per household:
        each distinct value's Decimal is made once (self._decimals)."""
        return tuple(
            decimal[value]
            for decimal, value in zip(self._decimals, self.hundredths(sums, spent), strict=True)
        )

    def sums_of(self, entries: Iterable[tuple[date, Decimal, bool]]) -> list[int]:
        """The window sums of (day, points, is_reversal) approved entries, in Python: what the
        ledger's grouped query computes, for scenarios and reference tests."""
        sums = [0] * len(self.windows)
        for day, points, reversal in entries:
            for index, window in enumerate(self.windows):
                if window.holds(day, points, reversal):
                    sums[index] += hundredths(points)
        return sums


class _Decimals(dict):
    """hundredths → the balance's Decimal, made once per distinct value."""

    def __init__(self, balance: Balance) -> None:
        super().__init__()
        self.base = None if balance.redeemable == "above_base" else balance.base

    def __missing__(self, value: int) -> Decimal:
        if self.base is None:
            result = self[value] = from_hundredths(value)
        else:
            result = self[value] = self.base + from_hundredths(value - hundredths(self.base))
        return result


def balances_on(
    rulebook: Rulebook,
    entries: Sequence[tuple[date, Decimal, bool]],
    on: date,
    spent: Decimal = Decimal(0),
) -> dict[str, Decimal]:
    """Every balance of one household at the end of `on`, by code, from its approved entries."""
    days = [day for day, _, _ in entries]
    plan = Plan(rulebook.all_balances, on + timedelta(days=1), min(days) if days else None)
    values = plan.values(plan.sums_of(entries), hundredths(spent))
    return {b.code: v for b, v in zip(plan.balances, values, strict=True)}


def in_force(
    statuses: Sequence[Status], balances: Sequence[Balance], values: Sequence[Decimal]
) -> tuple[Status, ...]:
    """The statuses whose balance is within [min, below) (either bound optional)."""
    return status_rule(statuses, balances)(values)


def status_rule(statuses: Sequence[Status], balances: Sequence[Balance]):
    """in_force() with the balance positions looked up once: standings applies it to every
    household. Returns values → the statuses in force."""
    index = {b.code: i for i, b in enumerate(balances)}
    checks = [(index[s.balance], s.min, s.below, s) for s in statuses]
    if not checks:
        return lambda values: ()
    used = sorted({at for at, _, _, _ in checks})
    found: dict[tuple, tuple[Status, ...]] = {}  # the values statuses read → those in force

    def rule(values: Sequence[Decimal]) -> tuple[Status, ...]:
        key = tuple([values[at] for at in used])
        if key not in found:
            found[key] = tuple(
                [
                    status
                    for at, low, below, status in checks
                    if (low is None or values[at] >= low) and (below is None or values[at] < below)
                ]
            )
        return found[key]

    return rule


def redeemable(balances: Sequence[Balance], values: Sequence[Decimal]) -> Decimal | None:
    """What the household may spend: the first redeemable balance's value, never below 0 (an
    "earned" balance can be negative; nothing can be spent from it then). None when the rulebook
    declares no redeemable balance."""
    for balance, value in zip(balances, values, strict=True):
        if balance.redeemable:
            return max(value, Decimal(0))
    return None


def star_level(
    policy: HonourPolicy, veto: VetoPolicy, value: Decimal, star_drop: bool = False
) -> int:
    """Stars earned by `value` (stars_on's balance, or the year's points), 0 below every level;
    a star_drop veto lowers them by star_drop_levels, or to the lowest declared level."""
    earned = next((s.level for s in policy.stars if value >= s.min), 0)
    if not star_drop:
        return earned
    if veto.star_drop_lowest:
        return min(earned, min((s.level for s in policy.stars), default=0))
    return max(earned - (veto.star_drop_levels or 0), 0)


def star_name(policy: HonourPolicy, level: int) -> str:
    """The name the rulebook gives a star level ("" when it gives none)."""
    return next((s.name for s in policy.stars if s.level == level), "")


def stars_value(rulebook: Rulebook, points: Decimal, values: Sequence[Decimal]) -> Decimal:
    """What stars are counted on: the stars_on balance at the period's end, else the points."""
    code = rulebook.honours.stars_on
    if code is None:
        return points
    index = next(i for i, b in enumerate(rulebook.all_balances) if b.code == code)
    return values[index]
