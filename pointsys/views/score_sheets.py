"""Score sheets (评分表): choose a group and items, download, upload, preview, commit.

For clerks and admins (RECORDERS); group leaders will get their own groups once access rules
exist (pointsys/access.py).

Thin: the forms are parsed here, everything else is pointsys.score_sheet. The upload is kept in
the instance folder under its sha256 between preview and commit (not in the session cookie), so
the commit re-reads exactly the file that was previewed.
"""

from __future__ import annotations

import os

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, Optional

from .. import households as registry
from .. import score_sheet
from ..extensions import db
from ..localtime import app_today
from .common import RECORDERS, current_village, role_required, xlsx_response
from .forms import Form
from .hygiene import database_int

bp = Blueprint("score_sheets", __name__, url_prefix="/score-sheets")


class ChooseForm(Form):
    class Meta:
        csrf = False  # a download over GET writes nothing

    group = SelectField(
        _l("村民小组"), coerce=database_int, validators=[DataRequired(_l("请选择村民小组。"))]
    )
    # Checked by generate(), which says which item does not apply on the chosen date.
    item = SelectMultipleField(
        _l("积分事项"),
        validators=[DataRequired(_l("请至少选择一个积分事项。"))],
        validate_choice=False,
    )
    on = DateField(_l("行为日期（可不填，在纸上填写）"), validators=[Optional()])


class UploadForm(Form):
    file = FileField(_l("填好的评分表（.xlsx）"))


class CommitForm(Form):
    sha256 = HiddenField()


def upload_dir() -> str:
    return os.path.join(current_app.instance_path, "uploads", "score_sheets")


def _limits() -> dict[str, int]:
    return {
        "max_bytes": int(current_app.config["SCORE_SHEET_MAX_BYTES"]),
        "max_rows": int(current_app.config["SCORE_SHEET_MAX_ROWS"]),
    }


def _choose_form(village, formdata=None) -> tuple[ChooseForm, list]:
    form = ChooseForm(formdata=formdata)
    form.group.choices = [(g.id, g.name) for g in registry.groups_of(village)]
    on = form.on.data if formdata is not None and form.on.data else app_today()
    categories = score_sheet.choosable_items(village, on)
    form.item.choices = [choice for _, choices in categories for choice in choices]
    return form, categories


@bp.get("/")
@role_required(RECORDERS)
def index():
    """Choose the group, the items and (optionally) the date, then download the sheet."""
    village = current_village()
    form, categories = _choose_form(village)
    return render_template("score_sheets/index.html", form=form, categories=categories)


@bp.get("/download")
@role_required(RECORDERS)
def download():
    village = current_village()
    form, categories = _choose_form(village, request.args)
    if form.validate():
        group = next(g for g in registry.groups_of(village) if g.id == form.group.data)
        try:
            sheet = score_sheet.generate(village, group, form.item.data, form.on.data)
        except score_sheet.ScoreSheetError as exc:
            form.item.errors.append(str(exc))
        else:
            return xlsx_response(sheet.data, sheet.filename, "score-sheet.xlsx")
    html = render_template("score_sheets/index.html", form=form, categories=categories)
    return html, 400


@bp.route("/upload", methods=["GET", "POST"])
@role_required(RECORDERS)
def upload():
    """Upload → preview. Nothing is written: the ledger runs on the sheet and is rolled back."""
    village = current_village()
    form = UploadForm()
    if form.validate_on_submit():
        data = form.file.data.read() if form.file.data and form.file.data.filename else None
        if data is None:
            form.file.errors.append(_("请选择填好的评分表文件。"))
        else:
            try:
                parsed = score_sheet.parse(village, data, **_limits())
            except score_sheet.ScoreSheetError as exc:
                form.file.errors.append(str(exc))
            else:
                return _preview(village, parsed, data, form.file.data.filename)
    status = 400 if form.errors else 200
    return render_template("score_sheets/upload.html", form=form), status


def _preview(village, parsed, data: bytes, filename: str):
    context = {"parsed": parsed, "filename": filename, "outcome": None, "problems": []}
    try:
        context["outcome"] = score_sheet.record(village, parsed, actor=current_user, dry_run=True)
    except score_sheet.ScoreSheetRefused as exc:
        context["problems"] = exc.problems
        return render_template("score_sheets/preview.html", **context), 400
    sha = score_sheet.store_upload(upload_dir(), data)
    context["commit_form"] = CommitForm(formdata=None, data={"sha256": sha})
    return render_template("score_sheets/preview.html", **context)


@bp.post("/commit")
@role_required(RECORDERS)
def commit():
    """Re-read the kept file and record it through the ledger: every cell, or none."""
    village = current_village()
    form = CommitForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        data = score_sheet.load_upload(upload_dir(), form.sha256.data)
        parsed = score_sheet.parse(village, data, **_limits())
        outcome = score_sheet.record(village, parsed, actor=current_user)
        db.session.commit()
    except score_sheet.ScoreSheetError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("score_sheets.upload"))
    except score_sheet.ScoreSheetRefused as exc:
        context = {"parsed": None, "filename": "", "outcome": None, "problems": exc.problems}
        return render_template("score_sheets/preview.html", **context), 409
    if outcome.replayed:
        flash(_("这份评分表已经导入过，没有重复记分。"), "success")
    else:
        flash(
            _(
                "评分表已导入：记录 %(count)s 条，其中 %(pending)s 条待审核。",
                count=len(outcome.lines),
                pending=outcome.pending,
            ),
            "success",
        )
    return redirect(url_for("score_sheets.upload"))
