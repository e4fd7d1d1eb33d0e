"""Planning a roster import: what it would create and change, and every problem in the file.

Compares a parsed roster (read.py) with the registry as it is now; nothing is written. A Plan's
digest pins it, so the commit writes exactly what the clerk previewed (apply.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl.utils import get_column_letter

from ...extensions import db
from ...localtime import app_today
from ...models import Household, HouseholdStatus, Village
from ...rulebook.messages import N_
from .. import registry
from .read import (
    DEFAULT_MAX_BYTES,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    MEMBER_COLUMNS,
    Parsed,
    Problem,
    Sheet,
    parse_roster,
)

YES = {"是", "党员", "中共党员", "Y", "y", "yes", "1", "√", "✓"}
NO = {"", "否", "群众", "N", "n", "no", "0"}


@dataclass
class Plan:
    """What an import would do; `digest` pins it so the commit does exactly what was previewed."""

    file_sha256: str
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)  # {"number", "changes", ...}
    member_sets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]

    @property
    def digest(self) -> str:
        body = json.dumps(
            [self.file_sha256, self.creates, self.updates, self.member_sets],
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(body.encode()).hexdigest()


def _values(sheet: Sheet, columns: dict, texts: list[str]) -> dict[str, str]:
    by_field = dict(zip(sheet.columns, texts, strict=True))
    return {f: by_field.get(f, "") for f in columns}


def _rows(sheet: Sheet, problems: list[Problem]):
    """Filled rows; blank rows between data are reported (not blocking) and skipped."""
    for number, texts in sheet.rows:
        if texts is None:
            problems.append(Problem(sheet.title, number, None, N_("空行，已跳过"), blocking=False))
            continue
        yield number, texts


def _reporter(plan: Plan, sheet: Sheet, columns: dict, row_number: int):
    """problem(field, message, **params): adds a problem at that field's cell of this row."""

    def problem(field_name: str, message: str, **params) -> None:
        column = None
        if field_name in sheet.columns:
            letter = get_column_letter(sheet.columns[field_name] + 1)
            column = f"{letter}（{columns[field_name][0]}）"
        plan.problems.append(Problem(sheet.title, row_number, column, message, params=params))

    return problem


def plan_import(village: Village, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Plan:
    """Check an upload against the registry; nothing is written."""
    return plan_parsed(village, parse_roster(data, max_bytes))


def plan_parsed(village: Village, parsed: Parsed) -> Plan:
    """Compare a parsed roster with the registry as it is now; nothing is written."""
    hh_sheet, member_sheet = parsed.households, parsed.members
    plan = Plan(file_sha256=parsed.sha256, problems=list(parsed.problems))
    groups = {g.name: g for g in registry.groups_of(village)}
    existing = {
        h.number: h
        for h in db.session.execute(
            db.select(Household)
            .filter_by(village_id=village.id)
            .options(db.selectinload(Household.tag_rows), db.joinedload(Household.group))
        ).scalars()
    }
    seen: dict[str, int] = {}
    for number, row in _rows(hh_sheet, plan.problems):
        _plan_household(plan, hh_sheet, number, row, village, groups, existing, seen)
    if member_sheet is not None:
        _plan_members(plan, member_sheet, existing, seen)
    return plan


def _plan_household(plan, sheet, row_number, row, village, groups, existing, seen) -> None:
    cols = HOUSEHOLD_COLUMNS
    problem = _reporter(plan, sheet, cols, row_number)
    values = _values(sheet, cols, row)
    number = values["number"]
    if not number:
        problem("number", N_("缺少户号"))
        return
    if number in seen:
        problem(
            "number", N_("户号 %(number)s 与第 %(row)s 行重复"), number=number, row=seen[number]
        )
        return
    seen[number] = row_number
    ok = True
    if not values["head_name"]:
        problem("head_name", N_("缺少户主姓名"))
        ok = False
    if values["group"] and values["group"] not in groups:
        if groups:
            problem(
                "group",
                N_("村民小组“%(group)s”不存在；现有小组：%(known)s"),
                group=values["group"],
                known="、".join(groups),
            )
        else:
            problem(
                "group",
                N_("村民小组“%(group)s”不存在；尚未添加任何小组"),
                group=values["group"],
            )
        ok = False
    try:
        values["phone"] = registry.normalise_phone(values["phone"]) or ""
    except registry.RegistryError as exc:
        problem("phone", exc.message, **exc.params)
        ok = False
    status = registry.STATUS_BY_NAME.get(values["status"] or "在册")
    if status is None:
        problem(
            "status",
            N_("状态“%(status)s”无法识别；应为 在册、迁出 或 注销"),
            status=values["status"],
        )
        ok = False
    try:
        tags = registry.split_tags(values["tags"])
    except registry.RegistryError as exc:
        problem("tags", exc.message, **exc.params)
        ok = False
    registered_on = _day(values.get("registered_on") or "")
    if registered_on is False:
        problem(
            "registered_on",
            N_("在册日期“%(value)s”不对；应为 2019-05-01 这样的日期，或留空（按导入当天）"),
            value=values["registered_on"],
        )
        ok = False
    elif registered_on is not None:
        try:
            registry.registration_day(registered_on)
        except registry.RegistryError as exc:
            problem("registered_on", exc.message, **exc.params)
            ok = False
    if not ok:
        return
    wanted = {
        "head_name": values["head_name"],
        "address": values["address"] or None,
        "group": values["group"] or None,
        "grid": values["grid"] or None,
        "phone": values["phone"] or None,
        "tags": tags,
        "status": status.value,
    }
    household = existing.get(number)
    if household is None:
        since = registered_on.isoformat() if registered_on else None
        plan.creates.append({"number": number, **wanted, "registered_on": since})
        return
    current = registry.snapshot(household)
    # Columns missing from the file are left as they are, not cleared.
    changes = {k: v for k, v in wanted.items() if k in sheet.columns and current[k] != v}
    if not changes:
        plan.unchanged += 1
        return
    if not household.is_active:
        if household.status == HouseholdStatus.MOVED_OUT.value:
            message = N_("户号 %(number)s 已迁出，记录只读，名册中不能修改")
        else:
            message = N_("户号 %(number)s 已注销，记录只读，名册中不能修改")
        problem("number", message, number=number)
        return
    if changes.get("status") == HouseholdStatus.ACTIVE.value:
        changes.pop("status")
    # The values replaced are part of the plan (and its digest): a commit must not overwrite an
    # edit made after the preview without the clerk seeing it.
    plan.updates.append(
        {"number": number, "changes": changes, "before": {k: current[k] for k in changes}}
    )


def _plan_members(plan, sheet, existing, household_rows) -> None:
    cols = MEMBER_COLUMNS
    wanted: dict[str, list[dict[str, Any]]] = {}
    for row_number, row in _rows(sheet, plan.problems):
        problem = _reporter(plan, sheet, cols, row_number)
        values = _values(sheet, cols, row)
        number = values["number"]
        if not number:
            problem("number", N_("缺少户号"))
            continue
        if number not in household_rows and number not in existing:
            problem(
                "number",
                N_("户号 %(number)s 不在「%(sheet)s」表中，系统里也没有这一户"),
                number=number,
                sheet=HOUSEHOLD_SHEET,
            )
            continue
        missing = [f for f in ("name", "relation") if not values[f]]
        for f in missing:
            problem(f, N_("缺少姓名") if f == "name" else N_("缺少与户主关系"))
        sex = registry.SEX_BY_NAME.get(values["sex"]) if values["sex"] else None
        if values["sex"] and sex is None:
            problem("sex", N_("性别“%(sex)s”无法识别；应为 男 或 女"), sex=values["sex"])
            missing.append("sex")
        birth_year = None
        if values["birth_year"]:
            match = re.match(r"^(\d{4})", values["birth_year"])
            if not match or not 1900 <= int(match.group(1)) <= app_today().year:
                problem(
                    "birth_year",
                    N_("出生年份“%(year)s”不对；应为四位年份，如 1968"),
                    year=values["birth_year"],
                )
                missing.append("birth_year")
            else:
                birth_year = int(match.group(1))
        party = values["party"]
        if party not in YES and party not in NO:
            problem("party", N_("党员一栏“%(party)s”无法识别；填 是 或 否"), party=party)
            missing.append("party")
        if missing:
            continue
        wanted.setdefault(number, []).append(
            {
                "name": values["name"],
                "relation": values["relation"],
                "sex": sex,
                "birth_year": birth_year,
                "is_party_member": party in YES,
            }
        )
    for number, people in wanted.items():
        household = existing.get(number)
        if household is not None:
            current = [registry.member_values(m) for m in household.members]
            if current == people:
                continue
            if not household.is_active:
                plan.problems.append(
                    Problem(
                        sheet.title,
                        None,
                        None,
                        N_("户号 %(number)s 已不在册，成员不能修改"),
                        params={"number": number},
                    )
                )
                continue
        plan.member_sets[number] = people


def _day(text: str) -> date | bool | None:
    """A day as villages write it (2019-05-01, 2019/5/1, 2019.5.1, 2019年5月1日); None when
    blank, False when it is not a day."""
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if not match:
        return False
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        return False
