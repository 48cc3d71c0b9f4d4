"""The stakeholder register: listing, reading, saving, archiving, spotting duplicates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from crm.extensions import db
from crm.models import Affiliation, Community, Contact, Stakeholder, User
from crm.models.stakeholder import STAKEHOLDER_STATUSES, STAKEHOLDER_TYPES, stakeholder_communities
from crm.services import access, audit, geocoding, records, reference
from crm.services.records import InvalidValue, Page
from crm.services.validation import normalise_postcode

KIND = "stakeholder"

# Fields a form may set directly; communities are handled on their own.
FIELDS = (
    "name", "type", "description", "address_line1", "address_line2", "town", "postcode",
    "latitude", "longitude", "area_id", "owner_id", "status", "influence", "interest",
    "email", "phone", "website", "preferred_language", "accessible_formats", "notes",
)  # fmt: skip

SortKey = records.SortKey
SORTS = {
    "name": [SortKey(Stakeholder.name), SortKey(Stakeholder.id)],
    "-name": [SortKey(Stakeholder.name, True), SortKey(Stakeholder.id, True)],
    "updated": [SortKey(Stakeholder.updated_at, True), SortKey(Stakeholder.id, True)],
    "postcode": [SortKey(Stakeholder.postcode), SortKey(Stakeholder.id)],
}


@dataclass
class StakeholderFilters:
    q: str = ""
    area_id: int | None = None
    type: str = ""
    community_id: int | None = None
    seldom_heard: bool = False
    status: str = ""
    owner_id: int | None = None
    archived: bool = False
    sort: str = "name"
    page: int = 1


def describe(s: Stakeholder) -> dict[str, str]:
    """The stakeholder as a person reads it, for the audit trail."""
    return {  # i18n: not interface (the audit trail's labels, kept as written)
        "Name": s.name,
        "Type": STAKEHOLDER_TYPES.get(s.type, s.type),
        "Description": s.description or "",
        "Communities served": audit.names(s.communities),
        "Address line 1": s.address_line1 or "",
        "Address line 2": s.address_line2 or "",
        "Town or city": s.town or "",
        "Postcode": s.postcode or "",
        "Latitude": "" if s.latitude is None else f"{s.latitude:.6f}",
        "Location": geocoding.STATUS_LABELS.get(s.geocode_status or "", ""),
        "Longitude": "" if s.longitude is None else f"{s.longitude:.6f}",
        "Area": s.area.name if s.area else "",
        "Relationship owner": s.owner.name if s.owner else "",
        "Status": STAKEHOLDER_STATUSES.get(s.status, s.status),
        "Influence": "" if s.influence is None else str(s.influence),
        "Interest": "" if s.interest is None else str(s.interest),
        "Email": s.email or "",
        "Phone": s.phone or "",
        "Website": s.website or "",
        "Preferred language": s.preferred_language or "",
        "Accessible formats": s.accessible_formats or "",
        "Notes": s.notes or "",
    }


def filter_conditions(user: User, filters: StakeholderFilters) -> list:
    """The WHERE conditions for the list (and for any count that links to it)."""
    conditions = access.area_conditions(Stakeholder.area_id, user)
    if filters.archived and access.can_restore(user):
        conditions.append(Stakeholder.archived_at.is_not(None))
    else:
        conditions.append(Stakeholder.archived_at.is_(None))
    if filters.q.strip():
        conditions.append(_matches_text(filters.q.strip()))
    for column, value in (
        (Stakeholder.area_id, filters.area_id),
        (Stakeholder.type, filters.type),
        (Stakeholder.status, filters.status),
        (Stakeholder.owner_id, filters.owner_id),
    ):
        if value:
            conditions.append(column == value)
    if filters.community_id:
        conditions.append(_serves(stakeholder_communities.c.community_id == filters.community_id))
    if filters.seldom_heard:
        seldom = select(Community.id).where(Community.seldom_heard.is_(True))
        conditions.append(_serves(stakeholder_communities.c.community_id.in_(seldom)))
    return conditions


def list_stakeholders(user: User, filters: StakeholderFilters, page_size: int) -> Page:
    """One page of the stakeholders the user may see that match the filters."""
    return records.paginate(
        Stakeholder,
        filter_conditions(user, filters),
        SORTS.get(filters.sort, SORTS["name"]),
        filters.page,
        page_size,
        options=(joinedload(Stakeholder.area), joinedload(Stakeholder.owner)),
    )


def _serves(condition) -> Any:
    return exists().where(stakeholder_communities.c.stakeholder_id == Stakeholder.id, condition)


def _matches_text(q: str) -> Any:
    conditions = [
        records.contains_text(Stakeholder.name, q),
        records.contains_text(Stakeholder.town, q),
    ]
    compact = q.replace(" ", "").upper()
    if compact.isalnum() and any(ch.isdigit() for ch in compact):
        # A postcode, whole or in part: match it however the user spaced it.
        postcode = normalise_postcode(compact) or compact
        conditions.append(Stakeholder.postcode.like(f"{postcode}%"))
    return or_(*conditions)


def get_stakeholder(user: User, stakeholder_id: int, include_archived: bool = False) -> Stakeholder:
    return access.get_scoped(Stakeholder, stakeholder_id, user, include_archived=include_archived)


def possible_duplicates(
    user: User, name: str, postcode: str, email: str, exclude_id: int | None = None
) -> list[Stakeholder]:
    """Live stakeholders the user can see with the same name and postcode, or the same email."""
    conditions = []
    if name and postcode:
        conditions.append(
            (func.lower(Stakeholder.name) == name.strip().lower())
            & (Stakeholder.postcode == postcode)
        )
    if email:
        conditions.append(func.lower(Stakeholder.email) == email.strip().lower())
    if not conditions:
        return []
    stmt = select(Stakeholder).where(or_(*conditions), Stakeholder.archived_at.is_(None))
    stmt = access.scope_to_user_areas(stmt, Stakeholder.area_id, user)
    if exclude_id:
        stmt = stmt.where(Stakeholder.id != exclude_id)
    return list(db.session.scalars(stmt.order_by(Stakeholder.name).limit(10)))


def _check_references(
    user: User, data: dict[str, Any], stakeholder: Stakeholder | None = None
) -> list[Community]:
    """Rules a form cannot check alone: the Area, the owner and the communities exist (and
    none is retired, unless the stakeholder already served it)."""
    if not access.can_place_in(user, data.get("area_id")):
        raise InvalidValue("area_id", _("Select an Area you work in"))
    owner_id = data.get("owner_id")
    if owner_id and not db.session.get(User, owner_id):
        raise InvalidValue("owner_id", _("Select a relationship owner from the list"))
    kept = stakeholder.communities if stakeholder else ()
    return reference.communities_by_ids(data.get("community_ids") or [], kept)


def create_stakeholder(user: User, data: dict[str, Any]) -> Stakeholder:
    access.require_edit(user, KIND)
    communities = _check_references(user, data)
    stakeholder = Stakeholder(**{f: data.get(f) for f in FIELDS if f in data})
    stakeholder.communities = communities
    geocoding.place_stakeholder(stakeholder, None)
    return records.create_audited(user, KIND, stakeholder, describe)


def update_stakeholder(
    user: User, stakeholder: Stakeholder, data: dict[str, Any], expected_version: int | None
) -> Stakeholder:
    access.require_edit(user, KIND)
    communities = _check_references(user, data, stakeholder)

    before = (stakeholder.latitude, stakeholder.longitude, stakeholder.postcode)

    def mutate() -> None:
        for field in FIELDS:
            if field in data:
                setattr(stakeholder, field, data[field])
        stakeholder.communities = communities
        geocoding.place_stakeholder(stakeholder, before)

    return records.update_audited(user, KIND, stakeholder, expected_version, describe, mutate)


def archive_stakeholder(user: User, stakeholder: Stakeholder) -> None:
    records.set_archived(user, KIND, stakeholder, archived=True)


def restore_stakeholder(user: User, stakeholder: Stakeholder) -> None:
    records.set_archived(user, KIND, stakeholder, archived=False)


def contacts_of(stakeholder: Stakeholder) -> list[Affiliation]:
    """The live contacts at a stakeholder, with their role there."""
    stmt = (
        select(Affiliation)
        .join(Affiliation.contact)
        .options(selectinload(Affiliation.contact))
        .where(Affiliation.stakeholder_id == stakeholder.id, Contact.archived_at.is_(None))
        .order_by(Contact.name)
    )
    return list(db.session.scalars(stmt))
