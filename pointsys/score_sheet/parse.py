"""Read a filled-in score sheet: check it against its hidden page, turn filled cells into drafts.

Nothing is written. Every problem names its place the way a clerk sees it: the Excel row number,
the household's 户号, the column's header and the cell ("第 7 行（户号 012）“PUB-01 …”列（E7）").
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string

from .. import rules_store, uploads
from ..extensions import db
from ..ledger import Draft
from ..localtime import app_today
from ..models import Household, HouseholdStatus, Village, VillageGroup
from ..rulebook.messages import N_
from .layout import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    FIRST_ROW,
    FORMAT,
    HEADER_ROW,
    LEVEL,
    META_SHEET,
    TICK,
    TICKS,
    TITLE_ROW,
    Cell,
    ItemColumn,
    Problem,
    ScoreSheetError,
    in_sheet_order,
    kind_of,
)

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
META_ROWS = 100  # the hidden page has 9 rows and one per item (at most MAX_ITEMS)


def file_rows(max_rows: int) -> int:
    """Rows a sheet may have in the file, blank ones included: blank but formatted rows below
    the table are common, so ten times the rows that may be filled in (max_rows), and never
    fewer than the hidden page needs."""
    return 10 * max_rows + META_ROWS


@dataclass
class Parsed:
    """What an upload says: the drafts it would record (with their cells) or its problems."""

    sha256: str
    group: VillageGroup
    sheet_id: str
    on: date | None
    columns: list[ItemColumn]
    # The cells that are fine so far, as drafts: with problems elsewhere they are still checked
    # by the ledger (ranges, caps, once-per rules), so one upload reports every problem;
    # record() writes nothing while `problems` is not empty.
    drafts: list[Draft] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # Item columns not read (header edited, or scoring changed since the sheet was made): their
    # problem is at the header, and their cells cannot be trusted to mean that item.
    unread: set[int] = field(default_factory=set)

    @property
    def key(self) -> str:
        """The ledger submission key: the sheet and what is filled in it. Saving the same sheet
        again (new bytes, same content) replays; other content is another submission."""
        body = json.dumps([self.sheet_id, [d.canonical() for d in self.drafts]], ensure_ascii=False)
        return "sheet-" + hashlib.sha256(body.encode()).hexdigest()[:58]  # keys are ≤ 64


def parse(
    village: Village,
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Parsed:
    """Read an upload; ScoreSheetError if it is not a score sheet of this village at all."""
    if not data:
        raise ScoreSheetError(N_("文件是空的；请选择填好的评分表 .xlsx 文件。"))
    try:
        wb = uploads.open_workbook(data, max_bytes, max_rows=file_rows(max_rows))
    except uploads.UploadError as exc:
        raise ScoreSheetError(exc.message, **exc.params) from None
    try:
        meta = _read_meta(wb)
        group = _check_meta(village, meta)
        if meta["sheet"] not in wb.sheetnames:
            raise ScoreSheetError(
                N_("找不到“%(sheet)s”工作表（可能被改名或删除了）；请重新下载评分表。"),
                sheet=meta["sheet"],
            )
        # Bounded both ways: a cell at XFD or a jump to row 1,000,000 yields no more than this.
        rows = wb[meta["sheet"]].iter_rows(
            values_only=True, max_col=uploads.MAX_COLUMNS, max_row=file_rows(max_rows) + 1
        )
        parsed = Parsed(uploads.sha256(data), group, meta["sheet_id"], None, meta["columns"])
        _read_rows(village, parsed, meta, rows, max_rows)
    finally:
        wb.close()
    return parsed


def _read_meta(wb) -> dict[str, Any]:
    if META_SHEET not in wb.sheetnames:
        raise ScoreSheetError(
            N_(
                "这不是本系统生成的评分表（缺少隐藏的“%(sheet)s”页）；"
                "请在“评分表”页下载评分表，填好后再上传。"
            ),
            sheet=META_SHEET,
        )
    meta: dict[str, Any] = {"columns": []}
    for row in wb[META_SHEET].iter_rows(values_only=True, max_col=8, max_row=META_ROWS):
        values = ["" if v is None else str(v) for v in row]
        if not values or not values[0]:
            continue
        if values[0] == "column" and len(values) >= 6:
            meta["columns"].append(ItemColumn(*values[1:6]))
        elif values[0] == "fixed_headers" and len(values) >= 4:
            meta["fixed_headers"] = values[1:4]
        else:
            meta[values[0]] = values[1] if len(values) > 1 else ""
    needed = (
        "format",
        "village",
        "group",
        "sheet_id",
        "sheet",
        "date_cell",
        "rulebook_sha256",
        "fixed_headers",
    )
    if meta.get("format") != FORMAT or not all(meta.get(k) for k in needed) or not meta["columns"]:
        raise ScoreSheetError(
            N_("评分表的隐藏页“%(sheet)s”被改动过，无法核对；请重新下载评分表。"),
            sheet=META_SHEET,
        )
    return meta


def _check_meta(village: Village, meta: dict[str, Any]) -> VillageGroup:
    if meta["village"] != village.code:
        raise ScoreSheetError(
            N_("这张评分表是为编码“%(code)s”的村生成的，不能导入%(village)s。"),
            code=meta["village"],
            village=village.name,
        )
    group = db.session.execute(
        db.select(VillageGroup).filter_by(village_id=village.id, name=meta["group"])
    ).scalar_one_or_none()
    if group is None:
        raise ScoreSheetError(
            N_("评分表上的村民小组“%(group)s”在本村不存在（可能已改名）；请重新下载评分表。"),
            group=meta["group"],
        )
    return group


def _read_rows(village, parsed: Parsed, meta, rows, max_rows: int) -> None:
    date_letter, date_row = coordinate_from_string(meta["date_cell"])
    date_index = column_index_from_string(date_letter) - 1
    width = 3 + len(parsed.columns)
    filled: list[tuple[int, str, dict[int, Any], str]] = []  # (row, 户号, {column: value}, 备注)
    count = 0
    headers_seen = date_seen = False
    outside: list[Problem] = []
    for row_number, row in enumerate(rows, start=1):
        if row_number > file_rows(max_rows):
            raise ScoreSheetError(uploads.TOO_MANY_ROWS, max=f"{file_rows(max_rows):,}")
        row = tuple(row)
        if row_number == date_row == TITLE_ROW:
            date_seen = True
            value = row[date_index] if date_index < len(row) else None
            parsed.on = _date(parsed, meta["date_cell"], value)
        elif row_number == HEADER_ROW:
            headers_seen = any(_text(v) for v in row)
            _check_headers(parsed, meta["fixed_headers"], row, width)
        elif row_number >= FIRST_ROW and any(_text(v) for v in row):
            count += 1
            if count > max_rows:
                raise ScoreSheetError(
                    N_("评分表超过 %(max)s 行；请按村民小组分开填写后再上传。"), max=max_rows
                )
            outside.extend(_outside(row_number, row, width))
            cells = {i: row[i] for i in range(2, width - 1) if i < len(row) and _text(row[i])}
            note = _text(row[width - 1]) if width - 1 < len(row) else ""
            if cells:
                filled.append((row_number, _number(row[0]), cells, note))
    if not headers_seen:  # nothing else is worth saying about an emptied sheet
        parsed.problems[:] = [
            Problem(gettext("“%(sheet)s”工作表是空的；请重新下载评分表。", sheet=meta["sheet"]))
        ]
        return
    if not date_seen:
        _date(parsed, meta["date_cell"], None)
    # Every problem in one pass: without a (valid) date the cells are still read and checked,
    # against the rulebook in force today, so a clerk fixes the date and the cells at once.
    on = parsed.on or app_today()
    _check_kinds(village, parsed, on)
    parsed.problems.extend(outside)
    _cells_to_drafts(village, parsed, filled, on)
    parsed.problems[:] = in_sheet_order(parsed.problems)
    if not parsed.drafts and not parsed.problems:
        parsed.problems.append(Problem(gettext("评分表里没有填写任何分数；请填好后再上传。")))
    current = rules_store.in_force(village.code).snapshot
    if current is not None and current.sha256 != meta["rulebook_sha256"]:
        parsed.notices.append(
            gettext("这张评分表生成之后积分细则有过更新；本次按现行细则计分，请核对预览中的分数。")
        )


def _date(parsed: Parsed, ref: str, value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    row = coordinate_from_string(ref)[1]
    if not text:
        parsed.problems.append(
            Problem(
                gettext(
                    "%(cell)s “日期”：没有填写日期；请填写行为发生的日期，如 2026-08-03。",
                    cell=ref,
                ),
                ref,
                row,
                gettext("日期"),
                what=gettext("没有填写日期；请填写行为发生的日期，如 2026-08-03。"),
            )
        )
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    parsed.problems.append(
        Problem(
            gettext(
                "%(cell)s “日期”：“%(value)s” 不是日期；请写成 2026-08-03 这样。",
                cell=ref,
                value=text,
            ),
            ref,
            row,
            gettext("日期"),
            what=gettext("“%(value)s” 不是日期；请写成 2026-08-03 这样。", value=text),
        )
    )
    return None


def _check_headers(parsed: Parsed, fixed: list[str], row: tuple, width: int) -> None:
    expected = [fixed[0], fixed[1], *(c.header for c in parsed.columns), fixed[2]]
    for index in range(max(width, len(row))):
        found = _text(row[index]) if index < len(row) else ""
        ref = f"{get_column_letter(index + 1)}{HEADER_ROW}"
        if index >= width:
            if found:
                parsed.problems.append(
                    Problem(
                        gettext(
                            "%(cell)s 多了一列“%(found)s”；评分表不能增加列，"
                            "要记其他事项请重新下载评分表。",
                            cell=ref,
                            found=found,
                        ),
                        ref,
                        HEADER_ROW,
                        found,
                        what=gettext("多了一列；评分表不能增加列，要记其他事项请重新下载评分表。"),
                    )
                )
        elif _squash(found) != _squash(expected[index]):
            parsed.unread.add(index)
            parsed.problems.append(
                Problem(
                    gettext(
                        "%(cell)s 的表头被改动了：应为“%(expected)s”，现在是“%(found)s”。"
                        "请改回原样，或重新下载评分表。",
                        cell=ref,
                        expected=expected[index],
                        found=found,
                    ),
                    ref,
                    HEADER_ROW,
                    expected[index],
                    what=gettext(
                        "表头被改动了，现在是“%(found)s”。请改回原样，或重新下载评分表。",
                        found=found,
                    ),
                )
            )


def _check_kinds(village: Village, parsed: Parsed, on: date) -> None:
    """A column made for ticks cannot carry hours: the rulebook may have changed since."""
    current = rules_store.in_force(village.code)
    if not current.loaded:
        return
    rulebook = current.rulebook
    for index, column in enumerate(parsed.columns, start=2):
        version = rulebook.item_on(column.code, on)
        if version is not None and kind_of(version) != column.kind and index not in parsed.unread:
            parsed.unread.add(index)
            ref = f"{column.letter}{HEADER_ROW}"
            parsed.problems.append(
                Problem(
                    gettext(
                        "%(cell)s “%(column)s”：该事项在 %(on)s 的计分方式与评分表不同；"
                        "请按这个日期重新下载评分表。",
                        cell=ref,
                        column=column.name,
                        on=on.isoformat(),
                    ),
                    ref,
                    HEADER_ROW,
                    column.name,
                    what=gettext(
                        "该事项在 %(on)s 的计分方式与评分表不同；请按这个日期重新下载评分表。",
                        on=on.isoformat(),
                    ),
                )
            )


def _outside(row_number: int, row: tuple, width: int):
    for index in range(width, len(row)):
        if _text(row[index]):
            ref = f"{get_column_letter(index + 1)}{row_number}"
            yield (
                Problem(
                    gettext(
                        "第 %(row)s 行 %(cell)s 单元格在表格之外，不会被记录；"
                        "请删去，或填到对应事项的列里。",
                        row=row_number,
                        cell=ref,
                    ),
                    ref,
                    row_number,
                    get_column_letter(index + 1),
                    what=gettext("单元格在表格之外，不会被记录；请删去，或填到对应事项的列里。"),
                )
            )


def _cells_to_drafts(village: Village, parsed: Parsed, filled, on: date) -> None:
    numbers = {number for _, number, _, _ in filled if number}
    households = {
        h.number: h
        for h in db.session.execute(
            db.select(Household).where(
                Household.village_id == village.id, Household.number.in_(numbers)
            )
        ).scalars()
    }
    seen: dict[str, int] = {}
    for row_number, number, cells, note in filled:
        at = Cell(row_number, number, gettext("户号"), f"A{row_number}")
        household = households.get(number)
        if not number:
            parsed.problems.append(at.problem(gettext("没有填写户号。")))
            continue
        if number in seen:
            parsed.problems.append(
                at.problem(gettext("户号重复：第 %(first)s 行已经填过这一户。", first=seen[number]))
            )
            continue
        seen[number] = row_number
        if household is None:
            parsed.problems.append(at.problem(gettext("本村没有这个户号，请核对。")))
            continue
        if household.status != HouseholdStatus.ACTIVE.value:
            moved = household.status == HouseholdStatus.MOVED_OUT.value
            text = (
                gettext("这一户已迁出，不能再记分。")
                if moved
                else gettext("这一户已注销，不能再记分。")
            )
            parsed.problems.append(at.problem(text))
            continue
        if household.group_id != parsed.group.id:
            parsed.problems.append(
                at.problem(
                    gettext(
                        "这一户不属于“%(group)s”；请在该户所在小组的评分表里填写。",
                        group=parsed.group.name,
                    )
                )
            )
            continue
        for index, value in sorted(cells.items()):
            if index in parsed.unread:
                continue
            column = parsed.columns[index - 2]
            cell = Cell(row_number, number, column.name, f"{column.letter}{row_number}")
            if column.kind == LEVEL:
                # The level's name as written; a name the item lacks is refused by the ledger,
                # its message placed at this cell (row and column) like any other refusal.
                level, quantity = _text(value), None
            else:
                level, quantity = None, _cell_quantity(parsed, cell, column, value)
            if quantity is not False:
                parsed.drafts.append(
                    Draft(
                        household.id,
                        column.code,
                        on,
                        quantity,
                        note=note or None,
                        level=level,
                    )
                )
                parsed.cells.append(cell)


def _cell_quantity(parsed: Parsed, cell: Cell, column: ItemColumn, value: Any):
    """The draft's quantity (None for a tick), or False after reporting what is wrong."""
    shown = _text(value)
    if column.kind == TICK:
        is_one = isinstance(value, int | float) and not isinstance(value, bool) and value == 1
        if is_one or shown in TICKS:
            return None
        parsed.problems.append(
            cell.problem(
                gettext("“%(value)s” 不是打勾；得分请填 1 或 √，不得分请留空。", value=shown)
            )
        )
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    try:
        number = Decimal(shown) if isinstance(value, str) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        parsed.problems.append(
            cell.problem(gettext("“%(value)s” 不是数字；请只填数字，如 2 或 1.5。", value=shown))
        )
        return False
    return number


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    return str(value).strip()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)
