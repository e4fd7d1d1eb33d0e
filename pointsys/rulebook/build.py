"""Rulebook text → frozen Rulebook, or a RulebookError listing every problem found."""

from __future__ import annotations

from datetime import date
from types import MappingProxyType
from typing import Any

from . import checks, policies
from .messages import N_, RulebookError
from .model import (
    PERIODS,
    SCORING_KINDS,
    THRESHOLD_PERIODS,
    VETO_CONSEQUENCES,
    Category,
    HonourPolicy,
    Item,
    ItemVersion,
    Rulebook,
    Scoring,
    VetoPolicy,
)
from .reader import (
    DEFAULT_PRECISION,
    PRECISIONS,
    Reader,
    list_of,
    parse_toml,
    show_value,
    unique,
)

TOP = (
    "rulebook",
    "revisions",
    "account",
    "balances",
    "statuses",
    "veto",
    "honours",
    "plaque",
    "publicity",
    "categories",
    "shared_caps",
)
# Keys an item version may set; a [[...changes]] entry may change any of them from its date.
VERSIONED = (
    "title",
    "article",
    "evidence",
    "review",
    *SCORING_KINDS,
    "unit",
    "threshold_period",
    "quantity_from",
    "cap",
    "max_per_entry",
    "once_per",
    "veto",
)
ITEM_KEYS = ("code", "effective", "retired", "changes", *VERSIONED)
CHANGE_KEYS = ("effective", "note", *VERSIONED)


def loads(text: str, file: str = "<text>", *, stored: bool = False) -> Rulebook:
    """Parse and validate a rulebook; raises RulebookError with all problems, located.

    stored=True reads a snapshot already in force: checks added since it was stored (a reset on
    02-29) are not applied to it, so a rulebook that was loaded never becomes unreadable.
    """
    data = parse_toml(text, file)
    reader = Reader(text, file, stored=stored)
    rulebook = _rulebook(reader, data)
    if reader.problems:
        raise RulebookError(reader.located())
    return rulebook


def _rulebook(r: Reader, data: dict[str, Any]) -> Rulebook | None:
    r.table(data, (), TOP, required=("rulebook", "categories"))
    head = r.table(
        data.get("rulebook", {}),
        ("rulebook",),
        ("village", "name", "version", "effective", "precision"),
        required=("village", "name", "version", "effective"),
    )
    path = ("rulebook",)
    effective = r.get(head, path, "effective", "date") or date.min
    r.precision = _precision(r, head, path)  # before any points are read: it bounds them all
    items: dict[str, Item] = {}
    fed: list[tuple[str, str, tuple]] = []  # (item, quantity_from, where it is written)
    first_seen: dict[tuple, tuple] = {}
    veto = policies.veto(r, data.get("veto", {}))
    honours = policies.honours(r, data.get("honours", {}), first_seen)
    categories = []
    for ci, raw in enumerate(list_of(r, data, (), "categories")):
        cpath = ("categories", ci)
        table = r.table(raw, cpath, ("code", "name", "items"), required=("code", "name", "items"))
        code = r.get(table, cpath, "code", "text")
        unique(r, first_seen, ("category", code), (*cpath, "code"))
        codes = []
        for ii, raw_item in enumerate(list_of(r, table, cpath, "items")):
            ipath = (*cpath, "items", ii)
            raw_code = raw_item.get("code") if isinstance(raw_item, dict) else None
            # Checked before building the item: a duplicate is reported even if it has other faults.
            first = isinstance(raw_code, str) and unique(
                r, first_seen, ("item", raw_code), (*ipath, "code")
            )
            item = _item(r, raw_item, ipath, code or "", effective, veto, honours, fed)
            if item and first:
                items[item.code] = item
                codes.append(item.code)
        categories.append(
            Category(code or "", r.get(table, cpath, "name", "text") or "", tuple(codes))
        )
    shared = policies.shared_caps(r, data, items, first_seen)
    checks.quantity_sources(r, items, fed)
    balances, account = policies.balances(r, data, first_seen)
    codes = tuple(b.code for b in balances)
    policies.stars_on(r, data.get("honours"), codes)
    return Rulebook(
        village=r.get(head, path, "village", "text") or "",
        name=r.get(head, path, "name", "text") or "",
        version=str(head.get("version", "")),
        effective=effective,
        account=account,
        veto=veto,
        honours=honours,
        categories=tuple(categories),
        items=MappingProxyType(items),
        shared_caps=shared,
        revisions=policies.revisions(r, data, effective),
        precision=r.precision,
        plaque=policies.plaque(r, data.get("plaque", {})),
        publicity=policies.publicity(r, data.get("publicity")),
        balances=balances,
        statuses=policies.statuses(r, data, codes, first_seen),
    )


def _precision(r: Reader, head: dict, path: tuple) -> int:
    value = head.get("precision", DEFAULT_PRECISION)
    if isinstance(value, int) and not isinstance(value, bool) and value in PRECISIONS:
        return value
    r.problem(
        (*path, "precision"),
        N_(
            "precision 是积分保留的小数位数，只能是 0、1 或 2，现在是 “{value}”；"
            "一般写 1（如 0.5 分）。"
        ),
        value=show_value(value),
    )
    return DEFAULT_PRECISION


def _item(
    r: Reader,
    raw: Any,
    path: tuple,
    category: str,
    book_effective: date,
    veto: VetoPolicy,
    honours: HonourPolicy,
    fed: list[tuple[str, str, tuple]],
) -> Item | None:
    table = r.table(raw, path, ITEM_KEYS, required=("code", "title", "article"))
    code = r.get(table, path, "code", "text")
    effective = r.get(table, path, "effective", "date", book_effective)
    retired = r.get(table, path, "retired", "date")
    if effective < book_effective:
        r.problem(
            (*path, "effective"),
            N_("生效日期 {date} 早于细则的生效日期 {book}；请改为 {book} 或更晚。"),
            date=effective,
            book=book_effective,
        )
    if retired is not None and retired <= effective:
        r.problem(
            (*path, "retired"),
            N_("停用日期 {retired} 不晚于生效日期 {effective}；停用日期须在生效日期之后。"),
            retired=retired,
            effective=effective,
        )
        retired = None
    base = _version_fields(r, table, path, None)
    starts = [(effective, base, path, "")]
    previous = effective
    for ni, raw_change in enumerate(list_of(r, table, path, "changes")):
        npath = (*path, "changes", ni)
        change = r.table(raw_change, npath, CHANGE_KEYS, required=("effective", "note"))
        when = r.get(change, npath, "effective", "date")
        note = r.get(change, npath, "note", "text") or ""
        if when is None:
            continue
        if when <= previous:
            r.problem(
                (*npath, "effective"),
                N_(
                    "修订日期 {date} 不晚于上一版本的日期 {previous}；"
                    "各版本的日期须逐个递增，不能重叠。"
                ),
                date=when,
                previous=previous,
            )
            continue
        if retired is not None and when >= retired:
            r.problem(
                (*npath, "effective"),
                N_("修订日期 {date} 不早于停用日期 {retired}；事项停用后不能再修订。"),
                date=when,
                retired=retired,
            )
            continue
        merged = _version_fields(r, change, npath, starts[-1][1])
        starts.append((when, merged, npath, note))
        previous = when
    versions = []
    for index, (start, fields, vpath, note) in enumerate(starts):
        until = starts[index + 1][0] if index + 1 < len(starts) else retired
        scoring = _scoring(r, fields, vpath)
        if scoring is None or code is None:
            continue
        version = ItemVersion(
            code=code,
            category=category,
            title=fields.get("title", ""),
            article=fields.get("article", ""),
            evidence=fields.get("evidence", ""),
            review=fields.get("review", True),
            scoring=scoring,
            effective=start,
            until=until,
            caps=fields.get("cap", ()),
            max_per_entry=fields.get("max_per_entry"),
            once_per=fields.get("once_per"),
            veto=fields.get("veto", ()),
            note=note,
        )
        if scoring.quantity_from is not None:
            fed.append((code, scoring.quantity_from, fields["quantity_from"][1]))
        checks.caps_reachable(r, version, vpath)
        checks.veto_usage(r, version, vpath, veto, honours)
        versions.append(version)
    if code is None or len(versions) != len(starts):
        return None
    return Item(code, category, tuple(versions), retired)


def _version_fields(r: Reader, table: dict, path: tuple, previous: dict | None) -> dict:
    """The versioned fields a table sets, laid over the previous version's (a change's base)."""
    fields = dict(previous or {})
    if any(k in table for k in SCORING_KINDS):
        for key in (*SCORING_KINDS, "unit", "threshold_period", "quantity_from"):
            fields.pop(key, None)  # a new way of scoring replaces the old one entirely
    for key in ("title", "article", "evidence", "unit"):
        if key in table:
            fields[key] = r.get(table, path, key, "text", "")
    if "review" in table:
        fields["review"] = r.get(table, path, "review", "bool", True)
    for key in ("points", "per_unit", "per_member", "max_per_entry"):
        if key in table:
            fields[key] = r.points(table, path, key)
    for key in (
        "range",
        "bands",
        "thresholds",
        "threshold_period",
        "quantity_from",
        "levels",
        "value_bands",
    ):
        if key in table:
            fields[key] = (table[key], (*path, key))
    if "cap" in table:
        fields["cap"] = _caps(r, table, path)
    if "once_per" in table:
        fields["once_per"] = r.choice(table, path, "once_per", PERIODS)
    if "veto" in table:
        fields["veto"] = _veto_list(r, table, path)
    fields["_path"] = path
    return fields


def _caps(r: Reader, table: dict, path: tuple) -> tuple:
    raw = r.table(table["cap"], (*path, "cap"), PERIODS)
    caps = []
    for period in PERIODS:
        value = r.points(raw, (*path, "cap"), period)
        if value is None:
            continue
        if value <= 0:
            r.problem(
                (*path, "cap", period),
                N_("上限 {value} 必须大于 0（扣分事项也写正数，表示最多扣多少）。"),
                value=value,
            )
            continue
        caps.append((period, value))
    return tuple(caps)


def _veto_list(r: Reader, table: dict, path: tuple) -> tuple[str, ...]:
    values = r.get(table, path, "veto", "list", [])
    result = []
    for index, value in enumerate(values):
        if not isinstance(value, str):
            r.check(value, (*path, "veto", index), "text")
        elif value in VETO_CONSEQUENCES:
            result.append(value)
        else:
            r.unknown((*path, "veto", index), value, VETO_CONSEQUENCES, N_("一票否决后果"))
    return tuple(result)


def _scoring(r: Reader, fields: dict, path: tuple) -> Scoring | None:
    kinds = [k for k in SCORING_KINDS if k in fields]
    if len(kinds) != 1:
        r.problem(
            path,
            N_("每个版本须有且只有一种计分方式（{kinds} 之一），现在有 {count} 种。"),
            kinds=list(SCORING_KINDS),
            count=len(kinds),
        )
        return None
    kind = kinds[0]
    unit = fields.get("unit")
    if "quantity_from" in fields and kind != "thresholds":
        r.problem(
            fields["quantity_from"][1],
            N_(
                "quantity_from 只能用于按累计门槛计分（thresholds）的事项；"
                "这个事项是 {kind}，请删去 quantity_from。"
            ),
            kind=kind,
        )
        return None
    if kind in ("points", "per_unit", "per_member"):
        value = fields[kind]
        if value is None:
            return None
        # A veto item may carry no points: its effect is the veto (一票否决) itself.
        if value == 0 and not (kind == "points" and fields.get("veto")):
            r.problem(
                fields["_path"] + (kind,),
                N_(
                    "分值不能为 0；不计分的事项请删去"
                    "（只起一票否决作用的事项可以写 points = 0，并写明 veto）。"
                ),
            )
            return None
        return Scoring(kind, points=value, unit=unit)
    raw, vpath = fields[kind]
    if kind == "range":
        return checks.range_scoring(r, raw, vpath)
    if kind == "bands":
        return checks.band_scoring(r, raw, vpath, unit)
    if kind == "levels":
        return checks.level_scoring(r, raw, vpath)
    if kind == "value_bands":
        return checks.value_band_scoring(r, raw, vpath, unit)
    period = "year"
    if "threshold_period" in fields:
        praw, ppath = fields["threshold_period"]
        period = r.choice(
            {"threshold_period": praw}, ppath[:-1], "threshold_period", THRESHOLD_PERIODS, "year"
        )
    source = None
    if "quantity_from" in fields:
        sraw, spath = fields["quantity_from"]
        source = r.get({"quantity_from": sraw}, spath[:-1], "quantity_from", "text")
    return checks.threshold_scoring(r, raw, vpath, unit, period, source)
