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
