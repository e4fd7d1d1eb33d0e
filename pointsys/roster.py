"""The household roster (花名册) in Excel: read and check an upload, plan, apply; template; export.

Two sheets: 户 (one row per household) and 家庭成员 (one row per person, optional). Headers are
matched tolerantly and may sit below a title row. Reading never writes: `plan_import` lists what
would change and every problem by sheet, row and column; `apply_import` writes all of it or nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import gettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, range_boundaries
from sqlalchemy import insert

from . import audit
from . import households as registry
from .extensions import db
from .households import N_
from .localtime import app_today
from .models import (
    Household,
    HouseholdStatus,
    HouseholdStatusChange,
    HouseholdTag,
    Member,
    Village,
)

HOUSEHOLD_SHEET = "户"
MEMBER_SHEET = "家庭成员"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024

# field → (header written by the template and export, other headers villages use)
HOUSEHOLD_COLUMNS = {
    "number": ("户号", ("户编号", "编号", "户籍编号", "户代码")),
    "head_name": ("户主", ("户主姓名", "户主名", "户主名字")),
    "address": ("门牌地址", ("门牌", "门牌号", "地址", "住址", "家庭住址")),
    "group": ("村民小组", ("组别", "小组", "所属小组", "组", "所在小组")),
    "grid": ("网格", ("所属网格", "网格名称")),
    "phone": ("联系电话", ("电话", "手机", "手机号", "手机号码", "联系方式")),
    "tags": ("标签", ("户类别", "户标签", "类别")),
    "status": ("状态", ("户状态", "在册状态")),
}
MEMBER_COLUMNS = {
    "number": HOUSEHOLD_COLUMNS["number"],
    "name": ("姓名", ("成员姓名", "名字")),
    "relation": ("与户主关系", ("关系", "与户主的关系")),
    "sex": ("性别", ()),
    "birth_year": ("出生年份", ("出生年", "出生年月")),
    "party": ("党员", ("是否党员", "政治面貌")),
}
HOUSEHOLD_REQUIRED = ("number", "head_name")
MEMBER_REQUIRED = ("number", "name", "relation")
HEADER_SEARCH_ROWS = 10
YES = {"是", "党员", "中共党员", "Y", "y", "yes", "1", "√", "✓"}
NO = {"", "否", "群众", "N", "n", "no", "0"}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted .xlsx is an OLE2 container holding a stream of this name (UTF-16LE).
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")


class RosterError(registry.TranslatedError):
    """The upload cannot be read at all; the message says how to fix the file.

    Like RegistryError it keeps the Chinese message id and named parameters; str() translates.
    """


@dataclass(frozen=True, eq=True)
class Problem:
    """One problem in a roster, by sheet, row and column.

    `message` is the Chinese message id and `params` its named parameters: the text is translated
    only when shown (str()), so a parse kept as JSON between preview and commit holds no language.
    """

    sheet: str
    row: int | None
    column: str | None  # "C（村民小组）"
    message: str
    blocking: bool = True
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    @property
    def text(self) -> str:
        """The message alone, in the current language."""
        return gettext(self.message, **self.params)

    def __str__(self) -> str:
        values = {"sheet": self.sheet, "row": self.row, "column": self.column, "text": self.text}
        if self.row is not None and self.column:
            return gettext("「%(sheet)s」第 %(row)s 行 %(column)s 列：%(text)s", **values)
        if self.row is not None:
            return gettext("「%(sheet)s」第 %(row)s 行：%(text)s", **values)
        if self.column:
            return gettext("「%(sheet)s」 %(column)s 列：%(text)s", **values)
        return gettext("「%(sheet)s」：%(text)s", **values)


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


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_workbook(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES):
    """The workbook in an upload (read-only), or a RosterError saying how to fix the file."""
    if len(data) > max_bytes:
        raise RosterError(
            N_(
                "文件太大（%(size)s MB），上限为 %(limit)s MB；"
                "请删去无关的工作表、图片后再上传，或分批导入"
            ),
            size=f"{len(data) / 1048576:.1f}",
            limit=f"{max_bytes / 1048576:.0f}",
        )
    if not data:
        raise RosterError(N_("文件是空的；请选择填好的名册 .xlsx 文件"))
    if data.startswith(OLE2_MAGIC):
        if ENCRYPTION_STREAM in data:
            raise RosterError(
                N_(
                    "文件设置了打开密码，系统无法读取；"
                    "请在 Excel 中取消密码后另存为 .xlsx 格式再上传"
                )
            )
        raise RosterError(N_("这是旧版 Excel（.xls）文件；请另存为 .xlsx 格式后再上传"))
    if not data.startswith(b"PK\x03\x04"):
        if _looks_like_text(data):
            raise RosterError(
                N_(
                    "这是 CSV 或文本文件（只是扩展名改成了 .xlsx）；"
                    "请用 Excel 打开后另存为 .xlsx 格式再上传"
                )
            )
        raise RosterError(N_("无法识别的文件；请上传 Excel 2007 及以后版本保存的 .xlsx 文件"))
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a damaged archive
        raise RosterError(
            N_("文件已损坏，无法读取；请在 Excel 中打开检查后重新另存为 .xlsx 格式再上传")
        ) from None


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        return "\x00" not in text
    return False


def _norm_header(value: Any) -> str:
    text = _text(value)
    return re.sub(r"[\s*＊:：()（）]|必填", "", text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value).strip()


def _match_headers(row: tuple, columns: dict) -> dict[str, int]:
    aliases = {}
    for field_name, (main, others) in columns.items():
        for alias in (main, *others):
            aliases[alias] = field_name
    found: dict[str, int] = {}
    for index, value in enumerate(row):
        field_name = aliases.get(_norm_header(value))
        if field_name and field_name not in found:
            found[field_name] = index
    return found


def _merged_ranges(ws) -> list[tuple[int, int, int, int]]:
    """Merged ranges (min_col, min_row, max_col, max_row) of a read-only sheet.

    Read-only mode (the fast one) does not parse <mergeCells>, so read them from the sheet XML.
    """
    path = getattr(ws, "_worksheet_path", None)
    if path is None:
        return []
    with ws.parent._archive.open(path) as f:
        xml = f.read()
    tail = xml[xml.rfind(b"</sheetData>") :] if b"</sheetData>" in xml else xml
    refs = re.findall(rb'<mergeCell[^>]*\sref="([A-Z]+\d+:[A-Z]+\d+)"', tail)
    return [range_boundaries(r.decode()) for r in refs]


PARSED_VERSION = 1  # bump when parsing changes, so a cached parse is not trusted across it
# A kept problem is [sheet, row, column, message id, blocking, params]; an older five-item one
# (its message already in Chinese, no params) reads back as it was written.


@dataclass
class _Sheet:
    """One sheet, already reduced to text: JSON-able, so a preview's parse can be kept."""

    title: str
    header_row: int
    columns: dict[str, int]  # field → 0-based column in the workbook
    rows: list[list]  # [Excel row number, [text of each field in `columns` order]]; no blank tail

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "header_row": self.header_row,
            "columns": self.columns,
            "rows": self.rows,
        }


def _find_sheet(wb, columns: dict, required: tuple[str, ...], skip: str | None) -> _Sheet | None:
    for ws in wb.worksheets:
        if ws.title == skip:
            continue
        rows = ws.iter_rows(values_only=True)
        for number, row in enumerate(rows, start=1):
            if number > HEADER_SEARCH_ROWS:
                break
            found = _match_headers(row, columns)
            if all(r in found for r in required):
                return _Sheet(ws.title, number, found, _texts(rows, number + 1, found))
    return None


def _texts(rows, first: int, found: dict[str, int]) -> list[list]:
    """Each row as the text of the matched columns; None marks a row blank in every column."""
    indices = list(found.values())
    result: list[list] = []
    last_filled = 0
    for number, row in enumerate(rows, start=first):
        if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in row):
            result.append([number, None])
            continue
        width = len(row)
        result.append([number, [_text(row[i]) if i < width else "" for i in indices]])
        last_filled = len(result)
    del result[last_filled:]  # Excel often keeps formatted, empty rows at the end
    return result


def _column_label(sheet: _Sheet, columns: dict, field_name: str) -> str:
    return f"{get_column_letter(sheet.columns[field_name] + 1)}（{columns[field_name][0]}）"


@dataclass
class Parsed:
    """What a roster file says, before any comparison with the registry."""

    sha256: str
    households: _Sheet
    members: _Sheet | None
    problems: list[Problem]

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": PARSED_VERSION,
                "sha256": self.sha256,
                "households": self.households.to_json(),
                "members": self.members.to_json() if self.members else None,
                "problems": [
                    [p.sheet, p.row, p.column, p.message, p.blocking, p.params]
                    for p in self.problems
                ],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Parsed | None:
        data = json.loads(text)
        if data.get("version") != PARSED_VERSION:
            return None
        return cls(
            data["sha256"],
            _Sheet(**data["households"]),
            _Sheet(**data["members"]) if data["members"] else None,
            [Problem(*p) for p in data["problems"]],
        )


def parse_roster(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Parsed:
    """Read an upload: its household sheet, member sheet (or None) and merged-cell problems."""
    wb = open_workbook(data, max_bytes)
    try:
        households = _find_sheet(wb, HOUSEHOLD_COLUMNS, HOUSEHOLD_REQUIRED, None)
        if households is None:
            raise RosterError(
                N_("没有找到名册表头：请在前 10 行内写上“户号”和“户主”两列（可下载模板对照）")
            )
        members = _find_sheet(wb, MEMBER_COLUMNS, MEMBER_REQUIRED, households.title)
        problems = []
        for sheet in (households, members):
            if sheet is None:
                continue
            for min_col, min_row, max_col, max_row in _merged_ranges(wb[sheet.title]):
                if max_row <= sheet.header_row:
                    continue  # a merged title above the header is harmless
                cols = get_column_letter(min_col)
                if max_col != min_col:
                    cols += "–" + get_column_letter(max_col)
                problems.append(
                    Problem(
                        sheet.title,
                        min_row,
                        cols,
                        N_("第 %(first)s–%(last)s 行有合并单元格；请取消合并，并在每一行填写完整"),
                        params={"first": min_row, "last": max_row},
                    )
                )
    finally:
        wb.close()
    return Parsed(sha256(data), households, members, problems)


def _values(sheet: _Sheet, columns: dict, texts: list[str]) -> dict[str, str]:
    by_field = dict(zip(sheet.columns, texts, strict=True))
    return {f: by_field.get(f, "") for f in columns}


def _rows(sheet: _Sheet, problems: list[Problem]):
    """Filled rows; blank rows between data are reported (not blocking) and skipped."""
    for number, texts in sheet.rows:
        if texts is None:
            problems.append(Problem(sheet.title, number, None, N_("空行，已跳过"), blocking=False))
            continue
        yield number, texts


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

    def problem(field_name, message, **params):
        column = _column_label(sheet, cols, field_name) if field_name in sheet.columns else None
        plan.problems.append(Problem(sheet.title, row_number, column, message, params=params))

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
        plan.creates.append({"number": number, **wanted})
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

        def problem(field_name, message, row_number=row_number, **params):
            column = _column_label(sheet, cols, field_name) if field_name in sheet.columns else None
            plan.problems.append(Problem(sheet.title, row_number, column, message, params=params))

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


def apply_import(village: Village, plan: Plan, *, actor) -> dict[str, int]:
    """Write a checked plan in the caller's transaction; refuse if it has blocking problems."""
    if plan.blocking:
        raise RosterError(
            N_("名册还有 %(count)s 处问题，改正后重新上传；本次未导入任何数据"),
            count=len(plan.blocking),
        )
    groups = {g.name: g for g in registry.groups_of(village)}
    today = app_today()
    _bulk_create(village, plan, groups, actor, today)
    created = plan_numbers(plan)
    existing = {
        h.number: h
        for h in db.session.execute(
            db.select(Household).where(
                Household.village_id == village.id,
                Household.number.in_(
                    [r["number"] for r in plan.updates]
                    + [n for n in plan.member_sets if n not in created]
                ),
            )
        ).scalars()
    }
    for row in plan.updates:
        household = existing[row["number"]]
        changes = dict(row["changes"])
        status = changes.pop("status", None)
        if "group" in changes:
            changes["group"] = groups.get(changes["group"]) if changes["group"] else None
        if changes:
            registry.update_household(household, actor=actor, **changes)
        if status:
            registry.change_status(
                household, HouseholdStatus(status), on=today, actor=actor, reason="名册导入"
            )
    for number, people in plan.member_sets.items():
        household = existing.get(number)
        if household is None:
            continue  # created above, members and all
        before = [registry.member_values(m) for m in household.members]
        household.members = [Member(**person) for person in people]
        db.session.flush()
        audit.record(
            "set_members",
            "household",
            household.id,
            actor=actor,
            before={"members": before},
            after={"members": people},
        )
    return {
        "created": len(plan.creates),
        "updated": len(plan.updates),
        "members": len(plan.member_sets),
        "unchanged": plan.unchanged,
    }


def plan_numbers(plan: Plan) -> set[str]:
    """Household numbers the plan creates."""
    return {row["number"] for row in plan.creates}


def _bulk_create(village: Village, plan: Plan, groups, actor, today: date) -> None:
    """New households in a few multi-row INSERTs (a village roster has thousands of rows).

    Same rows as households.create_household makes one at a time: the columns come from the
    same function, and each household gets its members, tags, status history and audit event.
    """
    if not plan.creates:
        return
    values = []
    for row in plan.creates:
        columns = registry.household_columns(
            village.id,
            number=row["number"],
            head_name=row["head_name"],
            address=row["address"],
            grid=row["grid"],
            phone=row["phone"],
            on=today,
            status=row["status"],
        )
        columns["group_id"] = groups[row["group"]].id if row["group"] else None
        columns["created_at"] = columns["plaque_token_rotated_at"]
        values.append(columns)
    ids = db.session.scalars(
        insert(Household).returning(Household.id, sort_by_parameter_order=True), values
    ).all()
    members, tags, history, events = [], [], [], []
    for household_id, row in zip(ids, plan.creates, strict=True):
        people = plan.member_sets.get(row["number"]) or [
            {
                "name": row["head_name"],
                "relation": "户主",
                "sex": None,
                "birth_year": None,
                "is_party_member": False,
            }
        ]
        members.extend({"household_id": household_id, **p} for p in people)
        tags.extend({"household_id": household_id, "name": t} for t in row["tags"])
        history.append(
            {
                "household_id": household_id,
                "status": row["status"],
                "effective_on": today,
                "reason": "名册导入",
            }
        )
        after = {k: row[k] for k in ("number", "head_name", "address", "group", "grid", "phone")}
        after.update(tags=row["tags"], status=row["status"], members=len(people))
        events.append(
            {"action": "create", "obj_type": "household", "obj_id": household_id, "after": after}
        )
    db.session.execute(insert(Member), members)
    if tags:
        db.session.execute(insert(HouseholdTag), tags)
    db.session.execute(insert(HouseholdStatusChange), history)
    audit.record_many(events, actor=actor)


def _status_name(household: Household) -> str:
    return registry.STATUS_NAMES[HouseholdStatus(household.status)]


def _write_sheet(ws, headers: list[str], rows) -> None:
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for index, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(10, len(header) * 2 + 4)
    # 户号 as text, so "001" keeps its zeros when a clerk types in the template.
    for row in rows:
        ws.append(row)
    for cell in ws["A"]:
        cell.number_format = "@"
    ws.freeze_panes = "A2"


def workbook_bytes(village: Village, households: list[Household]) -> bytes:
    """A roster workbook in the template's layout; with no households it is the template."""
    wb = Workbook()
    ws = wb.active
    ws.title = HOUSEHOLD_SHEET
    _write_sheet(
        ws,
        [main for main, _ in HOUSEHOLD_COLUMNS.values()],
        (
            [
                h.number,
                h.head_name,
                h.address,
                h.group.name if h.group else None,
                h.grid,
                h.phone,
                "、".join(h.tags) or None,
                _status_name(h),
            ]
            for h in households
        ),
    )
    _write_sheet(
        wb.create_sheet(MEMBER_SHEET),
        [main for main, _ in MEMBER_COLUMNS.values()],
        (
            [
                h.number,
                m.name,
                m.relation,
                registry.SEX_NAMES.get(m.sex or ""),
                m.birth_year,
                "是" if m.is_party_member else "否",
            ]
            for h in households
            for m in h.members
        ),
    )
    notes = wb.create_sheet("填写说明")
    for line in (
        f"{village.name} 农户名册。每户一行填在「{HOUSEHOLD_SHEET}」表；"
        f"家庭成员每人一行填在「{MEMBER_SHEET}」表（可不填）。",
        "户号、户主必填；户号在本村唯一，同一户号再次导入会更新该户，不会重复创建。",
        "村民小组须是系统中已有的小组名称；状态填 在册、迁出 或 注销（空白即在册）。",
        "标签可填多个，用顿号分隔，如：军属、低保户。联系电话填 11 位手机号或带区号的座机号。",
        "不要合并单元格；不要填写身份证号码。请保存为 .xlsx 格式。",
    ):
        notes.append([line])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def export_households(village: Village) -> bytes:
    """Every household of the village, in the import template's layout."""
    households = list(
        db.session.execute(
            db.select(Household)
            .filter_by(village_id=village.id)
            .options(
                db.selectinload(Household.members),
                db.selectinload(Household.tag_rows),
                db.joinedload(Household.group),
            )
            .order_by(Household.number)
        ).scalars()
    )
    return workbook_bytes(village, households)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    tmp.write_bytes(data)
    tmp.replace(path)  # atomic: a concurrent commit never reads half a file


KEEP_UPLOADS_SECONDS = 2 * 24 * 3600  # a preview older than two days must be uploaded again


def _forget_old_uploads(folder: Path) -> None:
    cutoff = time.time() - KEEP_UPLOADS_SECONDS
    for path in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):  # another worker may have removed it
            if path.stat().st_mtime < cutoff:
                path.unlink()


def store_upload(directory: str, data: bytes, parsed: Parsed | None = None) -> str:
    """Keep an upload (and its parse) between preview and commit, named by its sha256."""
    digest = sha256(data)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    _forget_old_uploads(folder)
    if not (folder / f"{digest}.xlsx").exists():
        _write_atomic(folder / f"{digest}.xlsx", data)
    if parsed is not None:
        _write_atomic(folder / f"{digest}.v{PARSED_VERSION}.json", parsed.to_json().encode())
    return digest


def load_upload(directory: str, digest: str) -> bytes:
    """The stored upload with this hash, checked again, or a RosterError."""
    if not re.fullmatch(r"[0-9a-f]{64}", digest or ""):
        raise RosterError(N_("预览已失效，请重新上传名册"))
    path = Path(directory) / f"{digest}.xlsx"
    if not path.exists():
        raise RosterError(N_("预览已失效，请重新上传名册"))
    data = path.read_bytes()
    if sha256(data) != digest:
        raise RosterError(N_("保存的名册文件已被改动，请重新上传"))
    return data


def load_parsed(directory: str, digest: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Parsed:
    """The stored upload's parse: the one the preview kept, or (if missing) parsed again.

    The parse depends only on the file's bytes (checked by hash) and PARSED_VERSION, so reusing it
    is the same as re-reading the workbook, at a fraction of the cost.
    """
    data = load_upload(directory, digest)
    cached = Path(directory) / f"{digest}.v{PARSED_VERSION}.json"
    if cached.exists():
        parsed = Parsed.from_json(cached.read_text(encoding="utf-8"))
        if parsed is not None and parsed.sha256 == digest:
            return parsed
    return parse_roster(data, max_bytes)


def preview_upload(
    village: Village, data: bytes, directory: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[str, Plan]:
    """Request 1: read and check the upload, keep it, and say what an import would do."""
    parsed = parse_roster(data, max_bytes)
    plan = plan_parsed(village, parsed)
    return store_upload(directory, data, parsed), plan


def commit_upload(
    village: Village,
    directory: str,
    file_sha256: str,
    digest: str,
    *,
    actor,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> dict[str, int]:
    """Request 2: plan the kept file against the registry as it is now; write only if the plan
    is exactly the one previewed (same file, same changes, same values replaced)."""
    plan = plan_parsed(village, load_parsed(directory, file_sha256, max_bytes))
    if plan.digest != digest:
        raise RosterError(N_("预览之后户籍数据有了变化；请重新上传名册，核对预览后再导入"))
    return apply_import(village, plan, actor=actor)
