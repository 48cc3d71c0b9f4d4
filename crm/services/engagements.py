"""The engagement log: recording what happened, with whom, for which communities."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, null, select
from sqlalchemy.orm import joinedload, selectinload

from crm.extensions import db
from crm.models import Area, Community, Contact, Engagement, Stakeholder, User
from crm.models.engagement import (
    ENGAGEMENT_STATUSES,
    ENGAGEMENT_TYPES,
    LOCATION_KINDS,
    engagement_communities,
    engagement_contacts,
    engagement_stakeholders,
)
from crm.services import access, audit, engagement_figures, geocoding, lookup, records, reference
from crm.services.records import InvalidValue, Page, SortKey, iso_day

KIND = "engagement"

FIELDS = (
    "title", "type", "status", "held_on", "start_time", "end_time", "area_id", "location_kind",
    "location_stakeholder_id", "location_address", "location_postcode", "lead_id", "attendance",
    "summary", "issues_raised", "outcomes", "restricted_notes",
)  # fmt: skip

ORDER = [SortKey(Engagement.held_on, True), SortKey(Engagement.id, True)]


@dataclass
class EngagementFilters:
    q: str = ""  # words in the title
    date_from: date | None = None
    date_to: date | None = None
    area_id: int | None = None
    type: str = ""
    status: str = ""
    community_id: int | None = None
    stakeholder_id: int | None = None
    lead_id: int | None = None
    archived: bool = False
    page: int = 1


def describe(e: Engagement) -> dict[str, str]:
    """The engagement as a person reads it, for the audit trail."""
    return {  # i18n: not interface (the audit trail keeps its words as written)
        "Title": e.title,
        "Type": ENGAGEMENT_TYPES.get(e.type, e.type),
        "Status": ENGAGEMENT_STATUSES.get(e.status, e.status),
        "Date": iso_day(e.held_on),
        "Start time": e.start_time.strftime("%H:%M") if e.start_time else "",
        "End time": e.end_time.strftime("%H:%M") if e.end_time else "",
        "Area": e.area.name if e.area else "",
        "Where": LOCATION_KINDS.get(e.location_kind, ""),
        "Premises": audit.links("stakeholder", [e.location_stakeholder]),
        "Address": e.location_address or "",
        "Postcode": e.location_postcode or "",
        "Lead": e.lead.name if e.lead else "",
        "Other staff": audit.names(e.staff),
        "Stakeholders": audit.links("stakeholder", e.stakeholders),
        "Contacts": audit.links("contact", e.contacts),
        "Communities reached": audit.names(e.communities),
        "Attendance": "" if e.attendance is None else str(e.attendance),
        "Summary": e.summary or "",
        "Issues raised": e.issues_raised or "",
        "Outcomes": e.outcomes or "",
        "Restricted notes": e.restricted_notes or "",
    }


def _in_scope(user: User, f: EngagementFilters) -> EngagementFilters:
    """A filter by a stakeholder the user may not see answers as one by a missing id."""
    return replace(f, stakeholder_id=access.visible_id(user, Stakeholder, f.stakeholder_id))


def filter_conditions(user: User, f: EngagementFilters) -> list:
    """The filters as WHERE conditions on the engagements table."""
    f = _in_scope(user, f)
    conditions = access.area_conditions(Engagement.area_id, user)
    archived = f.archived and access.can_restore(user)
    conditions.append(
        Engagement.archived_at.is_not(None) if archived else Engagement.archived_at.is_(None)
    )
    for column, value in (
        (Engagement.area_id, f.area_id),
        (Engagement.type, f.type),
        (Engagement.status, f.status),
        (Engagement.lead_id, f.lead_id),
    ):
        if value:
            conditions.append(column == value)
    if f.date_from:
        conditions.append(Engagement.held_on >= f.date_from)
    if f.date_to:
        conditions.append(Engagement.held_on <= f.date_to)
    if f.q.strip():
        conditions.append(records.contains_text(Engagement.title, f.q.strip()))
    for table, column, value in (
        (engagement_communities, "community_id", f.community_id),
        (engagement_stakeholders, "stakeholder_id", f.stakeholder_id),
    ):
        if value:
            linked = select(table.c.engagement_id).where(table.c[column] == value)
            conditions.append(Engagement.id.in_(linked))
    return conditions


LIST_OPTIONS = (
    joinedload(Engagement.area),
    joinedload(Engagement.lead),
    selectinload(Engagement.communities),
)


def _driving_link(f: EngagementFilters):
    """For a community or stakeholder filter, the link table to walk in date order."""
    if f.community_id:
        link = engagement_communities
        return link, link.c.community_id == f.community_id, f.stakeholder_id
    if f.stakeholder_id:
        return (
            engagement_stakeholders,
            engagement_stakeholders.c.stakeholder_id == f.stakeholder_id,
            None,
        )
    return None


def _link_query(user: User, f: EngagementFilters, driving) -> dict:
    """A list filtered by community or stakeholder, answered from that link's index.

    The link carries each engagement's date, Area and live flag, so walking its
    (id, date) index in order and stopping at a page (or at the count's cap) reads
    a few thousand index entries instead of a million engagements. Only a type or
    lead filter needs the engagements table joined.
    """
    table, condition, also_stakeholder = driving
    link = table.c
    archived = f.archived and access.can_restore(user)
    conditions = [condition, link.live == (0 if archived else 1)]
    conditions += access.area_conditions(link.area_id, user)
    if f.area_id:
        conditions.append(link.area_id == f.area_id)
    if f.date_from:
        conditions.append(link.held_on >= f.date_from)
    if f.date_to:
        conditions.append(link.held_on <= f.date_to)
    if also_stakeholder:
        other = engagement_stakeholders.c
        involved = select(other.engagement_id).where(other.stakeholder_id == also_stakeholder)
        conditions.append(link.engagement_id.in_(involved))
    join = None
    if f.type or f.lead_id or f.status or f.q.strip():
        join = (Engagement, Engagement.id == link.engagement_id)
        if f.q.strip():
            conditions.append(records.contains_text(Engagement.title, f.q.strip()))
        if f.type:
            conditions.append(Engagement.type == f.type)
        if f.status:
            conditions.append(Engagement.status == f.status)
        if f.lead_id:
            conditions.append(Engagement.lead_id == f.lead_id)
    return {
        "conditions": conditions,
        "order": [SortKey(link.held_on, True), SortKey(link.engagement_id, True)],
        "from_": table,
        "id_column": link.engagement_id,
        "join": join,
    }


# The log counts exactly up to this many; past it the page says "more than".
COUNT_CAP = 10_000


def list_engagements(user: User, filters: EngagementFilters, page_size: int) -> Page:
    """One page of the engagements the user may see, newest first."""
    filters = _in_scope(user, filters)
    driving = _driving_link(filters)
    query = (
        _link_query(user, filters, driving)
        if driving
        else {"conditions": filter_conditions(user, filters), "order": ORDER}
    )
    return records.paginate(
        Engagement,
        page=filters.page,
        page_size=page_size,
        options=LIST_OPTIONS,
        count_cap=COUNT_CAP,
        **query,
    )


# The most rows one CSV export holds; past it the user is asked to narrow the filters.
EXPORT_LIMIT = 20_000


class TooManyToExport(Exception):
    """The filters match more engagements than one export holds."""


def export_rows(user: User, filters: EngagementFilters) -> list[dict[str, Any]]:
    """Every engagement the list shows, as plain rows for the CSV export.

    Never a silently cut-off file: past EXPORT_LIMIT rows it raises TooManyToExport.
    Read with Core in a few queries (ORM objects cost 0.7 ms a row: 12 s for 18,000).
    """
    conditions = filter_conditions(user, filters)
    matching = select(Engagement.id).where(*conditions).limit(EXPORT_LIMIT + 1)
    if db.session.scalar(select(func.count()).select_from(matching.subquery())) > EXPORT_LIMIT:
        raise TooManyToExport()
    e = Engagement.__table__.c
    stmt = (
        select(e.id, e.held_on, e.title, e.type, e.status, Area.name.label("area"),
               User.name.label("lead"), e.attendance, e.summary, e.issues_raised, e.outcomes)
        .select_from(Engagement)
        .join(Area, Area.id == e.area_id)
        .outerjoin(User, User.id == e.lead_id)
        .where(*conditions)
        .order_by(*(key.clause() for key in ORDER))
    )  # fmt: skip
    rows = [dict(row._mapping) for row in db.session.execute(stmt)]
    ids = [row["id"] for row in rows]
    names = {
        "stakeholders": _names_by_engagement(user, engagement_stakeholders, Stakeholder, ids),
        "contacts": _names_by_engagement(user, engagement_contacts, Contact, ids),
        "communities": _names_by_engagement(user, engagement_communities, Community, ids),
    }
    for row in rows:
        for key, by_id in names.items():
            row[key] = by_id.get(row["id"], [])
    return rows


def _names_by_engagement(user: User, link_table, model, ids: list[int]) -> dict[int, list[str]]:
    """The names linked to each engagement, in chunks small enough for any database.

    A stakeholder or contact in an Area the user does not work in is not named.
    """
    target = next(c for c in link_table.c if c.name != "engagement_id" and c.foreign_keys)
    area = getattr(model, "area_id", None)
    kind = {Stakeholder: "stakeholder", Contact: "contact"}.get(model)
    names: dict[int, list[str]] = {}
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        stmt = (
            select(link_table.c.engagement_id, model.name, area if area is not None else null())
            .join(model, model.id == target)
            .where(link_table.c.engagement_id.in_(chunk))
            .order_by(link_table.c.engagement_id, model.name)
        )
        for engagement_id, name, area_id in db.session.execute(stmt):
            if area is not None and not access.can_see_area(user, area_id):
                name = audit.in_another_area(kind)
            names.setdefault(engagement_id, []).append(name)
    return names


def get_engagement(user: User, engagement_id: int, include_archived: bool = False) -> Engagement:
    return access.get_scoped(Engagement, engagement_id, user, include_archived=include_archived)


def _visible(kind: str, ids: list[int], user: User, field: str, keep: set[int]) -> list:
    """Load the chosen stakeholders or contacts, refusing any the user cannot see.

    Archived ones are refused too, unless the engagement already links to them (`keep`).
    """
    ids = sorted(set(ids or []))
    if len(ids) > lookup.MAX_IDS:
        if kind == "stakeholders":
            too_many = ngettext("Choose %(num)d stakeholder or fewer",
                                "Choose %(num)d stakeholders or fewer", lookup.MAX_IDS)
        else:
            too_many = ngettext("Choose %(num)d contact or fewer",
                                "Choose %(num)d contacts or fewer", lookup.MAX_IDS)
        raise InvalidValue(field, too_many)
    found = lookup.records_by_ids(user, kind, ids, keep)
    if len(found) != len(ids):
        raise InvalidValue(field, _("Select stakeholders from the search results")
                           if kind == "stakeholders" else
                           _("Select contacts from the search results"))  # fmt: skip
    return found


def _check(
    user: User,
    data: dict[str, Any],
    engagement: Engagement | None = None,
    hidden: dict[str, list] | None = None,
) -> dict[str, list]:
    """Rules that need the database: Areas, people and records the user may use.

    `hidden` records (linked, in Areas the user does not work in) stay linked.
    """
    if not access.can_place_in(user, data.get("area_id")):
        raise InvalidValue("area_id", _("Select an Area you work in"))
    kept_stakeholders = {s.id for s in engagement.stakeholders} if engagement else set()
    kept_contacts = {c.id for c in engagement.contacts} if engagement else set()
    chosen = {
        "stakeholders": _visible("stakeholders", data.get("stakeholder_ids", []), user,
                                 "stakeholder_ids", kept_stakeholders),
        "contacts": _visible("contacts", data.get("contact_ids", []), user, "contact_ids",
                             kept_contacts),
    }  # fmt: skip
    for kind, records_ in (hidden or {}).items():
        chosen[kind] = [*chosen[kind], *records_]
    chosen["communities"] = reference.communities_by_ids(
        data.get("community_ids") or [], engagement.communities if engagement else ()
    )
    staff_ids = set(data.get("staff_ids") or []) | (
        {data["lead_id"]} if data.get("lead_id") else set()
    )
    staff = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(staff_ids)))}
    if len(staff) != len(staff_ids):
        raise InvalidValue("lead_id", _("Select staff from the list"))
    chosen["staff"] = [staff[i] for i in sorted(set(data.get("staff_ids") or []))]
    if data.get("location_kind") == "stakeholder":
        premises = data.get("location_stakeholder_id")
        if premises not in {s.id for s in chosen["stakeholders"]}:
            raise InvalidValue(
                "location_stakeholder_id", _("Select which stakeholder's premises it was held at")
            )
    problem = attendance_problem(data.get("attendance"), len(chosen["contacts"]))
    if problem:
        raise InvalidValue("attendance", problem)
    return chosen


def attendance_problem(attendance: int | None, contacts: int) -> str:
    """Why the attendance cannot be, with so many contacts named as attending ("" if it
    can): the form and the spreadsheet import both ask."""
    if attendance is not None and attendance < contacts:
        return ngettext("Attendance cannot be fewer than the %(num)d contact named as attending",
                        "Attendance cannot be fewer than the %(num)d contacts named as attending",
                        contacts)
    return ""


def _apply(engagement: Engagement, data: dict[str, Any], chosen: dict[str, list]) -> None:
    for field in FIELDS:
        if field in data:
            setattr(engagement, field, data[field])
    if engagement.location_kind != "stakeholder":
        engagement.location_stakeholder_id = None
    engagement.contacts = chosen["contacts"]
    engagement.staff = chosen["staff"]
    if engagement.location_stakeholder_id is not None:
        engagement.location_stakeholder = db.session.get(
            Stakeholder, engagement.location_stakeholder_id
        )
    geocoding.place_engagement(engagement)


def log_engagement(
    user: User, data: dict[str, Any], actions: list[dict] | None = None
) -> Engagement:
    """Record an engagement, with any follow-up actions, in one transaction."""
    access.require_edit(user, KIND)
    chosen = _check(user, data)
    engagement = Engagement()
    _apply(engagement, data, chosen)
    db.session.add(engagement)
    engagement_figures.sync(
        engagement, engagement_figures.Footprint(), chosen["stakeholders"], chosen["communities"]
    )
    records.create_audited(user, KIND, engagement, describe)
    from crm.services import actions as action_service

    for action in actions or []:
        action_service.add_action(user, engagement, **action)
    return engagement


def hidden_links(user: User, engagement: Engagement) -> dict[str, list]:
    """The stakeholders and contacts it links to in Areas the user does not work in: the
    user's edit form cannot show them, so a save keeps them as they are."""
    return {
        "stakeholders": [s for s in engagement.stakeholders if not access.may_read(user, s)],
        "contacts": [c for c in engagement.contacts if not access.may_read(user, c)],
    }


def update_engagement(
    user: User, engagement: Engagement, data: dict[str, Any], expected_version: int | None
) -> Engagement:
    access.require(user, "edit", engagement)
    if data.get("lead_id") != engagement.lead_id and not access.can(
        user, "change_owner", engagement
    ):
        # The lead reads the restricted notes: only someone who already may, changes it.
        raise InvalidValue(
            "lead_id",
            _("Only the lead or an administrator can change who leads this engagement"),
        )
    hidden = hidden_links(user, engagement)
    chosen = _check(user, data, engagement, hidden)

    before = engagement_figures.footprint(engagement.id)

    def mutate() -> None:
        _apply(engagement, data, chosen)
        engagement_figures.sync(engagement, before, chosen["stakeholders"], chosen["communities"])

    return records.update_audited(user, KIND, engagement, expected_version, describe, mutate)


def set_archived(user: User, engagement: Engagement, archived: bool) -> None:
    """Archive or restore; an archived engagement leaves coverage and timelines."""
    before = engagement_figures.footprint(engagement.id)
    records.set_archived(user, KIND, engagement, archived)
    engagement_figures.sync(engagement, before)


def stakeholder_timeline(user: User, stakeholder_id: int, limit: int = 20) -> list[Engagement]:
    """The stakeholder's latest engagements that the user may see, newest first."""
    link = engagement_stakeholders.c
    ids = select(link.engagement_id).where(link.stakeholder_id == stakeholder_id)
    return _timeline(user, Engagement.id.in_(ids), limit)


def contact_timeline(user: User, contact_id: int, limit: int = 20) -> list[Engagement]:
    link = engagement_contacts.c
    ids = select(link.engagement_id).where(link.contact_id == contact_id)
    return _timeline(user, Engagement.id.in_(ids), limit)


def contact_last_engaged_on(contact_id: int) -> date | None:
    link = engagement_contacts.c
    return db.session.scalar(
        select(func.max(Engagement.held_on))
        .join(engagement_contacts, link.engagement_id == Engagement.id)
        .where(link.contact_id == contact_id, Engagement.counts)
    )


def _timeline(user: User, condition, limit: int) -> list[Engagement]:
    stmt = (
        select(Engagement)
        .where(
            condition,
            Engagement.archived_at.is_(None),
            *access.area_conditions(Engagement.area_id, user),
        )
        .order_by(Engagement.held_on.desc(), Engagement.id.desc())
        .options(joinedload(Engagement.lead))
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
