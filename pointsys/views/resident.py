"""Residents (村民): sign in with 户号 + PIN, see the household's own page, change the PIN.

The household is always the signed-in one (current_user.household_id), never an id from the URL.
"""

from __future__ import annotations

import uuid
from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user
from wtforms import (
    DateField,
    HiddenField,
    MultipleFileField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from .. import database, declarations, evidence, household_summary, ledger, publishing, residents
from ..extensions import db
from ..localtime import app_today
from ..models import Household, Village
from ..rulebook.messages import N_
from .common import attach_uploads, attempt_sign_in, lock_message, start_session
from .forms import Form
from .hygiene import database_int
from .ledger_forms import LEVEL_SEPARATOR, item_and_level

bp = Blueprint("resident", __name__, url_prefix="/me")


class ResidentLoginForm(Form):
    village = SelectField(_l("村"), validate_choice=False)
    number = StringField(_l("户号"), validators=[DataRequired(_l("请填写户号。")), Length(max=32)])
    pin = PasswordField(_l("PIN（6 位数字）"), validators=[DataRequired(_l("请填写 PIN。"))])


class ChangePinForm(Form):
    old_pin = PasswordField(_l("原 PIN"), validators=[DataRequired(_l("请填写原 PIN。"))])
    new_pin = PasswordField(
        _l("新 PIN（6 位数字）"), validators=[DataRequired(_l("请填写新 PIN。"))]
    )
    new_pin_again = PasswordField(
        _l("再次输入新 PIN"), validators=[DataRequired(_l("请再次输入新 PIN。"))]
    )


def resident_required(view):
    """Signed in as a household; anonymous visitors go to the resident sign-in, staff get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_resident:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _villages() -> list[Village]:
    return list(db.session.execute(db.select(Village).order_by(Village.code)).scalars())


@bp.route("/login", methods=["GET", "POST"])
def login():
    database.reads_first()  # no write lock while the PIN is hashed
    villages = _villages()
    form = ResidentLoginForm()
    form.village.choices = [(v.code, v.name) for v in villages]
    if form.validate_on_submit():
        village = next((v for v in villages if v.code == form.village.data), None)
        if village is None and len(villages) == 1:
            village = villages[0]
        if village is None:
            form.village.errors.append(_("请选择村。"))
            return render_template("resident/login.html", form=form, villages=villages)
        number, pin = form.number.data.strip(), form.pin.data
        label = residents.account_label(village.code, number)
        attempt = attempt_sign_in(
            label, "household", lambda: residents.authenticate(village, number, pin)
        )
        if attempt.lock is not None:
            form.pin.errors.append(lock_message(attempt.lock, resident=True))
            return render_template("resident/login.html", form=form, villages=villages), 429
        resident = attempt.signed_in
        if resident is None:
            # One message for an unknown 户号, no PIN issued and a wrong PIN.
            form.pin.errors.append(_("户号或 PIN 不正确。"))
        else:
            start_session(resident, "household", resident.household_id, actor_label=label)
            return redirect(url_for("resident.home"))
    return render_template("resident/login.html", form=form, villages=villages)


@bp.get("/")
@resident_required
def home():
    household = db.get_or_404(Household, current_user.household_id)
    return render_template(
        "resident/home.html", household=household, summary=household_summary.summary(household)
    )


class DeclarationForm(Form):
    key = HiddenField()
    item = SelectField(_l("做了什么好事"), validators=[DataRequired(_l("请选择事项。"))])
    occurred_on = DateField(_l("哪一天"), validators=[DataRequired(_l("请填写日期。"))])
    quantity = StringField(_l("数量（按小时、金额等计分的事项才填）"), validators=[Length(max=20)])
    note = TextAreaField(_l("经过"), validators=[Length(max=declarations.MAX_NOTE)])
    photos = MultipleFileField(_l("照片（可选，JPEG 或 PNG）"))


@bp.route("/declare", methods=["GET", "POST"])
@resident_required
def declare():
    """A good deed declared by the household (申报): pending until the village reviews it."""
    household = db.get_or_404(Household, current_user.household_id)
    form = DeclarationForm()
    today = app_today()
    items = declarations.declarable_items(household, today)
    form.item.choices = [("", _("请选择"))]
    for v in items:
        # A levels item once per level ("CIV-08|省级"): the level is chosen with the item.
        form.item.choices += [
            (f"{v.code}{LEVEL_SEPARATOR}{level.name}", f"{v.title} — {level.name}（{v.article}）")
            for level in v.scoring.levels
        ] or [(v.code, f"{v.title}（{v.article}）")]
    if request.method == "GET":
        form.key.data = uuid.uuid4().hex
        form.occurred_on.data = today
    if form.validate_on_submit():
        try:
            item, level = item_and_level(form.item.data)
            result = declarations.declare(
                household,
                item,
                form.occurred_on.data,
                form.note.data,
                key=form.key.data,
                quantity=ledger.parse_quantity(form.quantity.data),
                level=level,
                today=today,
            )
            if not result.replayed:
                attach_uploads(
                    result.entries[0], request.files.getlist(form.photos.name), current_user.label
                )
        except evidence.PhotosRefused as exc:
            db.session.rollback()
            form.form_errors.extend(str(problem) for problem in exc.problems)
        except ledger.SubmissionRefused as exc:
            db.session.rollback()
            form.form_errors.extend(str(p) for _, p in exc.problems)
        except ledger.PointsError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("已提交申报，村里审核后计入积分；进度见下方积分记录。"), "success")
            return redirect(url_for("resident.home"))
    return render_template("resident/declare.html", form=form)


@bp.route("/pin", methods=["GET", "POST"])
@resident_required
def change_pin():
    form = ChangePinForm()
    if form.validate_on_submit():
        try:
            resident = residents.change_pin(
                current_user._get_current_object(),
                form.old_pin.data,
                form.new_pin.data,
                form.new_pin_again.data,
            )
        except residents.ResidentError as exc:
            # Only the audit row of a wrong old PIN can be pending here: keep it.
            db.session.commit()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            login_user(resident)  # this phone stays signed in under the new PIN
            flash(_("PIN 已修改，其他手机上的登录已失效。"), "success")
            return redirect(url_for("resident.home"))
    return render_template("resident/pin.html", form=form)


class ResidentObjectionForm(Form):
    publication = SelectField(_l("哪一期红黑榜"), coerce=database_int, validate_choice=False)
    number = StringField(
        _l("对哪一户有异议（户号）"),
        validators=[DataRequired(_l("请填写户号。")), Length(max=32)],
    )
    text = TextAreaField(_l("异议内容"), validators=[Length(max=1000)])


@bp.route("/objections", methods=["GET", "POST"])
@resident_required
def objections():
    """During a publicity period the household may object (异议) and follow the answer."""
    household = db.get_or_404(Household, current_user.household_id)
    village = household.village
    open_issues = publishing.open_for_objection(village)
    form = ResidentObjectionForm()
    form.publication.choices = [
        (
            p.id,
            _(
                "%(quarter)s 第 %(issue)s 版（公示至 %(end)s）",
                quarter=p.quarter_code,
                issue=p.issue,
                end=p.publicity_end.isoformat(),
            ),
        )
        for p in open_issues
    ]
    if request.method == "GET":
        form.number.data = household.number
    if open_issues and form.validate_on_submit():
        chosen = next((p for p in open_issues if p.id == form.publication.data), None)
        try:
            if chosen is None:
                raise publishing.PublishingError(N_("请选择正在公示的一期红黑榜。"))
            target = publishing.find_household(village, form.number.data.strip())
            publishing.raise_objection(chosen, target.id, form.text.data, current_user.label)
        except publishing.PublishingError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("异议已提交，监督委员会将在规定期限内答复。"), "success")
            return redirect(url_for("resident.objections"))
    return render_template(
        "resident/objections.html",
        form=form,
        open_issues=open_issues,
        mine=publishing.objections_raised_by(current_user.label),
    )
