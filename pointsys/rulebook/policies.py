"""The village-wide tables of a rulebook: balances (or the legacy account), statuses, veto,
honours, shared caps, revisions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from . import checks
from .messages import N_
from .model import (
    BALANCE_CARRIES,
    BALANCE_COUNTS,
    BALANCE_RESETS,
    LATEST_NAMES,
    PERIODS,
    PLAQUE_ENTRIES,
    PLAQUE_NAMES,
    REDEEMABLE_KINDS,
    Account,
    Balance,
    HonourPolicy,
    Item,
    PlaquePolicy,
    Publicity,
    Revision,
    SharedCap,
    Star,
    Status,
    Tier,
    VetoPolicy,
    account_balances,
)
from .reader import MISSING, Reader, list_of, show_value, unique

BALANCE_KEYS = ("code", "name", "base", "reset", "reset_on", "carry", "counts", "redeemable", "of")
STATUS_KEYS = ("code", "name", "balance", "min", "below", "blocks_redemption")


def account(r: Reader, raw: Any) -> Account:
    path = ("account",)
    table = r.table(raw, path, ("base_points", "reset", "reset_on", "honour_total"))
    return Account(
        base_points=r.points(table, path, "base_points", Decimal(0)),
        reset=r.choice(table, path, "reset", ("yearly", "never"), "yearly"),
        reset_on=r.month_day(table, path, "reset_on", (1, 1)),
        honour_total=r.get(table, path, "honour_total", "bool", True),
    )


def balances(r: Reader, data: dict, seen: dict) -> tuple[tuple[Balance, ...], Account]:
    """[[balances]], or the legacy [account] converted into the same declarations; and the
    Account older readers see (the main balance's base and reset when [[balances]] is used)."""
    if "balances" not in data:
        legacy = account(r, data.get("account", {}))
        return account_balances(legacy), legacy
    if "account" in data:
        r.problem(
            ("account",),
            N_(
                "[account] 和 [[balances]] 不能同时写：[[balances]] 已经定义了各项积分；"
                "请删去 [account]，把基础分、清零写进第一个 [[balances]]。"
            ),
        )
    raws = list_of(r, data, (), "balances")
    if not raws and isinstance(data.get("balances"), list):
        r.problem(("balances",), N_("[[balances]] 至少要定义一项积分。"))
    tables = [
        r.table(raw, ("balances", i), BALANCE_KEYS, required=("code", "name"))
        for i, raw in enumerate(raws)
    ]
    codes = [t.get("code") for t in tables if isinstance(t.get("code"), str)]
    result = []
    for index, t in enumerate(tables):
        found = _balance(r, t, ("balances", index), codes, tables, seen)
        if found is not None:
            result.append(found)
    if not result:
        return (), Account()
    main = result[0]
    if main.redeemable == "above_base":
        r.problem(
            ("balances", 0, "redeemable"),
            N_(
                "第一项积分是主积分（积分余额），不能是 redeemable = “above_base”；请把它挪到后面。"
            ),
        )
    return tuple(result), Account(main.base, main.reset, main.reset_on, honour_total=False)


def _balance(
    r: Reader, t: dict, path: tuple, codes: list[str], tables: list[dict], seen: dict
) -> Balance | None:
    code = r.get(t, path, "code", "text")
    first = unique(r, seen, ("balance", code), (*path, "code"))
    name = r.get(t, path, "name", "text")
    redeemable = r.choice(t, path, "redeemable", REDEEMABLE_KINDS)
    reset = r.choice(t, path, "reset", BALANCE_RESETS, "never")
    of = r.get(t, path, "of", "text")
    if redeemable == "above_base":
        # Its value is derived from `of`: a base, reset or count of its own would be ignored.
        for key in ("base", "reset", "reset_on", "carry", "counts"):
            if key in t:
                r.problem(
                    (*path, key),
                    N_(
                        "redeemable = “above_base” 的积分由 of 指定的积分算出，不能再写 {key}；"
                        "请删去。"
                    ),
                    key=key,
                )
        if of is None and "of" not in t:
            r.problem(
                (*path, "redeemable"),
                N_("redeemable = “above_base” 要写 of = “…”，指明超出哪项积分的基础分可以兑换。"),
            )
        elif of is not None and of not in codes:
            r.unknown((*path, "of"), of, tuple(codes), N_("积分编码"))
            of = None
        elif of is not None:
            target = next(x for x in tables if x.get("code") == of)
            if of == code or target.get("redeemable") is not None:
                r.problem(
                    (*path, "of"),
                    N_("of = “{of}” 须指向一项普通积分（不是本项，也不是另一项可兑换积分）。"),
                    of=of,
                )
                of = None
    elif "of" in t:
        r.problem(
            (*path, "of"),
            N_("of 只用于 redeemable = “above_base”；请删去 of，或写上 redeemable。"),
        )
    if "reset_on" in t and reset != "yearly" and redeemable != "above_base":
        r.problem(
            (*path, "reset_on"),
            N_("reset_on 只用于 reset = “yearly”；永不清零的积分请删去 reset_on。"),
        )
    if "carry" in t and reset != "yearly" and redeemable != "above_base":
        r.problem(
            (*path, "carry"),
            N_("carry 说的是清零时怎么结转，只用于 reset = “yearly”；永不清零的积分请删去 carry。"),
        )
    balance = Balance(
        code=code or "",
        name=name or "",
        base=r.points(t, path, "base", Decimal(0)),
        reset=reset,
        reset_on=r.month_day(t, path, "reset_on", (1, 1)),
        carry=r.choice(t, path, "carry", BALANCE_CARRIES, "none"),
        counts=r.choice(t, path, "counts", BALANCE_COUNTS, "all"),
        redeemable=redeemable,
        of=of,
    )
    if not first or name is None or (redeemable == "above_base" and of is None):
        return None
    return balance


def statuses(r: Reader, data: dict, codes: tuple[str, ...], seen: dict) -> tuple[Status, ...]:
    """[[statuses]]: a status in force while a balance is below (or at/above) a value."""
    result = []
    for index, raw in enumerate(list_of(r, data, (), "statuses")):
        path = ("statuses", index)
        t = r.table(raw, path, STATUS_KEYS, required=("code", "name", "balance"))
        code = r.get(t, path, "code", "text")
        first = unique(r, seen, ("status", code), (*path, "code"))
        name = r.get(t, path, "name", "text")
        balance = r.get(t, path, "balance", "text")
        if balance is not None and balance not in codes:
            r.unknown((*path, "balance"), balance, codes, N_("积分编码"))
            balance = None
        low, high = r.points(t, path, "min"), r.points(t, path, "below")
        if "min" not in t and "below" not in t:
            r.problem(
                path,
                N_("状态要写 below（积分低于多少时）或 min（积分不低于多少时），或两个都写。"),
            )
        if low is not None and high is not None and low >= high:
            r.problem((*path, "min"), N_("min {low} 须小于 below {high}。"), low=low, high=high)
            continue
        blocks = r.get(t, path, "blocks_redemption", "bool", False)
        if first and name and balance and (low is not None or high is not None):
            result.append(Status(code, name, balance, low, high, blocks))
    return tuple(result)


def stars_on(r: Reader, raw: Any, codes: tuple[str, ...]) -> None:
    """[honours] stars_on names a declared balance (checked once the balances are read)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("stars_on"), str):
        return
    if raw["stars_on"] not in codes:
        r.unknown(("honours", "stars_on"), raw["stars_on"], codes, N_("积分编码"))


def veto(r: Reader, raw: Any) -> VetoPolicy:
    path = ("veto",)
    keys = ("bar_red_list_quarters", "bar_redemption_years", "star_drop_levels")
    table = r.table(raw, path, (*keys, "star_drop"))
    lowest = r.choice(table, path, "star_drop", ("lowest",)) == "lowest"
    if "star_drop" in table and "star_drop_levels" in table:
        r.problem(
            (*path, "star_drop"),
            N_(
                "star_drop（降到最低星级）和 star_drop_levels（降几级）只能写一个；请删去其中一个。"
            ),
        )
    return VetoPolicy(*(r.get(table, path, key, "count") for key in keys), lowest)


def honours(r: Reader, raw: Any, seen: dict) -> HonourPolicy:
    path = ("honours",)
    table = r.table(raw, path, ("scope", "names", "tiers", "stars", "period", "stars_on"))
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
        s = r.table(raw_star, spath, ("level", "min", "name"), required=("level", "min"))
        level, minimum = _star_level(r, s, spath), r.points(s, spath, "min")
        if level is not None and minimum is not None:
            stars.append(Star(level, minimum, r.get(s, spath, "name", "text", "")))
    checks.tiers(r, tiers, path)
    checks.stars(r, stars, path)
    return HonourPolicy(
        scope=r.choice(table, path, "scope", ("village", "group"), "village"),
        names=r.choice(table, path, "names", ("full", "masked"), "masked"),
        tiers=tuple(tiers),
        stars=tuple(sorted(stars, key=lambda s: -s.level)),
        period=r.choice(table, path, "period", PERIODS, "quarter"),
        stars_on=r.get(table, path, "stars_on", "text"),
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


def _star_level(r: Reader, table: dict, path: tuple) -> int | None:
    """A star level: a whole number, 0 (a named level below every star) or more."""
    value = table.get("level", MISSING)
    if value is MISSING:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10:
        return value
    r.problem(
        (*path, "level"),
        N_("星级 level 应为 0 到 10 的整数（0 表示没有星，可以起个名字），现在是 “{value}”。"),
        value=show_value(value),
    )
    return None


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
