"""Importing engagements: rows name their stakeholders, contacts and communities, and are
written through the engagement service, as engagements logged by hand are.

An engagement's derived figures (coverage, map cells, daily counts, a stakeholder's last
engagement) have one owner, engagement_figures.sync, which log_engagement and
update_engagement call; writing engagements any other way would leave them wrong. At a
few thousand rows an import, one service call a row is fast enough (the benchmark's
100,000 rows are stakeholders).

A row matches an engagement already in Engage by its Engage ID, else by its title, date
and Area.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Contact, Engagement, Stakeholder, User
from crm.models.engagement import (
    engagement_communities,
    engagement_contacts,
    engagement_stakeholders,
)
from crm.services import access, lookup
from crm.services import engagements as service
from crm.services.import_apply import Writer
from crm.services.import_fields import plain
from crm.services.records import EditConflict, InvalidValue

LINKS = {
    "stakeholder_ids": (engagement_stakeholders, "stakeholder_id"),
    "contact_ids": (engagement_contacts, "contact_id"),
    "communities": (engagement_communities, "community_id"),
}
# What a row's stakeholders and contacts are told when a name does not find one record:
# (its column, more than one, none, too many).
NAMED = {
    "stakeholder": (
        _l("Stakeholders"),
        _l('There is more than one stakeholder called "%(name)s" in the engagement\'s Area'),
        _l('There is no stakeholder called "%(name)s" in the engagement\'s Area'),
        _l("Name %(limit)s stakeholders or fewer"),
    ),
    "contact": (
        _l("Contacts"),
        _l('There is more than one contact called "%(name)s" in the engagement\'s Area'),
        _l('There is no contact called "%(name)s" in the engagement\'s Area'),
        _l("Name %(limit)s contacts or fewer"),
    ),
}


def row_keys(values: dict) -> tuple[list[str], str]:
    key = "\x1f".join(("title", plain(values.get("title", "")), str(values.get("held_on")),
                       str(values.get("area"))))  # fmt: skip
    return [key], "\x1f".join((plain(values.get("title", "")), str(values.get("area"))))


def keys_of(user: User, keys) -> None:
    """Live engagements the user may see, by title, date and Area."""
    stmt = select(Engagement.id, Engagement.title, Engagement.held_on, Engagement.area_id).where(
        Engagement.archived_at.is_(None), *access.area_conditions(Engagement.area_id, user))
    for record_id, title, held_on, area_id in db.session.execute(stmt):
        exact, similar = row_keys({"title": title, "held_on": held_on, "area": area_id})
        keys.exact.append(exact[0], record_id)
        keys.similar.append(similar, record_id)


def links_of(ids: list[int], found: dict[int, dict]) -> None:
    """Each engagement's stakeholders, contacts and communities, as sorted ids."""
    for name, (table, column) in LINKS.items():
        stmt = select(table.c.engagement_id, table.c[column]).where(
            table.c.engagement_id.in_(ids))
        for record_id, linked in db.session.execute(stmt):
            found[record_id].setdefault(name, []).append(linked)
    for values in found.values():
        for name in LINKS:
            values[name] = sorted(values.get(name, []))


def resolve_links(user: User, planned, problems, problem) -> None:
    """A row's stakeholders (by name) and contacts (by email, or name), in its Area."""
    stakeholders = _by_name(user, Stakeholder)
    contacts = _by_name(user, Contact)
    emails: dict[tuple[str, int], list[int]] = defaultdict(list)
    stmt = select(func.lower(Contact.email), Contact.area_id, Contact.id).where(
        Contact.archived_at.is_(None), Contact.email != "",
        *access.area_conditions(Contact.area_id, user))  # fmt: skip
    for email, area_id, record_id in db.session.execute(stmt):
        emails[(email, area_id)].append(record_id)
    for row in planned:
        area = row.values.get("area")
        for field, said, table, noun in (
            ("stakeholder_ids", row.values.pop("stakeholders", []), stakeholders, "stakeholder"),
            ("contact_ids", row.values.pop("contacts", []), contacts, "contact"),
        ):
            ids = []
            column, several, none, too_many = NAMED[noun]
            for name in said:
                found = (emails.get((name.lower(), area)) if "@" in name else None) or \
                    table.get((plain(name), area), [])
                if len(found) != 1:
                    problems.append(problem(row.row, str(column),
                                            (several if found else none) % {"name": name}))
                    row.action = "skip"
                elif found[0] not in ids:
                    ids.append(found[0])
            if said:
                row.values[field] = sorted(ids)
            if len(ids) > lookup.MAX_IDS:
                problems.append(problem(row.row, str(column),
                                        too_many % {"limit": lookup.MAX_IDS}))
                row.action = "skip"
        attending = service.attendance_problem(row.values.get("attendance"),
                                               len(row.values.get("contact_ids", [])))
        if attending:
            problems.append(problem(row.row, _("Attendance"), attending))
            row.action = "skip"


def _by_name(user: User, model) -> dict[tuple[str, int], list[int]]:
    found: dict[tuple[str, int], list[int]] = defaultdict(list)
    stmt = select(model.id, model.name, model.area_id).where(
        model.archived_at.is_(None), *access.area_conditions(model.area_id, user))
    for record_id, name, area_id in db.session.execute(stmt):
        found[(plain(name), area_id)].append(record_id)
    return found


def data_of(engagement: Engagement) -> dict:
    """An engagement as the service takes it (every field, every link), to change a few."""
    data = {field: getattr(engagement, field) for field in service.FIELDS}
    data |= {"stakeholder_ids": [s.id for s in engagement.stakeholders],
             "contact_ids": [c.id for c in engagement.contacts],
             "community_ids": [c.id for c in engagement.communities],
             "staff_ids": [u.id for u in engagement.staff]}  # fmt: skip
    return data


def as_data(values: dict) -> dict:
    """A row's values as the service's field names."""
    data = {name: value for name, value in values.items()
            if name in service.FIELDS or name in ("stakeholder_ids", "contact_ids")}
    if "area" in values:
        data["area_id"] = values["area"]
    if "communities" in values:
        data["community_ids"] = values["communities"]
    return data


def create(user: User, values: dict) -> Engagement:
    data = {"status": "held", "location_kind": "address" if values.get("location_address")
            or values.get("location_postcode") else "online"} | as_data(values)  # fmt: skip
    return service.log_engagement(user, data)


def update(user: User, record_id: int, changes: dict) -> tuple[Engagement, dict]:
    """Change the engagement through the service; its values before, for undo."""
    engagement = db.session.get(Engagement, record_id)
    data = data_of(engagement)
    before = {name: _stored(data[name]) for name in as_data(changes)}
    service.update_engagement(user, engagement, data | as_data(changes), engagement.version)
    return engagement, before


def put_back(user: User, record_id: int, before: dict) -> Engagement:
    engagement = db.session.get(Engagement, record_id)
    restored = {name: date.fromisoformat(value) if name == "held_on" and value else value
                for name, value in before.items()}  # fmt: skip
    return service.update_engagement(user, engagement, data_of(engagement) | restored, None)


def archive(user: User, record_id: int) -> None:
    service.set_archived(user, db.session.get(Engagement, record_id), True)


def _named(row, work):
    """The service's work for the row; a rule it breaks refuses the import, naming it."""
    from crm.services.imports import ImportRefused

    try:
        return work()
    except InvalidValue as invalid:
        raise ImportRefused(_("row %(row)s: %(problem)s", row=row.row,
                              problem=invalid.message)) from None
    except EditConflict:
        raise ImportRefused(_("row %(row)s: someone changed this engagement since the file "
                              "was checked: upload it again", row=row.row)) from None


def _stored(value):
    return value.isoformat() if isinstance(value, date) else value


class EngagementWriter(Writer):
    """Creates, updates, archives and puts back engagements through the service (which
    audits each and keeps the derived figures), recording each row for undo."""

    def __init__(self, user: User, import_id: int, file_name: str, kind) -> None:
        super().__init__(user.id, import_id, file_name, kind)
        self.user = user

    def _note(self, row, engagement: Engagement, action: str, before: dict,
              version_before: int | None = None) -> None:  # fmt: skip
        self.import_rows.append({"import_id": self.import_id, "row_number": row.row,
                                 "record_type": self.kind.record_type,
                                 "record_id": engagement.id, "action": action,
                                 "before": before, "version_after": engagement.version,
                                 "version_before": version_before})  # fmt: skip

    def create(self, rows) -> None:
        for row in rows:
            engagement = _named(row, lambda row=row: create(self.user, row.values))
            row.record_id = engagement.id
            self._note(row, engagement, "created", {})
        self.flush()

    def update(self, row) -> None:
        changed = {name: new for name, (_old, new) in row.changes.items()} | {
            "area": row.values.get("area")}
        engagement, before = _named(row, lambda: update(self.user, row.record_id, changed))
        self._note(row, engagement, "updated", before, row.version)

    def archive_created(self, rows) -> None:
        for row in rows:
            archive(self.user, row.record_id)

    def put_back(self, row) -> int:
        return put_back(self.user, row.record_id, row.before).version
