"""Every migration runs up and back down on SQLite and PostgreSQL, and head matches the models."""

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
