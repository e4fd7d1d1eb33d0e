"""Sign-in throttling: 5 failures for an account, or 20 from one address, lock it for 15 minutes."""

from datetime import timedelta

from pointsys.extensions import db
from pointsys.models import AuditEvent, utcnow
from pointsys.views import common

from .conftest import csrf_token


def _try(client, username, password, address="10.0.0.1"):
    token = csrf_token(client, "/auth/login")
    return client.post(
        "/auth/login",
        data={"csrf_token": token, "username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_five_failures_lock_the_account_even_for_the_right_password(app, client, make_user):
    make_user("clerk1")
    for _ in range(5):
        assert _try(client, "clerk1", "wrong").status_code == 200
    response = _try(client, "clerk1", "correct horse 1")
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "该账号连续 5 次登录失败，已暂时锁定，请在" in html
    assert "之后再试；忘记密码请联系村两委重置。" in html
    with app.app_context():
        actions = db.session.execute(db.select(AuditEvent.action, AuditEvent.address)).all()
    assert actions.count(("login_failed", "10.0.0.1")) == 5
    assert ("login_locked", "10.0.0.1") in actions


def test_lock_lifts_after_the_window(client, make_user, monkeypatch):
    make_user("clerk1")
    for _ in range(5):
        _try(client, "clerk1", "wrong")
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(common, "utcnow", lambda: later)
    response = _try(client, "clerk1", "correct horse 1")
    assert response.status_code == 302


def test_a_success_clears_earlier_failures(client, make_user):
    make_user("clerk1")
    for _ in range(4):
        _try(client, "clerk1", "wrong")
    assert _try(client, "clerk1", "correct horse 1").status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    for _ in range(4):
        _try(client, "clerk1", "wrong")
    assert _try(client, "clerk1", "correct horse 1").status_code == 302


def test_other_accounts_are_not_locked_by_one(client, make_user):
    make_user("clerk1")
    make_user("clerk2")
    for _ in range(5):
        _try(client, "clerk1", "wrong")
    assert _try(client, "clerk2", "correct horse 1", address="10.0.0.2").status_code == 302


def test_many_failures_from_one_address_lock_the_address(client, make_user):
    make_user("clerk1")
    for i in range(20):
        _try(client, f"guess{i}", "wrong", address="10.9.9.9")
    response = _try(client, "clerk1", "correct horse 1", address="10.9.9.9")
    assert response.status_code == 429
    assert "这台设备登录失败次数过多，已暂时锁定，请在" in response.get_data(as_text=True)
    assert _try(client, "clerk1", "correct horse 1", address="10.9.9.8").status_code == 302


def test_lock_message_in_english(client, make_user):
    make_user("clerk1")
    client.post("/language", data={"csrf_token": csrf_token(client), "lang": "en"})
    for _ in range(5):
        _try(client, "clerk1", "wrong")
    html = _try(client, "clerk1", "wrong").get_data(as_text=True)
    assert "This account had 5 failed sign-ins in a row and is locked for now" in html
