"""Contacts: the people at stakeholders, their consent and how they like to be reached."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from crm.extensions import db
from crm.models import Affiliation, ConsentRecord, Contact, Stakeholder, User
from crm.models.stakeholder import CONTACT_METHODS
from crm.services import access, audit, consent, records
from crm.services.records import InvalidValue, Page, yes_no

KIND = "contact"

FIELDS = (
    "name", "job_title", "area_id", "email", "phone", "preferred_contact_method",
    "accessibility_needs", "preferred_language", "do_not_contact", "notes",
)  # fmt: skip

SortKey = records.SortKey
SORTS = {
    "name": [SortKey(Contact.name), SortKey(Contact.id)],
    "-name": [SortKey(Contact.name, True), SortKey(Contact.id, True)],
    "updated": [SortKey(Contact.updated_at, True), SortKey(Contact.id, True)],
}


@dataclass
class ContactFilters:
    q: str = ""
    area_id: int | None = None
    stakeholder_id: int | None = None
    consent_for: int | None = None  # a purpose: those consenting to it now
    archived: bool = False
    sort: str = "name"
    page: int = 1


def describe(c: Contact) -> dict[str, str]:
    return {  # i18n: not interface (the audit trail's labels, kept as written)
        "Name": c.name,
        "Job title": c.job_title or "",
        "Area": c.area.name if c.area else "",
        "Email": c.email or "",
        "Phone": c.phone or "",
        "Preferred contact method": CONTACT_METHODS.get(c.preferred_contact_method, ""),
        "Accessibility needs": c.accessibility_needs or "",
        "Preferred language": c.preferred_language or "",
        "Do not contact": yes_no(bool(c.do_not_contact)),
        "Notes": c.notes or "",
        "Organisations": audit.links(
            "stakeholder",
            [a.stakeholder for a in c.affiliations],
            name=lambda s: next(
                f"{s.name} ({a.role})" if a.role else s.name
                for a in c.affiliations
                if a.stakeholder is s
            ),
        ),
    }


def filter_conditions(user: User, filters: ContactFilters) -> list:
    """The WHERE conditions for the list (and for any count that links to it)."""
    conditions = access.area_conditions(Contact.area_id, user)
    if filters.archived and access.can_restore(user):
        conditions.append(Contact.archived_at.is_not(None))
    else:
        conditions.append(Contact.archived_at.is_(None))
    q = filters.q.strip()
    if q:
        conditions.append(
            or_(
                *(
                    records.contains_text(c, q)
                    for c in (Contact.name, Contact.email, Contact.job_title)
                )
            )
        )
    if filters.area_id:
        conditions.append(Contact.area_id == filters.area_id)
    if filters.stakeholder_id:
        # A stakeholder the user may not see answers as a missing one: no rows.
        stakeholder_id = access.visible_id(user, Stakeholder, filters.stakeholder_id)
        conditions.append(
            exists().where(
                Affiliation.contact_id == Contact.id,
                Affiliation.stakeholder_id == stakeholder_id,
            )
        )
    if filters.consent_for:
        given = consent.consenting(ConsentRecord.purpose_id == filters.consent_for)
        conditions.append(Contact.id.in_(select(given.c.contact_id)))
    return conditions


def list_contacts(user: User, filters: ContactFilters, page_size: int) -> Page:
    """One page of the contacts the user may see that match the filters."""
    return records.paginate(
        Contact,
        filter_conditions(user, filters),
        SORTS.get(filters.sort, SORTS["name"]),
        filters.page,
        page_size,
        options=(
            joinedload(Contact.area),
            selectinload(Contact.affiliations).joinedload(Affiliation.stakeholder),
        ),
    )


def get_contact(user: User, contact_id: int, include_archived: bool = False) -> Contact:
    return access.get_scoped(Contact, contact_id, user, include_archived=include_archived)


def possible_duplicates(user: User, email: str, exclude_id: int | None = None) -> list[Contact]:
    """Live contacts the user can see with the same email address."""
    if not email:
        return []
    stmt = select(Contact).where(
        func.lower(Contact.email) == email.strip().lower(), Contact.archived_at.is_(None)
    )
    stmt = access.scope_to_user_areas(stmt, Contact.area_id, user)
    if exclude_id:
        stmt = stmt.where(Contact.id != exclude_id)
    return list(db.session.scalars(stmt.order_by(Contact.name).limit(10)))


def _check_area(user: User, data: dict[str, Any]) -> None:
    if not access.can_place_in(user, data.get("area_id")):
        raise InvalidValue("area_id", _("Select an Area you work in"))


def create_contact(
    user: User, data: dict[str, Any], stakeholder: Stakeholder | None = None, role: str = ""
) -> Contact:
    """Add a contact, optionally at a stakeholder the user can see."""
    access.require_edit(user, KIND)
    _check_area(user, data)
    contact = Contact(**{f: data.get(f) for f in FIELDS if f in data})
    if stakeholder is not None:
        contact.affiliations.append(Affiliation(stakeholder=stakeholder, role=role))
    return records.create_audited(user, KIND, contact, describe)


def update_contact(
    user: User, contact: Contact, data: dict[str, Any], expected_version: int | None
) -> Contact:
    access.require_edit(user, KIND)
    _check_area(user, data)

    def mutate() -> None:
        for field in FIELDS:
            if field in data:
                setattr(contact, field, data[field])

    return records.update_audited(user, KIND, contact, expected_version, describe, mutate)


def link_stakeholder(user: User, contact: Contact, stakeholder: Stakeholder, role: str) -> None:
    """Record that the contact belongs to a stakeholder, or change their role there."""

    def mutate() -> None:
        for affiliation in contact.affiliations:
            if affiliation.stakeholder_id == stakeholder.id:
                affiliation.role = role
                return
        contact.affiliations.append(Affiliation(stakeholder=stakeholder, role=role))

    records.update_audited(user, KIND, contact, None, describe, mutate)


def unlink_stakeholder(user: User, contact: Contact, stakeholder_id: int) -> None:
    def mutate() -> None:
        contact.affiliations = [
            a for a in contact.affiliations if a.stakeholder_id != stakeholder_id
        ]

    records.update_audited(user, KIND, contact, None, describe, mutate)


def archive_contact(user: User, contact: Contact) -> None:
    records.set_archived(user, KIND, contact, archived=True)


def restore_contact(user: User, contact: Contact) -> None:
    records.set_archived(user, KIND, contact, archived=False)
