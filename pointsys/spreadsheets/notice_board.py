"""The honour lists for the notice board (公示栏): one A4 sheet per list, ready to print.

Written in openpyxl's write-only mode (styles, merged titles, print titles and page setup all
work there), so a 10,000-household list costs about what writing its bare cells costs.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook

from ..honour_lists import HonourList
from ..period_names import period_name, points_heading
from . import style
from .cells import Table, cell, row
from .data import NoticeBoard

POINTS_COLUMN = 4  # the period's points: 本季积分, 本月积分 … (period_names.points_heading)
COLUMNS = (
    _l("名次"),
    _l("户号"),
    _l("户主"),
    _l("村民小组"),
    _l("本季积分"),
    _l("累计积分"),
    _l("等级"),
    _l("备注"),
)
# A latest-deductions list (曝光台): entries, named by group or head as the tier says.
ENTRY_COLUMNS = (_l("序号"), _l("村民小组"), _l("扣分事项"), _l("日期"), _l("分值"))
HEAD_COLUMN = _l("户主")
HEADER_ROW = 4
# What an empty list prints: 本季度无 for a quarter, as it always has.
NOBODY = {
    "month": _l("本月无"),
    "two_months": _l("本期无"),
    "quarter": _l("本季度无"),
    "half_year": _l("本半年无"),
    "year": _l("本年无"),
}


def title(board: NoticeBoard) -> str:
    """E.g. 幸福村2026年第三季度积分红黑榜, with （第2版） or （草稿）."""
    text = _(
        "%(village)s%(period)s积分红黑榜",
        village=board.village_name,
        period=period_name(board.lists.period),
    )
    if board.issue is None:
        return text + _("（草稿）")
    if board.issue > 1:
        return text + _("（第%(issue)s版）", issue=board.issue)
    return text


def publicity_text(board: NoticeBoard) -> str:
    """The publicity period and where to object, under the title."""
    parts = []
    start = board.publicity_from or board.published_on
    if start and board.publicity_until:
        parts.append(
            _(
                "公示期：%(start)s至%(end)s。",
                start=style.chinese_date(start),
                end=style.chinese_date(board.publicity_until),
            )
        )
    if board.objections_to:
        parts.append(_("对名单有异议的，请在公示期内向%(whom)s反映。", whom=board.objections_to))
    if board.issue is None:
        parts.append(_("本表为草稿，尚未公布。"))
    return "".join(parts)


def write_notice_board(board: NoticeBoard, stream: BinaryIO) -> None:
    """Write the lists as an .xlsx to a binary stream: a sheet per list that has rows, in the
    lists' order, each row as the list gives it. A list nobody is on takes no sheet of paper:
    it is one line ("黄榜：本季度无") under the first sheet's table. Every sheet is as wide as
    the widest, so fit-to-width prints every list at the same scale."""
    wb = Workbook(write_only=True)
    taken: set[str] = set()
    qr_png = _qr_png(board.qr_url) if board.qr_url else None
    nobody = str(NOBODY[board.lists.period.kind])
    shown = [section for section in board.lists.lists if section.rows]
    empty = _("；").join(
        _("%(tier)s：%(nobody)s", tier=s.tier_name, nobody=nobody)
        for s in board.lists.lists
        if not s.rows
    )
    widths = _widths(board, shown)
    for index, honour_list in enumerate(shown):
        name = style.sheet_title(honour_list.tier_name, taken)
        note = empty if index == 0 else ""
        _write_section(wb, board, honour_list, name, qr_png, widths[index], note)
    if not shown:  # nobody on any list (or no tiers): one sheet, still titled and signed
        section = HonourList("", _("红黑榜"), "red", [])
        headers = _columns(board, section)
        plain = style.fit_widths(headers, (), minimum=8, maximum=30)
        _write_section(wb, board, section, "Sheet", qr_png, plain, "", empty or nobody)
    wb.save(stream)


def _widths(board: NoticeBoard, sections: list[HonourList]) -> list[list[float]]:
    """Each sheet's column widths: the lists of households share theirs (one column of 户主 as
    wide on every sheet), and every sheet is stretched to the widest sheet's total width."""
    households = [s for s in sections if not s.of_entries]
    shared = style.fit_widths(
        _columns(board, HonourList("", "", "red", [])),
        (
            (r.rank, r.number, r.public_name, r.group_name, "", "", r.tier_name, r.reason)
            for s in households
            for r in s.rows
        ),
        minimum=8,
        maximum=30,
    )
    widths = [
        style.fit_widths(
            _columns(board, s),
            ((r.rank, r.public_name, r.item_title, "2026年12月31日", "") for r in s.rows),
            minimum=8,
            maximum=30,
        )
        if s.of_entries
        else shared
        for s in sections
    ]
    widest = max((sum(w) for w in widths), default=0)
    return [[round(w * widest / sum(ws), 2) for w in ws] for ws in widths]


def notice_board_bytes(board: NoticeBoard) -> bytes:
    buffer = io.BytesIO()
    write_notice_board(board, buffer)
    return buffer.getvalue()


def _columns(board: NoticeBoard, section: HonourList) -> list[str]:
    if section.of_entries:
        headers = [str(c) for c in ENTRY_COLUMNS]
        if section.names != "group":
            headers[1] = str(HEAD_COLUMN)
        return headers
    headers = [str(c) for c in COLUMNS]
    headers[POINTS_COLUMN] = points_heading(board.lists.period)
    headers[POINTS_COLUMN + 1] = _(board.lists.balance_name)  # the balance it names
    return headers


def _cells(section: HonourList, entry) -> tuple:
    """A row's values, in the order of _columns()."""
    if section.of_entries:
        return (
            entry.rank,
            entry.public_name,
            entry.item_title,
            style.chinese_date(entry.occurred_on) if entry.occurred_on else "",
            entry.points,
        )
    return (
        entry.rank,
        entry.number,
        entry.public_name,
        entry.group_name or "",
        entry.points,
        entry.balance,
        entry.tier_name,
        entry.reason,
    )


def _write_section(
    wb,
    board: NoticeBoard,
    section: HonourList,
    name: str,
    qr_png,
    widths: list[float],
    note: str = "",
    nobody: str = "",
) -> None:
    """One list's sheet; `note` is a line under its table (the lists nobody is on), `nobody` what
    an empty table says."""
    ws = wb.create_sheet(name)
    looks = style.Looks(ws, section.side)
    headers = _columns(board, section)
    width = len(headers)
    style.set_widths(ws, widths)
    style.print_setup(ws, f"1:{HEADER_ROW}")
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[2].height = 24
    ws.row_dimensions[3].height = 36

    ws.append([cell(ws, title(board), looks.title)])
    ws.append([cell(ws, section.tier_name, looks.subtitle)])
    ws.append([cell(ws, publicity_text(board), looks.info)])
    for index in (1, 2, 3):
        style.merge(ws, index, width)
    ws.append(row(ws, headers, looks.header))

    if section.of_entries:
        body = (looks.centre, looks.centre, looks.left, looks.centre, looks.number)
    else:
        body = (
            looks.centre,
            looks.centre,
            looks.centre,
            looks.centre,
            looks.number,
            looks.number,
            looks.centre,
            looks.left,
        )
    table = Table(ws, body)
    for entry in section.rows:
        table.append(_cells(section, entry))
    last = HEADER_ROW + len(section.rows)
    for line in (nobody, note) if not section.rows else (note,):
        if line:
            last += 1
            ws.append(row(ws, [line] + [None] * (width - 1), looks.centre))
            style.merge(ws, last, width)

    ws.append([])
    signed = last + 2
    ws.append(row(ws, [None] * (width - 3) + [board.committee_name], looks.signature))
    style.merge_range(ws, signed, width - 2, width)
    day = board.published_on
    if day is not None:
        ws.append(row(ws, [None] * (width - 3) + [style.chinese_date(day)], looks.signature))
        style.merge_range(ws, signed + 1, width - 2, width)
    if qr_png is not None:
        _add_qr(ws, qr_png, board.qr_url, signed, looks)


def _qr_png(url: str) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=4, border=2)
    return buffer.getvalue()


def _add_qr(ws, png: bytes, url: str, at_row: int, looks) -> None:
    """The QR code to the online list beside the signature, with the link as text below it."""
    from openpyxl.drawing.image import Image

    image = Image(io.BytesIO(png))
    image.width = image.height = 96
    ws.add_image(image, f"A{at_row}")
    # Rows under the picture so the link prints below it, not over it.
    for _index in range(3):
        ws.append([])
    ws.append([cell(ws, _("扫码查看网上公示：%(url)s", url=url), looks.info)])
