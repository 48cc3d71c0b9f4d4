"""Writing and reading the audit trail.

Each service describes its record as {field label: value}; the audit keeps the
fields whose value changed, so the history reads as a person would describe the
change ("Status: Active to Dormant"), not as column values.

A value is display text, or, for a field that names other records (the stakeholders
at an engagement, a contact's organisations), a list of links [kind, id, Area id,
name]: the history shows each name only to people who may see that record, and
"a stakeholder in another Area" to everyone else. Restricted fields (declared on
the model's column) are kept only as "changed": their text never reaches the trail.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from crm import i18n
from crm.extensions import db
from crm.models import AuditEvent, User
from crm.models.common import restricted_fields, special_category_labels

NOT_SHOWN = "(changed, not shown)"  # i18n: not interface (kept in the audit trail as written)

# What a person sees in place of a linked record they may not open, by its kind.
IN_ANOTHER_AREA = {
    "stakeholder": _l("a stakeholder in another Area"),
    "contact": _l("a contact in another Area"),
    "engagement": _l("an engagement in another Area"),
    "panel": _l("a panel in another Area"),
    "feedback": _l("a piece of feedback in another Area"),
    "panel_meeting": _l("a panel meeting in another Area"),
}
ANOTHER_RECORD = _l("a record in another Area")
# Kinds that may be national (no Area): a national one is seen by everyone.
MAY_BE_NATIONAL = frozenset({"panel", "feedback", "panel_meeting"})


def link(kind: str, record: Any, area_id: int | None, name: str | None = None) -> tuple:
    return (kind, record.id, area_id, name if name is not None else record.name)


def links(kind: str, records: Iterable[Any], name=None) -> tuple:
    """Links to records of one kind (None skipped), in a stable order, so the same set
    compares equal however it was put together."""
    found = [link(kind, r, r.area_id, name(r) if name else None) for r in records if r is not None]
    return tuple(sorted(found, key=lambda item: (item[3].lower(), item[1])))


def names(records: Iterable[Any]) -> str:
    """Names of reference records (communities, staff) as one text, order-free."""
    return ", ".join(sorted((r.name for r in records), key=str.lower))


@functools.cache  # the models' declarations do not change once the app is built
def redacted_labels(record_type: str) -> frozenset[str]:
    """The labels whose values the audit never keeps: the record's restricted fields, and
    special category data (equality answers) whatever record a change is filed under."""
    from crm.services.access import model_for

    model = model_for(record_type)
    own = frozenset(restricted_fields(model).values()) if model is not None else frozenset()
    return own | special_category_labels()


def _stored(value: Any) -> Any:
    return [list(item) for item in value] if isinstance(value, tuple) else value


def _kept(text: Any) -> Any:
    """A label or value given lazily (a model's choice: a role, a kind of record) as the
    trail keeps it: in English, the words it was written in, whatever the page's language."""
    if isinstance(text, LazyString):
        with i18n.in_stored_language():
            return str(text)
    return text


def _blank(value: Any) -> Any:
    return () if isinstance(value, tuple) else ""


def record_event(
    user: User | None,
    record_type: str,
    record_id: int,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    version: int = 1,
) -> AuditEvent:
    """Add an audit event to the current transaction: each field's old and new value."""
    before = {_kept(label): _kept(value) for label, value in (before or {}).items()}
    after = {_kept(label): _kept(value) for label, value in after.items()}
    redacted = redacted_labels(record_type)
    changes = {}
    for label, value in after.items():
        old = before.get(label, _blank(value))
        if old == value:
            continue
        if label in redacted:
            changes[label] = ["", NOT_SHOWN]
        else:
            changes[label] = [_stored(old), _stored(value)]
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


def in_another_area(kind: str) -> str:
    """What a person sees in place of the name of a record they may not open."""
    return str(IN_ANOTHER_AREA.get(kind, ANOTHER_RECORD))


def name_for(user: User, record: Any, kind: str, text: str | None = None) -> str:
    """A linked record's name (or `text`) if the user may see it, else in_another_area."""
    from crm.services.access import may_read

    name = record.name if text is None else text
    return name if may_read(user, record) else in_another_area(kind)


def shown(value: Any, user: User) -> str:
    """A stored value as this user may read it."""
    from crm.services.access import can_see_area

    if not isinstance(value, list):
        return value or ""
    parts = []
    for kind, _record_id, area_id, name in value:
        if area_id is None:
            # A national panel (or its meeting or feedback) is seen by all; a record whose
            # Area was not recorded
            # (a trail written before links were kept) only by national users.
            visible = kind in MAY_BE_NATIONAL or user.is_national
        else:
            visible = can_see_area(user, area_id)
        parts.append(name if visible else in_another_area(kind))
    return ", ".join(parts)


HISTORY_SHOWN = 100


def history(
    record_type: str, record_id: int | list[int], limit: int = HISTORY_SHOWN
) -> list[AuditEvent]:
    """The record's latest changes, newest first (a page shows at most `limit`). Given
    several ids (a record and those merged into it), their changes together."""
    ids = record_id if isinstance(record_id, list) else [record_id]
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.record_type == record_type, AuditEvent.record_id.in_(ids))
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
