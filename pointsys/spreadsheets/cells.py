"""Cells: the one way every workbook writes a value, so no stored text breaks a file or runs.

Every workbook pointsys writes — the print-ready ones here, the roster, the score sheet and the
audit trail's export — puts its values through this module:

- **Text is never a formula.** Excel, WPS and LibreOffice run a cell that starts with = (and
  + - @, tab or CR, which they turn into formulas when the cell is edited): a household named
  "=cmd|' /C calc'!A0" must print as that text. Such text is written as a string cell (type "s",
  never "f") with the quote prefix — what typing ' before it in Excel does, so editing the cell
  keeps it text and nothing shows the apostrophe. Text that reads as an error value (#N/A) is
  kept text the same way. Numbers, negative points included, stay numbers.
- **Any stored text can be written.** An xlsx is XML: control characters (other than tab, line
  feed and CR), lone surrogates and U+FFFE/U+FFFF cannot be in it, and openpyxl or lxml refuse
  the whole file over one of them. They are dropped (they show as nothing anyway), and text is cut
  to the 32,767 characters a cell holds.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES

from . import style

# Leading characters that make Excel, WPS or LibreOffice read text as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CELL_MAX = 32_767  # characters a cell holds
# What XML 1.0 cannot carry: C0 controls but tab/LF/CR, surrogates, U+FFFE and U+FFFF.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def needs_quote(text: str) -> bool:
    """Text a spreadsheet would take for a formula or an error value unless written as text."""
    return text.startswith(FORMULA_STARTS) or text in ERROR_CODES


def clean_text(text: str) -> str:
    """Text as a cell can hold it: characters XML cannot carry dropped, cut to CELL_MAX."""
    if not text.isprintable():  # fast check: true for ordinary text, Chinese included
        text = NOT_XML.sub("", text)
    return text if len(text) <= CELL_MAX else text[:CELL_MAX]


def value_of(value):
    """A value as a cell holds it: Decimals as numbers (points have two decimals at most), dates
    as dates, aware datetimes as naive UTC (Excel has no time zones), anything else as text that
    a cell can hold."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if value is None or isinstance(value, (bool, int, float, date)):
        return value
    return clean_text(str(value))  # lazy translations and the like


def _as_text(target: Cell, text: str) -> Cell:
    """Set text on a cell as text, whatever it starts with (openpyxl would type "=…" as a
    formula and "#N/A" as an error)."""
    target.value = text
    target.data_type = "s"
    if needs_quote(text):
        target.quotePrefix = True
    return target


def text_cell(ws, text: str, look=None) -> WriteOnlyCell:
    """A cell that holds `text` as text whatever it starts with."""
    result = WriteOnlyCell(ws)
    if look is not None:
        look.apply(result)
    return _as_text(result, clean_text(text))


def cell(ws, value, look=None):
    """What to append for `value` (ws.append, write-only or not): styled by `look` (a
    style.Look) if given, text that looks like a formula kept as text."""
    value = value_of(value)
    if isinstance(value, str) and needs_quote(value):
        return text_cell(ws, value, look)
    if look is None:
        return value  # a plain value: openpyxl's fast path
    result = WriteOnlyCell(ws, value)
    look.apply(result)
    return result


def row(ws, values, looks=None) -> list:
    """A row for ws.append(): one look for every cell, or a sequence of looks, one per column."""
    if looks is None or not isinstance(looks, (list, tuple)):
        return [cell(ws, v, looks) for v in values]
    return [cell(ws, v, look) for v, look in zip(values, looks, strict=False)]


def put(ws, row: int, column: int, value) -> Cell:
    """Write `value` at (row, column) of an ordinary (not write-only) sheet; returns the cell
    for styling. The same rules as cell(): text stays text, numbers stay numbers."""
    target = ws.cell(row, column)
    value = value_of(value)
    if isinstance(value, str):
        return _as_text(target, value)
    target.value = value
    return target


class Table:
    """The body rows of a printed table on a write-only sheet, a look per column.

    Each column keeps one prepared cell that every row reuses: openpyxl writes a row's cells as
    they are produced, before the next row is made, so reuse is safe — and it spares building,
    styling and type-checking a new cell object per value, which is most of what makes a styled
    list slower than bare values.
    """

    def __init__(self, ws, looks):
        self.ws = ws
        self.plain = [_prepared(ws, look) for look in looks]
        self.quoted = [_prepared(ws, look, quoted=True) for look in looks]
        _stream_cells_as_given(ws)

    def append(self, values) -> None:
        cells = []
        for index, value in enumerate(values):
            value = value_of(value)
            if isinstance(value, str) and needs_quote(value):
                target = self.quoted[index]
                target.value = value
                target.data_type = "s"
            else:
                target = self.plain[index]
                target.value = value
            cells.append(target)
        self.ws.append(cells)


def _prepared(ws, look, quoted: bool = False) -> WriteOnlyCell:
    result = WriteOnlyCell(ws)
    look.apply(result)
    if quoted:
        result.quotePrefix = True
    return result


def _stream_cells_as_given(ws) -> None:
    """Make the write-only sheet take cell objects as they are.

    openpyxl's own row conversion first tries each cell object as a value (an exception and a
    repr() per styled cell) and builds a fresh cell after every styled one; this does neither.
    Bare values still go through one reusable unstyled cell, as openpyxl does.
    """
    if getattr(ws, "_cells_as_given", False):
        return

    def values_to_row(values, row_idx):
        bare = WriteOnlyCell(ws)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Cell):
                target = value
            else:
                bare.value = value
                target = bare
            target.column = col_idx
            target.row = row_idx
            yield target

    ws._values_to_row = values_to_row  # the write-only sheet reads it per appended row
    ws._cells_as_given = True


def ledger_sheet(wb, title: str, widths, columns):
    """A landscape A4 sheet for a list of entries: column widths, the header row of `columns`
    (frozen, repeated on every printed page). The entry list and the archive share it."""
    ws = wb.create_sheet(style.sheet_title(title, set()))
    looks = style.Looks(ws, "black")
    style.set_widths(ws, widths)
    ws.freeze_panes = "A2"
    ws.page_setup.paperSize = style.A4
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = "1:1"
    ws.append([text_cell(ws, str(c), looks.header) for c in columns])
    return ws
