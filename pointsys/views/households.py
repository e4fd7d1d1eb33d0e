"""Households (户): the registry pages, roster import/export, door plaques and the resident page.

Thin: parse the form, call pointsys.households (and its roster), commit or roll back, render.
"""

from __future__ import annotations

import os

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from .. import access, household_summary, residents, rules_store
from .. import households as registry
from ..extensions import db
from ..households import roster
from ..localtime import app_today
from ..models import Household, HouseholdStatus, Village, VillageGroup
from ..rulebook.messages import N_
from .common import (
    ADMINS,
    RECORDERS,
    REGISTRY_READERS,
    current_village,
    household_or_404,
    role_required,
    xlsx_response,
)
from .household_forms import (
    FIELD_LABELS,
    STATUS_LABELS,
    CommitForm,
    GroupForm,
    HouseholdForm,
    MemberForm,
    MergeForm,
    PlainForm,
    SplitForm,
    StatusForm,
    UploadForm,
)
from .hygiene import database_ids, database_int, page_number

bp = Blueprint("households", __name__)

PER_PAGE = 50
# Door plaques print in batches: 96 is 16 A4 sheets of six, so no batch ends on a part-empty sheet.
PLAQUES_PER_BATCH = 96


def upload_dir() -> str:
    return os.path.join(current_app.instance_path, "uploads", "roster")


@bp.get("/households/")
@role_required(REGISTRY_READERS)
def index():
    village = current_village()
    text = request.args.get("q", "").strip()
    group_id = request.args.get("group", type=database_int)
    tag = request.args.get("tag", "").strip() or None
    status = request.args.get("status", HouseholdStatus.ACTIVE.value)
    if status not in STATUS_LABELS:
        status = ""
    query = (
        registry.search(village.id, text=text, group_id=group_id, tag=tag, status=status or None)
        .where(access.visible_households_filter(current_user))
        .options(db.joinedload(Household.group), db.selectinload(Household.tag_rows))
    )
    groups = registry.groups_of(village)
    shown = set(access.visible_group_ids(current_user, [g.id for g in groups]))
    page = db.paginate(query, per_page=PER_PAGE, error_out=False, page=page_number())
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "households/index.html",
        village=village,
        page=page,
        q=text,
        group_id=group_id,
        tag=tag,
        status=status,
        groups=[g for g in groups if g.id in shown],
        tags=registry.tags_in_use(village.id, access.visible_households_filter(current_user)),
        status_labels=STATUS_LABELS,
        page_args=args,
    )


@bp.get("/households/<int:household_id>")
@role_required(REGISTRY_READERS)
def detail(household_id: int):
    household = household_or_404(household_id)
    return _render_detail(household)


def _render_detail(household: Household, **forms):
    split_form = forms.get("split_form") or SplitForm(formdata=None)
    split_form.new_head_id.choices = _member_choices(household)
    lineage = registry.lineage_of(household)
    linked = {i for link in lineage for i in (link.source_id, link.target_id)}
    numbers = dict(
        db.session.execute(
            db.select(Household.id, Household.number).where(Household.id.in_(linked))
        ).all()
    )
    return render_template(
        "households/detail.html",
        household=household,
        lineage=lineage,
        numbers=numbers,
        status_labels=STATUS_LABELS,
        member_form=forms.get("member_form") or MemberForm(formdata=None),
        status_form=forms.get("status_form") or StatusForm(formdata=None),
        split_form=split_form,
        merge_form=forms.get("merge_form") or MergeForm(formdata=None),
        plain_form=PlainForm(formdata=None),
        public_url=url_for("households.public", token=household.plaque_token, _external=True)
        if household.plaque_token
        else None,
        resident_access=residents.access_of(household),
        errors=forms.get("errors", []),
    )


def _group_choices(village: Village) -> list[SelectChoice]:
    return [SelectChoice(0, "—")] + [
        SelectChoice(g.id, g.name) for g in registry.groups_of(village)
    ]


def _member_choices(household: Household) -> list[SelectChoice]:
    return [SelectChoice(m.id, m.name) for m in household.members]


def _group(village: Village, group_id: int | None):
    if not group_id:
        return None
    group = db.session.get(VillageGroup, group_id)
    return group if group is not None and group.village_id == village.id else None


@bp.route("/households/new", methods=["GET", "POST"])
@role_required(ADMINS)
def create():
    village = current_village()
    form = HouseholdForm()
    form.group_id.choices = _group_choices(village)
    if form.validate_on_submit():
        try:
            household = registry.create_household(
                village,
                number=form.number.data,
                head_name=form.head_name.data,
                actor=current_user,
                address=form.address.data,
                group=_group(village, form.group_id.data),
                grid=form.grid.data,
                phone=form.phone.data,
                tags=registry.split_tags(form.tags.data),
                on=form.registered_on.data,
            )
            db.session.commit()
        except registry.RegistryError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            flash(_("已登记户号 %(number)s。", number=household.number), "success")
            return redirect(url_for("households.detail", household_id=household.id))
    return render_template("households/form.html", form=form, household=None)


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@role_required(ADMINS)
def edit(household_id: int):
    household = household_or_404(household_id)
    village = current_village()
    form = HouseholdForm(
        obj=household,
        data=None
        if request.method == "POST"
        else {"tags": "、".join(household.tags), "group_id": household.group_id or 0},
    )
    form.group_id.choices = _group_choices(village)
    form.number.data = household.number  # the number is the household's identity: never edited
    if form.validate_on_submit():
        try:
            registry.update_household(
                household,
                actor=current_user,
                head_name=form.head_name.data,
                address=form.address.data,
                group=_group(village, form.group_id.data),
                grid=form.grid.data,
                phone=form.phone.data,
                tags=registry.split_tags(form.tags.data),
            )
            db.session.commit()
        except registry.RegistryError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            flash(_("已保存。"), "success")
            return redirect(url_for("households.detail", household_id=household.id))
    return render_template("households/form.html", form=form, household=household)


def _post_action(household_id: int, form_class, form_name: str, action):
    """Validate a detail-page form, run the domain action, commit; errors re-render the page."""
    household = household_or_404(household_id)
    form = form_class()
    if form_class is SplitForm:
        form.new_head_id.choices = _member_choices(household)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            message = action(household, form)
            db.session.commit()
        except registry.RegistryError as exc:
            db.session.rollback()
            errors.append(str(exc))
        else:
            flash(message, "success")
            return redirect(url_for("households.detail", household_id=household.id))
    else:
        errors.extend(e for field_errors in form.errors.values() for e in field_errors)
    household = household_or_404(household_id)
    return _render_detail(household, errors=errors, **{form_name: form}), 400


@bp.post("/households/<int:household_id>/members")
@role_required(ADMINS)
def add_member(household_id: int):
    def action(household, form):
        registry.add_member(
            household,
            name=form.name.data,
            relation=form.relation.data,
            sex=form.sex.data or None,
            birth_year=form.birth_year.data,
            is_party_member=form.is_party_member.data,
            actor=current_user,
        )
        return _("已添加家庭成员。")

    return _post_action(household_id, MemberForm, "member_form", action)


@bp.post("/households/<int:household_id>/status")
@role_required(ADMINS)
def change_status(household_id: int):
    def action(household, form):
        registry.change_status(
            household,
            HouseholdStatus(form.status.data),
            on=form.effective_on.data,
            reason=form.reason.data or "",
            actor=current_user,
        )
        return _("状态已更改；这一户的记录从此只读。")

    return _post_action(household_id, StatusForm, "status_form", action)


@bp.post("/households/<int:household_id>/split")
@role_required(ADMINS)
def split(household_id: int):
    def action(household, form):
        member_ids = database_ids(request.form.getlist("member_ids"))
        new = registry.split_household(
            household,
            new_number=form.new_number.data,
            member_ids=member_ids,
            new_head_id=form.new_head_id.data,
            on=form.effective_on.data,
            actor=current_user,
        )
        return _("已分户：新户户号 %(number)s。", number=new.number)

    return _post_action(household_id, SplitForm, "split_form", action)


@bp.post("/households/<int:household_id>/merge")
@role_required(ADMINS)
def merge(household_id: int):
    def action(household, form):
        village = current_village()
        survivor = registry.find_household(village, form.survivor_number.data.strip())
        if survivor is None:
            raise registry.RegistryError(
                N_("户号 %(number)s 不存在"), number=form.survivor_number.data.strip()
            )
        registry.merge_households(
            household, survivor, on=form.effective_on.data, actor=current_user
        )
        return _("已合户：并入户号 %(number)s。", number=survivor.number)

    return _post_action(household_id, MergeForm, "merge_form", action)


@bp.post("/households/<int:household_id>/rotate-token")
@role_required(ADMINS)
def rotate_token(household_id: int):
    def action(household, form):
        registry.rotate_plaque_token(household, actor=current_user)
        return _("已更换二维码；旧门牌上的二维码已失效，请重新打印门牌。")

    return _post_action(household_id, PlainForm, "plain_form", action)


@bp.post("/households/<int:household_id>/pin")
@role_required(ADMINS)
def issue_pin(household_id: int):
    """Issue or reset the household's PIN and show it once, on a slip to print and hand over."""
    household = household_or_404(household_id)
    form = PlainForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        pin = residents.issue_pin(household, actor=current_user)
        db.session.commit()
    except residents.ResidentError as exc:
        db.session.rollback()
        household = household_or_404(household_id)
        return _render_detail(household, errors=[str(exc)]), 400
    public_url = (
        url_for("households.public", token=household.plaque_token, _external=True)
        if household.plaque_token
        else None
    )
    response = Response(
        render_template(
            "households/pin_slip.html",
            household=household,
            pin=pin,
            public_url=public_url,
            login_url=url_for("resident.login", _external=True),
            qr=segno.make(public_url, error="m").svg_inline(scale=4, border=2)
            if public_url
            else None,
        )
    )
    # The PIN is shown once: not kept by any cache, not shown again by the back button.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/households/groups", methods=["GET", "POST"])
@role_required(ADMINS)
def groups():
    village = current_village()
    form = GroupForm()
    if form.validate_on_submit():
        try:
            registry.create_group(village, form.name.data, actor=current_user)
            db.session.commit()
        except registry.RegistryError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            flash(_("已添加村民小组。"), "success")
            return redirect(url_for("households.groups"))
    return render_template("households/groups.html", form=form, groups=registry.groups_of(village))


@bp.route("/households/import", methods=["GET", "POST"])
@role_required(ADMINS)
def import_roster():
    """Upload → preview. Nothing is written here; the file is kept by its sha256 for the commit."""
    village = current_village()
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not upload.filename:
            form.file.errors.append(_("请选择名册文件。"))
        else:
            try:
                file_sha256, plan = roster.preview_upload(
                    village, upload.read(), upload_dir(), _max_bytes()
                )
            except roster.RosterError as exc:
                form.file.errors.append(str(exc))
            else:
                commit_form = CommitForm(
                    formdata=None, data={"sha256": file_sha256, "digest": plan.digest}
                )
                return render_template(
                    "households/preview.html",
                    plan=plan,
                    filename=upload.filename,
                    commit_form=commit_form,
                    status_labels=STATUS_LABELS,
                    field_labels=FIELD_LABELS,
                )
    return render_template("households/import.html", form=form), 400 if form.errors else 200


def _max_bytes() -> int:
    return int(current_app.config["ROSTER_MAX_BYTES"])


@bp.post("/households/import/commit")
@role_required(ADMINS)
def commit_roster():
    """Re-read the stored file, re-plan, and write only if the plan is the one previewed."""
    village = current_village()
    form = CommitForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        counts = roster.commit_upload(
            village,
            upload_dir(),
            form.sha256.data,
            form.digest.data,
            actor=current_user,
            max_bytes=_max_bytes(),
        )
        db.session.commit()
    except (roster.RosterError, registry.RegistryError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("households.import_roster"))
    flash(
        _(
            "导入完成：新建 %(created)s 户，更新 %(updated)s 户，"
            "更新成员 %(members)s 户，未变 %(unchanged)s 户。",
            **counts,
        ),
        "success",
    )
    return redirect(url_for("households.index"))


@bp.get("/households/template.xlsx")
@role_required(REGISTRY_READERS)
def template():
    village = current_village()
    return xlsx_response(roster.workbook_bytes(village, []), "农户名册模板.xlsx", "roster.xlsx")


@bp.get("/households/export.xlsx")
@role_required(RECORDERS)
def export():
    village = current_village()
    return xlsx_response(
        roster.export_households(village),
        f"{village.name}农户名册{app_today():%Y%m%d}.xlsx",
        "roster.xlsx",
    )


@bp.get("/households/plaques")
@role_required(ADMINS)
def plaques():
    """One batch of door plaques to print (PLAQUES_PER_BATCH of the active households, filtered
    like the list), with links to every batch, village-wide and group by group."""
    village = current_village()
    text = request.args.get("q", "").strip()
    group_id = request.args.get("group", type=database_int)
    query = registry.search(
        village.id, text=text, group_id=group_id, status=HouseholdStatus.ACTIVE.value
    )
    # A QR code costs ~4 ms to draw: 5,000 on one page took 26 s, close to gunicorn's timeout.
    batch = db.paginate(query, per_page=PLAQUES_PER_BATCH, error_out=False, page=page_number())
    items = []
    for household in batch.items:
        url = url_for("households.public", token=household.plaque_token, _external=True)
        qr = segno.make(url, error="m")
        items.append((household, qr.svg_inline(scale=4, border=2)))
    counts = registry.active_counts_by_group(village.id)
    groups = [
        (group, counts[group.id], -(-counts[group.id] // PLAQUES_PER_BATCH))
        for group in registry.groups_of(village)
        if counts.get(group.id)
    ]
    return render_template(
        "households/plaques.html",
        village=village,
        items=items,
        batch=batch,
        q=text,
        group_id=group_id,
        groups=groups,
        per_batch=PLAQUES_PER_BATCH,
    )


@bp.get("/h/<token>")
def public(token: str):
    """The resident's page, opened from the QR code on the door plaque; read-only, no login."""
    household = registry.by_plaque_token(token)
    if household is None:
        abort(404)
    # What a stranger holding the QR code may see is the village's choice ([plaque]).
    policy = rules_store.in_force(household.village.code).rulebook.plaque
    page = render_template(
        "households/public.html",
        household=household,
        plaque=household_summary.for_plaque(household, policy),
    )
    response = Response(page)
    # The URL is a capability: keep it out of caches and out of Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
