"""consent wording: each consent record keeps the words the person was shown, as they were
that day (an administrator may reword the purpose later)

Records made before this keep the purpose's wording as it is now, the best that is known.
A column added with a default: no table is rebuilt.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wording', sa.Text(), nullable=False, server_default=''))
    op.execute("UPDATE consent_records SET wording = (SELECT purposes.wording FROM purposes "
               "WHERE purposes.id = consent_records.purpose_id)")


def downgrade():
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_column('wording')
