"""records: panels say whether their terms of reference ask for a vice chair; trigram
indexes for the one search (engagement titles, feedback summaries and references, panels)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 05:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


# The search's "contains" on PostgreSQL reads these (SQLite scans, quickly enough).
TRIGRAM_INDEXES = [("engagements", "title"), ("feedback", "summary"),
                   ("feedback", "case_reference"), ("panels", "name")]


def upgrade():
    with op.batch_alter_table("panels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("wants_vice_chair", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.create_index("ix_engagements_live_title_area_id", ["title", "area_id"],
                              unique=False, sqlite_where=sa.text("archived_at IS NULL"),
                              postgresql_where=sa.text("archived_at IS NULL"))
    if op.get_bind().dialect.name == "postgresql":
        for table, column in TRIGRAM_INDEXES:
            op.execute(f"CREATE INDEX ix_{table}_{column}_trgm ON {table} "
                       f"USING gin (lower({column}) gin_trgm_ops)")


def downgrade():
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.drop_index("ix_engagements_live_title_area_id")
    if op.get_bind().dialect.name == "postgresql":
        for table, column in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_trgm")
    with op.batch_alter_table("panels", schema=None) as batch_op:
        batch_op.drop_column("wants_vice_chair")
