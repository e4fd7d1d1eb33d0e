"""The forms and labels of the household pages (views/households.py): fields, limits and the
messages a clerk sees when a field is wrong."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..localtime import app_today
from ..models import HouseholdStatus
from .forms import Form
from .hygiene import database_int

STATUS_LABELS = {
    HouseholdStatus.ACTIVE.value: _l("在册"),
    HouseholdStatus.MOVED_OUT.value: _l("迁出"),
    HouseholdStatus.CANCELLED.value: _l("注销"),
}
FIELD_LABELS = {
    "head_name": _l("户主"),
    "address": _l("门牌地址"),
    "group": _l("村民小组"),
    "grid": _l("网格"),
    "phone": _l("联系电话"),
    "tags": _l("标签"),
    "status": _l("状态"),
}


class HouseholdForm(Form):
    number = StringField(_l("户号"), validators=[DataRequired(_l("请填写户号。")), Length(max=32)])
    head_name = StringField(
        _l("户主"), validators=[DataRequired(_l("请填写户主姓名。")), Length(max=50)]
    )
    address = StringField(_l("门牌地址"), validators=[Length(max=200)])
    group_id = SelectField(_l("村民小组"), coerce=database_int, validate_choice=False)
    grid = StringField(_l("网格"), validators=[Length(max=50)])
    phone = StringField(_l("联系电话"), validators=[Length(max=20)])
    tags = StringField(_l("标签（用顿号分隔）"), validators=[Length(max=300)])
    # Only when registering: the household ranks from the quarter of this day, and the ledger
    # takes its conduct from this day on (a household that has lived here for years: an old day).
    registered_on = DateField(_l("在册日期"), validators=[Optional()], default=app_today)


class MemberForm(Form):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=50)])
    relation = StringField(
        _l("与户主关系"), validators=[DataRequired(_l("请填写与户主关系。")), Length(max=20)]
    )
    sex = SelectField(
        _l("性别"),
        choices=[SelectChoice("", "—"), SelectChoice("M", _l("男")), SelectChoice("F", _l("女"))],
    )
    birth_year = IntegerField(_l("出生年份"), validators=[Optional(), NumberRange(1900, 2100)])
    is_party_member = BooleanField(_l("党员"))


class StatusForm(Form):
    status = SelectField(
        _l("新状态"),
        choices=[
            SelectChoice(HouseholdStatus.MOVED_OUT.value, _l("迁出")),
            SelectChoice(HouseholdStatus.CANCELLED.value, _l("注销")),
        ],
    )
    effective_on = DateField(_l("生效日期"), validators=[DataRequired(_l("请填写日期。"))])
    reason = StringField(_l("原因"), validators=[Length(max=200)])


class SplitForm(Form):
    new_number = StringField(
        _l("新户户号"), validators=[DataRequired(_l("请填写户号。")), Length(max=32)]
    )
    new_head_id = SelectField(_l("新户户主"), coerce=database_int, validate_choice=False)
    effective_on = DateField(_l("分户日期"), validators=[DataRequired(_l("请填写日期。"))])


class MergeForm(Form):
    survivor_number = StringField(
        _l("并入的户号"), validators=[DataRequired(_l("请填写户号。")), Length(max=32)]
    )
    effective_on = DateField(_l("合户日期"), validators=[DataRequired(_l("请填写日期。"))])


class PlainForm(Form):
    """A form with nothing but its CSRF token (rotate, commit …)."""


class GroupForm(Form):
    name = StringField(
        _l("小组名称"), validators=[DataRequired(_l("请填写小组名称。")), Length(max=50)]
    )


class UploadForm(Form):
    file = FileField(_l("名册文件（.xlsx）"))


class CommitForm(Form):
    sha256 = HiddenField()
    digest = HiddenField()
