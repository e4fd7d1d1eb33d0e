"""SQLite connection settings: WAL, foreign keys on, a busy timeout."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from pointsys.extensions import db
from pointsys.models import Household

from .conftest import make_app


def test_sqlite_pragmas(instance_path, sqlite_url):
    app = make_app(sqlite_url)
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_foreign_keys_are_enforced(app):
    with app.app_context():
        db.session.add(Household(village_id=12345, number="1", head_name="无村户"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_a_busy_database_says_busy_not_unreachable(instance_path, sqlite_url):
    """A writer that outlasts the busy timeout: the page says the database is busy and to retry,
    not that it cannot be reached (which sent people to the administrator)."""
    import sqlite3

    from pointsys.cli import init_database

    from .conftest import csrf_token

    app = make_app(sqlite_url, SQLITE_BUSY_TIMEOUT_MS=50)
    with app.app_context():
        init_database()
    client = app.test_client()
    token = csrf_token(client, "/auth/login")
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another writer holds the lock throughout
        response = client.post(
            "/auth/login", data={"csrf_token": token, "username": "x", "password": "y"}
        )
    finally:
        other.close()
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "数据库正忙" in html
    assert (
        "其他人的操作正在保存，请过几秒钟再试；如果您刚才提交了内容，它没有保存，请重新提交。"
    ) in html
    assert "无法连接" not in html
    with app.app_context():
        db.engine.dispose()


def test_writing_requests_take_the_write_lock_up_front(app, client):
    """A POST's transaction begins IMMEDIATE (it waits for the lock, then cannot fail on it);
    a GET's stays deferred, so page views never queue behind each other."""
    from pointsys import database

    with app.test_request_context("/", method="POST"):
        assert database.wants_write_lock()
    with app.test_request_context("/", method="GET"):
        assert not database.wants_write_lock()
        with database.writing():
            assert database.wants_write_lock()
        assert not database.wants_write_lock()
    with app.test_request_context("/auth/login", method="POST"):
        database.reads_first()
        assert not database.wants_write_lock()
