"""lowered indexes: the duplicate checks compare names and emails whatever their case, and
indexes on the lowered values answer them (a stakeholder's save ran its check in 145 ms on
PostgreSQL at 100,000 stakeholders, walking the Area's names; under 1 ms with these)

Indexes only: no table is rebuilt. Last in line on purpose: SQLite's table rebuilds (a
batch migration) cannot read an index on an expression, and would drop these.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_stakeholders_lower_name_postcode': ('stakeholders', ['lower(name)', 'postcode']),
    'ix_stakeholders_lower_email': ('stakeholders', ['lower(email)']),
    'ix_contacts_lower_email': ('contacts', ['lower(email)']),
    'ix_contacts_lower_name': ('contacts', ['lower(name)']),
}


def upgrade():
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, [sa.text(c) if '(' in c else c for c in columns])


def downgrade():
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
