"""trust: one-time form tokens, one postcode import at a time, an audit trail that keeps
restricted text back and names linked records as links

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 04:40:00

The audit trail written before this kept restricted feedback detail as text, and
names of linked records (an engagement's stakeholders, a contact's organisations,
feedback's engagement) as plain text anyone who could open the record could read.
This rewrites both: restricted text becomes "(changed, not shown)" for good, and each
name becomes a link [kind, id, Area id, name] found by that name; a name that matches
no record, or several, keeps no Area and is shown only to national users.
"""

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

NOT_SHOWN = "(changed, not shown)"
RESTRICTED = {"feedback": ["Restricted detail"], "engagement": ["Restricted notes"]}
# (record type, label) -> (kind of record named, table, name column, separator)
LINKS = {
    ("engagement", "Premises"): ("stakeholder", "stakeholders", "name", None),
    ("engagement", "Stakeholders"): ("stakeholder", "stakeholders", "name", ", "),
    ("engagement", "Contacts"): ("contact", "contacts", "name", ", "),
    ("contact", "Organisations"): ("stakeholder", "stakeholders", "name", "; "),
    ("feedback", "Panel"): ("panel", "panels", "name", None),
    ("feedback", "Engagement"): ("engagement", "engagements", "title", None),
    ("feedback", "Stakeholder"): ("stakeholder", "stakeholders", "name", None),
}
ROLE = re.compile(r"^(.*) \(([^()]*)\)$")


def upgrade():
    op.create_table(
        "form_submissions",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.String(length=64), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_form_submissions_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_form_submissions")),
    )
    op.create_index("ix_form_submissions_user_content", "form_submissions", ["user_id", "content", "at"])
    with op.batch_alter_table("postcode_sets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progress_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("total_bytes", type_=sa.BigInteger(), existing_type=sa.Integer())
        batch_op.alter_column("bytes_read", type_=sa.BigInteger(), existing_type=sa.Integer())
    op.execute("UPDATE postcode_sets SET progress_at = COALESCE(finished_at, started_at)")
    # A set left loading by a process that died would block every later import.
    op.execute("UPDATE postcode_sets SET status = 'failed', error = 'The import stopped before it "
               "finished' WHERE status = 'loading'")
    with op.batch_alter_table("postcode_sets", schema=None) as batch_op:
        batch_op.alter_column("progress_at", nullable=False, existing_type=sa.DateTime(timezone=True))
    op.create_index("uq_postcode_sets_one_loading", "postcode_sets", ["status"], unique=True,
                    sqlite_where=sa.text("status = 'loading'"),
                    postgresql_where=sa.text("status = 'loading'"))
    _rewrite_audit_trail(op.get_bind())


def _rewrite_audit_trail(bind):
    events = sa.table("audit_events", sa.column("id", sa.Integer), sa.column("record_type", sa.String),
                      sa.column("changes", sa.JSON))
    wanted = sorted({t for t, _ in LINKS} | set(RESTRICTED))
    cache: dict = {}
    for event_id, record_type, changes in bind.execute(
        sa.select(events.c.id, events.c.record_type, events.c.changes).where(
            events.c.record_type.in_(wanted))
    ).all():
        if isinstance(changes, str):
            changes = json.loads(changes)
        changed = False
        for label, values in list((changes or {}).items()):
            if label in RESTRICTED.get(record_type, ()) and values != ["", NOT_SHOWN]:
                changes[label] = ["", NOT_SHOWN]
                changed = True
            link = LINKS.get((record_type, label))
            if link and any(isinstance(v, str) and v for v in values):
                changes[label] = [_links(bind, cache, link, v) if isinstance(v, str) else v
                                  for v in values]
                changed = True
        if changed:
            bind.execute(events.update().where(events.c.id == event_id).values(changes=changes))


def _links(bind, cache, link, text):
    """The names in a stored text as links. Names may hold the separator themselves
    ("Gypsy, Roma and Traveller Forum"): the longest run of pieces that names one record wins."""
    kind, table, column, separator = link
    if not text:
        return []
    parts = text.split(separator) if separator else [text]
    found, i = [], 0
    while i < len(parts):
        for j in range(len(parts), i, -1):
            piece = separator.join(parts[i:j]) if separator else parts[i]
            record_id, area_id = _resolve(bind, cache, kind, table, column, separator, piece)
            if record_id is not None or j == i + 1:
                found.append([kind, record_id, area_id, piece])
                i = j
                break
    return found


def _resolve(bind, cache, kind, table, column, separator, piece):
    name = piece
    if kind == "stakeholder" and separator == "; ":
        match = ROLE.match(piece)  # "Name (role)"
        name = match.group(1) if match else piece
    key = (table, name)
    if key not in cache:
        named = sa.table(table, sa.column("id"), sa.column("area_id"), sa.column(column))
        rows = bind.execute(
            sa.select(named.c.id, named.c.area_id).where(named.c[column] == name)
        ).all()
        cache[key] = (rows[0][0], rows[0][1]) if len(rows) == 1 else (None, None)
    return cache[key]


def downgrade():
    op.drop_index("uq_postcode_sets_one_loading", table_name="postcode_sets")
    with op.batch_alter_table("postcode_sets", schema=None) as batch_op:
        batch_op.drop_column("progress_at")
    op.drop_index("ix_form_submissions_user_content", table_name="form_submissions")
    op.drop_table("form_submissions")
