"""Administrator pages (村两委)."""

from functools import wraps

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Role, User
from ..navigation import ROLE_LABELS

bp = Blueprint("admin", __name__, url_prefix="/admin")


def role_required(*roles: Role):
    """Only signed-in staff holding one of these roles may open the page; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


@bp.get("/users")
@role_required(Role.ADMIN)
def users():
    rows = db.session.execute(db.select(User).order_by(User.username)).scalars().all()
    return render_template("admin/users.html", users=rows, role_labels_by_role=ROLE_LABELS)
