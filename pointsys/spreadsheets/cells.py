"""Cells: one way for every workbook to write a value, so text is never taken for a formula.

A spreadsheet opened in Excel or WPS runs a cell that starts with = (and + - @, which Excel turns
into formulas) — a household named "=cmd|' /C calc'!A0" must print as that text. Such text is
written as a string cell with the quote prefix (what typing ' before it in Excel does); numbers,
negative points included, stay numbers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl.cell import WriteOnlyCell

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
