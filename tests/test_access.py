"""Group leaders see only their groups' households (404 for the others); the rule lives in
pointsys.access; admins assign groups on the users page or with `flask set-groups`."""

import pytest

from pointsys import access, accounts
from pointsys.extensions import db
from pointsys.models import AuditEvent, Household, User
from pointsys.residents import Resident

from . import access_world
from .conftest import csrf_token, login


@pytest.fixture
def world(app):
    return access_world.build(app)


def _visible(app, person):
    with app.app_context():
        rows = db.session.execute(
            db.select(Household.number)
            .where(access.visible_households_filter(person))
            .order_by(Household.number)
        ).scalars()
        return list(rows)


def test_the_rule_for_each_kind_of_person(app, world):
    with app.app_context():
        users = {name: db.session.get(User, i) for name, i in world.users.items()}
        a = db.session.get(Household, world.households["A"])
        b = db.session.get(Household, world.households["B"])
        resident_a = Resident(a.id, "001", "张三明", "v1", 1)
        from pointsys.views.auth import Anonymous

        expected = {
            "admin1": ["001", "002"],
            "clerk1": ["001", "002"],
            "sup1": ["001", "002"],
            "leader_a": ["001"],
            "leader_b": ["002"],
            "spare": [],  # a group leader with no group sees nobody
        }
        for name, numbers in expected.items():
            person = users[name]
            assert [h.number for h in (a, b) if access.can_see_household(person, h)] == numbers
            assert _visible(app, person) == numbers, name
        assert _visible(app, resident_a) == ["001"]
        assert access.can_see_household(resident_a, a) and not access.can_see_household(
            resident_a, b
        )
        assert _visible(app, Anonymous()) == [] and not access.can_see_household(Anonymous(), a)
        assert resident_a.roles == frozenset() and not resident_a.has_role(*access.WHOLE_VILLAGE)


def test_group_leader_pages_show_only_their_groups(app, client, world):
    from pointsys import households as registry

    with app.test_request_context():
        b = db.session.get(Household, world.households["B"])
        registry.update_household(b, actor="test", tags=["低保户"])
        db.session.commit()
    login(client, "leader_a", access_world.PASSWORD)
    html = client.get("/households/").get_data(as_text=True)
    assert "张三明" in html and "李建国" not in html and "共 1 户" in html
    assert "一组" in html and "二组" not in html  # the group filter offers only their groups
    assert "低保户" not in html  # nor tags found only on other groups' households
    html = client.get(f"/households/?group={world.group_ids['二组']}").get_data(as_text=True)
    assert "李建国" not in html
    assert client.get(f"/households/{world.households['A']}").status_code == 200
    assert client.get(f"/households/{world.households['B']}").status_code == 404
    assert client.get(f"/households/{world.households['B']}/edit").status_code == 403


def test_admin_assigns_groups_on_the_users_page(app, client, world):
    login(client, "admin1", access_world.PASSWORD)
    html = client.get("/admin/users").get_data(as_text=True)
    assert 'id="groups-spare"' in html and 'id="groups-clerk1"' not in html
    token = csrf_token(client, "/admin/users")
    spare = world.users["spare"]
    response = client.post(
        f"/admin/users/{spare}/groups",
        data={"csrf_token": token, "group_ids": [str(world.group_ids["二组"])]},
        follow_redirects=True,
    )
    assert "SPARE 负责的村民小组：二组。" in response.get_data(as_text=True)
    response = client.post(
        f"/admin/users/{world.users['clerk1']}/groups",
        data={"csrf_token": token, "group_ids": [str(world.group_ids["二组"])]},
    )
    assert response.status_code == 400
    assert "clerk1 不是村民小组长，不能分配村民小组；请先设置角色。" in response.get_data(
        as_text=True
    )
    assert client.post(f"/admin/users/{spare}/groups").status_code == 400  # no CSRF token
    with app.app_context():
        assert db.session.get(User, spare).group_ids == {world.group_ids["二组"]}
        event = (
            db.session.execute(
                db.select(AuditEvent).filter_by(action="set_groups", object_id=str(spare))
            )
            .scalars()
            .all()[-1]
        )
        assert event.before == {"groups": []} and event.after["names"] == ["二组"]
    response = client.post(
        f"/admin/users/{spare}/groups", data={"csrf_token": token}, follow_redirects=True
    )
    assert "SPARE 负责的村民小组：无。" in response.get_data(as_text=True)


def test_set_groups_command(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["set-groups", "spare", "一组", "二组"])
    assert result.exit_code == 0 and "spare 负责的村民小组已设为：一组、二组。" in result.output
    with app.app_context():
        assert accounts.find_user("spare").group_ids == set(world.group_ids.values())
    result = runner.invoke(args=["set-groups", "spare", "五组"])
    assert result.exit_code == 1
    assert "幸福村没有名为“五组”的村民小组；现有：一组、二组。" in result.output
    result = runner.invoke(args=["set-groups", "nobody", "一组"])
    assert result.exit_code == 1 and "没有用户名为“nobody”的账号。" in result.output
    result = runner.invoke(args=["set-groups", "spare"])
    assert result.exit_code == 0 and "spare 已不负责任何村民小组。" in result.output
    result = runner.invoke(args=["set-groups", "spare", "一组", "--village", "zz"])
    assert result.exit_code == 1 and "没有编码为“zz”的村" in result.output
