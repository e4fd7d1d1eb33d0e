"""Staff sign-in and sign-out."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import (
    AnonymousUserMixin,
    current_user,
    login_required,
    logout_user,
)
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .. import accounts, audit, residents
from ..extensions import db, login_manager
from ..models import User
from .common import attempt_sign_in, lock_message, start_session
from .forms import Form
from .safety import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")

login_manager.login_view = "auth.login"
login_manager.login_message = _l("请先登录。")
login_manager.login_message_category = "warning"


login_manager.blueprint_login_views = {"resident": "resident.login"}


class Anonymous(AnonymousUserMixin):
    """Nobody signed in: no roles, no groups, no household (access checks need no special case)."""

    is_resident = False
    household_id = None
    roles: frozenset = frozenset()
    group_ids: frozenset = frozenset()

    def has_role(self, *roles) -> bool:
        return False


login_manager.anonymous_user = Anonymous


@login_manager.user_loader
def load_user(session_id: str) -> User | residents.Resident | None:
    """ "u:5" is staff account 5 (a bare "5" too: sessions from before residents could sign in);
    "h:12:3" is household 12 signed in with its PIN's version 3 (gone once the PIN changes)."""
    kind, _, rest = session_id.partition(":")
    try:
        if not rest:
            return db.session.get(User, int(kind))
        if kind == "u":
            return db.session.get(User, int(rest))
        if kind == "h":
            household_id, _, version = rest.partition(":")
            return residents.load_resident(int(household_id), int(version))
    except ValueError:
        pass
    return None


class LoginForm(Form):
    username = StringField(
        _l("用户名"), validators=[DataRequired(_l("请填写用户名。")), Length(max=50)]
    )
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码。"))])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        username, password = form.username.data.strip(), form.password.data
        attempt = attempt_sign_in(
            username, "user", lambda: accounts.authenticate(username, password)
        )
        if attempt.lock is not None:
            form.password.errors.append(lock_message(attempt.lock))
            return render_template("auth/login.html", form=form), 429
        user = attempt.signed_in
        if user is None:
            # One message for unknown user and wrong password: do not reveal which accounts exist.
            form.password.errors.append(_("用户名或密码不正确。"))
        else:
            start_session(user, "user", user.id, actor=user)
            flash(_("欢迎，%(name)s。", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out, staff and residents alike."""
    if current_user.is_resident:
        audit.record("logout", "household", current_user.household_id, actor=current_user.label)
    else:
        audit.record("logout", "user", current_user.id, actor=current_user)
    db.session.commit()
    logout_user()
    flash(_("已退出登录。"), "info")
    return redirect(url_for("main.index"))
