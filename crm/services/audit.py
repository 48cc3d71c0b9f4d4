"""Writing and reading the audit trail.

Each service describes its record as {field label: display text}; the audit
keeps the fields whose text changed, so the history reads as a person would
describe the change ("Status: Active to Dormant"), not as column values.
"""

from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db
from crm.models import AuditEvent, User

# Fields whose text the audit must not keep: it records only that they changed.
REDACTED = frozenset({"Restricted notes"})


def record_event(
    user: User | None,
    record_type: str,
    record_id: int,
    action: str,
    before: dict[str, str] | None,
    after: dict[str, str],
    version: int = 1,
) -> AuditEvent:
    """Add an audit event to the current transaction: each field's old and new value."""
    before = before or {}
    changes = {
        label: ["", "(changed, not shown)"] if label in REDACTED else [before.get(label, ""), value]
        for label, value in after.items()
        if before.get(label, "") != value
    }
    event = AuditEvent(
        user_id=user.id if user else None,
        record_type=record_type,
        record_id=record_id,
        action=action,
        version=version,
        changes=changes,
    )
    db.session.add(event)
    return event


HISTORY_SHOWN = 100


def history(record_type: str, record_id: int, limit: int = HISTORY_SHOWN) -> list[AuditEvent]:
    """The record's latest changes, newest first (a page shows at most `limit`)."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.record_type == record_type, AuditEvent.record_id == record_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def changes_since(record_type: str, record_id: int, version: int) -> list[AuditEvent]:
    """Changes saved after the given version, oldest first: what an editor has not seen."""
    stmt = (
        select(AuditEvent)
        .where(
            AuditEvent.record_type == record_type,
            AuditEvent.record_id == record_id,
            AuditEvent.version > version,
        )
        .order_by(AuditEvent.id)
    )
    return list(db.session.scalars(stmt))
