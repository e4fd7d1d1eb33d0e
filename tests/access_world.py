"""A small village for access tests: two groups, household A in 一组 and B in 二组, each with a
PIN, and one staff account per role (two group leaders, one for each group).

With `ledger=True` (the route table) household A also has a ledger: an approved entry of 2026Q3
with one evidence photo, that quarter closed and its honour lists published, and an objection to
them. The village is then coded "demo", the village the demo rulebook is written for."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from PIL import Image
from werkzeug.datastructures import FileStorage

from pointsys import accounts, evidence, publishing, residents
from pointsys import households as registry
from pointsys import ledger as ledger_module
from pointsys.extensions import db
from pointsys.models import Role, User, Village, VillageGroup
from pointsys.periods import Period

PASSWORD = "correct horse 1"
# Households registered before any ledger the world writes (2026Q3).
SINCE = date(2020, 1, 1)
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
    entry_id: int | None = None  # household A's approved entry (ledger=True)
    photo_id: int | None = None
    submission_id: int | None = None  # the submission of entry_id
    publication_id: int | None = None
    objection_id: int | None = None


def build(app, *, ledger: bool = False) -> World:
    with app.app_context():
        village = Village(code="demo" if ledger else "v1", name="幸福村")
        db.session.add(village)
        db.session.flush()
        g1 = registry.create_group(village, "一组", actor="test")
        g2 = registry.create_group(village, "二组", actor="test")
        a = registry.create_household(
            village, number="001", head_name="张三明", group=g1, actor="test", on=SINCE
        )
        registry.add_member(a, name="李秀英", relation="配偶", actor="test")
        b = registry.create_household(
            village, number="002", head_name="李建国", group=g2, actor="test", on=SINCE
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
        world = World(
            village_id=village.id,
            village_code=village.code,
            group_ids={"一组": g1.id, "二组": g2.id},
            households={"A": a.id, "B": b.id},
            numbers={"A": "001", "B": "002"},
            pins=pins,
            users=users,
        )
        if ledger:
            _seed_ledger(app, village, a, world)
        return world


def _png() -> FileStorage:
    data = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(data, "PNG")
    data.seek(0)
    return FileStorage(data, filename="photo.png", content_type="image/png")


def _seed_ledger(app, village, household, world: World) -> None:
    """Household A's ledger, and 2026Q3 closed and published (the rulebook must be loaded)."""
    today = date(2026, 11, 21)
    quarter = Period.parse("2026Q3")
    admin = db.session.get(User, world.users["admin1"])
    clerk = db.session.get(User, world.users["clerk1"])
    draft = ledger_module.Draft(household.id, "ENV-01", date(2026, 8, 3))
    recorded = ledger_module.record(village, [draft], key="world-1", actor=clerk, today=today)
    (entry,) = recorded.entries
    (photo,) = evidence.attach(
        entry, [_png()], clerk, root=evidence.folder(app.instance_path), today=today
    )
    ledger_module.close_quarter(village, quarter, actor=admin, today=today)
    publication = publishing.publish(village, quarter, admin, publishing.Deadlines(), today=today)
    objection = publishing.raise_objection(
        publication, household.id, "名次有误", "张三明", recorded_by=clerk, today=today
    )
    db.session.commit()
    world.entry_id, world.photo_id = entry.id, photo.id
    world.submission_id = entry.submission_id
    world.publication_id, world.objection_id = publication.id, objection.id


def lead(username: str, group_id: int) -> None:
    """Make the group leader `username` look after one village group (inside an app context)."""
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one()
    accounts.set_groups(user, [db.session.get(VillageGroup, group_id)], actor="test")
    db.session.commit()
