"""Writing the roster: the empty template, and every household in the same layout (导出名册)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ...extensions import db
from ...models import Household, HouseholdStatus, Village
from ...spreadsheets import cells
from .. import registry
from .read import HOUSEHOLD_COLUMNS, HOUSEHOLD_SHEET, MEMBER_COLUMNS, MEMBER_SHEET


def _status_name(household: Household) -> str:
    return registry.STATUS_NAMES[HouseholdStatus(household.status)]


def _write_sheet(ws, headers: list[str], rows) -> None:
    """Headers and rows through spreadsheets.cells: a head named "=HYPERLINK(…)" is text."""
    ws.append(cells.row(ws, headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for index, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(10, len(header) * 2 + 4)
    # 户号 as text, so "001" keeps its zeros when a clerk types in the template.
    for row in rows:
        ws.append(cells.row(ws, row))
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
                h.registered_on.isoformat() if h.registered_on else None,
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
        notes.append(cells.row(notes, [line]))
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
