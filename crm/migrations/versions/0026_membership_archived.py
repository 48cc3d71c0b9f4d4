"""membership archived: a membership can be archived, as every other record can, so
undoing an import archives the memberships it added (memberships are never deleted)

A nullable column added: no table is rebuilt, no row changes.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 17:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('memberships', sa.Column('archived_at', sa.DateTime(timezone=True),
                                           nullable=True))


def downgrade():
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
