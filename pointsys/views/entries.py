"""Recording entries (记分): one household at a time, or one item for many households of a
village group (batch, on inspection day); an entry's detail page and its reversal."""

from __future__ import annotations

import contextlib
from datetime import date

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from .. import access, evidence, ledger, ledger_queries, rules_store
from .. import households as registry
from ..extensions import db
from ..ledger import Draft, PointsError, Recorded, SubmissionRefused
from ..ledger_queries import EntryFilter
from ..localtime import app_today
from ..models import Entry, Household, HouseholdStatus, Submission
from ..rulebook.describe import signed
from ..rulebook.messages import N_
from ..spreadsheets.entry_list import write_entry_list
from .common import (
    RECORDERS,
    REVIEWERS,
    STAFF,
    attach_uploads,
    current_village,
    entry_or_404,
    household_or_404,
    role_required,
    send_xlsx,
)
from .hygiene import database_int, page_number
from .ledger import bp, item_catalogue, rulebook_of_entry
from .ledger_forms import (
    BatchForm,
    BatchRowError,
    BatchRowsRefused,
    EntryForm,
    ReverseForm,
    ReverseSubmissionForm,
    batch_rows,
    item_and_level,
)


def _state(entries: list[Entry]) -> str:
    """What happened to the recorded entries, in a clerk's words."""
    if all(e.is_approved for e in entries):
        total = sum(e.points for e in entries)
        return _("已直接入账，共 %(points)s 分", points=signed(total))
    total = sum(e.requested for e in entries)
    return _("待审核，申请 %(points)s 分", points=signed(total))


def _flash_recorded(result: Recorded, what: str) -> None:
    if result.replayed:
        flash(_("这份内容已经提交过，没有重复记录。"), "warning")
    flash(what + _("（%(state)s）", state=_state(result.entries)), "success")
    for notice in result.notices:
        flash(notice, "warning")


def _problem_text(problem: Exception, household: Household | None) -> str:
    if household is None:
        return str(problem)
    return _(
        "%(number)s %(head)s：%(problem)s",
        number=household.number,
        head=household.head_name,
        problem=str(problem),
    )


@bp.route("/record", methods=["GET", "POST"])
@role_required(RECORDERS)
def record():
    """Household first (by 户号, name or pinyin initials), then the entry for that household."""
    village = current_village()
    household_id = request.args.get("household", type=database_int)
    if household_id is None:
        text = request.args.get("q", "").strip()
        found = []
        if text:
            query = registry.search(village.id, text=text, status=HouseholdStatus.ACTIVE.value)
            found = list(db.session.execute(query.limit(30)).scalars())
            if len(found) == 1:
                return redirect(url_for("ledger.record", household=found[0].id))
        return render_template("ledger/pick.html", q=text, found=found)

    household = household_or_404(household_id)
    form = EntryForm()
    form.member_ids.choices = [SelectChoice(m.id, m.name) for m in household.members]
    if form.validate_on_submit():
        try:
            quantity = ledger.parse_quantity(form.quantity.data)
            item, level = item_and_level(form.item.data)
            draft = Draft(
                household.id,
                item,
                form.on.data,
                quantity,
                tuple(form.member_ids.data or ()),
                (form.note.data or "").strip() or None,
                level,
            )
            result = ledger.record(village, [draft], key=form.key.data, actor=current_user)
            if not result.replayed:
                attach_uploads(
                    result.entries[0], request.files.getlist(form.photos.name), current_user
                )
            db.session.commit()
        except evidence.PhotosRefused as exc:
            db.session.rollback()
            form.form_errors.extend(str(problem) for problem in exc.problems)
        except SubmissionRefused as exc:
            db.session.rollback()
            form.form_errors.extend(str(problem) for _, problem in exc.problems)
        except PointsError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            (entry,) = result.entries
            _flash_recorded(
                result,
                _(
                    "已记录 #%(id)s：%(number)s %(head)s，%(item)s %(title)s",
                    id=entry.id,
                    number=household.number,
                    head=household.head_name,
                    item=entry.item_code,
                    title=entry.item_title,
                ),
            )
            return redirect(url_for("ledger.record"))
    on = form.on.data or app_today()
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "ledger/record.html",
        household=household,
        form=form,
        catalogue=item_catalogue(rules_store.in_force(village.code).rulebook, on),
    ), status


BATCH_GROUP = "batch_group"  # the session remembers the last group batched, for the next batch


@bp.route("/batch", methods=["GET", "POST"])
@role_required(RECORDERS)
def batch():
    """One item and day for many households of one village group: a box per household (its
    value, or a mark for an item without one), a preview of each household's points (caps
    applied), then saving exactly what was previewed. After saving, the next batch keeps the
    item and the day (in the redirect's query string)."""
    village = current_village()
    groups = registry.groups_of(village)
    group_id = request.args.get("group", type=database_int)
    if group_id is None and len(groups) == 1:
        group_id = groups[0].id  # one group: nothing to choose
    elif group_id is None:
        group_id = session.get(BATCH_GROUP)  # the group of the last batch (its page links others)
    group = next((g for g in groups if g.id == group_id), None)
    if group is None:
        return render_template("ledger/batch_group.html", groups=groups)

    members = list(
        db.session.execute(
            registry.search(village.id, group_id=group.id, status=HouseholdStatus.ACTIVE.value)
        ).scalars()
    )
    by_id = {h.id: h for h in members}
    form = BatchForm()
    if request.method == "GET":
        # The item and day of the batch before (or of a link): the next group, the next item.
        form.item.data = request.args.get("item", "").strip() or None
        on = request.args.get("on", "")
        if on:
            with contextlib.suppress(ValueError):
                form.on.data = date.fromisoformat(on)
        if request.args.get("all"):
            form.household_ids.data = [h.id for h in members]
    form.household_ids.choices = [SelectChoice(h.id, f"{h.number} {h.head_name}") for h in members]
    rulebook = rules_store.in_force(village.code).rulebook
    errors: list[str] = []
    outcomes = None
    saved_over = False
    if form.validate_on_submit():
        drafts = []
        try:
            item, level = item_and_level(form.item.data)
            version = rulebook.item_on(item, form.on.data)
            takes_value = version is not None and version.scoring.kind not in ("points", "levels")
            boxes = {h.id: request.form.get(f"value-{h.id}", "")[:20] for h in members}
            rows = batch_rows(
                [h.id for h in members],
                {i for i in form.household_ids.data or () if i in by_id},
                boxes,
                form.quantity.data or "",
                takes_value,
            )
            note = (form.note.data or "").strip() or None
            for row in rows:
                try:
                    quantity = ledger.parse_quantity(row.value)
                except PointsError as exc:
                    raise BatchRowsRefused([BatchRowError(row.household_id, str(exc))]) from None
                drafts.append(
                    Draft(row.household_id, item, form.on.data, quantity, (), note, level)
                )
            digest = ledger.drafts_digest("batch", drafts)
            if form.previewed.data != digest or request.form.get("step") != "save":
                # Not previewed as it stands: show what saving would do, and save nothing.
                saved_over = request.form.get("step") == "save"
                if not drafts:
                    raise PointsError(N_("没有要记录的内容：请至少选择一户。"))
                outcomes = ledger.preview_record(village, drafts)
                form.previewed.data = digest
            else:
                result = ledger.record(
                    village, drafts, key=form.key.data, actor=current_user, source="batch"
                )
                db.session.commit()
        except BatchRowsRefused as exc:
            db.session.rollback()
            errors.extend(_problem_text(p, by_id.get(p.household_id)) for p in exc.problems)
        except SubmissionRefused as exc:
            db.session.rollback()
            errors.extend(
                _problem_text(problem, by_id.get(drafts[index].household_id))
                for index, problem in exc.problems
            )
        except PointsError as exc:
            db.session.rollback()
            errors.append(str(exc))
        else:
            if outcomes is None:
                entry = result.entries[0]
                _flash_recorded(
                    result,
                    _(
                        "已为%(group)s %(count)s 户记录 %(item)s %(title)s",
                        group=group.name,
                        count=len(result.entries),
                        item=entry.item_code,
                        title=entry.item_title,
                    ),
                )
                session[BATCH_GROUP] = group.id
                return redirect(
                    url_for(
                        "ledger.batch",
                        group=group.id,
                        item=form.item.data,
                        on=form.on.data.isoformat(),
                    )
                )
    if outcomes is not None and any(o.problem is not None for o in outcomes):
        errors.extend(
            _problem_text(o.problem, by_id.get(o.draft.household_id)) for o in outcomes if o.problem
        )
        outcomes = None
    status = 400 if form.errors or errors else 200
    return render_template(
        "ledger/batch.html",
        group=group,
        groups=groups,
        form=form,
        errors=errors,
        outcomes=outcomes,
        saved_over=saved_over,
        households=by_id,
        boxes={h.id: request.form.get(f"value-{h.id}", "") for h in members},
        catalogue=item_catalogue(rulebook, form.on.data or app_today()),
    ), status


@bp.get("/entries/<int:entry_id>")
@role_required(STAFF)
def entry(entry_id: int):
    return _render_entry(entry_or_404(entry_id), ReverseForm(formdata=None))


def _render_entry(entry: Entry, reverse_form: ReverseForm, errors: list[str] | None = None):
    rulebook = rulebook_of_entry(entry)
    if entry.is_approved:
        notices = ledger.limit_notices(entry, rulebook)
        preview = None
    elif entry.status == "pending":
        preview = ledger.preview(entry, rulebook)
        notices = preview.notices
    else:
        notices, preview = [], None
    names = {m.id: m.name for m in entry.household.members}
    return render_template(
        "ledger/entry.html",
        entry=entry,
        notices=notices,
        preview=preview,
        members=[names.get(i, f"#{i}") for i in entry.member_ids or ()],
        reverse_form=reverse_form,
        errors=errors or [],
        photos=evidence.photos_of(entry),
        can_reverse=current_user.has_role(*REVIEWERS)
        and entry.is_approved
        and entry.reversed_by is None,
    )


@bp.post("/entries/<int:entry_id>/reverse")
@role_required(REVIEWERS)
def reverse(entry_id: int):
    entry = entry_or_404(entry_id)
    form = ReverseForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            result = ledger.reverse(
                entry, actor=current_user, reason=form.reason.data, key=form.key.data
            )
            db.session.commit()
        except PointsError as exc:
            db.session.rollback()
            errors.append(str(exc))
        else:
            reversal = result.entries[0]  # then the reversals of its companions, if any
            flash(
                _(
                    "已冲正记录 #%(id)s：冲正记录 #%(new)s，%(points)s 分。",
                    id=entry.id,
                    new=reversal.id,
                    points=signed(reversal.points),
                ),
                "success",
            )
            return redirect(url_for("ledger.entry", entry_id=reversal.id))
    else:
        errors.extend(e for field_errors in form.errors.values() for e in field_errors)
    return _render_entry(entry_or_404(entry_id), form, errors), 400


# The entries page (积分记录): every entry the viewer may see, filtered, paged, exported.
LIST_PAGE = 50


def _entry_filter() -> tuple[EntryFilter, dict[str, str], list[str]]:
    """The filter the query string asks for, the arguments to keep in links, and what was not
    understood (shown on the page; the filter then leaves that part out)."""
    args = {k: request.args.get(k, "").strip() for k in FILTER_ARGS}
    problems = []

    def day(name: str, label: str) -> date | None:
        if not args[name]:
            return None
        try:
            return date.fromisoformat(args[name])
        except ValueError:
            problems.append(
                _(
                    "%(label)s “%(text)s” 看不懂，请写成 2026-08-03 这样。",
                    label=label,
                    text=args[name],
                )
            )
            args[name] = ""
            return None

    def number(name: str) -> int | None:
        if not args[name]:
            return None
        try:
            return database_int(args[name])
        except ValueError:
            args[name] = ""
            return None

    wanted = EntryFilter(
        start=day("start", _("起始日期")),
        end=day("end", _("截止日期")),
        item=args["item"] or None,
        household=args["household"] or None,
        group_id=number("group"),
        recorder_id=number("recorder"),
        status=args["status"] if args["status"] in ledger_queries.STATUSES else None,
        source=args["source"] if args["source"] in ledger_queries.ENTRY_SOURCES else None,
        submission_id=number("submission"),
    )
    return wanted, {k: v for k, v in args.items() if v}, problems


FILTER_ARGS = (
    "start",
    "end",
    "item",
    "household",
    "group",
    "recorder",
    "status",
    "source",
    "submission",
)


@bp.get("/entries")
@role_required(STAFF)
def entries():
    village = current_village()
    wanted, kept, problems = _entry_filter()
    visible = access.visible_households_filter(current_user)
    query = ledger_queries.entries_page(village, wanted, visible)
    page = db.paginate(query, page=page_number(), per_page=LIST_PAGE, error_out=False)
    submission = None
    if wanted.submission_id:
        submission = db.session.get(Submission, wanted.submission_id)
        if submission is None or submission.village_id != village.id:
            submission = None
    groups = registry.groups_of(village)
    shown_groups = set(access.visible_group_ids(current_user, [g.id for g in groups]))
    return render_template(
        "ledger/entries.html",
        page=page,
        filters=kept,
        problems=problems,
        groups=[g for g in groups if g.id in shown_groups],
        items=ledger_queries.item_codes(village),
        recorders=ledger_queries.recorders(village),
        statuses=STATUS_CHOICES,
        sources=SOURCE_CHOICES,
        submission=submission,
        photo_counts=evidence.photo_counts([e.id for e in page.items]),
        reverse_form=ReverseSubmissionForm(formdata=None),
        can_reverse=submission is not None
        and current_user.has_role(*REVIEWERS)
        and submission.source in ledger.REVERSIBLE_SOURCES,
    ), (400 if problems else 200)


STATUS_CHOICES = (
    ("pending", _l("待审核")),
    ("approved", _l("已审核")),
    ("rejected", _l("已驳回")),
    ("reversed", _l("已冲正")),
)
SOURCE_CHOICES = (
    ("form", _l("单条记分")),
    ("batch", _l("批量记分")),
    ("sheet", _l("评分表导入")),
    ("declaration", _l("村民申报")),
    ("reversal", _l("冲正")),
)


@bp.get("/entries.xlsx")
@role_required(STAFF)
def entries_export():
    """The entries the page's filters select, every one of them (not only a page), as .xlsx."""
    village = current_village()
    wanted, _kept, problems = _entry_filter()
    if problems:
        abort(400, problems[0])
    visible = access.visible_households_filter(current_user)
    statuses = {code: str(label) for code, label in STATUS_CHOICES}
    sources = {code: str(label) for code, label in SOURCE_CHOICES}

    def rows():
        for r in ledger_queries.entry_rows(village, wanted, visible):
            status = "reversed" if r.status == "approved" and r.reversed_by else r.status
            title = f"{r.item_title}（{r.level}）" if r.level else r.item_title
            yield (
                r.id,
                r.occurred_on,
                r.number,
                r.head_name,
                r.group_name,
                r.item_code,
                title,
                r.quantity,
                r.requested,
                r.points,
                statuses[status],
                sources.get(r.source, r.source),
                r.submission_id,
                r.created_name or r.created_label,
                r.created_at,
                r.note,
                r.review_note,
            )

    today = app_today().isoformat()
    return send_xlsx(
        lambda data, stream: write_entry_list(data, stream),
        rows(),
        f"积分记录-{today}.xlsx",
        f"entries-{today}.xlsx",
    )


@bp.post("/submissions/<int:submission_id>/reverse")
@role_required(REVIEWERS)
def reverse_submission(submission_id: int):
    """Take back a whole batch or score sheet with one reason (all or nothing)."""
    village = current_village()
    submission = db.get_or_404(Submission, submission_id)
    if submission.village_id != village.id:
        abort(404)
    back = redirect(url_for("ledger.entries", submission=submission.id))
    form = ReverseSubmissionForm()
    if not form.validate_on_submit():
        for error in form.reason.errors:
            flash(_("撤销理由：%(error)s", error=error), "error")
        return back
    try:
        result = ledger.reverse_submission(
            submission, actor=current_user, reason=form.reason.data, key=form.key.data
        )
        db.session.commit()
    except PointsError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return back
    if result.replayed:
        flash(_("这份内容已经提交过，没有重复处理。"), "warning")
    else:
        flash(
            _(
                "已撤销提交 #%(id)s：冲正 %(reversed)s 条，驳回 %(rejected)s 条。",
                id=submission.id,
                reversed=len([e for e in result.reversals if e.source_entry_id is None]),
                rejected=len(result.rejected),
            ),
            "success",
        )
    return back
