"""A household's statement for a year (家庭积分账户明细): opening balance, every approved entry
with the balance after it, closing balance."""

from __future__ import annotations

from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook

from . import style
from .cells import Table, cell, row
from .data import Statement

COLUMNS = (
    _l("日期"),
    _l("积分事项"),
    _l("依据条款"),
    _l("分值"),
    _l("余额"),
    _l("备注"),
)
WIDTHS = (13, 30, 22, 9, 10, 18)
HEADER_ROW = 4


def closing_label(statement: Statement) -> str:
    """年末余额 once the year is over; before that the balance is only as of the day printed
    (issue 17: a statement printed on 24 November said 年末余额)."""
    if statement.made_on.year > statement.year:
        return _("年末余额")
    return _(
        "截至 %(month)s 月 %(day)s 日余额",
        month=statement.made_on.month,
        day=statement.made_on.day,
    )


def write_statement(statement: Statement, stream: BinaryIO) -> None:
    """Write the statement as an .xlsx to a binary stream."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(style.sheet_title(statement.number, set()))
    looks = style.Looks(ws, "black")
    width = len(COLUMNS)
    style.set_widths(ws, WIDTHS)
    style.print_setup(ws, f"1:{HEADER_ROW}")
    ws.row_dimensions[1].height = 30
    heading = _(
        "%(village)s%(year)s年度家庭积分账户明细",
        village=statement.village_name,
        year=statement.year,
    )
    who = _(
        "户号：%(number)s　户主：%(head)s　村民小组：%(group)s",
        number=statement.number,
        head=statement.head_name,
        group=statement.group_name or "—",
    )
    made = _("制表日期：%(day)s", day=style.chinese_date(statement.made_on))
    ws.append([cell(ws, heading, looks.title)])
    ws.append([cell(ws, who, looks.info)])
    ws.append([cell(ws, made, looks.info)])
    for index in (1, 2, 3):
        style.merge(ws, index, width)
    headers = [str(c) for c in COLUMNS]
    if statement.balance_name:  # which balance runs down the column: 年度积分, not just 余额
        headers[4] = statement.balance_name
    ws.append(row(ws, headers, looks.header))
    body = (looks.date, looks.left, looks.left, looks.number, looks.number, looks.left)
    table = Table(ws, body)
    table.append((None, _("年初余额"), "", None, statement.opening_balance, ""))
    for entry in statement.rows:
        remarks = []
        if entry.reversal:
            remarks.append(_("冲正"))
        if entry.number and entry.number != statement.number:
            remarks.append(_("原%(number)s户", number=entry.number))
        values = (
            entry.occurred_on,
            entry.item_title,
            entry.article,
            entry.points,
            entry.balance,
            "；".join(remarks),
        )
        table.append(values)
    closing = statement.closing_balance
    if closing is None:
        closing = statement.rows[-1].balance if statement.rows else statement.opening_balance
    table.append((None, closing_label(statement), "", None, closing, ""))
    last = HEADER_ROW + len(statement.rows) + 2
    ws.append([])
    ws.append(row(ws, [None] * (width - 3) + [statement.committee_name], looks.signature))
    style.merge_range(ws, last + 2, width - 2, width)
    wb.save(stream)
