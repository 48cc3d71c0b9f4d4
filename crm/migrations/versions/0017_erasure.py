"""erasure and retention: the erasure log (with each email's one-way fingerprint), legal
holds, retention rules, and each retention run with what it did

New tables only: no existing table is rebuilt, so no row of one can be lost.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 11:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('erasures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('erased_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('request_reference', sa.String(length=100), nullable=False),
    sa.Column('email_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('retention_rule', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_erasures_contact_id_contacts')),
    sa.ForeignKeyConstraint(['erased_by_id'], ['users.id'], name=op.f('fk_erasures_erased_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasures')),
    sa.UniqueConstraint('contact_id', name=op.f('uq_erasures_contact_id'))
    )
    op.create_index('ix_erasures_fingerprint', 'erasures', ['email_fingerprint'], unique=False)
    op.create_table('legal_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['placed_by_id'], ['users.id'], name=op.f('fk_legal_holds_placed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_holds')),
    sa.UniqueConstraint('record_type', 'record_id', name=op.f('uq_legal_holds_record_type'))
    )
    op.create_table('retention_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_retention_rules_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_rules')),
    sa.UniqueConstraint('kind', name=op.f('uq_retention_rules_kind'))
    )
    op.create_table('retention_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_retention_runs_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_runs'))
    )
    op.create_table('retention_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('rule_kind', sa.String(length=30), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['retention_runs.id'], name=op.f('fk_retention_actions_run_id_retention_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_actions'))
    )
    op.create_index('ix_retention_actions_record', 'retention_actions', ['record_type', 'record_id'], unique=False)


def downgrade():
    op.drop_index('ix_retention_actions_record', table_name='retention_actions')
    op.drop_table('retention_actions')
    op.drop_table('retention_runs')
    op.drop_table('retention_rules')
    op.drop_table('legal_holds')
    op.drop_index('ix_erasures_fingerprint', table_name='erasures')
    op.drop_table('erasures')
