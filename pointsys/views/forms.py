"""The base of every form: text fields never hand a control character to the domain.

The request hook (views/hygiene.py) already refuses NUL, ESC and the like; what it lets through
are tab and line breaks, which belong in multi-line text (备注, 异议内容) but not in a 户号 or a
name: a single-line field turns them into a space. Passwords and PINs are taken as typed.
"""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField

LINE_BREAKS = re.compile(r"\s*[\t\n\r]+\s*")
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CONTROL = re.compile(r"[\x00-\x1f]")


def one_line(value):
    """A single-line field's text: line breaks and tabs as one space, other controls dropped."""
    if not isinstance(value, str):
        return value
    return CONTROL.sub("", LINE_BREAKS.sub(" ", value))


def multi_line(value):
    """A multi-line field's text: tabs and line breaks kept, other controls dropped."""
    if not isinstance(value, str):
        return value
    return CONTROL_IN_TEXT.sub("", value)


class Form(FlaskForm):
    """FlaskForm whose text fields filter control characters (see the module docstring)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                cleaner = multi_line if issubclass(field_class, TextAreaField) else one_line
                filters = unbound_field.kwargs.get("filters", ())
                options["filters"] = (cleaner, *filters)
            return unbound_field.bind(form=form, **options)
