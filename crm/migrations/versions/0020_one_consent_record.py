"""one consent record: a contact's older single consent fields (given, date, lawful basis,
how obtained) become the first entry of their consent history, and the fields go

The single fields could be overwritten on the contact form, beside the dated history per
purpose that is never overwritten. Consent given becomes a "given" entry for the purpose
"Engagement and invitations" (what the form's consent was for: holding their details and
inviting them), dated as it was (or the day the contact was added), under the basis and
with the method recorded. A lawful basis or method written without consent given has no
entry to become, so it is kept word for word at the end of the contact's notes. Nothing
is dropped.

The contacts table is rebuilt on SQLite with foreign keys off (env.py), so no row of a
table that refers to it is lost.

Revision ID: 0020
Revises: 0017
Create Date: 2026-11-30 14:00:00

"""
from datetime import datetime, UTC

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0017'
branch_labels = None
depends_on = None

PURPOSE = "Engagement and invitations"
BASES = {"consent": "Consent", "public_task": "Public task",
         "legitimate_interests": "Legitimate interests"}

contacts = sa.table(
    "contacts", sa.column("id", sa.Integer), sa.column("consent_given", sa.Boolean),
    sa.column("consent_on", sa.Date), sa.column("consent_basis", sa.String),
    sa.column("consent_method", sa.String), sa.column("notes", sa.Text),
    sa.column("created_at", sa.DateTime(timezone=True)))
purposes = sa.table(
    "purposes", sa.column("id", sa.Integer), sa.column("name", sa.String),
    sa.column("lawful_basis", sa.String), sa.column("wording", sa.Text),
    sa.column("created_at", sa.DateTime(timezone=True)))
records = sa.table(
    "consent_records", sa.column("contact_id", sa.Integer), sa.column("purpose_id", sa.Integer),
    sa.column("basis", sa.String), sa.column("status", sa.String),
    sa.column("changed_on", sa.Date), sa.column("method", sa.String),
    sa.column("obtained_by", sa.String), sa.column("recorded_at", sa.DateTime(timezone=True)))


def _purpose_id(bind, now) -> int:
    found = bind.execute(sa.select(purposes.c.id).where(purposes.c.name == PURPOSE)).scalar()
    if found is None:
        bind.execute(purposes.insert().values(name=PURPOSE, lawful_basis="public_task",
                                              wording="", created_at=now))
        found = bind.execute(sa.select(purposes.c.id).where(purposes.c.name == PURPOSE)).scalar()
    return found


def _day(value):
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value[:10]).date()
    return value.date() if isinstance(value, datetime) else value


def upgrade():
    bind = op.get_bind()
    now = datetime.now(UTC)
    rows = bind.execute(sa.select(contacts).where(sa.or_(
        contacts.c.consent_given.is_(True), contacts.c.consent_basis != "",
        contacts.c.consent_method != ""))).all()
    purpose_id = _purpose_id(bind, now) if rows else None
    for row in rows:
        if row.consent_given:
            bind.execute(records.insert().values(
                contact_id=row.id, purpose_id=purpose_id,
                basis=row.consent_basis or "consent", status="given",
                changed_on=_day(row.consent_on) or _day(row.created_at) or now.date(),
                method=(row.consent_method or "")[:300], obtained_by="", recorded_at=now))
        else:
            kept = "; ".join(part for part in (
                f"lawful basis {BASES.get(row.consent_basis, row.consent_basis)}"
                if row.consent_basis else "",
                f"how consent was obtained: {row.consent_method}" if row.consent_method else "",
            ) if part)
            note = f"Recorded before consent was kept per purpose (consent not given): {kept}."
            notes = f"{row.notes}\n\n{note}" if row.notes else note
            bind.execute(contacts.update().where(contacts.c.id == row.id).values(notes=notes))
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('consent_given')
        batch_op.drop_column('consent_on')
        batch_op.drop_column('consent_basis')
        batch_op.drop_column('consent_method')


def downgrade():
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_method', sa.String(length=300), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('consent_basis', sa.String(length=30), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('consent_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('consent_given', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
