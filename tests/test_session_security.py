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
