"""Staff accounts: create, reset a password, set roles — each audited with before and after."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import gettext as _

from . import audit, signin
from .extensions import db
from .models import Role, User, UserGroup, UserRole, Village, VillageGroup

MIN_PASSWORD_LENGTH = 8
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{2,50}$")


class AccountError(ValueError):
    """A refusal a clerk or administrator can act on."""


def find_user(username: str) -> User:
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        raise AccountError(_("没有用户名为“%(username)s”的账号。", username=username))
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active account with this username and password, or None. The hash check runs even
    for an unknown username, so the answer takes as long and says nothing about who exists."""
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    stored_hash = user.password_hash if user is not None else None
    if not signin.verify(stored_hash, password) or user is None or not user.is_active:
        return None
    return user


def load_session_user(user_id: int, session_version: int) -> User | None:
    """The session's staff account, or None when it was closed or its sessions ended since (a
    sign-out, a new password, a role change bumped the version)."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or user.session_version != session_version:
        return None
    return user


def parse_roles(values: Iterable[str]) -> set[Role]:
    roles = set()
    for value in values:
        try:
            roles.add(Role(value))
        except ValueError:
            known = "、".join(r.value for r in Role)
            raise AccountError(
                _("没有“%(role)s”这个角色；可选：%(known)s。", role=value, known=known)
            ) from None
    return roles


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("密码至少需要 %(n)d 个字符。", n=MIN_PASSWORD_LENGTH))


def create_user(
    username: str, display_name: str, password: str, roles: set[Role], *, actor_label: str
) -> User:
    """Add a staff account; the caller commits."""
    if not USERNAME_RE.match(username):
        raise AccountError(_("用户名只能用 2–50 个英文字母、数字、点、下划线或连字符。"))
    if db.session.execute(db.select(User.id).filter_by(username=username)).first():
        raise AccountError(_("用户名“%(username)s”已被使用。", username=username))
    if not display_name.strip():
        raise AccountError(_("请填写姓名。"))
    check_password_strength(password)
    user = User(username=username, display_name=display_name.strip())
    user.set_password(password)
    user.role_rows = [UserRole(role=r.value) for r in sorted(roles)]
    db.session.add(user)
    db.session.flush()
    audit.record(
        "create",
        "user",
        user.id,
        actor_label=actor_label,
        after={"username": username, "display_name": user.display_name, "roles": _names(roles)},
    )
    return user


def reset_password(user: User, password: str, *, actor_label: str) -> None:
    check_password_strength(password)
    user.set_password(password)
    user.end_sessions()  # whoever knew the old password (or holds a copied cookie) is out
    # The hash itself never goes into the trail: only that it changed.
    audit.record("reset_password", "user", user.id, actor_label=actor_label)


def set_roles(user: User, roles: set[Role], *, actor_label: str) -> None:
    before = _names(user.roles)
    user.role_rows = [UserRole(role=r.value) for r in sorted(roles)]
    user.end_sessions()  # signs in again under the new roles
    db.session.flush()
    audit.record(
        "set_roles",
        "user",
        user.id,
        actor_label=actor_label,
        before={"roles": before},
        after={"roles": _names(roles)},
    )


def _names(roles: Iterable[Role]) -> list[str]:
    return sorted(r.value for r in roles)


def find_groups(village: Village, names: Iterable[str]) -> list[VillageGroup]:
    """The village's groups by name, in the order given; refuses a name the village lacks."""
    by_name = {
        g.name: g
        for g in db.session.execute(db.select(VillageGroup).filter_by(village_id=village.id))
        .scalars()
        .all()
    }
    groups = []
    for name in names:
        name = name.strip()
        if name not in by_name:
            known = "、".join(sorted(by_name)) or "—"
            raise AccountError(
                _(
                    "%(village)s没有名为“%(name)s”的村民小组；现有：%(known)s。",
                    village=village.name,
                    name=name,
                    known=known,
                )
            )
        if by_name[name] not in groups:
            groups.append(by_name[name])
    return groups


def set_groups(user: User, groups: Iterable[VillageGroup], *, actor: User | str) -> None:
    """Replace the village groups a group leader looks after (none: sees no household)."""
    groups = list(groups)
    if groups and Role.GROUP_LEADER not in user.roles:
        raise AccountError(
            _(
                "%(username)s 不是村民小组长，不能分配村民小组；请先设置角色。",
                username=user.username,
            )
        )
    before = sorted(user.group_ids)
    user.group_rows = [UserGroup(group_id=g.id) for g in groups]
    db.session.flush()
    audit.record(
        "set_groups",
        "user",
        user.id,
        actor=actor,
        before={"groups": before},
        after={"groups": sorted(g.id for g in groups), "names": [g.name for g in groups]},
    )
