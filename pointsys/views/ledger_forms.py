"""The ledger's forms, in one place: the evidence-photo feature adds its field to EntryForm here.

Every form that writes entries carries `key`, the submission's idempotency key: a uuid4 made
when the form is rendered, so a double click or a resent POST records nothing twice.
"""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    MultipleFileField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..localtime import app_today
from .forms import Form
from .hygiene import database_int

TOO_LONG = _l("最多 %(max)d 个字。")
# A levels item is offered once per level, its option's value "CODE|level": a form needs no
# second select and no JavaScript to say which level was chosen.
LEVEL_SEPARATOR = "|"


def item_and_level(value: str | None) -> tuple[str, str | None]:
    """ "CIV-08|省级" → ("CIV-08", "省级"); "ENV-01" → ("ENV-01", None)."""
    item, separator, level = (value or "").strip().partition(LEVEL_SEPARATOR)
    return item.strip(), (level.strip() or None) if separator else None


def new_key() -> str:
    return str(uuid.uuid4())


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (household members, households of a group)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _Keyed(Form):
    key = HiddenField(default=new_key)


class EntryForm(_Keyed):
    """One entry for one household (记分)."""

    # Rendered by hand as a <select> grouped by category, each option telling its points.
    item = StringField(_l("积分事项"), validators=[DataRequired(_l("请选择积分事项。"))])
    on = DateField(
        _l("行为日期"), default=app_today, validators=[DataRequired(_l("请填写行为日期。"))]
    )
    quantity = StringField(_l("数量或分值"), validators=[Length(max=20, message=TOO_LONG)])
    member_ids = CheckboxesField(_l("涉及的家庭成员"), coerce=database_int, validate_choice=False)
    note = TextAreaField(_l("备注"), validators=[Length(max=500, message=TOO_LONG)])
    # Checked by content in pointsys.evidence (JPEG/PNG only, size and count limits).
    photos = MultipleFileField(_l("证据照片（JPEG 或 PNG，可选多张）"))


class BatchForm(_Keyed):
    """One item for many households of a village group (检查日批量记分)."""

    item = StringField(_l("积分事项"), validators=[DataRequired(_l("请选择积分事项。"))])
    on = DateField(
        _l("行为日期"), default=app_today, validators=[DataRequired(_l("请填写行为日期。"))]
    )
    quantity = StringField(_l("数量或分值"), validators=[Length(max=20, message=TOO_LONG)])
    household_ids = CheckboxesField(_l("记分的户"), coerce=database_int, validate_choice=False)
    note = TextAreaField(_l("备注"), validators=[Length(max=500, message=TOO_LONG)])


class ReviewForm(Form):
    """Approve or reject the ticked pending entries; rejecting needs a reason."""

    reason = TextAreaField(
        _l("驳回理由（驳回时必填，农户会看到）"), validators=[Length(max=500, message=TOO_LONG)]
    )


class ReverseForm(_Keyed):
    reason = TextAreaField(_l("冲正理由"), validators=[Length(max=500, message=TOO_LONG)])


class ReopenForm(Form):
    reason = TextAreaField(_l("重新开账理由"), validators=[Length(max=500, message=TOO_LONG)])


class ConfirmForm(Form):
    """A button and the CSRF token (closing a quarter after its confirmation page)."""
