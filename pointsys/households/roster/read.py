"""Reading a roster (花名册) workbook: its two sheets, found by their headers, reduced to text.

Two sheets: 户 (one row per household) and 家庭成员 (one row per person, optional). Headers are
matched tolerantly and may sit below a title row. Reading never writes, and never looks at the
registry: that is planning's job (plan.py).
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from openpyxl.utils import get_column_letter, range_boundaries

from ... import uploads
from ...rulebook.messages import N_
from ...translated import TranslatedError

HOUSEHOLD_SHEET = "户"
MEMBER_SHEET = "家庭成员"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# Rows one sheet may have, blank ones included: a village has at most some 5,000 households and
# 20,000 people, and a million-row file would otherwise cost half a minute and half a gigabyte.
MAX_ROWS = 30_000
MAX_MERGED = 1000  # merged ranges reported per sheet: enough to show the clerk what to undo

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
    # Read for new households only: the day they have been 在册 since (blank: the import day).
    "registered_on": ("在册日期", ("登记日期", "入户日期", "在册时间", "登记时间")),
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
LINE_BREAKS = re.compile(r"\s*[\t\n\r]+\s*")


class RosterError(TranslatedError):
    """The upload cannot be read or imported at all; the message says how to fix the file.

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


def open_workbook(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES, max_rows: int = MAX_ROWS):
    """The workbook in an upload (read-only), or a RosterError saying how to fix the file."""
    if not data:
        raise RosterError(N_("文件是空的；请选择填好的名册 .xlsx 文件"))
    try:
        return uploads.open_workbook(data, max_bytes, max_rows=max_rows)
    except uploads.UploadError as exc:
        raise RosterError(exc.message, **exc.params) from None


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
    # A line break typed in a cell (Alt+Enter) is a space in the registry's one-line fields. No
    # other control character can reach here: XML cannot hold one, so openpyxl refuses the file.
    return LINE_BREAKS.sub(" ", str(value).strip())


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
    refs = re.finditer(rb'<mergeCell[^>]*\sref="([A-Z]+\d+:[A-Z]+\d+)"', tail)
    return [range_boundaries(r.group(1).decode()) for r in itertools.islice(refs, MAX_MERGED)]


PARSED_VERSION = 1  # bump when parsing changes, so a cached parse is not trusted across it
# A kept problem is [sheet, row, column, message id, blocking, params]; an older five-item one
# (its message already in Chinese, no params) reads back as it was written.


@dataclass
class Sheet:
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


def _find_sheet(
    wb, columns: dict, required: tuple[str, ...], skip: str | None, max_rows: int
) -> Sheet | None:
    for ws in wb.worksheets:
        if ws.title == skip:
            continue
        # Bounded both ways: a row at XFD or a jump to row 1,000,000 yields no more than this.
        rows = ws.iter_rows(values_only=True, max_col=uploads.MAX_COLUMNS, max_row=max_rows + 1)
        for number, row in enumerate(rows, start=1):
            if number > HEADER_SEARCH_ROWS:
                break
            found = _match_headers(row, columns)
            if all(r in found for r in required):
                return Sheet(ws.title, number, found, _texts(rows, number + 1, found, max_rows))
    return None


def _texts(rows, first: int, found: dict[str, int], max_rows: int) -> list[list]:
    """Each row as the text of the matched columns; None marks a row blank in every column."""
    indices = list(found.values())
    result: list[list] = []
    last_filled = 0
    for number, row in enumerate(rows, start=first):
        if number > max_rows:
            raise RosterError(uploads.TOO_MANY_ROWS, max=f"{max_rows:,}")
        blank = row.count(None) == len(row)  # the common case, without a Python loop
        if blank or not any(v is not None and (not isinstance(v, str) or v.strip()) for v in row):
            result.append([number, None])
            continue
        width = len(row)
        result.append([number, [_text(row[i]) if i < width else "" for i in indices]])
        last_filled = len(result)
    del result[last_filled:]  # Excel often keeps formatted, empty rows at the end
    return result


@dataclass
class Parsed:
    """What a roster file says, before any comparison with the registry."""

    sha256: str
    households: Sheet
    members: Sheet | None
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
            Sheet(**data["households"]),
            Sheet(**data["members"]) if data["members"] else None,
            [Problem(*p) for p in data["problems"]],
        )


def parse_roster(
    data: bytes, max_bytes: int = DEFAULT_MAX_BYTES, max_rows: int = MAX_ROWS
) -> Parsed:
    """Read an upload: its household sheet, member sheet (or None) and merged-cell problems."""
    wb = open_workbook(data, max_bytes, max_rows)
    try:
        households = _find_sheet(wb, HOUSEHOLD_COLUMNS, HOUSEHOLD_REQUIRED, None, max_rows)
        if households is None:
            raise RosterError(
                N_("没有找到名册表头：请在前 10 行内写上“户号”和“户主”两列（可下载模板对照）")
            )
        members = _find_sheet(wb, MEMBER_COLUMNS, MEMBER_REQUIRED, households.title, max_rows)
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
    return Parsed(uploads.sha256(data), households, members, problems)
