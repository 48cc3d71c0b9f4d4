"""community reach by Area: coverage and the dashboards read one Area's community reach in
a period; the primary key (community, Area, day) made PostgreSQL read all of it (265,000
rows at a million engagements: 7-11 ms of its CPU on every coverage page and home page)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 07:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_community_reach_area_held_on', 'community_reach',
                    ['area_id', 'held_on', 'community_id', 'engagements'])


def downgrade():
    op.drop_index('ix_community_reach_area_held_on', table_name='community_reach')
