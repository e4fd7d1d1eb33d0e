"""Every migration runs up and back down on SQLite and PostgreSQL, and head matches the models."""

from datetime import UTC

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from pointsys.extensions import db

from .conftest import make_app


def _tables():
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_every_migration_up_and_down(instance_path, any_database_url):
    app = make_app(any_database_url)
    with app.app_context():
        directory = current_app.extensions["migrate"].directory
        config = current_app.extensions["migrate"].migrate.get_config(directory)
        revisions = list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))
        assert revisions, "no migrations found"
        # One step at a time, so a broken downgrade in the middle of the chain is caught too.
        for revision in revisions:
            upgrade(directory=directory, revision=revision.revision)
        assert _tables() == set(db.metadata.tables)
        for _ in revisions:
            downgrade(directory=directory, revision="-1")
        assert _tables() == set()
        upgrade(directory=directory)
        assert _tables() == set(db.metadata.tables)
        db.engine.dispose()


def test_head_matches_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_0011_keeps_quarterly_closes_and_issues_working(instance_path, any_database_url):
    """Closes and issues made before list periods existed are quarters after 0011: filled in,
    still immutable, foreign keys still enforced (SQLite turns them off to rebuild tables)."""
    from datetime import date, datetime

    import sqlalchemy as sa

    app = make_app(any_database_url)
    with app.app_context():
        directory = current_app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0010")
        now = datetime(2026, 10, 2, tzinfo=UTC)
        statements = [
            "INSERT INTO village (id, code, name, created_at) VALUES (1, 'demo', '幸福村', :now)",
            "INSERT INTO household (id, village_id, number, head_name, created_at, status,"
            " head_initials, head_pinyin) VALUES (1, 1, '001', '张三明', :now, 'active', '', '')",
            "INSERT INTO quarter_close (id, village_id, quarter_start, closed, changed_at)"
            " VALUES (1, 1, :q4, true, :now)",
            "INSERT INTO publication (id, village_id, quarter_start, quarter_code, issue,"
            " rulebook_version, scope, names, published_at, published_label, publicity_start,"
            " publicity_end, objection_days) VALUES (1, 1, :q4, '2025Q4', 1, '1', 'village',"
            " 'masked', :now, 'admin', :day, :day, 7)",
            "INSERT INTO publication_row (id, publication_id, position, tier_code, tier_name,"
            " side, rank, household_id, number, public_name, points, balance, reason)"
            " VALUES (1, 1, 1, 'red', '红榜', 'red', 1, 1, '001', '张*明', 3500, 13500, '')",
            "INSERT INTO objection (id, publication_id, household_id, text, raised_by_label,"
            " raised_on, due_on, status) VALUES (1, 1, 1, '异议', '张三明', :day, :day, 'open')",
        ]
        params = {"now": now, "q4": date(2025, 10, 1), "day": date(2026, 1, 5)}
        with db.engine.begin() as conn:
            for statement in statements:
                conn.execute(sa.text(statement), params)
        upgrade(directory=directory)
        with db.engine.begin() as conn:
            close = conn.execute(
                sa.text("SELECT period_code, period_end, closed FROM quarter_close")
            ).one()
            issue = conn.execute(sa.text("SELECT quarter_code, period_end FROM publication")).one()
            row = conn.execute(
                sa.text("SELECT balance, entry_id, item_title FROM publication_row")
            ).one()
            objections = conn.execute(sa.text("SELECT count(*) FROM objection")).scalar_one()
        assert (close.period_code, str(close.period_end), bool(close.closed)) == (
            "2025Q4",
            "2026-01-01",
            True,
        )
        assert (issue.quarter_code, str(issue.period_end)) == ("2025Q4", "2026-01-01")
        assert (row.balance, row.entry_id, row.item_title) == (13500, None, None)
        assert objections == 1
        for statement in (
            "UPDATE publication SET issue = 2",
            "DELETE FROM publication_row",
            # a foreign key still holds: no objection to an issue that does not exist
            "INSERT INTO objection (id, publication_id, household_id, text, raised_by_label,"
            " raised_on, due_on, status) VALUES (2, 99, 1, 'x', 'y', :day, :day, 'open')",
        ):
            with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
                conn.execute(sa.text(statement), params)
        db.engine.dispose()
