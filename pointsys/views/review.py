"""The review queue (审核): supervisors approve or reject pending entries, one or many at once.

Four eyes: the ledger refuses a reviewer's own entries; the page shows them with its message.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import households as registry
from .. import ledger
from ..extensions import db
from ..ledger import PointsError, lookup
from ..localtime import app_today
from .common import REVIEWERS, current_village, role_required
from .hygiene import database_ids, database_int, page_number
from .ledger import bp, parse_period, rulebook_of_entry
from .ledger_forms import ReviewForm

QUEUE_PAGE = 100


def _filters() -> dict[str, object]:
    return {
        "group": request.args.get("group", type=database_int),
        "item": request.args.get("item", "").strip() or None,
        "period": request.args.get("period", "").strip() or None,
    }


@bp.get("/review")
@role_required(REVIEWERS)
def review():
    village = current_village()
    filters = _filters()
    period, error = parse_period(filters["period"], None)
    query = lookup.pending(village, group_id=filters["group"], item=filters["item"], period=period)
    page = db.paginate(query, per_page=QUEUE_PAGE, error_out=False, page=page_number())
    rows = [(e, ledger.preview(e, rulebook_of_entry(e))) for e in page.items]
    return render_template(
        "ledger/review.html",
        page=page,
        rows=rows,
        form=ReviewForm(formdata=None),
        filters=filters,
        error=error,
        groups=registry.groups_of(village),
        items=lookup.pending_items(village),
        today=app_today(),
    ), (400 if error else 200)


@bp.post("/review")
@role_required(REVIEWERS)
def decide():
    """Approve or reject: one entry (its row's button) or every ticked entry (the bulk buttons)."""
    village = current_village()
    form = ReviewForm()
    back = redirect(url_for("ledger.review", **{k: v for k, v in _filters().items() if v}))
    if not form.validate_on_submit():
        for error in form.reason.errors:
            flash(_("驳回理由：%(error)s", error=error), "error")
        return back
    if request.form.get("approve_one"):
        action, ids = "approve", [request.form.get("approve_one", type=database_int)]
    elif request.form.get("reject_one"):
        action, ids = "reject", [request.form.get("reject_one", type=database_int)]
    else:
        action = request.form.get("action")
        ids = database_ids(request.form.getlist("entry_ids"))
    entries = lookup.entries_in(village, [i for i in ids if i])
    if action not in ("approve", "reject") or not entries:
        flash(_("请先勾选要审核的记录。"), "error")
        return back
    try:
        if action == "approve":
            result = ledger.approve(entries, reviewer=current_user)
        else:
            result = ledger.reject(entries, reviewer=current_user, reason=form.reason.data)
        db.session.commit()
    except PointsError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return back
    if result.done:
        count = len(result.done)
        if action == "approve":
            flash(_("已审核通过 %(count)s 条。", count=count), "success")
        else:
            flash(_("已驳回 %(count)s 条。", count=count), "success")
    for entry, problem in result.refused:
        flash(_("记录 #%(id)s 未处理：%(reason)s", id=entry.id, reason=str(problem)), "error")
    return back
