"""What every blueprint shares: the user's village, the household or entry a URL names (404 when
it is not the user's to see), who may open a page, xlsx downloads, evidence uploads, and the
sign-in steps staff and residents go through alike.

Imports no blueprint, so any blueprint may import it without a cycle.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from functools import wraps
from typing import IO, Any
from urllib.parse import quote

from flask import Flask, Response, abort, current_app, g, request, send_file, session
from flask_babel import format_datetime, format_time
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from .. import access, audit, database, evidence, signin, throttle
from ..extensions import db
from ..ledger import lookup
from ..models import Entry, EntryPhoto, Household, Role, Village, utcnow

# Who may open which pages. Evidence photos have their own sets in pointsys.evidence.
ADMINS = frozenset({Role.ADMIN})
# Record points, download score sheets and the roster.
RECORDERS = frozenset({Role.ADMIN, Role.CLERK})
# Four eyes: approve, reject and reverse entries; read objections.
REVIEWERS = frozenset({Role.ADMIN, Role.SUPERVISOR})
# The supervision committee (村务监督委员会) alone settles objections.
SUPERVISORS = frozenset({Role.SUPERVISOR})
# The household registry (a group leader: their own groups).
REGISTRY_READERS = frozenset({Role.ADMIN, Role.CLERK, Role.GROUP_LEADER})
# Every staff role: the ledger's read-only pages, honour lists and exports.
STAFF = frozenset({Role.ADMIN, Role.CLERK, Role.GROUP_LEADER, Role.SUPERVISOR})

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def role_required(roles: Iterable[Role]):
    """Only signed-in staff holding one of `roles` may open the page; others get 403."""
    allowed = frozenset(roles)
    # A bare Role is a str, and a set of its letters would let nobody in: refuse it at import.
    if isinstance(roles, Role) or not allowed or not all(isinstance(r, Role) for r in allowed):
        raise TypeError(f"role_required wants a set of Role, not {roles!r}")

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*allowed):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def village_or_none() -> Village | None:
    """The signed-in user's village, or the only one there is; None when that says nothing."""
    if current_user.village_id:
        return db.session.get(Village, current_user.village_id)
    villages = db.session.execute(db.select(Village).limit(2)).scalars().all()
    return villages[0] if len(villages) == 1 else None


def current_village() -> Village:
    """The signed-in user's village; staff without one see the only village there is."""
    village = village_or_none()
    if village is None:
        abort(404, _("账号没有关联到村，请联系管理员。"))
    return village


def household_or_404(household_id: int) -> Household:
    """The household, if it is in the user's village and theirs to see (a group leader: their
    groups); 404 otherwise, so a household's id says nothing to someone not allowed to see it."""
    household = db.get_or_404(Household, household_id)
    if household.village_id != current_village().id or not access.can_see_household(
        current_user, household
    ):
        abort(404)
    return household


def entry_or_404(entry_id: int) -> Entry:
    """The village's entry, if its household is the user's to see (a group leader: their groups);
    404 otherwise, as for the household itself."""
    entry = lookup.entry_in(current_village(), entry_id)
    if entry is None or not access.can_see_household(current_user, entry.household):
        abort(404)
    return entry


def evidence_root():
    """Where this app keeps evidence photos."""
    return evidence.folder(current_app.instance_path)


def evidence_limits() -> evidence.Limits:
    return evidence.Limits.from_config(current_app.config)


def attach_uploads(entry: Entry, files, actor) -> list[EntryPhoto]:
    """Attach the photos a form carried (empty file inputs ignored), under this app's limits."""
    chosen = [f for f in files if f and f.filename]
    if not chosen:
        return []
    return evidence.attach(entry, chosen, actor, root=evidence_root(), limits=evidence_limits())


def attachment(filename: str, ascii_name: str) -> str:
    """A Content-Disposition for a download named `filename` (Chinese survives as RFC 5987
    filename*), with `ascii_name` for the rare client that reads only the plain form."""
    return f"attachment; filename={ascii_name}; filename*=UTF-8''{quote(filename)}"


def xlsx_response(
    content: bytes | IO[bytes], filename: str, ascii_name: str = "download.xlsx"
) -> Response:
    """An xlsx download, from bytes or an open binary file (closed after the response)."""
    if isinstance(content, bytes):
        response = Response(content, mimetype=XLSX)
    else:
        response = send_file(content, mimetype=XLSX)
    response.headers["Content-Disposition"] = attachment(filename, ascii_name)
    return response


def send_xlsx(
    writer: Callable[[Any, IO[bytes]], object],
    data,
    filename: str,
    ascii_name: str = "download.xlsx",
) -> Response:
    """Write `data` with `writer` and send it as an xlsx download."""
    # A temporary file, not memory: the archive of a big ledger is large; it is deleted on close.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it after the response
    writer(data, spool)
    spool.seek(0)
    return xlsx_response(spool, filename, ascii_name)


def attempt_sign_in(account: str, object_type: str, check: Callable[[], signin.P | None]):
    """signin.attempt from this request's address under the app's throttle policy; committed at
    once, so a failure counts even if the page then fails."""
    result = signin.attempt(
        account,
        object_type,
        check,
        address=request.remote_addr,
        now=utcnow(),
        policy=throttle.policy_from_config(current_app.config, object_type),
    )
    db.session.commit()
    return result


def start_session(who, object_type: str, object_id: int, **actor) -> None:
    """Sign `who` in and record it (`actor`: audit.record's actor or actor_label)."""
    # Permanent: the session then ends after PERMANENT_SESSION_LIFETIME, not never.
    session.permanent = True
    login_user(who)
    with database.writing():  # the sign-in page began reading (database.reads_first)
        audit.record(throttle.SUCCEEDED, object_type, object_id, **actor)
        db.session.commit()


def lock_message(lock: throttle.Lock, *, resident: bool = False) -> str:
    """Why the sign-in is refused and until when, for a staff account or a household."""
    until = format_time(lock.until, "HH:mm")
    if lock.scope == "day":
        # The daily budget lifts a day after its oldest failure: say which day.
        return _(
            "该户号 24 小时内登录失败已达 %(n)d 次，已暂时锁定，请在 %(until)s 之后再试；"
            "忘记 PIN 请联系村两委重置。",
            n=lock.failures,
            until=format_datetime(lock.until, "short"),
        )
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


def init_app(app: Flask) -> None:
    """Hand the audit trail the address each request comes from: domain code records events
    without reading the request, and a command or a test records them the same way."""

    @app.before_request
    def _audit_origin() -> None:
        g.audit_origin = audit.set_origin(request.remote_addr)

    @app.teardown_request
    def _end_audit_origin(_error: BaseException | None) -> None:
        token = g.pop("audit_origin", None)
        if token is not None:
            audit.reset_origin(token)
