"""One sign-in path for staff and residents: the hash check runs whether or not the account
exists (so an unknown name answers no faster than a wrong secret), and the throttle and the audit
rows are the same for both. Counted, not timed: no flaky clock."""

import pytest
from werkzeug.security import generate_password_hash

from pointsys import accounts, residents, signin
from pointsys.extensions import db
from pointsys.models import AuditEvent, Household, ResidentAccess, utcnow

from . import access_world
from .conftest import csrf_token


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password or PIN hash check made through signin.verify, as (hash, secret)."""
    calls = []
    real = signin.check_password_hash

    def counting(pwhash, secret):
        calls.append((pwhash, secret))
        return real(pwhash, secret)

    monkeypatch.setattr(signin, "check_password_hash", counting)
    return calls


def test_verify_checks_a_dummy_hash_when_there_is_no_account(hash_checks):
    stored = generate_password_hash("secret 1")
    assert signin.verify(stored, "secret 1") is True
    assert signin.verify(stored, "wrong") is False
    assert signin.verify(None, "secret 1") is False
    assert [secret for _, secret in hash_checks] == ["secret 1", "wrong", "secret 1"]
    dummy = hash_checks[2][0]
    # The dummy is a real hash of the same method, so it costs what a stored one costs.
    assert dummy.split("$")[0] == stored.split("$")[0] and dummy != stored


def test_staff_unknown_user_costs_one_hash_check_like_a_wrong_password(app, make_user, hash_checks):
    make_user("clerk1")
    with app.app_context():
        assert accounts.authenticate("nobody", "correct horse 1") is None
        assert accounts.authenticate("clerk1", "wrong") is None
        assert accounts.authenticate("clerk1", "correct horse 1").username == "clerk1"
    assert len(hash_checks) == 3


def test_staff_sign_in_page_checks_a_hash_for_an_unknown_user(client, make_user, hash_checks):
    make_user("clerk1")
    for username in ("nobody", "clerk1"):
        token = csrf_token(client, "/auth/login")
        response = client.post(
            "/auth/login", data={"csrf_token": token, "username": username, "password": "wrong"}
        )
        assert "用户名或密码不正确。" in response.get_data(as_text=True)
    assert [secret for _, secret in hash_checks] == ["wrong", "wrong"]


def test_inactive_account_is_refused_after_the_same_check(app, make_user, hash_checks):
    make_user("clerk1")
    with app.app_context():
        user = accounts.find_user("clerk1")
        user.is_active_account = False
        db.session.commit()
        assert accounts.authenticate("clerk1", "correct horse 1") is None
    assert len(hash_checks) == 1


def test_residents_unknown_number_or_no_pin_cost_one_hash_check(app, hash_checks):
    world = access_world.build(app)
    with app.app_context():
        village = db.session.get(Household, world.households["A"]).village
        db.session.delete(db.session.get(ResidentAccess, world.households["B"]))
        db.session.flush()
        assert residents.authenticate(village, "999", world.pins["A"]) is None  # unknown 户号
        assert residents.authenticate(village, "002", world.pins["B"]) is None  # no PIN issued
        assert residents.authenticate(village, "001", "000001") is None  # wrong PIN
        assert residents.authenticate(village, "001", world.pins["A"]).number == "001"
    assert len(hash_checks) == 4


def test_a_locked_account_is_refused_without_a_check_and_audited(app, hash_checks):
    policy = signin.throttle.Policy(max_failures_per_account=2)
    now = utcnow()
    with app.app_context():
        outcomes = [
            signin.attempt(
                "clerk9", "user", lambda: None, address="10.0.0.5", now=now, policy=policy
            )
            for _ in range(3)
        ]
        rows = db.session.execute(
            db.select(AuditEvent.action, AuditEvent.actor_label, AuditEvent.address).order_by(
                AuditEvent.id
            )
        ).all()
    assert [o.lock is not None for o in outcomes] == [False, False, True]
    assert outcomes[2].lock.scope == "account" and outcomes[2].signed_in is None
    assert rows == [
        ("login_failed", "clerk9", "10.0.0.5"),
        ("login_failed", "clerk9", "10.0.0.5"),
        ("login_locked", "clerk9", "10.0.0.5"),
    ]
