"""Fixtures: a fresh database per test, on SQLite (default) or PostgreSQL (--db postgresql).

PostgreSQL and the browser are optional on a developer's machine (those tests skip with the reason),
but CI sets POINTSYS_REQUIRE_POSTGRES=1 and POINTSYS_REQUIRE_BROWSER=1, and then a missing server or
browser fails the run instead of skipping.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from datetime import date

import psycopg
import pytest
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from pointsys import create_app
from pointsys.cli import init_database

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
# The village fixture's households have been 在册 since before any ledger a test writes.
REGISTERED_ON = date(2020, 1, 1)


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql"),
        default=os.environ.get("POINTSYS_TEST_DB", "sqlite"),
        help="database every app fixture uses (default sqlite; env POINTSYS_TEST_DB)",
    )


def _required(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false", "no")


def _unavailable(what: str, env: str, reason: str):
    message = f"{what} unavailable: {reason}"
    if _required(env):
        pytest.fail(f"{message} ({env} is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL server the suite may use; tests make and drop their own schema in it."""
    url = os.environ.get("POINTSYS_TEST_POSTGRES_URL", DEFAULT_PG)
    try:
        with psycopg.connect(_libpq(url), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        _unavailable("PostgreSQL", "POINTSYS_REQUIRE_POSTGRES", f"{url}: {exc}".splitlines()[0])
    return url


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def postgres_schema_url(postgres_url):
    """A URL whose search_path is a new, empty schema; the schema is dropped afterwards."""
    schema = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(_libpq(postgres_url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with psycopg.connect(_libpq(postgres_url), autocommit=True) as conn:
        # Close sessions still pinned to the schema (a leaked pool would block DROP).
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return "sqlite:///" + str(tmp_path / "test.sqlite")


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database_url(request):
    """Both databases, for tests that must hold on each regardless of --db."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_schema_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def database_url(request):
    if request.config.getoption("--db") == "postgresql":
        return request.getfixturevalue("postgres_schema_url")
    return request.getfixturevalue("sqlite_url")


@pytest.fixture
def instance_path(tmp_path, monkeypatch):
    path = tmp_path / "instance"
    path.mkdir()
    monkeypatch.setenv("POINTSYS_INSTANCE_PATH", str(path))
    for key in list(os.environ):
        if (
            key.startswith("POINTSYS_")
            and key not in ("POINTSYS_INSTANCE_PATH",)
            and not (key.startswith("POINTSYS_TEST") or key.startswith("POINTSYS_REQUIRE"))
        ):
            monkeypatch.delenv(key)
    return path


def make_app(database_url: str, **config):
    return create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret", **config}
    )


@pytest.fixture
def app(instance_path, database_url):
    """An app on a fresh database migrated to head."""
    app = make_app(database_url)
    with app.app_context():
        init_database()
    yield app
    with app.app_context():
        from pointsys.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    """Create a staff user with roles; returns (username, password)."""
    from pointsys.extensions import db
    from pointsys.models import User, UserRole

    def _make(username="clerk1", roles=("clerk",), password="correct horse 1"):
        with app.app_context():
            user = User(username=username, display_name=username.upper())
            user.role_rows = [UserRole(role=r) for r in roles]
            user.set_password(password)
            db.session.add(user)
            db.session.commit()
        return username, password

    return _make


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client, path="/") -> str:
    """The CSRF token a real browser would submit, read from a page's form."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no csrf_token on {path}"
    return match.group(1) or match.group(2)


def login(client, username, password):
    token = csrf_token(client, "/auth/login")
    return client.post(
        "/auth/login",
        data={"csrf_token": token, "username": username, "password": password},
        follow_redirects=True,
    )


# Browser: the app served on 127.0.0.1 in a thread, driven by Debian's chromium.
CHROMIUM = "/usr/bin/chromium"
# Without these, chromium keeps trying to reach Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        _unavailable("Browser", "POINTSYS_REQUIRE_BROWSER", f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The test app on a free port of 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def phone(browser, live_server):
    """A page in a 360 px wide phone-sized window, on the live server."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.base_url = live_server
    yield page
    context.close()


@pytest.fixture
def village(app):
    """Inside an app context: the demo rulebook loaded for village "demo", three households
    (户号 001–003, the first two in 一组) and staff: clerk, clerk2, supervisor, admin."""
    from types import SimpleNamespace

    from pointsys import rules_store
    from pointsys.extensions import db
    from pointsys.models import Household, Member, User, UserRole, Village, VillageGroup

    with app.app_context():
        place = Village(code="demo", name="幸福村")
        db.session.add(place)
        db.session.flush()
        group = VillageGroup(village_id=place.id, name="一组", sort_order=1)
        db.session.add(group)
        db.session.flush()
        households = []
        for number, head in (("001", "张三明"), ("002", "李四"), ("003", "王五")):
            household = Household(
                village=place,
                number=number,
                head_name=head,
                group_id=group.id if number != "003" else None,
                registered_on=REGISTERED_ON,
            )
            household.members = [Member(name=head, relation="户主")]
            households.append(household)
        db.session.add_all(households)
        users = {}
        for name, roles in (
            ("clerk", ["clerk"]),
            ("clerk2", ["clerk"]),
            ("supervisor", ["supervisor"]),
            ("supervisor2", ["supervisor"]),
            ("admin", ["admin"]),
        ):
            user = User(username=name, display_name=name.upper(), village_id=place.id)
            user.role_rows = [UserRole(role=r) for r in roles]
            user.set_password("correct horse 1")
            users[name] = user
        db.session.add_all(users.values())
        rules_store.store(rules_store.DEMO_RULEBOOK, actor_label="test")
        db.session.commit()
        yield SimpleNamespace(village=place, group=group, households=households, **users)
