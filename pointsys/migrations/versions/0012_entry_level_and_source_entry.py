"""entry.level and entry.source_entry_id: the level a levels item was scored at, and the entry
a companion (an item accumulating another item's quantity, quantity_from) was posted with

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 10:00:00

"""

import importlib

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The append-only triggers of 0005 list the columns an UPDATE may never change; the two new
# columns join them (a level or a link, once written, is as fixed as the item code).
_ledger = importlib.import_module("pointsys.migrations.versions.0005_ledger_entries")
MESSAGE = _ledger.MESSAGE
NEW_COLUMNS = ["level", "source_entry_id"]
FK_NAME = "fk_entry_source_entry_id_entry"


def _sqlite_update_trigger(fixed: list[str]) -> str:
    return f"""CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry
    WHEN OLD.status <> 'pending' OR NEW.status = 'pending'
      OR {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in fixed)}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""


def _postgres_function(fixed: list[str]) -> str:
    return f"""CREATE OR REPLACE FUNCTION entry_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' OR OLD.status <> 'pending' OR NEW.status = 'pending'
     OR {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in fixed if c != "member_ids")}
     OR NEW.member_ids::text IS DISTINCT FROM OLD.member_ids::text THEN
    RAISE EXCEPTION '{MESSAGE}';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql"""


def _fix_columns(fixed: list[str]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_postgres_function(fixed))
    else:
        op.execute("DROP TRIGGER entry_no_update")
        op.execute(_sqlite_update_trigger(fixed))


def upgrade():
    op.add_column("entry", sa.Column("level", sa.String(length=100), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("entry", sa.Column("source_entry_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK_NAME, "entry", "entry", ["source_entry_id"], ["id"])
    else:
        # SQLite adds a nullable column with its foreign key in place; batch mode would copy
        # the table, dropping its append-only triggers and tripping entry_photo's reference.
        op.execute(
            "ALTER TABLE entry ADD COLUMN source_entry_id INTEGER "
            f"CONSTRAINT {FK_NAME} REFERENCES entry (id)"
        )
    op.create_index("ix_entry_source_entry_id", "entry", ["source_entry_id"], unique=False)
    _fix_columns([*_ledger.FIXED, *NEW_COLUMNS])


def downgrade():
    _fix_columns(list(_ledger.FIXED))
    op.drop_index("ix_entry_source_entry_id", table_name="entry")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(FK_NAME, "entry", type_="foreignkey")
        op.drop_column("entry", "source_entry_id")
        op.drop_column("entry", "level")
    else:
        # SQLite (3.35+) drops a plain column in place; the foreign key goes with it.
        op.execute("ALTER TABLE entry DROP COLUMN source_entry_id")
        op.execute("ALTER TABLE entry DROP COLUMN level")
