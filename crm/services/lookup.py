"""Finding stakeholders and contacts by name for the type-ahead pickers, within the user's Areas."""

from __future__ import annotations

from sqlalchemy import or_, select

from crm.extensions import db
from crm.models import Contact, Stakeholder, User
from crm.services import access, records

MODELS = {"stakeholders": Stakeholder, "contacts": Contact}


# The most records one request may name (an IN list beyond this is refused).
MAX_IDS = 500


def _search(model, user: User, q: str, limit: int, min_length: int = 2) -> list:
    q = (q or "").strip()[:200]
    if len(q) < min_length:
        return []
    stmt = select(model).where(records.contains_text(model.name, q), model.archived_at.is_(None))
    stmt = access.scope_to_user_areas(stmt, model.area_id, user)
    return list(db.session.scalars(stmt.order_by(model.name, model.id).limit(limit)))


def search_stakeholders(
    user: User, q: str, limit: int = 20, min_length: int = 2
) -> list[Stakeholder]:
    """Live stakeholders in the user's Areas whose name contains q (the type-ahead asks
    for two characters; a full search page accepts one)."""
    return _search(Stakeholder, user, q, limit, min_length)


def search_contacts(user: User, q: str, limit: int = 20, min_length: int = 2) -> list[Contact]:
    return _search(Contact, user, q, limit, min_length)


def records_by_ids(user: User, kind: str, ids: list[int], keep: set[int] = frozenset()) -> list:
    """The records with these ids that the user may see: live ones, and archived ones
    only if the record being edited already links to them (`keep`)."""
    model = MODELS[kind]
    ids = [i for i in ids if isinstance(i, int)][:MAX_IDS]
    if not ids:
        return []
    live_or_kept = or_(model.archived_at.is_(None), model.id.in_(list(keep)))
    stmt = select(model).where(model.id.in_(ids), live_or_kept)
    stmt = access.scope_to_user_areas(stmt, model.area_id, user)
    return list(db.session.scalars(stmt.order_by(model.name)))


def label(user: User, record) -> str:
    """How a record is told apart in a picker: its name, and where it is (a contact's
    organisations, those the user may see)."""
    if isinstance(record, Stakeholder):
        place = ", ".join(p for p in (record.town, record.postcode) if p)
        return f"{record.name} ({place})" if place else record.name
    visible = [a.stakeholder for a in record.affiliations if access.may_read(user, a.stakeholder)]
    organisations = ", ".join(s.name for s in visible[:2])
    return f"{record.name} ({organisations})" if organisations else record.name
