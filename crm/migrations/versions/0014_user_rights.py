"""user rights: rights beyond a role (data protection, equality data), given by administrators

One new table only: no existing table is rebuilt, so no row of one can be lost.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 11:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_rights',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('right', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_rights_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'right', name=op.f('pk_user_rights'))
    )


def downgrade():
    op.drop_table('user_rights')
