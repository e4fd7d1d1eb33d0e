"""The look shared by every workbook: fonts, borders, colours, A4 page setup, column widths.

Looks are prepared once per sheet and copied onto each cell (openpyxl's style array), which keeps
a styled 10,000-row list about as fast as writing bare values.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from flask_babel import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

BODY_FONT = "宋体"  # SimSun: on every Chinese Windows, and WPS substitutes it elsewhere
TITLE_FONT = "黑体"  # SimHei
A4 = 9  # openpyxl's PAPERSIZE_A4
RED = "C00000"
RED_FILL = "FFE1E1"
GREY_FILL = "D9D9D9"

THIN = Side(style="thin", color="000000")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")


class Look:
    """A cell style prepared once for a worksheet and applied to many cells."""

    def __init__(self, ws, **attributes):
        scratch = WriteOnlyCell(ws)
        for name, value in attributes.items():
            setattr(scratch, name, value)
        self._array = scratch._style

    def apply(self, cell) -> None:
        cell._style = StyleArray(self._array)


class Looks:
    """The looks of a printed list on one sheet; `side` "red" or "black" colours its heading."""

    def __init__(self, ws, side: str = "black"):
        colour = RED if side == "red" else "000000"
        fill = RED_FILL if side == "red" else GREY_FILL
        self.title = Look(ws, font=Font(name=TITLE_FONT, size=18, bold=True), alignment=CENTRE)
        self.subtitle = Look(
            ws, font=Font(name=TITLE_FONT, size=15, bold=True, color=colour), alignment=CENTRE
        )
        self.info = Look(ws, font=Font(name=BODY_FONT, size=11), alignment=LEFT)
        self.header = Look(
            ws,
            font=Font(name=BODY_FONT, size=11, bold=True, color=colour),
            fill=PatternFill("solid", fgColor=fill),
            border=GRID,
            alignment=CENTRE,
        )
        self.centre = Look(ws, font=Font(name=BODY_FONT, size=11), border=GRID, alignment=CENTRE)
        self.left = Look(ws, font=Font(name=BODY_FONT, size=11), border=GRID, alignment=LEFT)
        self.number = Look(ws, font=Font(name=BODY_FONT, size=11), border=GRID, alignment=RIGHT)
        self.date = Look(
            ws,
            font=Font(name=BODY_FONT, size=11),
            border=GRID,
            alignment=CENTRE,
            number_format="yyyy-mm-dd",
        )
        self.signature = Look(ws, font=Font(name=BODY_FONT, size=12), alignment=RIGHT)


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: Chinese characters are twice as wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def set_widths(ws, widths) -> None:
    """Column widths in characters (a Chinese character counts two); before any row is written."""
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width


def fit_widths(headers, rows, minimum=6, maximum=40) -> list[float]:
    """Widths that fit the headers and the longest text of each column (Chinese counted double)."""
    widths = [display_width(str(h)) for h in headers]
    for row in rows:
        for index, value in enumerate(row):
            if value is not None:
                widths[index] = max(widths[index], display_width(str(value)))
    return [min(max(w + 2, minimum), maximum) for w in widths]


def print_setup(ws, title_rows: str, landscape: bool = False) -> None:
    """A4, fitted to the page width (as many pages tall as needed), heading rows repeated on
    every page, "第 N 页 共 M 页" in the footer: prints right without touching Excel or WPS."""
    ws.page_setup.paperSize = A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # 0: as many pages tall as the list needs
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.print_title_rows = title_rows
    ws.HeaderFooter.oddFooter.center.text = _("第 &P 页 共 &N 页")
    ws.HeaderFooter.oddFooter.center.size = 10


def chinese_date(day: date) -> str:
    return _("%(year)s年%(month)s月%(day)s日", year=day.year, month=day.month, day=day.day)


def merge(ws, row: int, columns: int) -> None:
    """Merge one row across the table's width (write-only sheets keep the range for the tail)."""
    ws.merged_cells.add(f"A{row}:{get_column_letter(columns)}{row}")


def sheet_title(name: str, taken: set[str]) -> str:
    """A worksheet name Excel accepts (≤31 characters, no []:*?/\\ and nothing unprintable, which
    XML cannot carry), unique in the workbook."""
    kept = (ch for ch in name if ch.isprintable())
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in kept).strip("'") or "Sheet"
    title, suffix = cleaned[:31], 2
    while title in taken:
        tail = f"({suffix})"
        title, suffix = cleaned[: 31 - len(tail)] + tail, suffix + 1
    taken.add(title)
    return title


def merge_range(ws, row: int, first: int, last: int) -> None:
    ws.merged_cells.add(f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row}")
