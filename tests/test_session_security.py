"""Session cookies: HttpOnly, SameSite=Lax, Secure behind HTTPS, and an end to every sign-in."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import itsdangerous
import pytest

from pointsys import create_app

from . import access_world
from .conftest import csrf_token, login, make_app
from .test_residents import resident_login


def _cookie(response, name="session"):
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def _expires(cookie) -> datetime:
    value = next(p for p in cookie.split("; ") if p.startswith("Expires="))
    return parsedate_to_datetime(value.removeprefix("Expires="))


def test_defaults(instance_path):
    config = create_app().config
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert config["REMEMBER_COOKIE_SECURE"] is False
    assert config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)
    assert config["REMEMBER_COOKIE_DURATION"] == timedelta(hours=8)


def test_https_deployments_get_secure_cookies(instance_path, monkeypatch):
    monkeypatch.setenv("POINTSYS_SESSION_COOKIE_SECURE", "true")
    config = create_app().config
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True
    monkeypatch.setenv("POINTSYS_REMEMBER_COOKIE_SECURE", "false")  # set on its own: kept
    assert create_app().config["REMEMBER_COOKIE_SECURE"] is False


def test_the_session_cookie_carries_secure_when_configured(instance_path, database_url):
    from pointsys.cli import init_database

    app = make_app(database_url, SESSION_COOKIE_SECURE=True)
    with app.app_context():
        init_database()
    client = app.test_client()
    response = client.get("/auth/login", base_url="https://localhost")
    assert "; Secure" in _cookie(response)
    with app.app_context():
        from pointsys.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def world(app):
    return access_world.build(app)


def test_staff_and_resident_sign_ins_end_after_eight_hours(app, world):
    staff = app.test_client()
    token = csrf_token(staff, "/auth/login")
    staff_response = staff.post(
        "/auth/login",
        data={"csrf_token": token, "username": "clerk1", "password": access_world.PASSWORD},
    )
    resident = app.test_client()
    resident_response = resident_login(resident, "001", world.pins["A"])
    for response in (staff_response, resident_response):
        cookie = _cookie(response)
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        left = _expires(cookie) - datetime.now(UTC)
        assert timedelta(hours=7, minutes=55) < left <= timedelta(hours=8)
        assert not any(
            c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie")
        )


def test_a_session_older_than_its_lifetime_is_refused(app, world, monkeypatch):
    client = app.test_client()
    resident_login(client, "001", world.pins["A"])
    login(staff := app.test_client(), "clerk1", access_world.PASSWORD)
    assert client.get("/me/").status_code == 200
    assert staff.get("/households/").status_code == 200
    # Nine hours on: the signed cookie's own timestamp is too old, whatever the browser keeps.
    later = itsdangerous.timed.TimestampSigner.get_timestamp(None) + 9 * 3600
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: later)
    assert client.get("/me/").headers["Location"].startswith("/me/login")
    assert staff.get("/households/").headers["Location"].startswith("/auth/login")


# A copied cookie (another browser, a stolen or shared one) stops working once the session ends
# on the server: sign-out, a new password, a role change, a new PIN.


def _copy_of(client):
    """A second browser holding a copy of `client`'s session cookie."""
    copy = client.application.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    return copy


def _staff(app):
    client = app.test_client()
    login(client, "clerk1", access_world.PASSWORD)
    assert client.get("/households/").status_code == 200
    return client


def _signed_out(client, path="/households/", login_page="/auth/login"):
    return client.get(path).headers.get("Location", "").startswith(login_page)


def test_a_copied_staff_cookie_stops_working_after_sign_out(app, world):
    client = _staff(app)
    copy = _copy_of(client)
    assert copy.get("/households/").status_code == 200
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/households/")})
    assert _signed_out(client) and _signed_out(copy)
    # Signing in again works, and the old copy stays dead.
    fresh = _staff(app)
    assert fresh.get("/households/").status_code == 200 and _signed_out(copy)


def test_a_copied_staff_cookie_stops_working_after_reset_password(app, world):
    copy = _copy_of(_staff(app))
    result = app.test_cli_runner().invoke(
        args=["reset-password", "clerk1", "--password", "another pass 2"]
    )
    assert result.exit_code == 0, result.output
    assert _signed_out(copy)


def test_a_copied_staff_cookie_stops_working_after_set_role(app, world):
    copy = _copy_of(_staff(app))
    result = app.test_cli_runner().invoke(args=["set-role", "clerk1", "--role", "clerk"])
    assert result.exit_code == 0, result.output
    assert _signed_out(copy)


def test_a_closed_account_is_signed_out(app, world):
    from pointsys.extensions import db
    from pointsys.models import User

    client = _staff(app)
    with app.app_context():
        db.session.get(User, world.users["clerk1"]).is_active_account = False
        db.session.commit()
    assert _signed_out(client)


def test_a_remember_me_cookie_dies_with_the_session_version(app, world):
    from flask_login.utils import encode_cookie

    from pointsys.extensions import db
    from pointsys.models import User

    # Nobody is offered "remember me", but a remember cookie made for the account names its
    # session version (get_id), so it stops working with the session.
    with app.test_request_context():
        user_id = db.session.get(User, world.users["clerk1"]).get_id()
        remember = encode_cookie(user_id)
    assert user_id.endswith(":0")
    remembered = app.test_client()
    remembered.set_cookie("remember_token", remember)
    assert remembered.get("/households/").status_code == 200
    client = _staff(app)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/households/")})
    stale = app.test_client()
    stale.set_cookie("remember_token", remember)
    assert _signed_out(stale)


def test_a_copied_resident_cookie_stops_working_after_sign_out(app, world):
    client = app.test_client()
    resident_login(client, "001", world.pins["A"])
    copy = _copy_of(client)
    assert copy.get("/me/").status_code == 200
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/me/")})
    assert _signed_out(client, "/me/", "/me/login")
    assert _signed_out(copy, "/me/", "/me/login")
    # The PIN itself still works.
    assert resident_login(app.test_client(), "001", world.pins["A"]).status_code == 302
