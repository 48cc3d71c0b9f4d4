"""merged-into indexes: a stakeholder's or contact's page asks which records were merged
into it, and nothing answered that but reading every row (37 ms a page at 100,000
stakeholders on SQLite); partial indexes of the few merged records answer it at once

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 17:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

MERGED = sa.text('merged_into_id IS NOT NULL')


def upgrade():
    for table in ('stakeholders', 'contacts'):
        op.create_index(f'ix_{table}_merged_into', table, ['merged_into_id'],
                        sqlite_where=MERGED, postgresql_where=MERGED)


def downgrade():
    for table in ('stakeholders', 'contacts'):
        op.drop_index(f'ix_{table}_merged_into', table_name=table)
