"""The scoring engine: one pure function the ledger calls when an entry is approved.

Given the rulebook, a claim (item, day, quantity) and the household's earlier approved entries,
it says how many points were asked for, how many are granted after caps, and why any were
refused or cut. Pending entries must not be passed in: they do not count (design invariant 3).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from .messages import DEFAULT_LANGUAGE, N_, translate
from .model import ItemVersion, Rulebook, Scoring
from .periods import same_period
from .reader import step

ZERO = Decimal(0)

# Refusal codes (stable, used by scenario files) → the message a clerk sees.
REFUSALS = {
    "unknown_item": N_("没有编码为 “{item}” 的积分事项。"),
    "not_yet_in_force": N_("事项 {item} 自 {effective} 起才生效，{on} 的行为不能按它记分。"),
    "retired": N_("事项 {item} 已于 {retired} 停用，{on} 的行为不能按它记分。"),
    "once_per_period": N_("事项 {item} 每{period}只计一次，本{period}已经记过。"),
    "quantity_required": N_("事项 {item} 需要填写数量（{unit}），且须大于 0。"),
    # A range item's quantity is the points chosen: say the range, never "greater than 0"
    # (issue 17: "-5 到 -1" items were told their quantity must be above 0).
    "points_required": N_("事项 {item} 须填写分值，分值须在 {low} 到 {high} 之间（{places}）。"),
    "out_of_range": N_("事项 {item} 的分值须在 {low} 到 {high} 之间（{places}），填的是 {value}。"),
    "level_required": N_("事项 {item} 须选择级别，可选的有：{levels}。"),
    "unknown_level": N_("事项 {item} 没有 “{level}” 这个级别，可选的有：{levels}。"),
    "below_value_bands": N_(
        "事项 {item} 的数额 {value}{unit} 低于最低一档的 {low}{unit}，不能记分；请核对数额。"
    ),
    "too_many_members": N_(
        "事项 {item} 按人数计分，填了 {count} 人，但本户只有 {members} 名家庭成员；"
        "请改正人数，或先在户籍里补登家庭成员。"
    ),
    "fed_item": N_(
        "事项 {item} 按 {source} 的记录自动累计，不能直接记分；请记 {source}，"
        "达到门槛时系统自动加分。"
    ),
}
PERIOD_NAMES = {
    "month": N_("月"),
    "two_months": N_("双月"),
    "quarter": N_("季度"),
    "half_year": N_("半年"),
    "year": N_("年"),
}
# How a rulebook's precision reads in a refusal: the values a range item accepts.
PLACES_WORDS = {0: N_("整数"), 1: N_("最多一位小数"), 2: N_("最多两位小数")}


@dataclass(frozen=True)
class Claim:
    """What a clerk records: an item, the day the conduct happened, and a quantity if it needs one.

    quantity: hours (per_unit, thresholds), yuan (bands, value_bands), members (per_member), or
    the points the reviewer chose for a range item. level: the level chosen for a levels item.
    members: how many members the household has (None: not known, not checked).
    via: the item whose entry this claim accompanies (set only by fed_decisions).
    """

    item: str
    on: date
    quantity: Decimal | None = None
    level: str | None = None
    members: int | None = None
    via: str | None = None


@dataclass(frozen=True)
class PriorEntry:
    """An approved entry of the same household, as the ledger stored it."""

    item: str
    on: date
    points: Decimal
    quantity: Decimal | None = None


@dataclass(frozen=True)
class Refusal:
    code: str
    params: dict[str, Any]

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        params = dict(self.params)
        if "period" in params:
            params["period"] = translate(PERIOD_NAMES[params["period"]], language)
        if "places" in params:
            params["places"] = translate(PLACES_WORDS[params["places"]], language)
        if "levels" in params:
            params["levels"] = ("、" if language.startswith("zh") else ", ").join(params["levels"])
        return translate(REFUSALS[self.code], language, **params)


@dataclass(frozen=True)
class Decision:
    """Requested and granted points, the version scored under, and what refused or cut them."""

    item: str
    on: date
    version: ItemVersion | None
    requested: Decimal = ZERO
    granted: Decimal = ZERO
    refusal: Refusal | None = None
    limits: tuple[
        str, ...
    ] = ()  # what cut the points: "max_per_entry", "cap:quarter", "shared:CODE"
    veto: tuple[str, ...] = ()  # veto consequences this entry triggers

    @property
    def refused(self) -> bool:
        return self.refusal is not None


def evaluate(rulebook: Rulebook, claim: Claim, prior: Iterable[PriorEntry]) -> Decision:
    """Score one claim against the version in force on claim.on and the earlier approved entries."""
    prior = list(prior)
    item = rulebook.items.get(claim.item)
    if item is None:
        return _refuse(claim, None, "unknown_item", item=claim.item)
    version = item.version_on(claim.on)
    if version is None:
        if claim.on < item.effective:
            return _refuse(
                claim,
                None,
                "not_yet_in_force",
                item=claim.item,
                effective=item.effective,
                on=claim.on,
            )
        return _refuse(claim, None, "retired", item=claim.item, retired=item.retired, on=claim.on)
    source = version.scoring.quantity_from
    if source is not None and claim.via != source:
        return _refuse(claim, version, "fed_item", item=claim.item, source=source)
    mine = [e for e in prior if e.item == claim.item]
    if version.once_per and any(same_period(version.once_per, e.on, claim.on) for e in mine):
        return _refuse(claim, version, "once_per_period", item=claim.item, period=version.once_per)
    requested = _requested(version, claim, mine, prior, rulebook.precision)
    if isinstance(requested, Decision):
        return requested
    requested = rounded(requested, rulebook.precision)
    granted, limits = requested, []
    if version.max_per_entry is not None and abs(granted) > version.max_per_entry:
        granted = _toward_zero(granted, version.max_per_entry, rulebook.precision)
        limits.append("max_per_entry")
    for period, cap in version.caps:
        used = abs(sum((e.points for e in mine if same_period(period, e.on, claim.on)), ZERO))
        if abs(granted) > cap - used:
            granted = _toward_zero(granted, max(cap - used, ZERO), rulebook.precision)
            limits.append(f"cap:{period}")
    for shared in rulebook.shared_caps_for(claim.item):
        used = abs(
            sum(
                (
                    e.points
                    for e in prior
                    if e.item in shared.items and same_period(shared.period, e.on, claim.on)
                ),
                ZERO,
            )
        )
        if abs(granted) > shared.max - used:
            granted = _toward_zero(granted, max(shared.max - used, ZERO), rulebook.precision)
            limits.append(f"shared:{shared.code}")
    return Decision(
        claim.item, claim.on, version, requested, granted, None, tuple(limits), version.veto
    )


def fed_decisions(rulebook: Rulebook, claim: Claim, prior: Iterable[PriorEntry]) -> list[Decision]:
    """What an approved claim for a source item also grants to the items accumulating its
    quantity (quantity_from): one decision per such item that grants points (≠ 0), to be posted
    as a companion entry. `prior` is what evaluate() was given for the source claim (not the
    source entry itself). The ledger and the scenario runner both call this."""
    prior = list(prior)
    decisions = []
    for item in rulebook.items.values():
        version = item.version_on(claim.on)
        if version is None or version.scoring.quantity_from != claim.item:
            continue
        fed = Claim(item.code, claim.on, claim.quantity, members=claim.members, via=claim.item)
        decision = evaluate(rulebook, fed, prior)
        if not decision.refused and decision.granted != 0:
            decisions.append(decision)
            prior.append(PriorEntry(item.code, claim.on, decision.granted, claim.quantity))
    return decisions


def needs_history(rulebook: Rulebook, item: str, on: date) -> bool:
    """Whether scoring `item` on `on` (and what it feeds) counts the household's whole history
    (threshold_period = "ever"), not just the years around `on`."""
    for code, candidate in rulebook.items.items():
        version = candidate.version_on(on)
        if version is None or version.scoring.period != "ever":
            continue
        if code == item or version.scoring.quantity_from == item:
            return True
    return False


def within(period: str, a: date, b: date) -> bool:
    """Whether two days fall in the same period; "ever" (since the household joined) always."""
    return period == "ever" or same_period(period, a, b)


def _requested(
    version: ItemVersion,
    claim: Claim,
    mine: list[PriorEntry],
    prior: list[PriorEntry],
    precision: int,
) -> Decimal | Decision:
    scoring: Scoring = version.scoring
    if scoring.kind == "points":
        return scoring.points
    if scoring.kind == "levels":
        names = [f"{v.name} {_signed(v.points)}" for v in scoring.levels]
        if not claim.level:
            return _refuse(claim, version, "level_required", item=claim.item, levels=names)
        level = version.level(claim.level)
        if level is None:
            return _refuse(
                claim, version, "unknown_level", item=claim.item, level=claim.level, levels=names
            )
        return level.points
    quantity = claim.quantity
    if quantity is None and scoring.kind == "range":
        return _refuse(
            claim,
            version,
            "points_required",
            item=claim.item,
            low=scoring.low,
            high=scoring.high,
            places=precision,
        )
    if quantity is None or (quantity <= 0 and scoring.kind != "range"):
        return _refuse(
            claim,
            version,
            "quantity_required",
            item=claim.item,
            unit=scoring.unit or ("人" if scoring.kind == "per_member" else "分"),
        )
    if scoring.kind == "range":
        if not scoring.low <= quantity <= scoring.high or quantity != rounded(quantity, precision):
            return _refuse(
                claim,
                version,
                "out_of_range",
                item=claim.item,
                low=scoring.low,
                high=scoring.high,
                value=quantity,
                places=precision,
            )
        return quantity
    if scoring.kind == "per_member" and claim.members is not None and quantity > claim.members:
        return _refuse(
            claim,
            version,
            "too_many_members",
            item=claim.item,
            count=_plain(quantity),
            members=claim.members,
        )
    if scoring.kind in ("per_unit", "per_member"):
        return scoring.points * quantity
    if scoring.kind == "bands":
        return band_points(scoring, quantity)
    if scoring.kind == "value_bands":
        band = value_band(scoring, quantity, precision)
        if band is None:
            return _refuse(
                claim,
                version,
                "below_value_bands",
                item=claim.item,
                value=_plain(quantity),
                low=_plain(scoring.value_bands[0].min),
                unit=scoring.unit or "",
            )
        return band.points
    # Accumulated: this item's own quantities, or those recorded under its source item.
    counted = (
        mine
        if scoring.quantity_from is None
        else [e for e in prior if e.item == scoring.quantity_from]
    )
    before = sum(
        (e.quantity or ZERO for e in counted if within(scoring.period, e.on, claim.on)), ZERO
    )
    return sum((t.points for t in scoring.thresholds if before < t.at <= before + quantity), ZERO)


def band_points(scoring: Scoring, amount: Decimal) -> Decimal:
    """Each full `each` within a band earns the band's points; nothing beyond the last band."""
    total, previous = ZERO, ZERO
    for band in scoring.bands:
        if amount <= previous:
            break
        total += ((min(amount, band.upto) - previous) // band.each) * band.points
        previous = band.upto
    return total


def value_band(scoring: Scoring, value: Decimal, precision: int):
    """The band a value falls in, or None below the first. The bands meet at the rulebook's
    precision (1000, then 1000.1); a finer value is rounded to it first, 四舍五入."""
    value = rounded(value, precision)
    return next((b for b in scoring.value_bands if b.holds(value)), None)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _signed(value: Decimal) -> str:
    text = _plain(value)
    return text if value < 0 else "+" + text


def rounded(points: Decimal, precision: int) -> Decimal:
    """Points at the rulebook's precision, 四舍五入: a half goes away from zero, as in the
    villages' own tables (0.1 × 4.5 = 0.45 → 0.5; -0.45 → -0.5, the same size as the award)."""
    return _at(points, precision, ROUND_HALF_UP)


def _toward_zero(points: Decimal, magnitude: Decimal, precision: int) -> Decimal:
    # What is left under a cap, cut down to the precision: a cap is never exceeded by rounding
    # (it can only be finer when older entries were scored under a finer precision).
    magnitude = _at(magnitude, precision, ROUND_DOWN)
    return magnitude if points >= 0 else -magnitude


def _at(value: Decimal, precision: int, rounding: str) -> Decimal:
    result = value.quantize(step(precision), rounding=rounding)
    if not result:
        return ZERO  # never "-0.0"
    return value if result == value else result  # 2 stays 2, not 2.0


def _refuse(claim: Claim, version: ItemVersion | None, code: str, **params: Any) -> Decision:
    return Decision(claim.item, claim.on, version, refusal=Refusal(code, params))
