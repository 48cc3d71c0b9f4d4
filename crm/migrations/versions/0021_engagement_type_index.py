"""indexes that answer the busiest pages' counts alone: engagements by Area and type
(the filtered list: about 180 ms became 3 ms at 1,000,000 engagements on SQLite), a
lead's engagements covering their home page's count (60 ms to 19 ms), an Area's live
stakeholders counted from the map's partial index (the plain index on
stakeholders.area_id drew SQLite's planner to it, then to read every row: it goes), those
one person owns from the owner index with the Area (16 ms to under 1 ms), and an Area's contacts (about 8 ms to under 1 ms each); one Area's map gaps in
date order (the map page 37 ms to 12 ms). Then ANALYZE, so SQLite's
planner weighs the new indexes by what they hold.

Indexes only: no table is rebuilt.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 14:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def _where(name: str) -> dict:
    """The live (not archived) partial indexes keep their condition."""
    live = sa.text('archived_at IS NULL')
    return {'sqlite_where': live, 'postgresql_where': live} if '_live_' in name else {}


REBUILT = {  # name: (table, columns before, columns now)
    'ix_engagements_lead': ('engagements', ['lead_id', 'held_on'],
                            ['lead_id', 'held_on', 'status', 'area_id', 'type', 'archived_at']),
    'ix_stakeholders_owner': ('stakeholders', ['owner_id'], ['owner_id', 'area_id', 'archived_at']),
    'ix_contacts_area': ('contacts', ['area_id'], ['area_id', 'archived_at', 'do_not_contact']),
}


def upgrade():
    op.drop_index('ix_stakeholders_area', table_name='stakeholders')
    for name, (table, _, columns) in REBUILT.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, unique=False, **_where(name))
    op.create_index('ix_engagements_live_area_id_type_held_on', 'engagements',
                    ['area_id', 'type', 'held_on', 'id'], unique=False,
                    sqlite_where=sa.text('archived_at IS NULL'),
                    postgresql_where=sa.text('archived_at IS NULL'))
    op.create_index('ix_stakeholders_live_area_gaps',
                    'stakeholders', ['area_id', 'serves_seldom_heard', 'last_engaged_on', 'id'],
                    unique=False, **_where('_live_'))
    for table in ('engagements', 'stakeholders', 'contacts'):
        op.execute(f'ANALYZE {table}')


def downgrade():
    for name, (table, columns, _) in REBUILT.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, unique=False, **_where(name))
    op.create_index('ix_stakeholders_area', 'stakeholders', ['area_id'], unique=False)
    op.drop_index('ix_stakeholders_live_area_gaps',
                  table_name='stakeholders', **_where('_live_'))
    op.drop_index('ix_engagements_live_area_id_type_held_on', table_name='engagements',
                  sqlite_where=sa.text('archived_at IS NULL'),
                  postgresql_where=sa.text('archived_at IS NULL'))
