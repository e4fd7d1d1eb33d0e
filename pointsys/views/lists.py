"""Honour lists (红黑榜) for staff: draft and publish a period (a quarter unless the rulebook's
[honours] period says otherwise), its issues, the print page, objections for the supervision
committee, and the year-end award list.

Thin: parse the form, call pointsys.publishing, commit or roll back, render.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .. import access, ledger, public_links, publishing
from ..extensions import db
from ..localtime import app_today
from ..models import Objection, Publication
from ..period_names import KIND_WORDS
from ..periods import Period, PeriodError
from ..rulebook.describe import signed
from ..spreadsheets import from_ledger
from ..spreadsheets.notice_board import write_notice_board
from ..spreadsheets.style import chinese_date
from .common import (
    ADMINS,
    RECORDERS,
    REVIEWERS,
    STAFF,
    SUPERVISORS,
    current_village,
    role_required,
    send_xlsx,
)
from .forms import Form
from .hygiene import database_int

bp = Blueprint("lists", __name__, url_prefix="/lists")


class PublishForm(Form):
    quarter = HiddenField(validators=[DataRequired()])
    publicity_days = IntegerField(
        _l("公示天数"), validators=[Optional(), NumberRange(min=1, max=60)]
    )
    reason = StringField(_l("重新公布的原因（必填，随榜公示）"), validators=[Length(max=300)])


class ObjectionForm(Form):
    """A clerk records a resident's objection: whose it is (the household, picked from the
    village's list), the entry it is about (picked from that household's entries of the period,
    not typed as a number nobody knows), who raised it and what it says."""

    number = SelectField(
        _l("哪一户的异议"),
        validators=[DataRequired(_l("请选择是哪一户提出的异议。"))],
        validate_choice=False,  # find_household() names a 户号 the village does not have
    )
    entry_id = SelectField(_l("针对哪条记录"), validate_choice=False)  # checked by the domain
    raised_by = StringField(
        _l("提出人（姓名）"),
        validators=[DataRequired(_l("请写明提出人的姓名。")), Length(max=100)],
    )
    text = TextAreaField(_l("异议内容"), validators=[DataRequired(), Length(max=2000)])

    def validate_entry_id(self, field) -> None:
        if field.data:
            try:
                database_int(field.data)
            except ValueError:
                raise ValidationError(_l("没有这个编号的记录，请核对记录编号。")) from None

    def chosen_entry(self) -> int | None:
        return int(self.entry_id.data) if self.entry_id.data else None


def _objection_choices(form: ObjectionForm, publication: Publication, number: str | None):
    """The household list, and the chosen household's entries of the period (if it has one)."""
    village = current_village()
    households = publishing.households_to_object_for(village)
    form.number.choices = [("", _("请选择户号"))] + [
        (h.number, f"{h.number} {h.head_name}") for h in households
    ]
    household = next((h for h in households if h.number == (number or "")), None)
    form.entry_id.choices = [("", _("不针对某条记录（对名次或总分有异议）"))]
    if household is not None:
        form.entry_id.choices += [
            (str(e.id), f"{e.occurred_on.isoformat()} {e.item_title} {signed(e.points or 0)}")
            for e in publishing.entries_to_object_to(publication, household)
        ]
    return household


class SettleForm(Form):
    decision = RadioField(
        _l("结论"),
        choices=[
            SelectChoice("dismissed", _l("异议不成立")),
            SelectChoice("upheld", _l("异议成立")),
        ],
        validators=[DataRequired()],
    )
    answer = TextAreaField(_l("答复理由"), validators=[DataRequired(), Length(max=2000)])
    correct_entry = BooleanField(_l("冲正所针对的记录并公布新一版"))


def _today() -> date:
    return app_today()


def _deadlines() -> publishing.Deadlines:
    """The publicity and objection periods: the rulebook's [publicity], else the deployment's
    PUBLICITY_DAYS and OBJECTION_DAYS."""
    return publishing.Deadlines.for_village(current_village(), current_app.config)


def _quarter_arg() -> Period:
    """The period asked for (?period=2026H2, or ?quarter=2026Q3 as the pages always wrote it),
    or the last one that has ended; of the kind the rulebook's [honours] period names."""
    kind = ledger.list_period_kind(current_village())
    text = request.args.get("period") or request.args.get("quarter")
    text = text or Period.of(kind, _today()).previous().code
    try:
        period = Period.parse(text)
    except PeriodError:
        abort(400)
    if period.kind != kind:
        abort(400)
    return period


def _publication_or_404(publication_id: int) -> Publication:
    publication = db.get_or_404(Publication, publication_id)
    if publication.village_id != current_village().id:
        abort(404)
    return publication


def _form_errors(form) -> list[str]:
    return [e for errors in form.errors.values() for e in errors]


@bp.get("/")
@role_required(STAFF)
def index():
    village = current_village()
    quarter = _quarter_arg()
    return render_template(
        "lists/index.html",
        village=village,
        quarter=quarter,
        kind_word=KIND_WORDS[quarter.kind],
        example=ledger.quarters.EXAMPLES[quarter.kind],
        issues=publishing.issues(village),
        open_objections=publishing.objections(village, _today(), open_only=True),
    )


@bp.get("/draft")
@role_required(STAFF)
def draft():
    return _render_draft(_quarter_arg(), PublishForm(quarter=_quarter_arg().code))


def _render_draft(quarter: Period, form: PublishForm, errors=()):
    village = current_village()
    return render_template(
        "lists/draft.html",
        village=village,
        quarter=quarter,
        lists=publishing.draft_lists(village, quarter),
        closed=ledger.period_closed(village, quarter),
        ended=_today() >= quarter.end,
        latest=publishing.latest_issue(village, quarter),
        default_days=_deadlines().publicity_days,
        form=form,
        errors=errors,
    )


@bp.post("/publish")
@role_required(ADMINS)
def publish():
    form = PublishForm()
    try:
        quarter = Period.parse(form.quarter.data or "")
    except PeriodError:
        abort(400)
    if not form.validate_on_submit():
        return _render_draft(quarter, form, _form_errors(form)), 400
    deadlines = _deadlines()
    if form.publicity_days.data is not None:  # the admin chose this issue's publicity period
        deadlines = replace(deadlines, publicity_days=form.publicity_days.data)
    try:
        publication = publishing.publish(
            current_village(), quarter, current_user, deadlines, reason=form.reason.data
        )
        db.session.commit()
    except (publishing.PublishingError, ledger.PointsError) as exc:
        db.session.rollback()
        return _render_draft(quarter, form, [str(exc)]), 400
    flash(
        _(
            "已公布 %(quarter)s 红黑榜第 %(issue)s 版。",
            quarter=quarter.code,
            issue=publication.issue,
        ),
        "success",
    )
    return redirect(url_for("lists.show", publication_id=publication.id))


@bp.get("/<int:publication_id>")
@role_required(STAFF)
def show(publication_id: int):
    """The issue; `?household=002` picks whose objection the clerk is recording (step one of the
    objection form, a plain GET so it needs no JavaScript) and lists that household's entries."""
    publication = _publication_or_404(publication_id)
    number = request.args.get("household") or None
    form = ObjectionForm(formdata=None, data={"number": number})
    return _render_show(publication, form)


def _render_show(publication: Publication, objection_form: ObjectionForm, errors=()):
    previous = publishing.previous_issue(publication)
    today = _today()
    chosen = _objection_choices(objection_form, publication, objection_form.number.data)
    if chosen is not None and not objection_form.raised_by.data:
        objection_form.raised_by.data = chosen.head_name  # usually the head; may be changed
    return render_template(
        "lists/show.html",
        publication=publication,
        lists=publishing.published_lists(publication),
        issues=publishing.issues_of(publication),
        previous=previous,
        changes=publishing.difference(previous, publication) if previous else [],
        objections=[
            v
            for v in publishing.objections(current_village(), today)
            if v.objection.publication_id == publication.id
            and access.can_see_household(current_user, v.objection.household)
        ],
        in_publicity=publishing.in_publicity(publication, today),
        objection_form=objection_form,
        objection_household=chosen,
        errors=errors,
    )


@bp.get("/<int:publication_id>/print")
@role_required(STAFF)
def print_page(publication_id: int):
    publication = _publication_or_404(publication_id)
    return render_template(
        "lists/print.html",
        publication=publication,
        lists=publishing.published_lists(publication),
        # signed as the notice-board workbook is: the committee and the day publicity began
        committee=from_ledger.committee_name(current_village()),
        signed_on=chinese_date(publication.publicity_start),
    )


@bp.get("/<int:publication_id>/notice-board.xlsx")
@role_required(STAFF)
def notice_board(publication_id: int):
    """The issue as printed for the notice board, with a QR code to the public lists."""
    publication = _publication_or_404(publication_id)
    village = current_village()
    # The deployment's public address (PUBLIC_BASE_URL), never this request's: a clerk printing
    # on the server itself would otherwise print 127.0.0.1. Unset: no link at all.
    public_url = public_links.public_url(
        current_app.config, url_for("public_lists.index", village_code=village.code)
    )
    board = from_ledger.published_notice_board(publication, qr_url=public_url)
    name = _(
        "%(village)s%(quarter)s红黑榜（第%(issue)s版）.xlsx",
        village=village.name,
        quarter=publication.quarter_code,
        issue=publication.issue,
    )
    return send_xlsx(write_notice_board, board, name)


@bp.post("/<int:publication_id>/objections")
@role_required(RECORDERS)
def raise_objection(publication_id: int):
    publication = _publication_or_404(publication_id)
    form = ObjectionForm()
    _objection_choices(form, publication, form.number.data)
    if not form.validate_on_submit():
        return _render_show(publication, form, _form_errors(form)), 400
    try:
        household = publishing.find_household(current_village(), form.number.data)
        publishing.raise_objection(
            publication,
            household.id,
            form.text.data,
            form.raised_by.data,
            entry_id=form.chosen_entry(),
            recorded_by=current_user,
        )
        db.session.commit()
    except publishing.PublishingError as exc:
        db.session.rollback()
        return _render_show(publication, form, [str(exc)]), 400
    flash(_("异议已登记，请监督委员会按期答复。"), "success")
    return redirect(url_for("lists.show", publication_id=publication.id))


@bp.get("/objections")
@role_required(REVIEWERS)
def objections():
    return _render_objections()


def _render_objections(errors=(), failed_id=None, form=None):
    return render_template(
        "lists/objections.html",
        objections=publishing.objections(current_village(), _today()),
        today=_today(),
        errors=errors,
        failed_id=failed_id,
        form=form or SettleForm(),
    )


@bp.post("/objections/<int:objection_id>/settle")
@role_required(SUPERVISORS)
def settle(objection_id: int):
    objection = db.get_or_404(Objection, objection_id)
    if objection.publication.village_id != current_village().id:
        abort(404)
    form = SettleForm()
    if not form.validate_on_submit():
        return _render_objections(_form_errors(form), objection_id, form), 400
    try:
        publishing.settle_objection(
            objection,
            actor=current_user,
            upheld=form.decision.data == "upheld",
            answer=form.answer.data,
            deadlines=_deadlines(),
            correct_entry=form.correct_entry.data,
        )
        db.session.commit()
    except (publishing.PublishingError, ledger.PointsError) as exc:
        db.session.rollback()
        return _render_objections([str(exc)], objection_id, form), 400
    flash(_("异议 #%(id)s 已答复。", id=objection_id), "success")
    return redirect(url_for("lists.objections"))


@bp.get("/year")
@role_required(STAFF)
def year_end():
    try:
        year = Period.parse(request.args.get("year") or str(_today().year))
    except PeriodError:
        abort(400)
    if year.kind != "year":
        abort(400)
    return render_template(
        "lists/year.html",
        result=publishing.year_end(current_village(), year),
        village=current_village(),
        finished=_today() >= year.end,
    )
