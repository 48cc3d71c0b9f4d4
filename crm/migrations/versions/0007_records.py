"""records: panels say whether their terms of reference ask for a vice chair

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 05:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("panels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("wants_vice_chair", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("panels", schema=None) as batch_op:
        batch_op.drop_column("wants_vice_chair")
