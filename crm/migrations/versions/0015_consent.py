"""consent: purposes, consent history per contact and purpose, do-not-contact history,
subject access requests

New tables only: no existing table is rebuilt, so no row of one can be lost. Contacts
already carry a do_not_contact flag (the latest); its date and reason live in the
history table.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 11:30:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('purposes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('lawful_basis', sa.String(length=30), nullable=False),
    sa.Column('wording', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purposes')),
    sa.UniqueConstraint('name', name=op.f('uq_purposes_name'))
    )
    op.create_table('consent_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('purpose_id', sa.Integer(), nullable=False),
    sa.Column('basis', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=300), nullable=False),
    sa.Column('obtained_by', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_consent_records_contact_id_contacts')),
    sa.ForeignKeyConstraint(['purpose_id'], ['purposes.id'], name=op.f('fk_consent_records_purpose_id_purposes')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_consent_records_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records'))
    )
    op.create_index('ix_consent_records_contact', 'consent_records', ['contact_id', 'purpose_id', 'id'], unique=False)
    op.create_table('do_not_contact_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('do_not_contact', sa.Boolean(), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_do_not_contact_changes_contact_id_contacts')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_do_not_contact_changes_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_do_not_contact_changes'))
    )
    op.create_index('ix_do_not_contact_changes_contact', 'do_not_contact_changes', ['contact_id', 'id'], unique=False)
    op.create_table('subject_access_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_subject_access_requests_contact_id_contacts')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_subject_access_requests_job_id_jobs')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_subject_access_requests_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_access_requests'))
    )
    op.create_index('ix_subject_access_requests_contact', 'subject_access_requests', ['contact_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_subject_access_requests_contact', table_name='subject_access_requests')
    op.drop_table('subject_access_requests')
    op.drop_index('ix_do_not_contact_changes_contact', table_name='do_not_contact_changes')
    op.drop_table('do_not_contact_changes')
    op.drop_index('ix_consent_records_contact', table_name='consent_records')
    op.drop_table('consent_records')
    op.drop_table('purposes')
