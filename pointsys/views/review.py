"""The review queue (审核): supervisors approve or reject pending entries, one or many at once.

Four eyes: the ledger refuses a reviewer's own entries; the page shows them with its message.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import evidence, ledger
from .. import households as registry
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
    # Review sees the evidence where it decides: each row's photos as thumbnails.
    photos = evidence.photos_by_entry([e.id for e in page.items])
    return render_template(
        "ledger/review.html",
        page=page,
        rows=rows,
        photos=photos,
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
    # Each row's own reason box: a row with a reason is rejected with it (also by its own
    # 驳回 button); the bulk 通过所选 approves the other ticked rows in the same submit.
    row_reasons = {}
    for name, text in request.form.items():
        if name.startswith("reason-") and text.strip():
            entry_id = database_ids([name.removeprefix("reason-")])
            if entry_id:
                row_reasons[entry_id[0]] = text.strip()[:500]
    reject_ids: dict[int, str] = {}
    approve_ids: list[int] = []
    if request.form.get("approve_one"):
        approve_ids = [request.form.get("approve_one", type=database_int)]
    elif request.form.get("reject_one"):
        entry_id = request.form.get("reject_one", type=database_int)
        reject_ids = {entry_id: row_reasons.get(entry_id) or form.reason.data}
    elif request.form.get("action") == "approve":
        ticked = database_ids(request.form.getlist("entry_ids"))
        reject_ids = dict(row_reasons)
        approve_ids = [i for i in ticked if i not in reject_ids]
    elif request.form.get("action") == "reject":
        ticked = database_ids(request.form.getlist("entry_ids"))
        reject_ids = {i: row_reasons.get(i) or form.reason.data for i in ticked}
    to_reject = lookup.entries_in(village, [i for i in reject_ids if i])
    to_approve = lookup.entries_in(village, [i for i in approve_ids if i])
    if not to_reject and not to_approve:
        flash(_("请先勾选要审核的记录。"), "error")
        return back
    result = ledger.Reviewed()
    rejected = 0
    try:
        # Rejections first: they free nothing, but a rejected row must not be approved.
        by_reason: dict[str, list] = {}
        for entry in to_reject:
            by_reason.setdefault(reject_ids[entry.id] or "", []).append(entry)
        for reason, group in by_reason.items():
            done = ledger.reject(group, reviewer=current_user, reason=reason)
            rejected += len(done.done)
            result.refused += done.refused
        approved = ledger.approve(to_approve, reviewer=current_user)
        result.refused += approved.refused
        db.session.commit()
    except PointsError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return back
    if approved.done:
        flash(_("已审核通过 %(count)s 条。", count=len(approved.done)), "success")
    if rejected:
        flash(_("已驳回 %(count)s 条。", count=rejected), "success")
    for entry, problem in result.refused:
        flash(_("记录 #%(id)s 未处理：%(reason)s", id=entry.id, reason=str(problem)), "error")
    return back
