"""equality monitoring: panel members' answers (special category data), who viewed them,
and each Area's population profile to compare panels with

New tables only: no existing table is rebuilt, so no row of one can be lost.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 11:40:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('equality_answers',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('age_band', sa.String(length=20), nullable=False),
    sa.Column('disability', sa.String(length=20), nullable=False),
    sa.Column('ethnicity', sa.String(length=40), nullable=False),
    sa.Column('religion', sa.String(length=20), nullable=False),
    sa.Column('sex', sa.String(length=20), nullable=False),
    sa.Column('gender_same', sa.String(length=20), nullable=False),
    sa.Column('sexual_orientation', sa.String(length=20), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=True),
    sa.Column('given_how', sa.String(length=20), nullable=False),
    sa.Column('objected_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_equality_answers_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', name=op.f('pk_equality_answers'))
    )
    op.create_table('equality_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_equality_views_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_equality_views_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equality_views'))
    )
    op.create_index('ix_equality_views_contact', 'equality_views', ['contact_id', 'id'], unique=False)
    op.create_table('area_populations',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=30), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_area_populations_area_id_areas'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('area_id', 'question', 'category', name=op.f('pk_area_populations'))
    )


def downgrade():
    op.drop_table('area_populations')
    op.drop_index('ix_equality_views_contact', table_name='equality_views')
    op.drop_table('equality_views')
    op.drop_table('equality_answers')
