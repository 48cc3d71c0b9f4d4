"""user language: each user's chosen language for the interface (en or cy), remembered
across sessions and devices; none chosen means the browser's

A nullable column added: no table is rebuilt, no row changes.

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-30 21:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('language', sa.String(length=2), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
