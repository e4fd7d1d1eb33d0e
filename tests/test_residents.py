"""Residents sign in with 户号 + PIN: issuing and resetting PINs, the PIN slip, the home page,
changing the PIN, throttling, and the household always being the signed-in one."""

import re

import pytest
from sqlalchemy import func

from pointsys import residents
from pointsys.extensions import db
from pointsys.models import AuditEvent, ResidentAccess

from . import access_world
from .conftest import csrf_token, login


@pytest.fixture
def world(app):
    return access_world.build(app)


def resident_login(client, number, pin, **extra):
    token = csrf_token(client, "/me/login")
    return client.post(
        "/me/login", data={"csrf_token": token, "number": number, "pin": pin, **extra}
    )


def _actions(app, action):
    with app.app_context():
        return db.session.execute(
            db.select(func.count()).where(AuditEvent.action == action)
        ).scalar_one()


# The domain


@pytest.mark.parametrize(
    ("pin", "again", "message"),
    [
        ("12345", "12345", "PIN 必须是 6 位数字。"),
        ("1234567", "1234567", "PIN 必须是 6 位数字。"),
        ("12a456", "12a456", "PIN 必须是 6 位数字。"),
        ("１２３４５６", "１２３４５６", "PIN 必须是 6 位数字。"),  # full-width digits
        ("739201", "739202", "两次输入的新 PIN 不一致，请重新输入。"),
        ("777777", "777777", "PIN 不能是同一个数字重复（如 111111），请换一个。"),
        ("123456", "123456", "PIN 不能是连续的数字（如 123456、654321），请换一个。"),
        ("987654", "987654", "PIN 不能是连续的数字（如 123456、654321），请换一个。"),
        ("012345", "012345", "PIN 不能是连续的数字（如 123456、654321），请换一个。"),
    ],
)
def test_new_pins_are_checked(app, pin, again, message):
    with app.test_request_context(), pytest.raises(residents.ResidentError) as info:
        residents.check_new_pin(pin, again)
    assert str(info.value) == message


def test_a_sound_pin_passes_and_random_pins_are_never_trivial():
    residents.check_new_pin("739201", "739201")
    for _ in range(200):
        pin = residents.new_pin()
        assert len(pin) == 6 and pin.isdigit() and not residents.is_trivial(pin)


def test_only_the_hash_is_stored_and_reset_signs_out_old_sessions(app, world):
    with app.app_context():
        access = db.session.get(ResidentAccess, world.households["A"])
        assert world.pins["A"] not in access.pin_hash and access.pin_hash.startswith("scrypt:")
        assert access.pin_version == 1
        household = access.household
        new = residents.issue_pin(household, actor="test")
        db.session.commit()
        assert access.pin_version == 2 and access.check_pin(new)
        assert residents.load_resident(household.id, 1) is None
        assert residents.load_resident(household.id, 2).number == "001"
        events = db.session.execute(
            db.select(AuditEvent.action, AuditEvent.after).where(
                AuditEvent.action.in_(("issue_pin", "reset_pin"))
            )
        ).all()
        assert ("reset_pin", {"number": "001"}) in events
        trail = str([after for _, after in events])
        assert world.pins["A"] not in trail and new not in trail


def test_a_household_no_longer_registered_gets_no_pin(app, world):
    from datetime import date

    from pointsys import households as registry
    from pointsys.models import Household, HouseholdStatus

    with app.test_request_context():
        household = db.session.get(Household, world.households["B"])
        registry.change_status(
            household, HouseholdStatus.MOVED_OUT, on=date(2026, 6, 1), reason="", actor="t"
        )
        with pytest.raises(residents.ResidentError) as info:
            residents.issue_pin(household, actor="test")
        assert str(info.value) == "户号 002 已不在册，不能发放 PIN。"


# The pages


def test_resident_signs_in_and_sees_only_their_household(app, client, world):
    response = resident_login(client, "001", world.pins["A"])
    assert response.status_code == 302 and response.headers["Location"] == "/me/"
    html = client.get("/me/").get_data(as_text=True)
    assert "幸福村 · 户号 001" in html and "张三明" in html and "一组" in html
    assert "李秀英（配偶）" in html and "李建国" not in html
    assert 'id="ledger-summary"' in html and "还没有积分记录。" in html  # from standings
    assert "户号 001 张三明" in html  # the header says who is signed in
    assert '<a href="/me/pin">修改 PIN</a>' in html and "/households/" not in html
    # Nothing in the URL picks the household: the session does.
    assert (
        client.get(f"/me/?household_id={world.households['B']}")
        .get_data(as_text=True)
        .count("李建国")
        == 0
    )
    assert client.get("/").headers["Location"] == "/me/"
    assert _actions(app, "login") == 1


def test_wrong_pin_unknown_number_and_no_pin_get_one_message(app, client, world):
    with app.app_context():
        db.session.delete(db.session.get(ResidentAccess, world.households["B"]))
        db.session.commit()
    for number, pin in (("001", "000001"), ("999", world.pins["A"]), ("002", world.pins["B"])):
        response = resident_login(client, number, pin)
        assert response.status_code == 200
        assert "户号或 PIN 不正确。" in response.get_data(as_text=True)
    assert _actions(app, "login_failed") == 3
    assert client.get("/me/").status_code == 302


def test_empty_form_names_each_field(client, world):
    token = csrf_token(client, "/me/login")
    html = client.post("/me/login", data={"csrf_token": token}).get_data(as_text=True)
    assert "请填写户号。" in html and "请填写 PIN。" in html


def test_several_villages_ask_which_one(app, client, world):
    from pointsys.models import Village

    with app.app_context():
        db.session.add(Village(code="v2", name="和美村"))
        db.session.commit()
    html = client.get("/me/login").get_data(as_text=True)
    assert "和美村" in html and "幸福村" in html
    html = resident_login(client, "001", world.pins["A"], village="nope").get_data(as_text=True)
    assert "请选择村。" in html
    response = resident_login(client, "001", world.pins["A"], village="v1")
    assert response.headers["Location"] == "/me/"


def test_pin_failures_lock_the_household_and_the_page_says_until_when(app, client, world):
    for _ in range(5):
        resident_login(client, "001", "000001")
    response = resident_login(client, "001", world.pins["A"])
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert re.search(
        r"该户号连续 5 次登录失败，已暂时锁定，请在 \d\d:\d\d 之后再试；"
        r"忘记 PIN 请联系村两委重置。",
        html,
    )
    # The household's lock is its own: household B and staff accounts are not locked.
    assert resident_login(client, "002", world.pins["B"]).status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/me/")})
    assert "欢迎，CLERK1。" in login(client, "clerk1", access_world.PASSWORD).get_data(as_text=True)


def test_failures_from_one_address_lock_it_for_residents_too(instance_path, database_url):
    from .conftest import make_app

    app = make_app(database_url, RESIDENT_LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    with app.app_context():
        from pointsys.cli import init_database

        init_database()
    world = access_world.build(app)
    client = app.test_client()
    login(client, "nobody", "x")  # staff failures are not a resident's (tests/test_throttle.py)
    resident_login(client, "001", "000001")
    resident_login(client, "002", "000001")
    assert resident_login(client, "001", world.pins["A"]).status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/me/")})
    resident_login(client, "003", "000001")
    response = resident_login(client, "001", world.pins["A"])
    assert response.status_code == 429
    assert "这台设备登录失败次数过多，已暂时锁定，请在" in response.get_data(as_text=True)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_change_pin(app, client, world):
    resident_login(client, "001", world.pins["A"])
    other_phone = app.test_client()
    resident_login(other_phone, "001", world.pins["A"])
    token = csrf_token(client, "/me/pin")

    def change(old, new, again):
        data = {"csrf_token": token, "old_pin": old, "new_pin": new, "new_pin_again": again}
        return client.post("/me/pin", data=data)

    html = change("000001", "739201", "739201").get_data(as_text=True)
    assert "原 PIN 不正确。" in html
    assert _actions(app, "change_pin_failed") == 1
    html = change(world.pins["A"], "111111", "111111").get_data(as_text=True)
    assert "PIN 不能是同一个数字重复（如 111111），请换一个。" in html
    html = change(world.pins["A"], world.pins["A"], world.pins["A"]).get_data(as_text=True)
    assert "新 PIN 不能与原 PIN 相同。" in html
    html = client.post("/me/pin", data={"csrf_token": token}).get_data(as_text=True)
    assert "请填写原 PIN。" in html and "请填写新 PIN。" in html and "请再次输入新 PIN。" in html
    response = change(world.pins["A"], "739201", "739201")
    assert response.headers["Location"] == "/me/"
    assert "PIN 已修改，其他手机上的登录已失效。" in client.get("/me/").get_data(as_text=True)
    assert other_phone.get("/me/").status_code == 302  # signed out by the change
    assert _actions(app, "change_pin") == 1
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/me/")})
    assert _actions(app, "logout") == 1
    assert resident_login(client, "001", world.pins["A"]).status_code == 200
    assert resident_login(client, "001", "739201").status_code == 302
    with app.app_context():
        assert db.session.get(ResidentAccess, world.households["A"]).changed_at is not None


def test_residents_get_403_on_staff_pages_and_staff_on_resident_pages(client, world):
    resident_login(client, "001", world.pins["A"])
    for path in ("/households/", f"/households/{world.households['A']}", "/admin/users"):
        assert client.get(path).status_code == 403
    staff = client.application.test_client()
    login(staff, "admin1", access_world.PASSWORD)
    assert staff.get("/me/").status_code == 403
    assert staff.get("/me/pin").status_code == 403
    anonymous = client.application.test_client()
    assert anonymous.get("/me/").headers["Location"].startswith("/me/login")


def test_admin_issues_a_pin_on_a_printable_slip(app, client, world):
    login(client, "admin1", access_world.PASSWORD)
    household_id = world.households["A"]
    html = client.get(f"/households/{household_id}").get_data(as_text=True)
    assert "村民尚未修改。" in html and "重置 PIN 并打印 PIN 单" in html
    token = csrf_token(client, f"/households/{household_id}")
    response = client.post(f"/households/{household_id}/pin", data={"csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    pin = re.search(r'<dd class="pin" id="pin">(\d{6})</dd>', html).group(1)
    assert "幸福村 · 村民登录 PIN 单" in html and "<svg" in html and "/h/" in html
    assert "请登录后立即修改 PIN，并妥善保管本单，不要告诉他人。" in html
    assert "http://localhost/me/login" in html
    assert pin != world.pins["A"]
    assert resident_login(app.test_client(), "001", pin).status_code == 302
    assert client.post(f"/households/{household_id}/pin").status_code == 400  # no CSRF token


def test_staff_sessions_without_a_session_version_sign_in_again(app, client, world):
    admin = world.users["admin1"]
    for unversioned in (str(admin), f"u:{admin}", "h:not-a-number", f"u:{admin}:x"):
        with client.session_transaction() as session:
            session["_user_id"] = unversioned
        assert client.get("/admin/users").headers["Location"].startswith("/auth/login")
    with client.session_transaction() as session:
        session["_user_id"] = f"u:{admin}:0"
    assert client.get("/admin/users").status_code == 200
