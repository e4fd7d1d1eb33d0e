"""The full ledger for the archive: every entry in every status, every column, who recorded and
who reviewed it. Rows stream from the query through openpyxl's write-only mode, so memory stays
flat whatever the size of the ledger."""

from __future__ import annotations

from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from .cells import clean_text, ledger_sheet, needs_quote, text_cell, value_of
from .data import Archive

COLUMNS = (
    _l("编号"),
    _l("户号"),
    _l("户主"),
    _l("事项编码"),
    _l("积分事项"),
    _l("依据条款"),
    _l("发生日期"),
    _l("数量"),
    _l("申报分值"),
    _l("核定分值"),
    _l("状态"),
    _l("类型"),
    _l("冲正对象"),
    _l("限额说明"),
    _l("一票否决"),
    _l("来源"),
    _l("备注"),
    _l("录入人"),
    _l("录入账号"),
    _l("录入时间"),
    _l("审核人"),
    _l("审核时间"),
    _l("审核意见"),
)
WIDTHS = (9, 8, 10, 10, 28, 20, 12, 7, 9, 9, 8, 8, 9, 16, 12, 9, 20, 10, 10, 19, 10, 19, 20)


def write_archive(archive: Archive, stream: BinaryIO) -> int:
    """Write the archive as an .xlsx to a binary stream; returns the number of entries."""
    wb = Workbook(write_only=True)
    ws = ledger_sheet(wb, _("积分台账"), WIDTHS, COLUMNS)
    count = 0
    append = ws.append
    for count, values in enumerate(archive.rows, 1):  # noqa: B007 - count is read after the loop
        append([_archive_value(ws, v) for v in values])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    wb.save(stream)
    return count


def _archive_value(ws, value):
    # cells.cell() inlined: a million rows of 23 columns is where a function call shows.
    if value.__class__ is str:
        value = clean_text(value)
        return text_cell(ws, value) if needs_quote(value) else value
    if value is None or value.__class__ is int:
        return value
    return value_of(value)
