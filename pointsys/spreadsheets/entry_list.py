"""The entries page's export: the rows the page's filters select, one per entry, streamed through
openpyxl's write-only mode; every value goes through cells (text never a formula)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from .cells import ledger_sheet, row

COLUMNS = (
    _l("编号"),
    _l("行为日期"),
    _l("户号"),
    _l("户主"),
    _l("村民小组"),
    _l("事项编码"),
    _l("积分事项"),
    _l("数量或分值"),
    _l("申请分"),
    _l("实得分"),
    _l("状态"),
    _l("来源"),
    _l("提交编号"),
    _l("录入"),
    _l("录入时间"),
    _l("备注"),
    _l("审核意见"),
)
WIDTHS = (8, 12, 8, 10, 10, 10, 28, 9, 8, 8, 10, 10, 9, 10, 19, 20, 20)


def write_entry_list(rows: Iterable[tuple], stream: BinaryIO) -> int:
    """Write the rows (values in COLUMNS' order) as an .xlsx; returns how many were written."""
    wb = Workbook(write_only=True)
    ws = ledger_sheet(wb, _("积分记录"), WIDTHS, COLUMNS)
    count = 0
    for count, values in enumerate(rows, 1):  # noqa: B007 - count is read after the loop
        ws.append(row(ws, values))
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    wb.save(stream)
    return count
