"""The ledger's invariants under random sequences of operations (issue 5 item 10).

A Hypothesis state machine records, replays, approves, rejects, reverses (reversals too), loads a
new rulebook version and closes/reopens quarters, against a plain Python model of the ledger.
After every step: balances (three declared: one resetting on 07-01 with its shortfall carried,
one never reset, one above the base) and standings of every period kind equal what the model's
approved entries give; pending never counts; no cap is exceeded on the database's live entries;
every entry keeps the points it was given, whatever rulebook was loaded later.

One app and database serve every example (migrations are slow); each example gets its own
village, with its own small rulebook written here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from pointsys import ledger, rules_store, standings
from pointsys.extensions import db
from pointsys.ledger import Draft, PointsError, SubmissionRefused
from pointsys.models import Entry, Household, User, UserRole, Village
from pointsys.periods import Period, quarter_of

TODAY = date(2026, 11, 21)
BASE = Decimal(100)
DAYS = [date(2026, 2, 10), date(2026, 5, 6), date(2026, 8, 3), date(2026, 10, 5), TODAY]
QUARTERS = [Period.parse(q) for q in ("2026Q1", "2026Q2", "2026Q3", "2026Q4")]
# Periods of every other kind the standings are checked for; the 年度积分 resets on 07-01,
# inside the ledger's days, carrying a shortfall of the account year before into the next.
OTHER_PERIODS = [Period.parse(p) for p in ("2026H1", "2026H2", "2026B4", "2026-05", "2026")]
RESET_ON = date(2026, 7, 1)
CLOSABLE = QUARTERS[:3]  # ended before TODAY
CAPS = {"HELP": Decimal(6), "FINE": Decimal(5)}  # per quarter, on the absolute sum
MAX_PER_ENTRY = {"HELP": Decimal(4)}
NEW_HELP_RATE_FROM = date(2026, 10, 1)  # version 2 of the rulebook: HELP pays 2 an hour from here

RULEBOOK = """
[rulebook]
village = "{village}"
name = "性质测试细则"
version = "{version}"
effective = 2026-01-01

[[balances]]
code = "yearly"
name = "年度积分"
base = 100
reset = "yearly"
reset_on = "07-01"
carry = "negative"

[[balances]]
code = "honour"
name = "荣誉积分"
reset = "never"

[[balances]]
code = "redeemable"
name = "可兑换积分"
redeemable = "above_base"
of = "yearly"

[[statuses]]
code = "low"
name = "低分户"
balance = "yearly"
below = 95

[[categories]]
code = "c"
name = "测试"

[[categories.items]]
code = "CLEAN"
title = "庭院整洁"
article = "第一条"
review = false
points = 2
once_per = "quarter"

[[categories.items]]
code = "HELP"
title = "志愿服务"
article = "第二条"
per_unit = 1
unit = "小时"
max_per_entry = 4
cap = {{ quarter = 6 }}
{help_change}
[[categories.items]]
code = "FINE"
title = "乱倒垃圾"
article = "第三条"
points = -3
cap = {{ quarter = 5 }}
"""
HELP_CHANGE = """
  [[categories.items.changes]]
  effective = 2026-10-01
  note = "每小时由 1 分提高到 2 分。"
  per_unit = 2
"""


@dataclass
class Line:
    """The model's copy of one entry."""

    id: int
    household: int
    item: str
    on: date
    status: str
    points: Decimal | None
    requested: Decimal
    kind: str = "entry"
    reverses: int | None = None
    reversed_by: int | None = None


@dataclass
class Sent:
    """A submission the model remembers, to replay it."""

    key: str
    drafts: list[Draft]
    ids: list[int]


def _toward_zero(value: Decimal, limit: Decimal) -> Decimal:
    return min(value, limit) if value >= 0 else max(value, -limit)


def _live(lines: list[Line]) -> list[Line]:
    """Approved entries not cancelled by a chain of reversals (odd length cancels)."""
    by_id = {line.id: line for line in lines}
    live = []
    for line in lines:
        if line.kind != "entry" or line.status != "approved":
            continue
        depth, current = 0, line
        while current.reversed_by is not None:
            depth, current = depth + 1, by_id[current.reversed_by]
        if depth % 2 == 0:
            live.append(line)
    return live


def _same_quarter(a: date, b: date) -> bool:
    return quarter_of(a) == quarter_of(b)


class LedgerMachine(RuleBasedStateMachine):
    """The model: entries, submissions, closed quarters, the rulebook version in force."""

    villages = itertools.count(1)

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[int, Line] = {}
        self.sent: list[Sent] = []
        self.closed: set[date] = set()
        self.version = 1
        self.keys = itertools.count(1)

    @initialize()
    def new_village(self) -> None:
        code = f"p{next(self.villages)}"
        self.village = Village(code=code, name=code)
        db.session.add(self.village)
        db.session.flush()
        self.households = [
            Household(
                village_id=self.village.id,
                number=f"00{n}",
                head_name=f"户主{n}",
                registered_on=date(2020, 1, 1),
            )
            for n in (1, 2)
        ]
        db.session.add_all(self.households)
        self._load_rulebook(help_change="")
        db.session.commit()

    def _load_rulebook(self, help_change: str) -> None:
        path = SHARED["workdir"] / f"{self.village.code}-v{self.version}.toml"
        text = RULEBOOK.format(
            village=self.village.code, version=f"v{self.version}", help_change=help_change
        )
        path.write_text(text, encoding="utf-8")
        rules_store.store(path, actor_label="test")

    # ── the model's arithmetic ──────────────────────────────────────────────────────────────
    def _requested(self, item: str, on: date, quantity: Decimal | None, version: int) -> Decimal:
        if item == "CLEAN":
            return Decimal(2)
        if item == "FINE":
            return Decimal(-3)
        rate = 2 if version == 2 and on >= NEW_HELP_RATE_FROM else 1
        return rate * quantity

    def _granted(self, line: Line) -> Decimal | None:
        """What approval grants under the model's caps, or None when it must be refused."""
        mine = [
            e
            for e in _live(list(self.lines.values()))
            if e.household == line.household
            and e.item == line.item
            and _same_quarter(e.on, line.on)
        ]
        if line.item == "CLEAN":
            return None if mine else line.requested
        granted = line.requested
        if line.item in MAX_PER_ENTRY:
            granted = _toward_zero(granted, MAX_PER_ENTRY[line.item])
        used = abs(sum((e.points for e in mine), Decimal(0)))
        return _toward_zero(granted, max(CAPS[line.item] - used, Decimal(0)))

    def _commit(self) -> None:
        db.session.commit()

    # ── rules ───────────────────────────────────────────────────────────────────────────────
    @rule(
        household=st.integers(0, 1),
        item=st.sampled_from(["CLEAN", "HELP", "FINE"]),
        day=st.sampled_from(DAYS),
        hours=st.integers(1, 6),
    )
    def submit(self, household: int, item: str, day: date, hours: int) -> None:
        quantity = Decimal(hours) if item == "HELP" else None
        draft = Draft(self.households[household].id, item, day, quantity)
        key = f"k{next(self.keys)}"
        requested = self._requested(item, day, quantity, self.version)
        line = Line(0, draft.household_id, item, day, "pending", None, requested)
        closed = quarter_of(day).start in self.closed
        refused = closed or (item == "CLEAN" and self._granted(line) is None)
        try:
            result = ledger.record(
                self.village, [draft], key=key, actor=SHARED["clerk"], source="form", today=TODAY
            )
        except SubmissionRefused:
            db.session.rollback()
            assert refused, "a submission the model accepts was refused"
            return
        self._commit()
        assert not refused, "a submission into a closed quarter or a second CLEAN was accepted"
        (entry,) = result.entries
        line.id = entry.id
        if item == "CLEAN":  # posted without review
            line.status, line.points = "approved", requested
        self.lines[entry.id] = line
        self.sent.append(Sent(key, [draft], [entry.id]))

    @precondition(lambda self: self.sent)
    @rule(index=st.integers(0, 10**6), other=st.booleans())
    def submit_again(self, index: int, other: bool) -> None:
        sent = self.sent[index % len(self.sent)]
        before = self._snapshot()
        drafts = sent.drafts
        if other:  # the same key with other content
            first = drafts[0]
            drafts = [Draft(first.household_id, first.item, first.on, first.quantity, (), "改")]
            with pytest.raises(PointsError, match="这个提交编号已经用于另一份内容"):
                ledger.record(
                    self.village, drafts, key=sent.key, actor=SHARED["clerk"], today=TODAY
                )
            db.session.rollback()
        else:
            result = ledger.record(
                self.village, drafts, key=sent.key, actor=SHARED["clerk"], today=TODAY
            )
            self._commit()
            assert result.replayed
            assert [e.id for e in result.entries] == sent.ids
        assert self._snapshot() == before, "a replay changed the ledger"

    def _pending(self) -> list[Line]:
        return [line for line in self.lines.values() if line.status == "pending"]

    @precondition(lambda self: any(line.status == "pending" for line in self.lines.values()))
    @rule(index=st.integers(0, 10**6))
    def approve(self, index: int) -> None:
        pending = self._pending()
        line = pending[index % len(pending)]
        entry = db.session.get(Entry, line.id)
        expected = self._granted(line)
        closed = quarter_of(line.on).start in self.closed
        result = ledger.approve([entry], reviewer=SHARED["supervisor"], today=TODAY)
        self._commit()
        if closed:
            assert result.refused and not result.done
            return
        assert expected is not None
        assert [e.id for e in result.done] == [line.id]
        assert entry.points == expected, (line, entry.points, expected)
        line.status, line.points = "approved", expected

    @precondition(lambda self: any(line.status == "pending" for line in self.lines.values()))
    @rule(index=st.integers(0, 10**6))
    def reject(self, index: int) -> None:
        pending = self._pending()
        line = pending[index % len(pending)]
        entry = db.session.get(Entry, line.id)
        closed = quarter_of(line.on).start in self.closed
        result = ledger.reject([entry], reviewer=SHARED["supervisor"], reason="不实")
        self._commit()
        assert bool(result.refused) == closed
        if not closed:
            line.status = "rejected"

    @precondition(
        lambda self: any(
            line.status == "approved" and line.reversed_by is None for line in self.lines.values()
        )
    )
    @rule(index=st.integers(0, 10**6))
    def reverse(self, index: int) -> None:
        """Reverse an approved entry or a reversal (which revives the entry it cancelled)."""
        open_lines = [
            line
            for line in self.lines.values()
            if line.status == "approved" and line.reversed_by is None
        ]
        line = open_lines[index % len(open_lines)]
        entry = db.session.get(Entry, line.id)
        refused = quarter_of(line.on).start in self.closed
        revived = self._revived(line)
        if revived is not None:
            refused = refused or self._revival_breaks_a_limit(revived)
        try:
            result = ledger.reverse(
                entry,
                actor=SHARED["supervisor"],
                reason="更正",
                key=f"r{next(self.keys)}",
                today=TODAY,
            )
        except PointsError:
            db.session.rollback()
            assert refused, f"reversing {line} was refused"
            return
        self._commit()
        assert not refused, f"reversing {line} was accepted"
        (reversal,) = result.entries
        assert reversal.points == -line.points
        self.lines[reversal.id] = Line(
            reversal.id,
            line.household,
            line.item,
            line.on,
            "approved",
            -line.points,
            -line.points,
            kind="reversal",
            reverses=line.id,
        )
        line.reversed_by = reversal.id

    def _revived(self, line: Line) -> Line | None:
        """The entry that reversing `line` brings back to life: the root of the chain, when
        the chain grows to an even length; None when reversing cancels."""
        depth = 0
        while line.reverses is not None:
            depth, line = depth + 1, self.lines[line.reverses]
        return line if depth % 2 == 1 else None

    def _revival_breaks_a_limit(self, revived: Line) -> bool:
        """Whether reviving an entry would break its once-per-quarter rule or its cap."""
        others = [
            e
            for e in _live(list(self.lines.values()))
            if e.household == revived.household
            and e.item == revived.item
            and _same_quarter(e.on, revived.on)
        ]
        if revived.item == "CLEAN":
            return bool(others)
        used = abs(sum((e.points for e in others), Decimal(0)))
        return used + abs(revived.points) > CAPS[revived.item]

    @precondition(lambda self: self.version == 1)
    @rule()
    def load_new_rulebook(self) -> None:
        self.version = 2
        self._load_rulebook(help_change=HELP_CHANGE)
        self._commit()

    @rule(quarter=st.sampled_from(CLOSABLE))
    def close(self, quarter: Period) -> None:
        pending = any(line.on in quarter for line in self._pending())
        refused = pending or quarter.start in self.closed
        try:
            ledger.close_quarter(self.village, quarter, actor=SHARED["admin"], today=TODAY)
        except PointsError:
            db.session.rollback()
            assert refused
            return
        self._commit()
        assert not refused
        self.closed.add(quarter.start)

    @precondition(lambda self: self.closed)
    @rule(quarter=st.sampled_from(CLOSABLE))
    def reopen(self, quarter: Period) -> None:
        try:
            ledger.reopen_quarter(self.village, quarter, actor=SHARED["admin"], reason="补记")
        except PointsError:
            db.session.rollback()
            assert quarter.start not in self.closed
            return
        self._commit()
        self.closed.discard(quarter.start)

    # ── invariants ──────────────────────────────────────────────────────────────────────────
    def _snapshot(self):
        return db.session.execute(
            db.select(Entry.id, Entry.status, Entry.points)
            .where(Entry.village_id == self.village.id)
            .order_by(Entry.id)
        ).all()

    def _approved_sum(self, household_id: int, start: date, end: date) -> Decimal:
        return sum(
            (
                line.points
                for line in self.lines.values()
                if line.household == household_id
                and line.status == "approved"
                and start <= line.on < end
            ),
            Decimal(0),
        )

    @invariant()
    def entries_match_the_model(self) -> None:
        """Every entry keeps its status and points, whatever rulebook was loaded since."""
        rows = self._snapshot()
        assert [(r.id, r.status, r.points) for r in rows] == [
            (line.id, line.status, line.points)
            for line in sorted(self.lines.values(), key=lambda x: x.id)
        ]

    def _balances(self, household_id: int, end: date) -> tuple[Decimal, Decimal, Decimal]:
        """年度积分 (100, a shortfall before 07-01 carried past it), 荣誉积分 (every approved
        entry), 可兑换积分 (年度积分 above 100), at `end` (exclusive), by hand."""
        first = self._approved_sum(household_id, date(2025, 7, 1), min(end, RESET_ON))
        if end <= RESET_ON:
            yearly = BASE + first
        else:
            yearly = min(BASE + first, BASE) + self._approved_sum(household_id, RESET_ON, end)
        honour = self._approved_sum(household_id, date(2000, 1, 1), end)
        return yearly, honour, max(Decimal(0), yearly - BASE)

    @invariant()
    def balances_follow_the_declared_balances(self) -> None:
        for household in self.households:
            expected = self._balances(household.id, date(2026, 11, 22))
            assert standings.balance(household, TODAY) == expected[0]
            account = standings.account(household, TODAY)
            assert account.values == expected
            assert [s.code for s in account.statuses] == (["low"] if expected[0] < 95 else [])
        for period in [*QUARTERS, *OTHER_PERIODS]:
            table = standings.standings(self.village, period)
            for household in self.households:
                row = table.of(household.id)
                assert row.points == self._approved_sum(household.id, period.start, period.end)
                assert row.balances == self._balances(household.id, period.end), period.code
                assert row.balance == row.balances[0]
                assert [s.code for s in row.statuses] == (["low"] if row.balance < 95 else [])

    @invariant()
    def no_cap_is_exceeded(self) -> None:
        """On the database's own live entries, with the model's arithmetic."""
        rows = db.session.execute(
            db.select(Entry).where(Entry.village_id == self.village.id)
        ).scalars()
        lines = [
            Line(
                e.id,
                e.household_id,
                e.item_code,
                e.occurred_on,
                e.status,
                e.points,
                e.requested,
                e.kind,
                e.reverses_id,
            )
            for e in rows
        ]
        by_id = {line.id: line for line in lines}
        for line in lines:
            if line.reverses is not None:
                by_id[line.reverses].reversed_by = line.id
        totals: dict[tuple, list[Decimal]] = {}
        for line in _live(lines):
            totals.setdefault((line.household, line.item, quarter_of(line.on)), []).append(
                line.points
            )
        for (_, item, quarter), points in totals.items():
            if item == "CLEAN":
                assert len(points) == 1, f"CLEAN twice in {quarter.code}"
            else:
                assert abs(sum(points)) <= CAPS[item], (item, quarter.code, points)


# What every example shares: the staff and the directory rulebook files are written to.
SHARED: dict[str, object] = {}


def _staff(name: str, role: str) -> User:
    user = User(username=name, display_name=name)
    user.role_rows = [UserRole(role=role)]
    user.set_password("correct horse 1")
    db.session.add(user)
    return user


def test_ledger_invariants_hold_under_any_sequence(app, tmp_path):
    with app.app_context():
        SHARED["workdir"] = tmp_path
        for name in ("clerk", "supervisor", "admin"):
            SHARED[name] = _staff(name, name)
        db.session.commit()
        LedgerMachine.villages = itertools.count(1)
        run_state_machine_as_test(
            LedgerMachine,
            settings=settings(
                max_examples=30,
                stateful_step_count=25,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )


def test_reviving_an_entry_whose_cap_was_used_since_is_refused(village):
    """Found by the state machine: cancel, fill the cap with new entries, then revive."""
    h = village.households[0]

    def posted(key: str, hours: int) -> Entry:
        draft = Draft(h.id, "PUB-01", date(2026, 8, 1), Decimal(hours))
        (entry,) = ledger.record(
            village.village, [draft], key=key, actor=village.clerk, today=TODAY
        ).entries
        ledger.approve([entry], reviewer=village.supervisor, today=TODAY)
        db.session.commit()
        return entry

    first = posted("a", 4)
    (reversal,) = ledger.reverse(first, actor=village.supervisor, reason="错记", key="r1").entries
    db.session.commit()
    assert [posted(k, 4).points for k in "bcd"] == [4, 4, 2]  # PUB-01: 10 a quarter
    with pytest.raises(PointsError) as refused:
        ledger.reverse(reversal, actor=village.supervisor, reason="恢复", key="r2")
    assert str(refused.value) == (
        f"恢复记录 #{first.id} 的 4 分会超出该事项本期上限，不能撤销冲正；请新记一条。"
    )
    db.session.rollback()
    assert standings.balance(h, TODAY) == 100 + 10
