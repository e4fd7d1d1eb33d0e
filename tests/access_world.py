"""A small village for access tests: two groups, household A in 一组 and B in 二组, each with a
PIN, and one staff account per role (two group leaders, one for each group)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pointsys import accounts, residents
from pointsys import households as registry
from pointsys.extensions import db
from pointsys.models import Role, Village

PASSWORD = "correct horse 1"
STAFF = {
    "admin1": (Role.ADMIN,),
    "clerk1": (Role.CLERK,),
    "sup1": (Role.SUPERVISOR,),
    "leader_a": (Role.GROUP_LEADER,),  # leads 一组, household A's group
    "leader_b": (Role.GROUP_LEADER,),  # leads 二组: "a group leader of another group" for A
    "spare": (Role.GROUP_LEADER,),  # the target of pages that change a user
}


@dataclass
class World:
    village_id: int
    village_code: str
    group_ids: dict[str, int]
    households: dict[str, int]  # "A"/"B" → id
    numbers: dict[str, str]
    pins: dict[str, str]
    users: dict[str, int] = field(default_factory=dict)


def build(app) -> World:
    with app.app_context():
        village = Village(code="v1", name="幸福村")
        db.session.add(village)
        db.session.flush()
        g1 = registry.create_group(village, "一组", actor="test")
        g2 = registry.create_group(village, "二组", actor="test")
        a = registry.create_household(
            village, number="001", head_name="张三明", group=g1, actor="test"
        )
        registry.add_member(a, name="李秀英", relation="配偶", actor="test")
        b = registry.create_household(
            village, number="002", head_name="李建国", group=g2, actor="test"
        )
        pins = {key: residents.issue_pin(h, actor="test") for key, h in (("A", a), ("B", b))}
        users = {}
        for username, roles in STAFF.items():
            user = accounts.create_user(
                username, username.upper(), PASSWORD, set(roles), actor_label="test"
            )
            users[username] = user.id
        db.session.flush()
        accounts.set_groups(db.session.get(accounts.User, users["leader_a"]), [g1], actor="test")
        accounts.set_groups(db.session.get(accounts.User, users["leader_b"]), [g2], actor="test")
        db.session.commit()
        return World(
            village_id=village.id,
            village_code=village.code,
            group_ids={"一组": g1.id, "二组": g2.id},
            households={"A": a.id, "B": b.id},
            numbers={"A": "001", "B": "002"},
            pins=pins,
            users=users,
        )
