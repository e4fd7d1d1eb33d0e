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

from .. import accounts, audit, database, residents
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
    """ "u:5:2" is staff account 5 at session version 2; "h:12:3" is household 12 signed in at its
    sign-in version 3. A version bumped since (sign-out, new password or PIN, role change) or an
    account closed since ends the session, whoever holds a copy of the cookie. Sessions without a
    version (from before versions existed) are refused: one signs in again."""
    kind, _, rest = session_id.partition(":")
    number, _, version = rest.partition(":")
    try:
        if kind == "u":
            return accounts.load_session_user(int(number), int(version))
        if kind == "h":
            return residents.load_resident(int(number), int(version))
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
    database.reads_first()  # no write lock while the password is hashed
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
    """Sign out, staff and residents alike, on the server too: the account's (or household's)
    session version is bumped, so a copy of this cookie stops working. It signs out the account's
    other devices as well, which is what one wants after using a shared computer."""
    if current_user.is_resident:
        residents.end_sessions(current_user.household_id)
        audit.record("logout", "household", current_user.household_id, actor=current_user.label)
    else:
        current_user.end_sessions()
        audit.record("logout", "user", current_user.id, actor=current_user)
    db.session.commit()
    logout_user()
    flash(_("已退出登录。"), "info")
    return redirect(url_for("main.index"))
