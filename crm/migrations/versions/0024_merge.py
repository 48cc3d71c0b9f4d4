"""duplicates and merge: each merge and what it moved (for its undo), pairs dismissed as
not the same, and a pointer from a merged stakeholder or contact to the one it joined

New tables, and one nullable column added to stakeholders and to contacts (a plain
ADD COLUMN: no table is rebuilt, so no row of one can be lost). The pointer has no
foreign key: adding one on SQLite would mean rebuilding the table.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 13:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('survivor_id', sa.Integer(), nullable=False),
    sa.Column('merged_ids', sa.JSON(), nullable=False),
    sa.Column('survivor_before', sa.JSON(), nullable=False),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merged_by_id', sa.Integer(), nullable=True),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['merged_by_id'], ['users.id'], name=op.f('fk_merges_merged_by_id_users')),
    sa.ForeignKeyConstraint(['undone_by_id'], ['users.id'], name=op.f('fk_merges_undone_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merges'))
    )
    op.create_index('ix_merges_survivor', 'merges', ['record_type', 'survivor_id'], unique=False)
    op.create_table('merge_moves',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merge_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=60), nullable=False),
    sa.Column('column_name', sa.String(length=60), nullable=False),
    sa.Column('from_id', sa.Integer(), nullable=False),
    sa.Column('row', sa.JSON(), nullable=False),
    sa.Column('removed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['merge_id'], ['merges.id'], name=op.f('fk_merge_moves_merge_id_merges')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merge_moves'))
    )
    op.create_index('ix_merge_moves_merge', 'merge_moves', ['merge_id'], unique=False)
    op.create_table('duplicate_dismissals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('first_id', sa.Integer(), nullable=False),
    sa.Column('second_id', sa.Integer(), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dismissed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['dismissed_by_id'], ['users.id'], name=op.f('fk_duplicate_dismissals_dismissed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_dismissals')),
    sa.UniqueConstraint('record_type', 'first_id', 'second_id', name=op.f('uq_duplicate_dismissals_record_type'))
    )
    op.add_column('stakeholders', sa.Column('merged_into_id', sa.Integer(), nullable=True))
    op.add_column('contacts', sa.Column('merged_into_id', sa.Integer(), nullable=True))


def downgrade():
    # SQLite 3.35+ drops a column in place (no batch rebuild, which loses child rows).
    op.drop_column('contacts', 'merged_into_id')
    op.drop_column('stakeholders', 'merged_into_id')
    op.drop_table('duplicate_dismissals')
    op.drop_index('ix_merge_moves_merge', table_name='merge_moves')
    op.drop_table('merge_moves')
    op.drop_index('ix_merges_survivor', table_name='merges')
    op.drop_table('merges')
