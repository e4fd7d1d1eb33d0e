"""Navigation by role: each page says who may see its menu entry; the base template shows them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .models import Role, Village

ROLE_LABELS = {
    Role.ADMIN: _l("村两委"),
    Role.CLERK: _l("记分员"),
    Role.GROUP_LEADER: _l("村民小组长"),
    Role.SUPERVISOR: _l("监督委员"),
}


STAFF, RESIDENT, EVERYONE = "staff", "resident", "everyone"


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: object  # a lazy string, translated when rendered
    roles: frozenset[Role]  # empty: every signed-in staff member
    audience: str = STAFF  # RESIDENT: signed-in households only; EVERYONE: staff and households
    # The URL's arguments, from the signed-in user (a household's village code); None: no arguments.
    url_args: Callable[[object], dict] | None = None


# Later features append their pages here, in menu order.
NAV_ENTRIES: list[NavEntry] = [
    NavEntry("main.index", _l("首页"), frozenset()),
    NavEntry("resident.home", _l("本户"), frozenset(), RESIDENT),
    NavEntry("admin.users", _l("用户"), frozenset({Role.ADMIN})),
    NavEntry("rules.index", _l("积分细则"), frozenset(), EVERYONE),
    NavEntry(
        "households.index",
        _l("户籍"),
        frozenset({Role.ADMIN, Role.CLERK, Role.GROUP_LEADER}),
    ),
    NavEntry("households.import_roster", _l("导入名册"), frozenset({Role.ADMIN})),
    NavEntry("ledger.record", _l("记分"), frozenset({Role.ADMIN, Role.CLERK})),
    NavEntry("ledger.batch", _l("批量记分"), frozenset({Role.ADMIN, Role.CLERK})),
    NavEntry("ledger.review", _l("审核"), frozenset({Role.ADMIN, Role.SUPERVISOR})),
    NavEntry(
        "ledger.entries",
        _l("积分记录"),
        frozenset({Role.ADMIN, Role.CLERK, Role.GROUP_LEADER, Role.SUPERVISOR}),
    ),
    NavEntry(
        "ledger.standings_page",
        _l("积分排名"),
        frozenset({Role.ADMIN, Role.CLERK, Role.GROUP_LEADER, Role.SUPERVISOR}),
    ),
    NavEntry("ledger.quarters", _l("季度结账"), frozenset({Role.ADMIN})),
    NavEntry("exports.index", _l("导出表格"), frozenset()),
    NavEntry("lists.index", _l("红黑榜"), frozenset()),
    NavEntry("lists.objections", _l("异议"), frozenset({Role.SUPERVISOR, Role.ADMIN})),
    NavEntry("score_sheets.index", _l("评分表"), frozenset({Role.ADMIN, Role.CLERK})),
    NavEntry("audit.index", _l("操作日志"), frozenset({Role.ADMIN})),
    NavEntry("resident.declare", _l("申报"), frozenset(), RESIDENT),
    # The village's published red and black lists, the page anyone may open (a household's own
    # place is on its page; the lists show the neighbours too).
    NavEntry(
        "public_lists.index",
        _l("红黑榜"),
        frozenset(),
        RESIDENT,
        url_args=lambda user: {"village_code": user.village_code},
    ),
    NavEntry("resident.objections", _l("异议"), frozenset(), RESIDENT),
    NavEntry("resident.change_pin", _l("修改 PIN"), frozenset(), RESIDENT),
]


def entries_for(roles: frozenset[Role], *, resident: bool = False) -> list[NavEntry]:
    """The menu entries a staff member holding these roles (or a signed-in household) may see."""
    if resident:
        return [e for e in NAV_ENTRIES if e.audience in (RESIDENT, EVERYONE)]
    return [
        e
        for e in NAV_ENTRIES
        if e.audience in (STAFF, EVERYONE) and (not e.roles or e.roles & roles)
    ]


# Menu entries that show how much waits there: the review queue, its pending entries.
COUNTED = {"ledger.review"}


def _count(endpoint: str) -> int | None:
    """What waits behind a counted menu entry, for the signed-in staff member's village."""
    if endpoint not in COUNTED:
        return None
    from . import dashboard  # it reads the ledger; the menu needs it only for this entry

    village_id = current_user.village_id
    if not village_id:  # staff tied to no village see the only one there is
        from .extensions import db

        ids = db.session.execute(db.select(Village.id).limit(2)).scalars().all()
        village_id = ids[0] if len(ids) == 1 else None
    return dashboard.pending_count(village_id) if village_id else None


def init_app(app: Flask) -> None:
    @app.context_processor
    def _navigation():
        if not current_user.is_authenticated:
            return {"nav_items": [], "role_labels": []}
        roles = current_user.roles
        items = [
            {
                "url": url_for(e.endpoint, **(e.url_args(current_user) if e.url_args else {})),
                "label": e.label,
                "active": request.endpoint == e.endpoint,
                "count": _count(e.endpoint),
            }
            for e in entries_for(roles, resident=current_user.is_resident)
            if e.endpoint in app.view_functions
        ]
        labels = [str(ROLE_LABELS[r]) for r in Role if r in roles]
        return {"nav_items": items, "role_labels": labels}
