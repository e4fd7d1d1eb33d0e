"""Standings: every household's points, balance, rank and tier for a period — the one place that
sums the ledger (design invariant 6). Pages, lists, exports and the resident page all read it.

Only approved entries count (invariant 3); reversals are approved entries with opposite points,
so plain sums are right. Points are summed as integer hundredths in SQL (invariant 8).
"""

from __future__ import annotations

import functools
import gc
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby, repeat
from operator import add, itemgetter
from typing import NamedTuple

from sqlalchemy import BigInteger, and_, bindparam, case, cast, extract, func, literal, or_

from . import rules_store
from .extensions import db
from .ledger.common import is_cancelled
from .models import (
    Entry,
    EntryStatus,
    Household,
    HouseholdLink,
    HouseholdStatus,
    Village,
    VillageGroup,
    from_hundredths,
)
from .periods import Period, account_year
from .rulebook import Rulebook
from .rulebook.accounts import Plan, Window, in_force, reopen, reset_days, status_rule
from .rulebook.honours import tier_by_rank
from .rulebook.model import Balance, HonourPolicy, Status, Tier

ZERO = Decimal(0)
ACTIVE = HouseholdStatus.ACTIVE.value


class Standing(NamedTuple):
    """One household in a period (a named tuple: 100,000 of them are built per town standings)."""

    household_id: int
    number: str
    head_name: str
    group_id: int | None
    group_name: str | None
    points: Decimal  # approved points of conduct in the period
    balance: Decimal  # the main balance (the first declared) at the period's end
    rank: int | None  # None: not ranked (moved out or cancelled by the period's end)
    tier: Tier | None
    vetoed: bool  # a veto item (一票否决) in the period
    barred_from_red: bool  # a veto in the quarters before, barring the red list
    # Every declared balance at the period's end, in Standings.balances' order (the first is
    # `balance`), and the statuses ([[statuses]]) in force then, in declaration order.
    balances: tuple[Decimal, ...] = ()
    statuses: tuple[Status, ...] = ()


@dataclass(frozen=True)
class Standings:
    """The standings of a village for a period, households in rank order (unranked last)."""

    village_id: int
    period: Period
    rows: list[Standing]
    ranked_within: str  # "village" or "group"
    balances: tuple[Balance, ...] = ()  # what each Standing.balances value is, main first
    statuses: tuple[Status, ...] = ()  # every declared status

    def of(self, household_id: int) -> Standing | None:
        return next((s for s in self.rows if s.household_id == household_id), None)

    def ranked_among(self, standing: Standing) -> int:
        """How many households the standing's rank is counted among: its group's ranked
        households when ranks are counted within groups, else the village's; 0 if unranked."""
        if standing.rank is None:
            return 0
        if self.ranked_within == "group":
            return sum(
                1 for s in self.rows if s.rank is not None and s.group_id == standing.group_id
            )
        return sum(1 for s in self.rows if s.rank is not None)


def standings(village: Village, period: Period, rulebook: Rulebook | None = None) -> Standings:
    """Every household's points, balance, rank and tier for `period`; see _standings()."""
    # Building 100,000 rows would set off the cyclic garbage collector again and again, each
    # time walking every object made so far; none of these rows can form a cycle.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _standings(village, period, rulebook)
    finally:
        if collecting:
            gc.enable()


def _standings(village: Village, period: Period, rulebook: Rulebook | None) -> Standings:
    """Every household's points, balances, rank (ties share: 1, 2, 2, 4) and tier for `period`.

    Listed are the households 在册 on at least one day of the period: registered on or before its
    last day, and not moved out or cancelled on or before its first day. They are all ranked, but
    for those merged into another household before the period's end: their points count for the
    household that absorbed them, and they are listed unranked. Within a tie, by 户号.
    """
    rulebook = rulebook or rules_store.in_force(village.code).rulebook
    policy = rulebook.honours
    plan = Plan(rulebook.all_balances, period.end, _first_day(village, rulebook, period.end))
    negated, sums = _sums(village, period, plan.windows)
    absorbed_into = _absorbed_into(village, period.end)
    _fold_merges(absorbed_into, negated, sums)
    # Households come sorted by field and 户号; joining them to the sums here beats a join in
    # the database, which then sorts 100,000 rows with their names more slowly than Python.
    out = _out_of_ranking(period)
    field = func.coalesce(Household.group_id, 0) if policy.scope == "group" else literal(0)
    households = _tuples(
        db.select(
            out, field, Household.id, Household.number, Household.head_name, Household.group_id
        )
        .where(Household.village_id == village.id, _registered_during(period))
        .order_by(out, *([field] if policy.scope == "group" else []), _bytewise(Household.number))
    )
    group_name = dict(
        db.session.execute(
            db.select(VillageGroup.id, VillageGroup.name).where(
                VillageGroup.village_id == village.id
            )
        ).all()
    ).get
    vetoed, barred = _vetoes(village, rulebook, period, absorbed_into)
    flagged = vetoed | barred
    # Memos: each Decimal, rank and tier is computed once per distinct score, not per household;
    # the balances and statuses once per distinct tuple of window sums.
    declared, statuses = plan.balances, rulebook.statuses
    values_of, statuses_of = plan.values, status_rule(statuses, declared)

    def account(window_sums: tuple[int, ...]) -> tuple[tuple[Decimal, ...], tuple]:
        values = values_of(window_sums)
        return values, statuses_of(values)

    account_of = _Memo(account).__getitem__
    negated_of, sums_of = negated.get, sums.get
    nothing = (0,) * len(plan.windows)
    result: list[Standing] = []
    append = result.append
    unranked: list = []
    for (out_of_ranking, _), members in groupby(households, key=_field_key):
        if out_of_ranking:  # merged into another household: by 户号, not ranked
            unranked.extend(members)
            continue
        rows = list(members)  # by 户号
        # The field's scores, sorted, for ranks by bisection; a C-level pass, not a Python loop.
        place = _Placing(policy, sorted(map(negated_of, map(_id_key, rows), repeat(0))))
        placed = place.__getitem__
        start = len(result)
        for _, _, household_id, number, head, group_id in rows:
            negated_points = negated_of(household_id, 0)
            if household_id in flagged:
                is_vetoed, is_barred = household_id in vetoed, household_id in barred
                value, rank, tier = place.with_veto(negated_points, is_vetoed, is_barred)
            else:
                is_vetoed = is_barred = False
                value, rank, tier = placed(negated_points)
            values, in_force_now = account_of(sums_of(household_id, nothing))
            append(
                _new(
                    Standing,
                    (
                        household_id,
                        number,
                        head,
                        group_id,
                        group_name(group_id),
                        value,
                        values[0],
                        rank,
                        tier,
                        is_vetoed,
                        is_barred,
                        values,
                        in_force_now,
                    ),
                )
            )
        # Most points first: by rank, an int; the sort is stable, so ties keep their 户号 order.
        result[start:] = sorted(result[start:], key=_rank_key)
    unranked.sort(key=_number_key)  # a village's, not a field's: all of them by 户号
    for _, _, household_id, number, head, group_id in unranked:
        values, in_force_now = account_of(sums_of(household_id, nothing))
        append(
            Standing(
                household_id,
                number,
                head,
                group_id,
                group_name(group_id),
                from_hundredths(-negated_of(household_id, 0)),
                values[0],
                None,
                None,
                household_id in vetoed,
                household_id in barred,
                values,
                in_force_now,
            )
        )
    return Standings(village.id, period, result, policy.scope, declared, statuses)


_field_key = itemgetter(0, 1)  # out of the ranking, field
_id_key = itemgetter(2)
_rank_key = itemgetter(Standing._fields.index("rank"))
_number_key = itemgetter(3)

# tuple.__new__ with the fields in order: a named tuple's own __new__ is a Python function that
# costs as much again per household.
_new = tuple.__new__


class _Placing(dict):
    """negated points → (points, rank, tier) within one field, whose negated points are sorted:
    the rank is 1 + the households above, found by bisection, once per distinct score."""

    def __init__(self, policy: HonourPolicy, negated: list[int]) -> None:
        super().__init__()
        self.policy, self.negated, self.count = policy, negated, len(negated)

    def __missing__(self, negated: int):
        placing = self[negated] = self.with_veto(negated, False, False)
        return placing

    def with_veto(self, negated: int, vetoed: bool, barred: bool):
        value = from_hundredths(-negated)
        rank = bisect_left(self.negated, negated) + 1
        from_bottom = self.count - bisect_right(self.negated, negated) + 1
        tier = tier_by_rank(
            self.policy,
            value,
            self.count,
            rank,
            from_bottom,
            vetoed=vetoed,
            barred_from_red=barred,
        )
        return value, rank, tier


class _Memo(dict):
    """fn(value), computed once per distinct value."""

    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key):
        value = self[key] = self.fn(key)
        return value


def _first_day(village: Village, rulebook: Rulebook, end: date) -> date | None:
    """The village's first approved entry before `end`, when a balance carries a shortfall from
    year to year (carry = "negative" folds from it); None otherwise: no balance needs it."""
    if not any(b.carry == "negative" and b.reset == "yearly" for b in rulebook.all_balances):
        return None
    return db.session.execute(
        db.select(func.min(Entry.occurred_on)).where(
            Entry.village_id == village.id,
            Entry.status == EntryStatus.APPROVED.value,
            Entry.occurred_on < end,
        )
    ).scalar_one()


def _sums(
    village: Village, period: Period, windows: tuple[Window, ...]
) -> tuple[dict[int, int], dict[int, tuple[int, ...]]]:
    """Each household's approved points in the period, in hundredths and negated (most points
    sort first), and its sum over each window, in order: one grouped query, a CASE column per
    distinct sum (the period's points share a window's column when they are the same sum)."""
    columns = list(windows)
    in_period = Window(period.start, period.end)
    if in_period not in columns:
        columns.append(in_period)
    at = columns.index(in_period) + 1
    starts = [w.start for w in columns]
    lower = None if None in starts else min(starts)
    conditions = [
        Entry.village_id == village.id,
        Entry.status == EntryStatus.APPROVED.value,
        Entry.occurred_on < period.end,
    ]
    if lower is not None:
        conditions.append(Entry.occurred_on >= lower)
    rows = _tuples(
        db.select(
            Entry.household_id,
            *(_whole(func.sum(_counted(w, lower, period.end))) for w in columns),
        )
        .where(*conditions)
        .group_by(Entry.household_id)
    )
    last = len(windows) + 1
    return {r[0]: -r[at] for r in rows}, {r[0]: r[1:last] for r in rows}


def _counted(window: Window, lower: date | None, end: date):
    """An entry's points when it counts in the window, else 0 (plain points when the WHERE
    already bounds the window)."""
    conditions = []
    if window.start is not None and (lower is None or window.start > lower):
        conditions.append(Entry.occurred_on >= window.start)
    if window.end < end:
        conditions.append(Entry.occurred_on < window.end)
    if window.awards:
        conditions.append(_AWARDS)
    if not conditions:
        return Entry.points
    return case((and_(*conditions), Entry.points), else_=0)


# counts = "awards": an award, and a reversal taking one back (a reversal carries the opposite
# points of the entry it reverses), so a reversed award counts nothing. Known limit: reversing
# that reversal again (reviving the award) is not counted back, see README "Balances".
_AWARDS = or_(
    and_(Entry.kind == "entry", Entry.points > 0),
    and_(Entry.kind == "reversal", Entry.points < 0),
)


def _tuples(statement) -> list[tuple]:
    """The rows of a statement as the driver's own tuples: the columns here are ints and strs
    that need no conversion, and wrapping 100,000 rows in Row objects costs a tenth more."""
    result = db.session.connection().execute(statement)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _whole(total):
    # PostgreSQL sums bigints as numeric, which the driver turns into Decimal objects; the sum of
    # hundredths is a whole number, so ask for a bigint.
    return cast(total, BigInteger)


def _registered_during(period: Period):
    """在册 on at least one day of the period: registered on or before its last day, and not
    moved out or cancelled (merged included) on or before its first day."""
    return and_(
        or_(Household.registered_on.is_(None), Household.registered_on < period.end),
        or_(
            Household.status == ACTIVE,
            Household.status_since.is_(None),
            Household.status_since > period.start,
        ),
    )


def _out_of_ranking(period: Period):
    """1 for a household merged into another before the period's end (its points count for the
    household that absorbed it), else 0."""
    merged_away = db.select(HouseholdLink.source_id).where(
        HouseholdLink.kind == "merge", HouseholdLink.effective_on < period.end
    )
    return case((Household.id.in_(merged_away), 1), else_=0)


def _bytewise(column):
    """户号 in the order Python sorts strings, whatever the database's collation."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column.collate("C")
    return column  # SQLite compares text bytewise (BINARY) unless told otherwise


def balance(household: Household, on: date, rulebook: Rulebook | None = None) -> Decimal:
    """A household's main balance on a day: its base plus the approved points of its window up
    to and including `on` (with the households merged into it, up to the merge); a balance that
    carries a shortfall, or counts awards only, is folded by accounts.Plan."""
    day_after = on + timedelta(days=1)
    guess = rulebook or _last_rulebook.get(household.village_id, (None, None))[1]
    if guess is not None and _one_window(guess.main_balance):
        # One round trip in the common case: the sum, whether anything was merged into this
        # household, and which rulebook is in force (to check the one the window came from).
        # Core, not the ORM session: its result machinery cost as much again as the query.
        start = _window_start(guess, Period(on, day_after, "day"))
        total, merged, sha256 = (
            db.session.connection()
            .execute(
                _balance_statement(start is not None),
                {
                    "household": household.id,
                    "village": household.village_id,
                    "start": start,
                    "end": day_after,
                },
            )
            .one()
        )
        if rulebook is not None or sha256 == _last_rulebook[household.village_id][0]:
            base = guess.main_balance.base
            if not merged:
                return base + from_hundredths(total or 0)
            return base + _lineage_total(household.id, start, day_after)
    current = rules_store.in_force(household.village.code)
    rulebook = rulebook or current.rulebook
    _last_rulebook[household.village_id] = (current.snapshot and current.snapshot.sha256, rulebook)
    main = rulebook.main_balance
    if _one_window(main):
        start = _window_start(rulebook, Period(on, day_after, "day"))
        return main.base + _lineage_total(household.id, start, day_after)
    return _values(household.id, (main,), day_after)[0]


@dataclass(frozen=True)
class Account:
    """Every balance of a household on a day, the main one first, and the statuses in force."""

    balances: tuple[Balance, ...]
    values: tuple[Decimal, ...]
    statuses: tuple[Status, ...]

    @property
    def main(self) -> Decimal:
        return self.values[0]

    def pairs(self) -> list[tuple[Balance, Decimal]]:
        return list(zip(self.balances, self.values, strict=True))


def account(household: Household, on: date, rulebook: Rulebook | None = None) -> Account:
    """Every declared balance of a household at the end of `on` (merged households included),
    and the statuses they put it in: what the household and resident pages show."""
    rulebook = rulebook or rules_store.in_force(household.village.code).rulebook
    declared = rulebook.all_balances
    values = _values(household.id, declared, on + timedelta(days=1))
    return Account(declared, values, in_force(rulebook.statuses, declared, values))


def _one_window(balance: Balance) -> bool:
    """Whether the balance is its base plus one plain sum (what balance() answers in one query)."""
    simple_reset = balance.reset == "never" or balance.carry == "none"
    return balance.counts == "all" and simple_reset and balance.redeemable != "above_base"


def _values(household_id: int, balances: tuple[Balance, ...], end: date) -> tuple[Decimal, ...]:
    """The balances at `end` (exclusive) of a household and those merged into it, folded by
    accounts.Plan from one query per household of the lineage, a CASE column per window."""
    sources = _sources(household_id)
    first_day = None
    if any(b.carry == "negative" and b.reset == "yearly" for b in balances):
        firsts = [
            db.session.execute(
                db.select(func.min(Entry.occurred_on)).where(
                    Entry.household_id == source,
                    Entry.status == EntryStatus.APPROVED.value,
                    Entry.occurred_on < (end if until is None else min(until, end)),
                )
            ).scalar_one()
            for source, until in sources
        ]
        first_day = min((d for d in firsts if d is not None), default=None)
    plan = Plan(balances, end, first_day)
    totals = [0] * len(plan.windows)
    if plan.windows:
        for source, until in sources:
            stop = end if until is None else min(until, end)
            row = db.session.execute(
                db.select(
                    *(
                        _whole(func.coalesce(func.sum(_counted(w, None, end)), 0))
                        for w in plan.windows
                    )
                ).where(
                    Entry.household_id == source,
                    Entry.status == EntryStatus.APPROVED.value,
                    Entry.occurred_on < stop,
                )
            ).one()
            totals = [a + b for a, b in zip(totals, row, strict=True)]
    return plan.values(totals)


@functools.cache
def _balance_statement(has_start: bool):
    """balance()'s one statement, built once: a resident's page is opened many times a day."""
    conditions = [
        Entry.household_id == bindparam("household"),
        Entry.status == EntryStatus.APPROVED.value,
        Entry.occurred_on < bindparam("end"),
    ]
    if has_start:
        conditions.append(Entry.occurred_on >= bindparam("start"))
    own = db.select(_whole(func.coalesce(func.sum(Entry.points), 0))).where(*conditions)
    merged = db.exists().where(
        HouseholdLink.kind == "merge", HouseholdLink.target_id == bindparam("household")
    )
    return db.select(own.scalar_subquery(), merged, _latest_sha256(bindparam("village")))


# village id → (sha256 of the snapshot in force, its rulebook), as last seen by balance(); each
# call checks the sha256 in its own query, so a newly loaded rulebook is picked up at once.
_last_rulebook: dict[int, tuple[str | None, Rulebook]] = {}


def _own_sum(household_id: int, start: date | None, end: date):
    conditions = [
        Entry.household_id == household_id,
        Entry.status == EntryStatus.APPROVED.value,
        Entry.occurred_on < end,
    ]
    if start is not None:
        conditions.append(Entry.occurred_on >= start)
    return db.select(_whole(func.coalesce(func.sum(Entry.points), 0))).where(*conditions)


def _latest_sha256(village_id):
    from .models import RulebookSnapshot

    code = db.select(Village.code).where(Village.id == village_id).scalar_subquery()
    return (
        db.select(RulebookSnapshot.sha256)
        .where(RulebookSnapshot.village_code == code)
        .order_by(RulebookSnapshot.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _lineage_total(household_id: int, start: date | None, day_after: date) -> Decimal:
    total = 0
    for source_id, until in _sources(household_id):
        end = day_after if until is None else min(until, day_after)
        total += db.session.execute(_own_sum(source_id, start, end)).scalar_one()
    return from_hundredths(total)


class Reset(NamedTuple):
    """A reset of the main balance inside a statement's range: it closed at `closing` and
    opened again at `opening` (its base, or with carry = "negative" the shortfall kept)."""

    occurred_on: date
    balance: Balance
    closing: Decimal
    opening: Decimal

    @property
    def carried(self) -> bool:
        return self.opening != self.balance.base


def running_balance(
    household: Household, start: date, end: date, rulebook: Rulebook | None = None
) -> tuple[Decimal, list[tuple[object, Decimal]]]:
    """A household's approved entries in [start, end) (with those of households merged into it),
    each with the main balance after it, and the opening balance: what a statement prints.

    The balance after the last entry of a day equals balance(household, that day). Each reset
    of the main balance after `start` is a row of its own (a Reset, with the balance it opens
    at), so a running balance never restarts silently; a reset on `start` is in the opening.
    """
    from .ledger_queries import approved_entries_of

    rulebook = rulebook or rules_store.in_force(household.village.code).rulebook
    main = rulebook.main_balance
    rows: list[tuple[object, Decimal]] = []

    def reopened(closing: Decimal) -> Decimal:
        carried = reopen(main, _hundredths(closing)) - _hundredths(main.base)
        return main.base + from_hundredths(carried)

    opening = balance(household, start - timedelta(days=1), rulebook)
    if reset_days(main, start, start + timedelta(days=1)):
        opening = reopened(opening)
    total = opening
    resets = reset_days(main, start + timedelta(days=1), end)

    def reset_until(day: date) -> None:
        nonlocal total
        while resets and resets[0] <= day:
            rows.append((Reset(resets.pop(0), main, total, reopened(total)), reopened(total)))
            total = reopened(total)

    for entry in approved_entries_of(_sources(household.id), start, end):
        reset_until(entry.occurred_on)
        total += entry.points if main.counts == "all" or _is_award(entry) else 0
        rows.append((entry, total))
    reset_until(end - timedelta(days=1))
    return opening, rows


def _hundredths(value: Decimal) -> int:
    return int(value * 100)


def _is_award(entry) -> bool:
    return entry.points < 0 if entry.kind == "reversal" else entry.points > 0


def _window_start(rulebook: Rulebook, period: Period) -> date | None:
    """The first day of the main balance's account year the period ends in; None when it never
    resets."""
    main = rulebook.main_balance
    if main.reset == "never":
        return None
    return account_year(main.reset_on, period.end - timedelta(days=1))[0]


def _merge_links(village: Village, before: date) -> list[tuple[int, int, date]]:
    """The village's merges that took effect before `before`: (source, target, day)."""
    return db.session.execute(
        db.select(HouseholdLink.source_id, HouseholdLink.target_id, HouseholdLink.effective_on)
        .join(Household, Household.id == HouseholdLink.target_id)
        .where(
            HouseholdLink.kind == "merge",
            HouseholdLink.effective_on < before,
            Household.village_id == village.id,
        )
    ).all()


def _absorbed_into(village: Village, before: date) -> dict[int, int]:
    """Each household of the village merged away before `before` → the household that finally
    absorbed it (following merges of merges). A merge after a period changes nothing in it."""
    target_of = {source: target for source, target, _ in _merge_links(village, before)}
    final_of = {}
    for source in target_of:
        final, seen = source, {source}
        while final in target_of and target_of[final] not in seen:
            final = target_of[final]
            seen.add(final)
        if final != source:
            final_of[source] = final
    return final_of


def _fold_merges(
    absorbed_into: dict[int, int], negated: dict[int, int], sums: dict[int, tuple[int, ...]]
) -> None:
    """Add each merged-away household's sums to the household that absorbed it.

    A merged household takes no entries after the merge (the ledger refuses inactive
    households), so its whole sum up to the period's end is what counts for the survivor.
    """
    for source, final in absorbed_into.items():
        if source in negated:
            negated[final] = negated.get(final, 0) + negated[source]
        if source in sums:
            mine = sums.get(final)
            sums[final] = sums[source] if mine is None else tuple(map(add, mine, sums[source]))


def _sources(household_id: int) -> list[tuple[int, date | None]]:
    from .households import ledger_sources

    links = db.session.execute(
        db.select(
            HouseholdLink.kind,
            HouseholdLink.source_id,
            HouseholdLink.target_id,
            HouseholdLink.effective_on,
        ).where(HouseholdLink.kind == "merge")
    ).all()
    if not links:
        return [(household_id, None)]
    return [(s.household_id, s.until) for s in ledger_sources(household_id, links)]


def _vetoes(
    village: Village, rulebook: Rulebook, period: Period, absorbed_into: dict[int, int]
) -> tuple[set[int], set[int]]:
    """Households with a live veto entry in the period (black list), and those barred from the
    red list by a veto in the quarters before it (merged households count for the absorbing one).

    bar_red_list_quarters is a duration, whatever the lists' period: N quarters are the 3 × N
    months before the period's first day (a month's list looks as far back as a quarter's)."""
    quarters = rulebook.veto.bar_red_list_quarters if rulebook.veto else None
    months_back = period.start.year * 12 + period.start.month - 1 - 3 * (quarters or 0)
    start = date(months_back // 12, months_back % 12 + 1, 1)
    vetoed: set[int] = set()
    barred: set[int] = set()
    for household_id, occurred_on, _, consequences in _live_vetoes(village, start, period.end):
        if occurred_on >= period.start and "black_list" in consequences:
            vetoed.add(household_id)
        if occurred_on < period.start and "bar_red_list" in consequences:
            barred.add(household_id)
    for found in (vetoed, barred):
        found.update(absorbed_into[h] for h in found & absorbed_into.keys())
    return vetoed, barred


def veto_items(village: Village, period: Period) -> dict[int, list[tuple[str, tuple[str, ...]]]]:
    """The live veto entries of the period by household (merges folded in): (item title,
    consequences) — the reasons printed on a black list and the star drops of a year."""
    found: dict[int, list[tuple[str, tuple[str, ...]]]] = {}
    for household_id, _, title, consequences in _live_vetoes(village, period.start, period.end):
        found.setdefault(household_id, []).append((title, consequences))
    absorbed_into = _absorbed_into(village, period.end)
    for source in list(found):
        if source in absorbed_into:
            found.setdefault(absorbed_into[source], []).extend(found.pop(source))
    return found


def _live_vetoes(
    village: Village, start: date, end: date
) -> list[tuple[int, date, str, tuple[str, ...]]]:
    """The approved veto entries of [start, end) not cancelled by a reversal, in the order of
    the conduct: (household id, day, item title, consequences). Veto entries are rare, and a
    partial index finds them without reading the ledger."""
    rows = db.session.execute(
        db.select(
            Entry.id,
            Entry.kind,
            Entry.reverses_id,
            Entry.household_id,
            Entry.occurred_on,
            Entry.item_title,
            Entry.veto,
        )
        .where(
            Entry.village_id == village.id,
            Entry.status == EntryStatus.APPROVED.value,
            Entry.veto != "",
            Entry.occurred_on >= start,
            Entry.occurred_on < end,
        )
        .order_by(Entry.occurred_on, Entry.id)
    ).all()
    reversed_by = {r.reverses_id: r.id for r in rows if r.reverses_id is not None}
    return [
        (row.household_id, row.occurred_on, row.item_title, tuple(row.veto.split(",")))
        for row in rows
        if row.kind == "entry" and not is_cancelled(row.id, reversed_by)
    ]


# ───── Figures for the charts (home pages): sums the standings do not group by ─────
# Each is one grouped query over approved entries, like _sums(); pages never loop households.


def points_by_period(
    village: Village, periods: list[Period], household_id: int | None = None
) -> list[Decimal]:
    """Approved points of each period (contiguous, in order): the whole village's, or one
    household's counted as standings() counts them — with the households merged into it
    before each period's end. One query grouped by month (every kind of period is whole
    months), and the village's merge links when a household is asked for."""
    if not periods:
        return []
    start, end = periods[0].start, periods[-1].end
    absorbed: dict[int, date] = {}
    conditions = [
        Entry.village_id == village.id,
        Entry.status == EntryStatus.APPROVED.value,
        Entry.occurred_on >= start,
        Entry.occurred_on < end,
    ]
    if household_id is not None:
        absorbed = _merged_into(village, household_id, end)
        conditions.append(Entry.household_id.in_([household_id, *absorbed]))
    year, month = extract("year", Entry.occurred_on), extract("month", Entry.occurred_on)
    rows = _tuples(
        db.select(Entry.household_id, year, month, _whole(func.sum(Entry.points)))
        .where(*conditions)
        .group_by(Entry.household_id, year, month)
    )
    totals = [0] * len(periods)
    for household, y, m, hundredths in rows:
        day = date(int(y), int(m), 1)
        index = next(i for i, p in enumerate(periods) if day in p)
        # a merged household's points count for the survivor in periods ending after the merge
        counts = household_id in (None, household) or absorbed[household] < periods[index].end
        if counts:
            totals[index] += hundredths or 0
    return [from_hundredths(t) for t in totals]


def _merged_into(village: Village, household_id: int, before: date) -> dict[int, date]:
    """The households merged, directly or through others, into this one before `before` →
    the day the last merge of their chain took effect (from then on they count for it)."""
    into: dict[int, list[tuple[int, date]]] = {}
    for source, target, effective_on in _merge_links(village, before):
        into.setdefault(target, []).append((source, effective_on))
    found: dict[int, date] = {}
    pending = [(household_id, date.min)]
    while pending:
        current, since = pending.pop()
        for source, effective_on in into.get(current, []):
            if source not in found and source != household_id:
                found[source] = max(since, effective_on)
                pending.append((source, found[source]))
    return found


def points_by_item(village: Village, period: Period) -> dict[str, Decimal]:
    """Approved points of the period by item code (for points by category): one grouped query."""
    rows = _tuples(
        db.select(Entry.item_code, _whole(func.sum(Entry.points)))
        .where(
            Entry.village_id == village.id,
            Entry.status == EntryStatus.APPROVED.value,
            Entry.occurred_on >= period.start,
            Entry.occurred_on < period.end,
        )
        .group_by(Entry.item_code)
    )
    return {code: from_hundredths(total or 0) for code, total in rows}
