"""Cross-field checks: scoring shapes, caps that can bind, veto consequences, honour tiers."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from ..periods import MONTHS, months_in
from .messages import N_, Word
from .model import (
    QUANTITY_KINDS,
    Band,
    HonourPolicy,
    Item,
    ItemVersion,
    Level,
    Scoring,
    Star,
    Threshold,
    Tier,
    ValueBand,
    VetoPolicy,
)
from .reader import Reader, step

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


def threshold_scoring(
    r: Reader, raw: Any, path: tuple, unit: str | None, period: str, source: str | None = None
):
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
    return Scoring(
        "thresholds", thresholds=tuple(thresholds), unit=unit, period=period, quantity_from=source
    )


def level_scoring(r: Reader, raw: Any, path: tuple) -> Scoring | None:
    """levels = [{ name = "国家级", points = 100 }, …]: named, distinct, none worth 0."""
    if not isinstance(raw, list):
        r.check(raw, path, "list")
        return None
    levels: list[Level] = []
    ok = True
    for index, entry in enumerate(raw):
        lpath = (*path, index)
        t = r.table(entry, lpath, ("name", "points"), required=("name", "points"))
        name, points = r.get(t, lpath, "name", "text"), r.points(t, lpath, "points")
        if name is None or points is None:
            ok = False
            continue
        name = name.strip()
        if any(level.name == name for level in levels):
            r.problem(
                (*lpath, "name"),
                N_("级别 “{name}” 写了两次；每个级别只写一次。"),
                name=name,
            )
            ok = False
        elif points == 0:
            r.problem(
                (*lpath, "points"),
                N_("级别 “{name}” 的分值不能为 0；不计分的级别请删去。"),
                name=name,
            )
            ok = False
        levels.append(Level(name, points))
    if not raw:
        r.problem(path, N_("至少需要一个级别。"))
    if not ok or not levels:
        return None
    return Scoring("levels", levels=tuple(levels))


def value_band_scoring(r: Reader, raw: Any, path: tuple, unit: str | None) -> Scoring | None:
    """value_bands = [{ min = 1, max = 1000, points = 1 }, …, { min = 5001, points = 5 }]:
    inclusive bands in order, each starting one step (of the rulebook's precision) after the
    previous one ends, so every value at that precision falls in exactly one band."""
    if not isinstance(raw, list):
        r.check(raw, path, "list")
        return None
    unit_step = step(r.precision)
    bands: list[ValueBand] = []
    for index, entry in enumerate(raw):
        bpath = (*path, index)
        t = r.table(entry, bpath, ("min", "max", "points"), required=("min", "points"))
        low, high = r.get(t, bpath, "min", "number"), r.get(t, bpath, "max", "number")
        points = r.points(t, bpath, "points")
        if low is None or points is None or ("max" in t and high is None):
            return None
        for key, value in (("min", low), ("max", high)):
            if value is not None and value != value.quantize(unit_step):
                r.problem(
                    (*bpath, key),
                    N_(
                        "第 {number} 档的 {key} {value} 比本细则的精度更细；"
                        "各档的界限须是 {step} 的整数倍。"
                    ),
                    number=index + 1,
                    key=key,
                    value=value,
                    step=unit_step,
                )
                return None
        if points == 0:
            r.problem(
                (*bpath, "points"),
                N_("第 {number} 档的分值不能为 0；得不到分的数额不用写成一档。"),
                number=index + 1,
            )
            return None
        if high is not None and high < low:
            r.problem(
                (*bpath, "max"),
                N_("第 {number} 档的 max {high} 小于 min {low}；请对调或改正。"),
                number=index + 1,
                high=high,
                low=low,
            )
            return None
        if not bands and low <= 0:
            r.problem(
                (*bpath, "min"),
                N_("第 1 档的 min {value} 须大于 0：数量为 0 的记录不计分。"),
                value=low,
            )
            return None
        if bands:
            previous = bands[-1]
            if previous.max is None:
                r.problem(
                    (*path, index - 1),
                    N_("只有最后一档可以不写 max；第 {number} 档请写上 max。"),
                    number=index,
                )
                return None
            expected = previous.max + unit_step
            if low != expected:
                r.problem(
                    (*bpath, "min"),
                    N_(
                        "第 {number} 档从 {value} 开始，上一档到 {previous} 为止，{how}；"
                        "应从 {expected} 开始（精度 {step}）。"
                    ),
                    number=index + 1,
                    value=low,
                    previous=previous.max,
                    how=Word(N_("两档重叠") if low < expected else N_("中间的数额没有着落")),
                    expected=expected,
                    step=unit_step,
                )
                return None
        bands.append(ValueBand(low, high, points))
    if not bands:
        r.problem(path, N_("至少需要一档。"))
        return None
    return Scoring("value_bands", value_bands=tuple(bands), unit=unit)


def quantity_sources(r: Reader, items: dict[str, Item], fed: list[tuple[str, str, tuple]]) -> None:
    """quantity_from names another item, recorded directly, whose entries carry a quantity.
    A source that is itself fed is refused too: that also rules out every cycle."""
    for code, source, path in fed:
        item = items.get(source)
        if source == code:
            r.problem(
                path, N_("quantity_from 不能写事项自己（{item}）；请写来源事项的编码。"), item=code
            )
        elif item is None:
            r.unknown(path, source, tuple(c for c in items if c != code), N_("事项编码"))
        elif any(v.scoring.quantity_from for v in item.versions):
            r.problem(
                path,
                N_(
                    "事项 {source} 本身也是按 quantity_from 自动累计的，不能再作来源；"
                    "请写它的来源事项 {origin}。"
                ),
                source=source,
                origin=next(
                    v.scoring.quantity_from for v in item.versions if v.scoring.quantity_from
                ),
            )
        else:
            kinds = sorted({v.scoring.kind for v in item.versions} - set(QUANTITY_KINDS))
            if kinds:
                r.problem(
                    path,
                    N_(
                        "事项 {source} 按 {kind} 计分，记录里没有数量，不能作来源；"
                        "quantity_from 须写按数量计分（{kinds}）的事项。"
                    ),
                    source=source,
                    kind=kinds[0],
                    kinds=list(QUANTITY_KINDS),
                )


def natural_most(scoring: Scoring) -> Decimal | None:
    """The largest magnitude one entry can reach before any cap; None when unbounded."""
    if scoring.kind == "points":
        return abs(scoring.points)
    if scoring.kind == "range":
        return max(abs(scoring.low), abs(scoring.high))
    if scoring.kind in ("levels", "value_bands"):
        return max(abs(v.points) for v in (*scoring.levels, *scoring.value_bands))
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
        # Milestones since the household joined can all fall in one period.
        fits = 1 if every == "ever" else periods_in(every, period)
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


PLACE_RULES = ("top", "top_percent", "bottom", "bottom_percent")
# What a latest-deductions tier (latest = N) may not have: it lists entries, not households.
NOT_WITH_LATEST = ("min", "below", *PLACE_RULES)


def tiers(r: Reader, tiers: list[Tier], path: tuple) -> None:
    for index, tier in enumerate(tiers):
        tpath = (*path, "tiers", index)
        if tier.latest is not None:
            _latest_tier(r, tier, tpath)
            continue
        places = [key for key in PLACE_RULES if getattr(tier, key) is not None]
        by_points = tier.min is not None or tier.below is not None
        if len(places) > 1:
            r.problem(
                (*tpath, places[1]),
                N_(
                    "一个榜只能写一种名次划定：{keys} 只能留一个"
                    "（名次可以再加 min/below 限定分数，两者都满足才上榜）。"
                ),
                keys=", ".join(places),
            )
        elif not places and not by_points and not tier.veto:
            r.problem(
                tpath,
                N_(
                    "这个榜没有写怎样划定：请写 min/below（分数）或 top、top_percent、"
                    "bottom、bottom_percent 之一（也可名次加分数），"
                    "或写 latest（最近的扣分记录）。"
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


def _latest_tier(r: Reader, tier: Tier, tpath: tuple) -> None:
    if tier.side != "black":
        r.problem(
            (*tpath, "latest"),
            N_('latest（最近的扣分记录）只能用于黑榜（side = "black"）。'),
        )
    for key in NOT_WITH_LATEST:
        if getattr(tier, key) is not None:
            r.problem(
                (*tpath, key),
                N_("写了 latest 的榜列的是最近的扣分记录，不按户划定，不能再写 {key}。"),
                key=key,
            )
    if tier.veto:
        r.problem(
            (*tpath, "veto"),
            N_("写了 latest 的榜列的是最近的扣分记录，不按户划定，不能再写 {key}。"),
            key="veto",
        )


def _points_range(tier: Tier) -> tuple[Decimal, Decimal]:
    inf = Decimal("Infinity")
    return (
        tier.min if tier.min is not None else -inf,
        tier.below if tier.below is not None else inf,
    )


def _overlap(a: Tier, b: Tier) -> bool:
    """Whether tier `a` clashes with the earlier tier `b`."""
    if a.latest is not None or b.latest is not None:
        return False
    a_place = next((key for key in PLACE_RULES if getattr(a, key) is not None), None)
    b_place = next((key for key in PLACE_RULES if getattr(b, key) is not None), None)
    (a_low, a_high), (b_low, b_high) = _points_range(a), _points_range(b)
    if a_place is None and b_place is None:
        by_points = (a.min is not None or a.below is not None) and (
            b.min is not None or b.below is not None
        )
        return by_points and max(a_low, b_low) < min(a_high, b_high)
    # Rank cut-offs are cumulative (top 3, then top 10 means ranks 4–10): a later one must be
    # wider, unless the earlier one's points bound leaves it households to take.
    if a_place is not None and a_place == b_place:
        within = b_low <= a_low and a_high <= b_high
        return within and getattr(a, a_place) <= getattr(b, b_place)
    return False


def publicity_days(
    r: Reader, path: tuple, table: dict, working_days: bool, holidays: list, workdays: list
) -> None:
    """[publicity] holidays and workdays: only with working days, each day in one list only,
    and a workday (调休) is a Saturday or Sunday that becomes a working day."""
    if not working_days:
        for key in ("holidays", "workdays"):
            if key in table:
                r.problem(
                    (*path, key),
                    N_(
                        "{key} 只在按工作日计算（working_days = true）时才用得上；"
                        "请删去或改为按工作日。"
                    ),
                    key=key,
                )
        return
    for index, day in enumerate(workdays):
        if day in holidays:
            r.problem(
                (*path, "workdays", index),
                N_("{date} 同时写在 holidays 和 workdays 里；请只写在一处。"),
                date=day,
            )
        elif day.weekday() < 5:
            r.problem(
                (*path, "workdays", index),
                N_("{date} 本来就是工作日；workdays 只写调休上班的周六、周日。"),
                date=day,
            )


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
