"""user_account.session_version: a staff session ends on sign-out, password reset, role change

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # Sessions signed in before this carry no version ("u:5"); the loader refuses them, so every
    # staff member signs in once more after the upgrade.
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_version")
