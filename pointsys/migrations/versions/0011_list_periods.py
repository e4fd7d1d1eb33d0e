"""list periods: closing and publishing months … years besides quarters; entry lines on lists

quarter_close gets the period's code and end (unique by code, so a month and a quarter that
start on the same day are two rows); publication its period's end (issues numbered per period
code); publication_row the lines of a latest-deductions list (entry, day, item; no balance).
Existing rows are quarters and are filled as such.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 10:00:00

"""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

IMMUTABLE = ("publication", "publication_row")
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table}
    BEGIN SELECT RAISE(ABORT, 'published lists are immutable'); END"""
    for table in IMMUTABLE
    for action in ("UPDATE", "DELETE")
]


def _quarter_end(start: date) -> date:
    month = start.month + 2  # zero-based month index of the quarter's last month, +1
    return date(start.year + month // 12, month % 12 + 1, 1)


def _quarter_code(start: date) -> str:
    return f"{start.year}Q{(start.month - 1) // 3 + 1}"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _foreign_keys(state: str) -> None:
    """PRAGMA foreign_keys outside any transaction, where SQLite honours it. autocommit_block
    commits the migration's work so far, but pointsys.database begins every SQLAlchemy
    transaction with an explicit BEGIN (its write lock), the block's own included: that one is
    committed here too before the pragma, and the block begins the next transaction after it."""
    with op.get_context().autocommit_block():
        op.execute("COMMIT")
        op.execute(f"PRAGMA foreign_keys={state}")
    value = op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar()
    if value != (0 if state == "OFF" else 1):
        raise RuntimeError(f"SQLite kept foreign_keys = {value}")


def _begin_rebuild():
    """SQLite rebuilds a table to change a constraint (create, copy, drop, rename); dropping
    publication, which publication_row and objection refer to, needs foreign keys off — a
    pragma SQLite ignores inside a transaction, so what came before is committed first. The
    rebuild also drops the immutability triggers, and the fill below must update the rows:
    they are dropped (PostgreSQL: disabled) here and restored by _end_rebuild."""
    if _sqlite():
        # Commits the migration's transaction so far and begins the next one after the pragma.
        _foreign_keys("OFF")
        for table in IMMUTABLE:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    else:
        for table in IMMUTABLE:
            op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_immutable")


def _end_rebuild():
    bind = op.get_bind()
    if _sqlite():
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        problems = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign keys broken by migration 0011: {problems[:5]}")
        _foreign_keys("ON")
    else:
        for table in IMMUTABLE:
            op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_immutable")


def upgrade():
    _begin_rebuild()
    bind = op.get_bind()

    with op.batch_alter_table("quarter_close", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period_code", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("period_end", sa.Date(), nullable=True))
    close = sa.table(
        "quarter_close",
        sa.column("id", sa.Integer),
        sa.column("quarter_start", sa.Date),
        sa.column("period_code", sa.String),
        sa.column("period_end", sa.Date),
    )
    for row_id, start in bind.execute(sa.select(close.c.id, close.c.quarter_start)).all():
        bind.execute(
            close.update()
            .where(close.c.id == row_id)
            .values(period_code=_quarter_code(start), period_end=_quarter_end(start))
        )
    with op.batch_alter_table("quarter_close", schema=None) as batch_op:
        batch_op.alter_column("period_code", existing_type=sa.String(length=10), nullable=False)
        batch_op.alter_column("period_end", existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint("uq_quarter_close_village_id_quarter_start", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_quarter_close_village_id_period_code"), ["village_id", "period_code"]
        )

    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period_end", sa.Date(), nullable=True))
    publication = sa.table(
        "publication",
        sa.column("id", sa.Integer),
        sa.column("quarter_start", sa.Date),
        sa.column("period_end", sa.Date),
    )
    for row_id, start in bind.execute(
        sa.select(publication.c.id, publication.c.quarter_start)
    ).all():
        bind.execute(
            publication.update()
            .where(publication.c.id == row_id)
            .values(period_end=_quarter_end(start))
        )
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.alter_column("period_end", existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint("uq_publication_village_id_quarter_start_issue", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_publication_village_id_quarter_code_issue"),
            ["village_id", "quarter_code", "issue"],
        )

    with op.batch_alter_table("publication_row", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entry_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("occurred_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("item_title", sa.String(length=200), nullable=True))
        batch_op.alter_column("balance", existing_type=sa.BigInteger(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_publication_row_entry_id_entry"), "entry", ["entry_id"], ["id"]
        )
    _end_rebuild()


def downgrade():
    _begin_rebuild()
    bind = op.get_bind()
    # Entry lines (latest-deductions lists) and issues of other periods than quarters have no
    # place in the older schema; their rows would break its constraints.
    row = sa.table("publication_row", sa.column("entry_id", sa.Integer))
    bind.execute(row.delete().where(row.c.entry_id.is_not(None)))
    with op.batch_alter_table("publication_row", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_publication_row_entry_id_entry"), type_="foreignkey"
        )
        batch_op.alter_column("balance", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column("item_title")
        batch_op.drop_column("occurred_on")
        batch_op.drop_column("entry_id")
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_publication_village_id_quarter_code_issue"), type_="unique"
        )
        batch_op.create_unique_constraint(
            "uq_publication_village_id_quarter_start_issue",
            ["village_id", "quarter_start", "issue"],
        )
        batch_op.drop_column("period_end")
    with op.batch_alter_table("quarter_close", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_quarter_close_village_id_period_code"), type_="unique"
        )
        batch_op.create_unique_constraint(
            "uq_quarter_close_village_id_quarter_start", ["village_id", "quarter_start"]
        )
        batch_op.drop_column("period_end")
        batch_op.drop_column("period_code")
    _end_rebuild()
