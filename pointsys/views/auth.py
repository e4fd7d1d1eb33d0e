"""Staff sign-in and sign-out."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import (
    AnonymousUserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .. import audit, residents, throttle
from ..extensions import db, login_manager
from ..models import User, utcnow
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


class LoginForm(FlaskForm):
    username = StringField(
        _l("用户名"), validators=[DataRequired(_l("请填写用户名。")), Length(max=50)]
    )
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码。"))])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        lock = throttle.current_lock(
            username, request.remote_addr, utcnow(), throttle.policy_from_config(current_app.config)
        )
        if lock is not None:
            # Refused without looking at the password, so a locked account cannot be guessed at.
            audit.record("login_locked", "user", None, actor_label=username[:100])
            db.session.commit()
            form.password.errors.append(lock_message(lock))
            return render_template("auth/login.html", form=form), 429
        user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
        if user is None or not user.check_password(form.password.data) or not user.is_active:
            audit.record("login_failed", "user", None, actor_label=username[:100])
            db.session.commit()
            # One message for unknown user and wrong password: do not reveal which accounts exist.
            form.password.errors.append(_("用户名或密码不正确。"))
        else:
            # Permanent: the session then ends after PERMANENT_SESSION_LIFETIME, not never.
            session.permanent = True
            login_user(user)
            audit.record("login", "user", user.id, actor=user)
            db.session.commit()
            flash(_("欢迎，%(name)s。", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


def lock_message(lock: throttle.Lock, *, resident: bool = False) -> str:
    """Why the sign-in is refused and until when, for a staff account or a household."""
    until = format_time(lock.until, "HH:mm")
    if lock.scope == "account" and resident:
        return _(
            "该户号连续 %(n)d 次登录失败，已暂时锁定，请在 %(until)s 之后再试；"
            "忘记 PIN 请联系村两委重置。",
            n=lock.failures,
            until=until,
        )
    if lock.scope == "account":
        return _(
            "该账号连续 %(n)d 次登录失败，已暂时锁定，请在 %(until)s 之后再试；"
            "忘记密码请联系村两委重置。",
            n=lock.failures,
            until=until,
        )
    return _(
        "这台设备登录失败次数过多，已暂时锁定，请在 %(until)s 之后再试。",
        until=until,
    )


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
