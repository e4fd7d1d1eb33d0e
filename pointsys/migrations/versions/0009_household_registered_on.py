"""household.registered_on: the first day a household was 在册

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-24 14:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None

# An existing household was registered on the earliest of: its first 在册 status, its first
# conduct in the ledger (so no entry predates it), and the local day its row was made.
EARLIEST_KNOWN = """
UPDATE household SET registered_on = (
    SELECT MIN(day) FROM (
        SELECT MIN(effective_on) AS day FROM household_status_change
        WHERE household_status_change.household_id = household.id
          AND household_status_change.status = 'active'
        UNION ALL
        SELECT MIN(occurred_on) FROM entry WHERE entry.household_id = household.id
        UNION ALL
        SELECT {created_day}
    ) AS known
)
"""
# created_at is stored in UTC; the village's day is Asia/Shanghai's (the deployment default).
CREATED_DAY = {
    "postgresql": "CAST(household.created_at AT TIME ZONE 'Asia/Shanghai' AS DATE)",
    "sqlite": "date(household.created_at, '+8 hours')",
}


def upgrade():
    op.add_column("household", sa.Column("registered_on", sa.Date(), nullable=True))
    dialect = op.get_bind().dialect.name
    op.execute(EARLIEST_KNOWN.format(created_day=CREATED_DAY.get(dialect, CREATED_DAY["sqlite"])))


def downgrade():
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_column("registered_on")
