"""Rule tests as data: dated events for one household → expected points, caps, refusals, tiers.

A scenario file sits beside the rulebook (rules/tests/*.toml) and names it. The runner feeds the
events, in order, to the same evaluate() the ledger uses, keeping granted entries as approved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..periods import Period, PeriodError, period_start
from . import accounts, load, read_text
from .honours import tier_for
from .messages import DEFAULT_LANGUAGE, N_, RulebookError, translate
from .model import Rulebook
from .reader import MISSING, Reader, parse_toml
from .scoring import REFUSALS, Claim, Decision, PriorEntry, evaluate, fed_decisions, value_band

SCENARIO_KEYS = (
    "name",
    "events",
    "total",
    "tier",
    "others",
    "stars",
    "balances",
    "as_of",
    "periods",
    "redeemable",
    "status",
    "members",
)
EVENT_KEYS = ("on", "item", "quantity", "level", "requested", "granted", "refused", "limits")


@dataclass(frozen=True)
class Event:
    claim: Claim
    expect: dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    name: str
    events: tuple[Event, ...]
    expect: dict[str, Any]
    members: int | None = None  # the household's member count (per_member items check it)


@dataclass
class Outcome:
    """One scenario run: its decisions and the mismatches, as (message id, params)."""

    file: str
    name: str
    decisions: list[Decision] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)  # each decision's claim, companions too
    failures: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def failure_texts(self, language: str = DEFAULT_LANGUAGE) -> list[str]:
        return [translate(message, language, **params) for message, params in self.failures]


def load_scenarios(path: Path) -> tuple[Path, list[Scenario]]:
    """The rulebook path a scenario file names, and its scenarios; RulebookError if malformed."""
    text = read_text(path)
    data = parse_toml(text, str(path))
    r = Reader(text, str(path))
    r.table(data, (), ("rulebook", "scenarios"), required=("rulebook", "scenarios"))
    named = r.get(data, (), "rulebook", "text")
    rulebook = path.parent / (named or "")
    if named is not None and not rulebook.is_file():
        r.problem(
            ("rulebook",),
            N_(
                "找不到细则文件 “{file}”；"
                "rulebook 写的是相对于本场景文件的路径，如 “../demo.toml”。"
            ),
            file=str(rulebook),
        )
    scenarios = []
    for si, raw in enumerate(r.get(data, (), "scenarios", "list", [])):
        spath = ("scenarios", si)
        t = r.table(raw, spath, SCENARIO_KEYS, required=("name", "events"))
        members = r.get(t, spath, "members", "count")
        events = []
        for ei, raw_event in enumerate(r.get(t, spath, "events", "list", [])):
            epath = (*spath, "events", ei)
            e = r.table(raw_event, epath, EVENT_KEYS, required=("on", "item"))
            refused = r.choice(e, epath, "refused", tuple(REFUSALS))
            claim = Claim(
                r.get(e, epath, "item", "text") or "",
                r.get(e, epath, "on", "date") or date.min,
                r.get(e, epath, "quantity", "number"),
                r.get(e, epath, "level", "text"),
                members,
            )
            expect = {
                "requested": r.get(e, epath, "requested", "number"),
                "granted": r.get(e, epath, "granted", "number"),
                "refused": refused,
                "limits": r.get(e, epath, "limits", "list"),
            }
            events.append(Event(claim, expect))
        expect = {
            "total": r.get(t, spath, "total", "number"),
            "tier": r.get(t, spath, "tier", "text"),
            "others": [
                r.check(v, (*spath, "others", i), "number")
                for i, v in enumerate(r.get(t, spath, "others", "list", []))
            ],
            "stars": r.get(t, spath, "stars", "number"),
            "balances": _numbers(r, t, spath, "balances"),
            "as_of": r.get(t, spath, "as_of", "date"),
            "periods": _periods(r, t, spath),
            "redeemable": r.get(t, spath, "redeemable", "number"),
            "status": _texts(r, t, spath, "status"),
        }
        scenarios.append(
            Scenario(r.get(t, spath, "name", "text") or "", tuple(events), expect, members)
        )
    if r.problems:
        raise RulebookError(r.located())
    return rulebook, scenarios


def _numbers(r: Reader, table: dict, path: tuple, key: str) -> dict[str, Decimal] | None:
    """{ code = number, … } (balances at as_of)."""
    raw = r.get(table, path, key, "table")
    if raw is None:
        return None
    return {
        str(code): value
        for code, value in raw.items()
        if r.check(value, (*path, key, code), "number") is not MISSING
    }


def _periods(r: Reader, table: dict, path: tuple) -> dict[Period, Decimal] | None:
    """{ "2026H1" = 12, … }: the points expected in each period."""
    found = _numbers(r, table, path, "periods")
    if found is None:
        return None
    result = {}
    for code, value in found.items():
        try:
            result[Period.parse(code)] = Decimal(value)
        except PeriodError:
            r.problem(
                (*path, "periods", code),
                N_("看不懂期间 “{code}”；请写成 2026-07、2026B4、2026Q3、2026H2 或 2026。"),
                code=code,
            )
    return result


def _texts(r: Reader, table: dict, path: tuple, key: str) -> list[str] | None:
    values = r.get(table, path, key, "list")
    if values is None:
        return None
    return [v for i, v in enumerate(values) if r.check(v, (*path, key, i), "text") is not MISSING]


def run_file(path: Path, rulebook: Rulebook | None = None) -> list[Outcome]:
    """Run every scenario of one file (against `rulebook`, or the file the scenarios name)."""
    rulebook_path, scenarios = load_scenarios(path)
    rulebook = rulebook or load(rulebook_path)
    return [run(rulebook, s, str(path)) for s in scenarios]


def run(rulebook: Rulebook, scenario: Scenario, file: str = "") -> Outcome:
    outcome = Outcome(file, scenario.name)
    prior: list[PriorEntry] = []
    for number, event in enumerate(scenario.events, start=1):
        decision = evaluate(rulebook, event.claim, prior)
        outcome.decisions.append(decision)
        outcome.claims.append(event.claim)
        _compare_event(outcome, number, event, decision)
        if decision.refused:
            continue
        # Items accumulating this one's quantity (quantity_from) post their companions, as the
        # ledger does on approval: they count in the totals and in coverage, not per event.
        fed = fed_decisions(rulebook, event.claim, prior)
        prior.append(PriorEntry(decision.item, decision.on, decision.granted, event.claim.quantity))
        for companion in fed:
            outcome.decisions.append(companion)
            outcome.claims.append(
                Claim(companion.item, companion.on, event.claim.quantity, via=decision.item)
            )
            prior.append(
                PriorEntry(companion.item, companion.on, companion.granted, event.claim.quantity)
            )
    _compare_totals(outcome, rulebook, scenario)
    return outcome


def _compare_event(outcome: Outcome, number: int, event: Event, decision: Decision) -> None:
    actual = {
        "refused": decision.refusal.code if decision.refusal else None,
        "requested": None if decision.refused else decision.requested,
        "granted": None if decision.refused else decision.granted,
        "limits": list(decision.limits),
    }
    expected = dict(event.expect)
    if expected["limits"] is None and expected["refused"] is None:
        expected["limits"] = []  # an entry is expected not to be cut by a cap unless it says so
    for key in ("refused", "requested", "granted", "limits"):
        if (key == "refused" or expected[key] is not None) and expected[key] != actual[key]:
            outcome.failures.append(
                (
                    N_("第 {number} 条（{on} {item}）：{key} 应为 {expected}，实际为 {actual}"),
                    {
                        "number": number,
                        "on": event.claim.on,
                        "item": event.claim.item,
                        "key": key,
                        "expected": _show(expected[key]),
                        "actual": _show(actual[key]),
                    },
                )
            )


def _compare_totals(outcome: Outcome, rulebook: Rulebook, scenario: Scenario) -> None:
    granted = [d for d in outcome.decisions if not d.refused]
    total = sum((d.granted for d in granted), Decimal(0))
    vetoes = {c for d in granted for c in d.veto}
    expect = dict(scenario.expect)  # with the keys of each balance and period added below
    actual: dict[str, Any] = {"total": total}
    if expect["tier"] is not None:
        tier = tier_for(
            rulebook.honours,
            total,
            [total, *expect["others"]],
            vetoed="black_list" in vetoes,
            barred_from_red="bar_red_list" in vetoes,
        )
        actual["tier"] = tier.code if tier else "none"
    _compare_accounts(rulebook, expect, granted, vetoes, total, actual, outcome)
    for key, value in actual.items():
        if expect[key] is not None and expect[key] != value:
            outcome.failures.append(
                (
                    N_("合计：{key} 应为 {expected}，实际为 {actual}"),
                    {"key": key, "expected": _show(expect[key]), "actual": _show(value)},
                )
            )


def _compare_accounts(
    rulebook: Rulebook,
    expect: dict[str, Any],
    granted: list[Decision],
    vetoes: set[str],
    total: Decimal,
    actual: dict[str, Any],
    outcome: Outcome,
) -> None:
    """Balances, periods, redeemable amount, statuses and stars at as_of, through the same
    accounts module the ledger's standings use (granted entries count as approved)."""
    entries = [(d.on, d.granted, False) for d in granted]
    as_of = expect["as_of"] or max((d.on for d in granted), default=None)
    wanted = (expect[k] is not None for k in ("balances", "redeemable", "status", "stars"))
    if any(wanted) and as_of is None:
        outcome.failures.append((N_("没有记上分的事件，请写 as_of（余额的日期）。"), {}))
        return
    declared = rulebook.all_balances
    values: dict[str, Decimal] = {}
    if as_of is not None:
        kept = [e for e in entries if e[0] <= as_of]
        values = accounts.balances_on(rulebook, kept, as_of)
    for code, expected in (expect["balances"] or {}).items():
        if code not in values:
            outcome.failures.append(
                (
                    N_("balances：细则里没有积分 “{code}”；有：{codes}"),
                    {"code": code, "codes": ", ".join(b.code for b in declared)},
                )
            )
            continue
        actual[f"balances.{code}"] = values[code]
        expect[f"balances.{code}"] = Decimal(expected)
    for period, expected in (expect["periods"] or {}).items():
        points = sum((p for day, p, _ in entries if day in period), Decimal(0))
        actual[f"periods.{period.code}"] = points
        expect[f"periods.{period.code}"] = expected
    ordered = tuple(values.get(b.code, Decimal(0)) for b in declared)
    if expect["redeemable"] is not None:
        actual["redeemable"] = accounts.redeemable(declared, ordered)
    if expect["status"] is not None:
        codes = [s.code for s in accounts.in_force(rulebook.statuses, declared, ordered)]
        actual["status"], expect["status"] = _show(sorted(codes)), _show(sorted(expect["status"]))
    if expect["stars"] is not None:
        on = accounts.stars_value(rulebook, total, ordered)
        level = accounts.star_level(rulebook.honours, rulebook.veto, on, "star_drop" in vetoes)
        actual["stars"] = Decimal(level)


def _show(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def uncovered(rulebook: Rulebook, outcomes: list[Outcome]) -> list[str]:
    """Version boundaries and caps the scenarios do not exercise on both sides."""
    seen: set[tuple] = set()
    for outcome in outcomes:
        totals: dict[tuple, Decimal] = {}
        for decision, claim in zip(outcome.decisions, outcome.claims, strict=True):
            seen.add(("day", decision.item, decision.on))
            _shapes_seen(seen, rulebook, decision, claim)
            if decision.refusal and decision.refusal.code == "once_per_period":
                seen.add(("once", decision.item, "over"))
            if decision.refused:
                continue
            version = decision.version
            if version.once_per:
                seen.add(("once", decision.item, "at"))
            for limit in decision.limits:
                seen.add(("limit", decision.item, limit, "over"))
            if (
                version.max_per_entry is not None
                and abs(decision.requested) == version.max_per_entry
            ):
                seen.add(("limit", decision.item, "max_per_entry", "at"))
            for period, cap in version.caps:
                key = (decision.item, period, decision.on.year, _bucket(period, decision.on))
                totals[key] = totals.get(key, Decimal(0)) + abs(decision.granted)
                if totals[key] == cap and f"cap:{period}" not in decision.limits:
                    seen.add(("limit", decision.item, f"cap:{period}", "at"))
            for shared in rulebook.shared_caps_for(decision.item):
                key = (shared.code, decision.on.year, _bucket(shared.period, decision.on))
                totals[key] = totals.get(key, Decimal(0)) + abs(decision.granted)
                if totals[key] == shared.max and f"shared:{shared.code}" not in decision.limits:
                    seen.add(("limit", "*", f"shared:{shared.code}", "at"))
                if f"shared:{shared.code}" in decision.limits:
                    seen.add(("limit", "*", f"shared:{shared.code}", "over"))
    missing = []
    for item in rulebook.items.values():
        boundaries = [v.effective for v in item.versions[1:]]
        if item.effective > rulebook.effective:
            boundaries.append(item.effective)
        if item.retired:
            boundaries.append(item.retired)
        for day in boundaries:
            for side in (day - timedelta(days=1), day):
                if ("day", item.code, side) not in seen:
                    missing.append(f"{item.code} {side}")
        for version in item.versions:
            limits = [f"cap:{p}" for p, _ in version.caps]
            if version.max_per_entry is not None:
                limits.append("max_per_entry")
            for limit in limits:
                for side in ("at", "over"):
                    if ("limit", item.code, limit, side) not in seen:
                        missing.append(f"{item.code} {limit} {side}")
            if version.once_per:
                for side in ("at", "over"):
                    if ("once", item.code, side) not in seen:
                        missing.append(f"{item.code} once_per {side}")
            missing += _shapes_missing(seen, item.code, version)
    for shared in rulebook.shared_caps:
        for side in ("at", "over"):
            if ("limit", "*", f"shared:{shared.code}", side) not in seen:
                missing.append(f"shared:{shared.code} {side}")
    return sorted(set(missing))


def _shapes_seen(seen: set, rulebook: Rulebook, decision: Decision, claim: Claim) -> None:
    """What a decision shows of the item shapes: a level chosen, a value band hit (or a value
    below the first refused), a companion posted for an item accumulating another's quantity."""
    version = decision.version
    if version is None:
        return
    scoring = version.scoring
    if scoring.kind == "levels" and not decision.refused:
        seen.add(("level", decision.item, version.effective, claim.level))
    if scoring.kind == "value_bands":
        if decision.refused and decision.refusal.code == "below_value_bands":
            seen.add(("band", decision.item, version.effective, "below"))
        elif not decision.refused:
            band = value_band(scoring, claim.quantity, rulebook.precision)
            seen.add(("band", decision.item, version.effective, band.min))
    if scoring.quantity_from and claim.via:
        seen.add(("fed", decision.item, version.effective))


def _shapes_missing(seen: set, code: str, version) -> list[str]:
    """Each level of a levels version chosen, each band of a value_bands version hit and a value
    below the first refused, and a companion of a version that accumulates another item's
    quantity: what a rule test must exercise beside boundaries and caps."""
    scoring, when = version.scoring, version.effective
    missing = []
    for level in scoring.levels:
        if ("level", code, when, level.name) not in seen:
            missing.append(f"{code} level {level.name}")
    if scoring.value_bands:
        for band in scoring.value_bands:
            if ("band", code, when, band.min) not in seen:
                missing.append(f"{code} band {band.min}")
        if ("band", code, when, "below") not in seen:
            missing.append(f"{code} band below")
    if scoring.quantity_from and ("fed", code, when) not in seen:
        missing.append(f"{code} quantity_from {scoring.quantity_from}")
    return missing


def _bucket(period: str, day: date) -> date:
    return period_start(period, day)
