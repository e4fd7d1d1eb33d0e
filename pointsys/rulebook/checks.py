"""Cross-field checks: scoring shapes, caps that can bind, veto consequences, honour tiers."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from ..periods import MONTHS, months_in
from .messages import N_, Word
from .model import Band, HonourPolicy, ItemVersion, Scoring, Star, Threshold, Tier, VetoPolicy
from .reader import Reader

# For PERIODS_IN: every kind of period, shortest first.
_BY_LENGTH = sorted(MONTHS, key=MONTHS.get)


def periods_in(every: str, period: str) -> int:
    """At most how many periods of kind `every` one period of kind `period` overlaps (1 when
    `every` is the longer): a two-month block straddles quarters, so a quarter meets two."""
    if MONTHS[every] >= MONTHS[period]:
        return 1
    return months_in(every, period) or -(-MONTHS[period] // MONTHS[every]) + 1


PERIOD_WORDS = {
    "month": Word(N_("月")),
    "two_months": Word(N_("双月")),
    "quarter": Word(N_("季度")),
    "half_year": Word(N_("半年")),
    "year": Word(N_("年")),
}
# What each veto consequence needs in [veto]; star_drop needs star ratings too.
VETO_NEEDS = {
    "bar_red_list": "bar_red_list_quarters",
    "bar_redemption": "bar_redemption_years",
    "star_drop": "star_drop_levels",
}


def range_scoring(r: Reader, raw: Any, path: tuple) -> Scoring | None:
    table = r.table(raw, path, ("min", "max"), required=("min", "max"))
    low, high = r.points(table, path, "min"), r.points(table, path, "max")
    if low is None or high is None:
        return None
    if low > high:
        r.problem(
            (*path, "min"),
            N_("最小值 {low} 大于最大值 {high}；请对调或改正。"),
            low=low,
            high=high,
        )
        return None
    return Scoring("range", low=low, high=high)


def band_scoring(r: Reader, raw: Any, path: tuple, unit: str | None) -> Scoring | None:
    bands = []
    previous = Decimal(0)
    if not isinstance(raw, list):
        r.check(raw, path, "list")
        return None
    for index, entry in enumerate(raw):
        bpath = (*path, index)
        t = r.table(entry, bpath, ("upto", "each", "points"), required=("upto", "each", "points"))
        upto, each = r.get(t, bpath, "upto", "number"), r.get(t, bpath, "each", "number")
        points = r.points(t, bpath, "points")
        if upto is None or each is None or points is None:
            return None
        if upto <= previous:
            r.problem(
                (*bpath, "upto"),
                N_("第 {number} 档的 upto {value} 不大于上一档的 {previous}；各档须从小到大排列。"),
                number=index + 1,
                value=upto,
                previous=previous,
            )
            return None
        if each <= 0 or each > upto - previous:
            r.problem(
                (*bpath, "each"),
                N_("each {value} 须大于 0 且不超过本档的宽度 {width}；否则本档永远得不到分。"),
                value=each,
                width=upto - previous,
            )
            return None
        bands.append(Band(upto, each, points))
        previous = upto
    if not bands:
        r.problem(path, N_("至少需要一档。"))
        return None
    return Scoring("bands", bands=tuple(bands), unit=unit)


def threshold_scoring(r: Reader, raw: Any, path: tuple, unit: str | None, period: str):
    thresholds = []
    previous = Decimal(0)
    if not isinstance(raw, list):
        r.check(raw, path, "list")
        return None
    for index, entry in enumerate(raw):
        tpath = (*path, index)
        t = r.table(entry, tpath, ("at", "points"), required=("at", "points"))
        at, points = r.get(t, tpath, "at", "number"), r.points(t, tpath, "points")
        if at is None or points is None:
            return None
        if at <= previous:
            r.problem(
                (*tpath, "at"),
                N_("第 {number} 个门槛 {value} 不大于上一个 {previous}；门槛须从小到大排列。"),
                number=index + 1,
                value=at,
                previous=previous,
            )
            return None
        thresholds.append(Threshold(at, points))
        previous = at
    if not thresholds:
        r.problem(path, N_("至少需要一档。"))
        return None
    return Scoring("thresholds", thresholds=tuple(thresholds), unit=unit, period=period)


def natural_most(scoring: Scoring) -> Decimal | None:
    """The largest magnitude one entry can reach before any cap; None when unbounded."""
    if scoring.kind == "points":
        return abs(scoring.points)
    if scoring.kind == "range":
        return max(abs(scoring.low), abs(scoring.high))
    if scoring.kind == "bands":
        total, previous = Decimal(0), Decimal(0)
        for band in scoring.bands:
            total += ((band.upto - previous) // band.each) * abs(band.points)
            previous = band.upto
        return total
    return None


def caps_reachable(r: Reader, version: ItemVersion, path: tuple) -> None:
    """Report caps that can never bind: they mislead residents and hide typing mistakes."""
    caps = dict(version.caps)
    pairs = [(a, b) for i, a in enumerate(_BY_LENGTH) for b in _BY_LENGTH[i + 1 :]]
    for short, long in pairs:
        if short in caps and long in caps and caps[short] > caps[long]:
            r.problem(
                (*path, "cap", short),
                N_("每{period}上限 {value} 大于每{longer}上限 {limit}，永远达不到；请调低或删去。"),
                period=PERIOD_WORDS[short],
                value=caps[short],
                longer=PERIOD_WORDS[long],
                limit=caps[long],
            )
    most = natural_most(version.scoring)
    if version.max_per_entry is not None:
        if most is not None and version.max_per_entry >= most:
            r.problem(
                (*path, "max_per_entry"),
                N_("单次上限 {value} 永远达不到（一次最多 {most} 分）；请调低或删去。"),
                value=version.max_per_entry,
                most=most,
            )
        most = version.max_per_entry if most is None else min(most, version.max_per_entry)
    if version.scoring.kind == "thresholds":
        every = version.scoring.period
        most = sum(abs(t.points) for t in version.scoring.thresholds)
    else:
        every = version.once_per
    if every is None or most is None:
        return
    for period, value in caps.items():
        fits = periods_in(every, period)
        if value >= most * fits:
            r.problem(
                (*path, "cap", period),
                N_(
                    "每{period}上限 {value} 永远达不到：每{period}最多只能得 {most} 分；"
                    "请调低或删去。"
                ),
                period=PERIOD_WORDS[period],
                value=value,
                most=most * fits,
            )


def veto_usage(
    r: Reader, version: ItemVersion, path: tuple, veto: VetoPolicy, honours: HonourPolicy
) -> None:
    for consequence in version.veto:
        needed = VETO_NEEDS.get(consequence)
        lowest = consequence == "star_drop" and veto.star_drop_lowest  # star_drop = "lowest"
        if needed and getattr(veto, needed) is None and not lowest:
            r.problem(
                (*path, "veto"),
                N_("一票否决后果 “{name}” 需要在 [veto] 里写明 {key}。"),
                name=consequence,
                key=needed,
            )
        if consequence == "star_drop" and not honours.stars:
            r.problem(
                (*path, "veto"), N_("一票否决后果 “star_drop” 需要在 [honours] 里定义星级 stars。")
            )
        if consequence == "black_list" and not any(t.veto for t in honours.tiers):
            r.problem(
                (*path, "veto"),
                N_("一票否决后果 “black_list” 需要一个 veto = true 的黑榜（[[honours.tiers]]）。"),
            )


def tiers(r: Reader, tiers: list[Tier], path: tuple) -> None:
    for index, tier in enumerate(tiers):
        tpath = (*path, "tiers", index)
        bases = [
            tier.min is not None or tier.below is not None,
            tier.top is not None,
            tier.top_percent is not None,
            tier.bottom is not None,
            tier.bottom_percent is not None,
        ]
        if sum(bases) > 1 or (sum(bases) == 0 and not tier.veto):
            r.problem(
                tpath,
                N_(
                    "每个榜须且只能按一种方式划定："
                    "min/below（分数）、top、top_percent、bottom、bottom_percent 之一。"
                ),
            )
        if tier.min is not None and tier.below is not None and tier.min >= tier.below:
            r.problem(
                (*tpath, "min"),
                N_("min {low} 须小于 below {high}。"),
                low=tier.min,
                high=tier.below,
            )
        for key in ("top_percent", "bottom_percent"):
            value = getattr(tier, key)
            if value is not None and not 0 < value <= 100:
                r.problem((*tpath, key), N_("百分比 {value} 须在 0 到 100 之间。"), value=value)
        if tier.veto and tier.side != "black":
            r.problem((*tpath, "veto"), N_('veto = true 只能用于黑榜（side = "black"）。'))
        for other in tiers[:index]:
            if _overlap(tier, other):
                r.problem(
                    tpath,
                    N_("榜 “{name}” 与 “{other}” 重叠；请调整分数区间或名次，使一户只落在一个榜。"),
                    name=tier.name,
                    other=other.name,
                )


def _overlap(a: Tier, b: Tier) -> bool:
    inf = Decimal("Infinity")
    if (a.min is not None or a.below is not None) and (b.min is not None or b.below is not None):
        low = max(a.min if a.min is not None else -inf, b.min if b.min is not None else -inf)
        high = min(a.below if a.below is not None else inf, b.below if b.below is not None else inf)
        return low < high
    # Rank cut-offs are cumulative (top 3, then top 10 means ranks 4–10): a later one must be wider.
    for key in ("top", "top_percent", "bottom", "bottom_percent"):
        if getattr(a, key) is not None and getattr(b, key) is not None:
            return getattr(a, key) <= getattr(b, key)
    return False


def stars(r: Reader, stars: list[Star], path: tuple) -> None:
    seen: dict[int, Star] = {}
    for index, star in enumerate(stars):
        if star.level in seen:
            r.problem(
                (*path, "stars", index, "level"),
                N_("{level} 星写了两次；每个星级只写一次。"),
                level=star.level,
            )
        seen[star.level] = star
    ordered = sorted(seen.values(), key=lambda s: s.level)
    for lower, higher in itertools.pairwise(ordered):
        if higher.min <= lower.min:
            index = stars.index(higher)
            r.problem(
                (*path, "stars", index, "min"),
                N_(
                    "{level} 星的下限 {value} 不高于 {lower} 星的下限 {other}；"
                    "星级越高，下限须越高。"
                ),
                level=higher.level,
                value=higher.min,
                lower=lower.level,
                other=lower.min,
            )
