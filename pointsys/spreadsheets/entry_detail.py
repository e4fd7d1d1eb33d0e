"""The entry detail for the notice board (积分明细公示表): every approved entry of a month or a
quarter, by household then day, reversals marked 冲正. Rows are streamed (write-only)."""

from __future__ import annotations

from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook

from ..period_names import period_name_of
from . import style
from .cells import Table, cell, row
from .data import EntryDetail

COLUMNS = (
    _l("序号"),
    _l("户号"),
    _l("户主"),
    _l("积分事项"),
    _l("依据条款"),
    _l("发生日期"),
    _l("分值"),
    _l("备注"),
)
WIDTHS = (7, 9, 10, 30, 22, 13, 8, 16)
HEADER_ROW = 3


def period_name(code: str) -> str:
    """2026-07 → 2026年7月, 2026Q3 → 2026年第三季度 (period_names, the one place)."""
    return period_name_of(code)


def write_entry_detail(detail: EntryDetail, stream: BinaryIO) -> None:
    """Write the entry detail as an .xlsx to a binary stream."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(style.sheet_title(_("积分明细"), set()))
    looks = style.Looks(ws, "black")
    width = len(COLUMNS)
    style.set_widths(ws, WIDTHS)
    style.print_setup(ws, f"1:{HEADER_ROW}")
    ws.row_dimensions[1].height = 30
    heading = _(
        "%(village)s%(period)s积分明细公示表",
        village=detail.village_name,
        period=period_name(detail.period_code),
    )
    ws.append([cell(ws, heading, looks.title)])
    ws.append(
        [cell(ws, _("制表日期：%(day)s", day=style.chinese_date(detail.made_on)), looks.info)]
    )
    style.merge(ws, 1, width)
    style.merge(ws, 2, width)
    ws.append(row(ws, [str(c) for c in COLUMNS], looks.header))
    body = (
        looks.centre,
        looks.centre,
        looks.centre,
        looks.left,
        looks.left,
        looks.date,
        looks.number,
        looks.left,
    )
    table = Table(ws, body)
    count = 0
    reversal = _("冲正")
    for count, entry in enumerate(detail.rows, 1):
        remark = reversal if entry.reversal else ""
        table.append(
            (
                count,
                entry.number,
                entry.public_name,
                entry.item_title,
                entry.article,
                entry.occurred_on,
                entry.points,
                remark,
            )
        )
    last = HEADER_ROW + count
    if count == 0:
        last += 1
        ws.append(row(ws, [_("本期无已审核的积分记录")] + [None] * (width - 1), looks.centre))
        style.merge(ws, last, width)
    ws.append([])
    ws.append(row(ws, [None] * (width - 3) + [detail.committee_name], looks.signature))
    style.merge_range(ws, last + 2, width - 2, width)
    wb.save(stream)
