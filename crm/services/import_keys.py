"""How an import finds the records its rows may already be: each kind's natural keys.

Existing records are read once as tuples (no ORM objects), each key one string
("\x1f"-joined, a third the memory of a tuple of strings at 100,000 rows) holding its
one id, or a list when several records share it.
"""

from __future__ import annotations

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Affiliation, Contact, Stakeholder, User
from crm.services import access
from crm.services.import_fields import plain


class Keys:
    """Existing records by natural key: exact (the same record) and similar (perhaps)."""

    def __init__(self) -> None:
        self.exact = _IdsByKey()
        self.similar = _IdsByKey()


class _IdsByKey(dict):
    def append(self, key: str, record_id: int) -> None:
        found = super().get(key)
        if found is None:
            self[key] = record_id
        elif isinstance(found, list):
            found.append(record_id)
        else:
            self[key] = [found, record_id]

    def ids(self, key: str) -> list[int]:
        found = super().get(key)
        return [] if found is None else found if isinstance(found, list) else [found]


def key(*parts) -> str:
    return "\x1f".join(str(part) for part in parts)


def _stakeholder_keys(user: User) -> Keys:
    keys = Keys()
    stmt = select(Stakeholder.id, Stakeholder.name, Stakeholder.postcode,
                  func.lower(Stakeholder.email), Stakeholder.area_id).where(
        Stakeholder.archived_at.is_(None), *access.area_conditions(Stakeholder.area_id, user))
    for record_id, name, postcode, email, area_id in db.session.execute(stmt):
        said = plain(name)
        if postcode:
            keys.exact.append(key("name", said, postcode), record_id)
        if email:
            keys.exact.append(key("email", email), record_id)
        keys.similar.append(key(said, area_id), record_id)
    return keys


def stakeholder_row_keys(values: dict) -> tuple[list[str], str]:
    said = plain(values.get("name", ""))
    exact = []
    if values.get("postcode"):
        exact.append(key("name", said, values["postcode"]))
    if values.get("email"):
        exact.append(key("email", values["email"]))
    return exact, key(said, values.get("area"))


def _contact_keys(user: User) -> Keys:
    keys = Keys()
    stmt = select(Contact.id, Contact.name, func.lower(Contact.email), Contact.area_id,
                  Affiliation.stakeholder_id).outerjoin(Affiliation).where(
        Contact.archived_at.is_(None), *access.area_conditions(Contact.area_id, user))
    for record_id, name, email, area_id, stakeholder_id in db.session.execute(stmt):
        said = plain(name)
        if email:
            keys.exact.append(key("email", email), record_id)
        else:
            keys.exact.append(key("name", said, area_id, stakeholder_id), record_id)
        keys.similar.append(key(said, area_id), record_id)
    return keys


def contact_row_keys(values: dict) -> tuple[list[str], str]:
    said = plain(values.get("name", ""))
    if values.get("email"):
        exact = [key("email", values["email"])]
    else:
        exact = [key("name", said, values.get("area"), values.get("organisation_id"))]
    return exact, key(said, values.get("area"))


def _engagement_keys(user: User) -> Keys:
    from crm.services import import_engagements  # it writes through import_apply

    keys = Keys()
    import_engagements.keys_of(user, keys)
    return keys


def _engagement_row_keys(values: dict) -> tuple[list[str], str]:
    from crm.services import import_engagements

    return import_engagements.row_keys(values)


def _member_keys(user: User) -> Keys:
    from crm.services import import_members

    return import_members.keys_of(user)


def _member_row_keys(values: dict) -> tuple[list[str], str]:
    from crm.services import import_members

    return import_members.row_keys(values)


KEYS = {"stakeholders": (_stakeholder_keys, stakeholder_row_keys),
        "members": (_member_keys, _member_row_keys),
        "contacts": (_contact_keys, contact_row_keys),
        "engagements": (_engagement_keys, _engagement_row_keys)}  # fmt: skip
