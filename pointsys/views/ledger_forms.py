"""The ledger's forms, in one place: the evidence-photo feature adds its field to EntryForm here.

Every form that writes entries carries `key`, the submission's idempotency key: a uuid4 made
when the form is rendered, so a double click or a resent POST records nothing twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_babel import gettext as _
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
    """One item for many households of a village group (检查日批量记分): a box per household
    (its value, or a mark), a value for every chosen household left blank, a preview step."""

    item = StringField(_l("积分事项"), validators=[DataRequired(_l("请选择积分事项。"))])
    on = DateField(
        _l("行为日期"), default=app_today, validators=[DataRequired(_l("请填写行为日期。"))]
    )
    quantity = StringField(
        _l("每户都填（空着的户）"), validators=[Length(max=20, message=TOO_LONG)]
    )
    household_ids = CheckboxesField(_l("记分的户"), coerce=database_int, validate_choice=False)
    note = TextAreaField(_l("备注"), validators=[Length(max=500, message=TOO_LONG)])
    # The digest of what the preview showed: saving records only what was previewed.
    previewed = HiddenField()


# In a household's box: "record this household" for an item that takes no value, and "leave
# this household out" for any item (also when "每户都填" would fill its box).
MARKS = frozenset({"1", "√", "✓", "v", "V", "y", "Y", "是"})
SKIPS = frozenset({"x", "X", "×", "✗", "否"})


@dataclass(frozen=True)
class BatchRow:
    """One chosen household of a batch and the text its value comes from (None: no value)."""

    household_id: int
    value: str | None


class BatchRowError(Exception):
    """A household's box holds something the item cannot take."""

    def __init__(self, household_id: int, message: str) -> None:
        super().__init__(message)
        self.household_id = household_id


def batch_rows(
    household_ids: list[int],
    ticked: set[int],
    boxes: dict[int, str],
    fill: str,
    takes_value: bool,
) -> list[BatchRow]:
    """Which households a batch records, and with what value, from the form as typed (pure).

    A household is chosen when its box holds a value or a mark (1, √), or when it is ticked; an
    x in its box leaves it out. "每户都填" (`fill`) fills the blank boxes of the ticked
    households, or of every household when none is ticked: on inspection day the clerk types
    the usual value once and only the exceptions in their rows — no clicks per household.
    For an item without a value, a box holds a mark only; anything else is an error (by row).
    """
    fill = fill.strip()
    rows, problems = [], []
    for household_id in household_ids:
        text = boxes.get(household_id, "").strip()
        if text in SKIPS:
            continue
        if not text and fill and (household_id in ticked or not ticked):
            text = fill
        if not text and household_id not in ticked:
            continue
        if not takes_value:
            if text and text not in MARKS:
                problems.append(
                    BatchRowError(
                        household_id,
                        _("这个事项不用填数值：要记这一户请填 1 或 √，不记请填 x 或留空。"),
                    )
                )
                continue
            text = ""
        elif text in MARKS - {"1"}:
            problems.append(
                BatchRowError(household_id, _("这个事项要填数值，“%(mark)s” 不是数值。", mark=text))
            )
            continue
        rows.append(BatchRow(household_id, text or None))
    if problems:
        raise BatchRowsRefused(problems)
    return rows


class BatchRowsRefused(Exception):
    def __init__(self, problems: list[BatchRowError]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class ReviewForm(Form):
    """Approve or reject the ticked pending entries; rejecting needs a reason. Each row also has
    its own reason box (reason-<id>, read by the view): a row with a reason is rejected with it
    while the other ticked rows are approved, in the same submit."""

    reason = TextAreaField(
        _l("驳回理由（驳回时必填，农户会看到）"), validators=[Length(max=500, message=TOO_LONG)]
    )


class ReverseForm(_Keyed):
    reason = TextAreaField(_l("冲正理由"), validators=[Length(max=500, message=TOO_LONG)])


class ReverseSubmissionForm(_Keyed):
    reason = TextAreaField(_l("撤销理由"), validators=[Length(max=500, message=TOO_LONG)])


class ReopenForm(Form):
    reason = TextAreaField(_l("重新开账理由"), validators=[Length(max=500, message=TOO_LONG)])


class ConfirmForm(Form):
    """A button and the CSRF token (closing a quarter after its confirmation page)."""
