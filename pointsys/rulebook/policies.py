"""The village-wide tables of a rulebook: account, veto, honours, shared caps, revisions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from . import checks
from .messages import N_
from .model import (
    LATEST_NAMES,
    PERIODS,
    PLAQUE_ENTRIES,
    PLAQUE_NAMES,
    Account,
    HonourPolicy,
    Item,
    PlaquePolicy,
    Publicity,
    Revision,
    SharedCap,
    Star,
    Tier,
    VetoPolicy,
)
from .reader import Reader, list_of, unique


def account(r: Reader, raw: Any) -> Account:
    path = ("account",)
    table = r.table(raw, path, ("base_points", "reset", "reset_on", "honour_total"))
    return Account(
        base_points=r.points(table, path, "base_points", Decimal(0)),
        reset=r.choice(table, path, "reset", ("yearly", "never"), "yearly"),
        reset_on=r.month_day(table, path, "reset_on", (1, 1)),
        honour_total=r.get(table, path, "honour_total", "bool", True),
    )


def veto(r: Reader, raw: Any) -> VetoPolicy:
    path = ("veto",)
    keys = ("bar_red_list_quarters", "bar_redemption_years", "star_drop_levels")
    table = r.table(raw, path, keys)
    return VetoPolicy(*(r.get(table, path, key, "count") for key in keys))


def honours(r: Reader, raw: Any, seen: dict) -> HonourPolicy:
    path = ("honours",)
    table = r.table(raw, path, ("scope", "names", "tiers", "stars", "period"))
    tiers = []
    tier_keys = (
        "code",
        "name",
        "side",
        "min",
        "below",
        "top",
        "top_percent",
        "bottom",
        "bottom_percent",
        "veto",
        "latest",
        "names",
    )
    for ti, raw_tier in enumerate(list_of(r, table, path, "tiers")):
        tpath = (*path, "tiers", ti)
        t = r.table(raw_tier, tpath, tier_keys, required=("code", "name", "side"))
        code = r.get(t, tpath, "code", "text")
        unique(r, seen, ("tier", code), (*tpath, "code"))
        latest = r.get(t, tpath, "latest", "count")
        names = r.choice(t, tpath, "names", LATEST_NAMES)
        if names is not None and "latest" not in t:
            r.problem(
                (*tpath, "names"),
                N_(
                    "榜里的 names 只用于最近扣分记录的榜（写了 latest 的榜）；"
                    "各榜的姓名显示方式请写在 [honours] 的 names 里。"
                ),
            )
        tiers.append(
            Tier(
                code=code or "",
                name=r.get(t, tpath, "name", "text") or "",
                side=r.choice(t, tpath, "side", ("red", "black"), "red"),
                min=r.points(t, tpath, "min"),
                below=r.points(t, tpath, "below"),
                top=r.get(t, tpath, "top", "count"),
                top_percent=r.get(t, tpath, "top_percent", "number"),
                bottom=r.get(t, tpath, "bottom", "count"),
                bottom_percent=r.get(t, tpath, "bottom_percent", "number"),
                veto=r.get(t, tpath, "veto", "bool", False),
                latest=latest,
                names=names or "group",
            )
        )
    stars = []
    for si, raw_star in enumerate(list_of(r, table, path, "stars")):
        spath = (*path, "stars", si)
        s = r.table(raw_star, spath, ("level", "min"), required=("level", "min"))
        level, minimum = r.get(s, spath, "level", "count"), r.points(s, spath, "min")
        if level is not None and minimum is not None:
            stars.append(Star(level, minimum))
    checks.tiers(r, tiers, path)
    checks.stars(r, stars, path)
    return HonourPolicy(
        scope=r.choice(table, path, "scope", ("village", "group"), "village"),
        names=r.choice(table, path, "names", ("full", "masked"), "masked"),
        tiers=tuple(tiers),
        stars=tuple(sorted(stars, key=lambda s: -s.level)),
        period=r.choice(table, path, "period", PERIODS, "quarter"),
    )


# The publish form's bound on a publicity period, kept for the rulebook's too.
MOST_PUBLICITY_DAYS = 60


def publicity(r: Reader, raw: Any) -> Publicity | None:
    """[publicity]: the publicity period and the time to answer an objection; None when the
    rulebook has no such table (the deployment's PUBLICITY_DAYS/OBJECTION_DAYS then apply)."""
    if raw is None:
        return None
    path = ("publicity",)
    keys = ("days", "working_days", "objection_days", "holidays", "workdays")
    table = r.table(raw, path, keys, required=("days",))
    default = Publicity()
    days = r.get(table, path, "days", "count", default.days)
    objection_days = r.get(table, path, "objection_days", "count", default.objection_days)
    for key, value in (("days", days), ("objection_days", objection_days)):
        if value > MOST_PUBLICITY_DAYS:
            r.problem(
                (*path, key),
                N_("{key} = {value} 太长；最多 {most} 天。"),
                key=key,
                value=value,
                most=MOST_PUBLICITY_DAYS,
            )
    working_days = r.get(table, path, "working_days", "bool", default.working_days)
    holidays = _dates(r, table, path, "holidays")
    workdays = _dates(r, table, path, "workdays")
    checks.publicity_days(r, path, table, working_days, holidays, workdays)
    return Publicity(
        days=days,
        working_days=working_days,
        objection_days=objection_days,
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
    )


def _dates(r: Reader, table: dict, path: tuple, key: str) -> list[date]:
    found = []
    for index, value in enumerate(list_of(r, table, path, key)):
        day = r.check(value, (*path, key, index), "date")
        if isinstance(day, date):
            found.append(day)
    return found


def plaque(r: Reader, raw: Any) -> PlaquePolicy:
    """[plaque]: what the door plaque's page shows to anyone holding its QR code."""
    path = ("plaque",)
    table = r.table(raw, path, ("names", "entries", "members"))
    default = PlaquePolicy()
    return PlaquePolicy(
        names=r.choice(table, path, "names", PLAQUE_NAMES, default.names),
        entries=r.choice(table, path, "entries", PLAQUE_ENTRIES, default.entries),
        members=r.get(table, path, "members", "bool", default.members),
    )


def shared_caps(r: Reader, data: dict, items: dict[str, Item], seen: dict) -> tuple[SharedCap, ...]:
    result = []
    for index, raw in enumerate(list_of(r, data, (), "shared_caps")):
        path = ("shared_caps", index)
        keys = ("code", "name", "items", "period", "max")
        t = r.table(raw, path, keys, required=keys)
        code = r.get(t, path, "code", "text")
        unique(r, seen, ("shared_cap", code), (*path, "code"))
        codes = r.get(t, path, "items", "list", [])
        for ci, item_code in enumerate(codes):
            if not isinstance(item_code, str):
                r.check(item_code, (*path, "items", ci), "text")
            elif item_code not in items:
                r.unknown((*path, "items", ci), str(item_code), tuple(items), N_("事项编码"))
        period = r.choice(t, path, "period", PERIODS)
        maximum = r.points(t, path, "max")
        if len(codes) < 2:
            r.problem(
                (*path, "items"),
                N_("合并上限至少要列出两个事项；只管一个事项请在该事项里写 cap。"),
            )
        if maximum is not None and maximum <= 0:
            r.problem(
                (*path, "max"),
                N_("上限 {value} 必须大于 0（扣分事项也写正数，表示最多扣多少）。"),
                value=maximum,
            )
        if code and period and maximum is not None and maximum > 0:
            result.append(
                SharedCap(
                    code,
                    r.get(t, path, "name", "text") or "",
                    tuple(str(c) for c in codes),
                    period,
                    maximum,
                )
            )
    return tuple(result)


def revisions(r: Reader, data: dict, effective: date) -> tuple[Revision, ...]:
    result = []
    previous = None
    for index, raw in enumerate(list_of(r, data, (), "revisions")):
        path = ("revisions", index)
        t = r.table(raw, path, ("effective", "summary"), required=("effective", "summary"))
        when = r.get(t, path, "effective", "date")
        if when is None:
            continue
        if when < effective or (previous is not None and when <= previous):
            r.problem(
                (*path, "effective"),
                N_(
                    "修订日期 {date} 不晚于上一版本的日期 {previous}；"
                    "各版本的日期须逐个递增，不能重叠。"
                ),
                date=when,
                previous=previous or effective,
            )
            continue
        result.append(Revision(when, r.get(t, path, "summary", "text") or ""))
        previous = when
    return tuple(result)
