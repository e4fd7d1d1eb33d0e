"""Request hygiene, in one place: what no page should ever have to handle.

- Control characters (NUL, ESC, BEL …) in the URL or a submitted value are refused with 400 before
  any view runs: PostgreSQL cannot store NUL in text, and openpyxl cannot write the other C0
  controls, so a stored one would break every workbook that prints it. Tab, line feed and carriage
  return are ordinary in a form's multi-line text and pass; single-line fields drop them
  (views/forms.py).
- Ids in URLs are bounded to the database's integer range: `/lists/99999999999999999999` is a page
  that does not exist (404), not an overflow in the driver. `database_int` does the same for
  numbers read from a query string or a form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

# The ids of every table are 32-bit integers on PostgreSQL (SQLite's are 64-bit).
DATABASE_INT_MIN = -(2**31)
DATABASE_INT_MAX = 2**31 - 1

# C0 controls, DEL aside; \t \n \r are allowed in submitted text, never in a URL.
CONTROL_IN_URL = re.compile(r"[\x00-\x1f]")
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def database_int(text: str) -> int:
    """An integer the database can compare with its ids; ValueError otherwise.

    For `request.args.get(name, type=database_int)` (an out-of-range number then reads as absent)
    and for a form field's `coerce`.
    """
    value = int(text)
    if not DATABASE_INT_MIN <= value <= DATABASE_INT_MAX:
        raise ValueError(f"{text!r} is outside the database's integer range")
    return value


class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` in a route: a non-negative integer the database's id columns can hold."""

    def __init__(self, map, fixed_digits=0, min=None, max=DATABASE_INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def has_control_characters() -> bool:
    """Whether this request carries a control character where none belongs."""
    if CONTROL_IN_URL.search(request.path):
        return True
    for key, value in request.args.items(multi=True):
        if CONTROL_IN_URL.search(key) or CONTROL_IN_URL.search(value):
            return True
    for key, value in request.form.items(multi=True):
        if CONTROL_IN_URL.search(key) or CONTROL_IN_TEXT.search(value):
            return True
    return any(
        CONTROL_IN_URL.search(key) or CONTROL_IN_URL.search(upload.filename or "")
        for key, upload in request.files.items(multi=True)
    )


def init_app(app: Flask) -> None:
    """Bound `<int:…>` (before any blueprint adds its routes) and refuse control characters first,
    before CSRF or sign-in look at the request."""
    app.url_map.converters["int"] = DatabaseIntConverter

    def refuse_control_characters() -> None:
        if has_control_characters():
            abort(
                400,
                _(
                    "网址或提交的内容里有看不见的控制字符（可能是从别处复制来的），"
                    "系统不能保存。请删掉后重新输入。"
                ),
            )

    # First of all request hooks: nothing else should read a value this refuses.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_control_characters)


def page_number() -> int:
    """The `?page=` asked for: 1 when it is missing or past the database's integers (the pager
    then shows the first page rather than failing on an offset the database cannot take)."""
    return request.args.get("page", 1, type=database_int)


def database_ids(values: Iterable[str]) -> list[int]:
    """The values that are ids the database can hold (ticked checkboxes); others are ignored."""
    ids = []
    for value in values:
        try:
            ids.append(database_int(value))
        except ValueError:
            continue
    return [i for i in ids if i > 0]
