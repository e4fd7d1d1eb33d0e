"""Cells: one way for every workbook to write a value, so text is never taken for a formula.

A spreadsheet opened in Excel or WPS runs a cell that starts with = (and + - @, which Excel turns
into formulas) — a household named "=cmd|' /C calc'!A0" must print as that text. Such text is
written as a string cell with the quote prefix (what typing ' before it in Excel does); numbers,
negative points included, stay numbers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl.cell import Cell, WriteOnlyCell

# Leading characters that make Excel, WPS or LibreOffice read text as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def value_of(value):
    """A value as a cell holds it: Decimals as numbers (points have two decimals at most), dates
    as dates, aware datetimes as naive UTC (Excel has no time zones), anything else as text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if value is None or isinstance(value, (bool, int, float, date, str)):
        return value
    return str(value)  # lazy translations and the like


def text_cell(ws, text: str, look=None) -> WriteOnlyCell:
    """A cell that holds `text` as text whatever it starts with."""
    result = WriteOnlyCell(ws)
    result.value = text
    result.data_type = "s"  # after .value: openpyxl sets "f" for text starting with =
    if look is not None:
        look.apply(result)
    result.quotePrefix = True
    return result


def cell(ws, value, look=None):
    """What to append for `value` on a write-only sheet: styled by `look` (a style.Look) if
    given, text that looks like a formula kept as text."""
    value = value_of(value)
    if isinstance(value, str) and is_formula_like(value):
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
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
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
