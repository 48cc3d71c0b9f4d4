"""engagement_days: held, live engagements counted by Area, day and type (the home pages' figures)

A new table only: no existing table is altered or rebuilt, so no row is at risk on SQLite.
It is filled from the engagements already there, so an upgraded database is right at
once (`flask crm rebuild-summaries --check` finds nothing to correct).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('engagement_days',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('engagements', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_engagement_days_area_id_areas')),
    sa.PrimaryKeyConstraint('area_id', 'held_on', 'type', name=op.f('pk_engagement_days'))
    )
    # What engagement_figures.rebuild() would make: an engagement counts when it is held
    # and not archived (Engagement.counts, as it stands at this revision).
    op.execute(
        "INSERT INTO engagement_days (area_id, held_on, type, engagements) "
        "SELECT area_id, held_on, type, count(*) FROM engagements "
        "WHERE status = 'held' AND archived_at IS NULL "
        "GROUP BY area_id, held_on, type"
    )
    op.create_index('ix_engagement_days_held_on', 'engagement_days',
                    ['held_on', 'area_id', 'type', 'engagements'], unique=False)


def downgrade():
    op.drop_index('ix_engagement_days_held_on', table_name='engagement_days')
    op.drop_table('engagement_days')
