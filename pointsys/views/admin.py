"""Administrator pages (村两委)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import accounts
from .. import households as registry
from ..extensions import db
from ..models import Role, User
from ..navigation import ROLE_LABELS
from .common import ADMINS, current_village, role_required, village_or_none
from .forms import Form
from .hygiene import database_ids

bp = Blueprint("admin", __name__, url_prefix="/admin")


class GroupsForm(Form):
    """The groups a leader looks after: checkboxes named group_ids, read from request.form."""


@bp.get("/users")
@role_required(ADMINS)
def users():
    return _render_users()


def _render_users(errors: dict[int, str] | None = None):
    rows = db.session.execute(db.select(User).order_by(User.username)).scalars().all()
    village = village_or_none()
    return render_template(
        "admin/users.html",
        users=rows,
        role_labels_by_role=ROLE_LABELS,
        groups=registry.groups_of(village) if village else [],
        groups_form=GroupsForm(formdata=None),
        errors=errors or {},
        group_leader=Role.GROUP_LEADER,
    )


@bp.post("/users/<int:user_id>/groups")
@role_required(ADMINS)
def set_groups(user_id: int):
    """Set the village groups a group leader looks after (the households they may see)."""
    user = db.get_or_404(User, user_id)
    if not GroupsForm().validate_on_submit():
        abort(400)
    village = current_village()
    wanted = set(database_ids(request.form.getlist("group_ids")))
    groups = [g for g in registry.groups_of(village) if g.id in wanted]
    try:
        accounts.set_groups(user, groups, actor=current_user)
        db.session.commit()
    except accounts.AccountError as exc:
        db.session.rollback()
        return _render_users({user_id: str(exc)}), 400
    names = "、".join(g.name for g in groups) or _("无")
    flash(
        _("%(name)s 负责的村民小组：%(groups)s。", name=user.display_name, groups=names), "success"
    )
    return redirect(url_for("admin.users"))
