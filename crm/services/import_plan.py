"""Planning an import: what each row of the file will do, and every problem with it.

The preview shows the plan; the apply job makes it again from the same file, mapping
and choices (the register may have changed in between) and carries it out, so what is
saved is always what a fresh preview would show.

A row is matched to an existing record by its Engage ID when the file has one (an
export of the register carries them), else by its natural key: a stakeholder's name
and postcode, or its email; a contact's email, or name and organisation in the same
Area. A matched row updates what changed (empty cells leave a field as it is), so
importing the same file again changes nothing. A row like a record but not the same
(the same name in the Area, another postcode), or like an earlier row of the file, is
a possible duplicate: the person chooses to create it anyway, update that record, or
skip it; until they do, it is skipped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm.extensions import db
from crm.models import (
    Affiliation,
    Area,
    Community,
    Contact,
    Engagement,
    Membership,
    Stakeholder,
    User,
)
from crm.services import access, consent, erasure, memberships
from crm.services.import_fields import AREA, ID, Kind, Names, plain, read_cell
from crm.services.import_keys import KEYS

HEADER_SEARCH_ROWS = 30
NAMED = ("choice", "area", "communities")
CHUNK = 500


@dataclass(slots=True)
class Problem:
    row: int
    column: str
    message: str


@dataclass(slots=True)
class Planned:
    """One row of the file and what it will do."""

    row: int
    values: dict  # field -> value read (empty cells left out)
    action: str = "create"  # create, update, unchanged, skip
    record_id: int | None = None
    why: str = ""  # why it matched a record, or why it is skipped (for the code: not shown)
    # Possible duplicates needing a choice: [(record id, name)]; or an earlier row's number.
    duplicates: list[tuple[int, str]] = field(default_factory=list)
    same_as_row: int | None = None
    warning: str = ""  # why the row waits for a yes (a returning erased person, ...)
    changes: dict = field(default_factory=dict)  # field -> (before, after) for an update
    choices: tuple[str, ...] = ()  # what the person may choose for this row
    version: int = 0  # the record's version when planned (an update)

    @property
    def chosen(self) -> str:
        """Which of its choices the row now follows."""
        if self.action == "create":
            return "create"
        if self.action in ("update", "unchanged"):
            exact = f"update:{self.record_id}"
            return exact if exact in self.choices else "update"
        return "skip"


@dataclass
class Plan:
    kind: Kind
    header_row: int  # the file's own row number of the header
    headers: list[str]
    rows: list[Planned]
    problems: list[Problem]
    refused: list[tuple[str, str]]

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def needing_choice(self) -> list[Planned]:
        """Rows with a choice to make: possible duplicates, rows like earlier ones, returning
        erased people, and rows that would change a record they match (not those that
        match one and change nothing)."""
        return [row for row in self.rows if row.choices and row.action != "unchanged"]


def find_header(rows: list[list[str]], guess) -> int:
    """The index of the header row: the first (of the first rows) in which any column
    is recognised, else the first with two or more cells (a title above it has one)."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if guess(row):
            return index
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for cell in row if cell) >= 2:
            return index
    return 0


def names_for_user(user: User) -> Names:
    """The Areas the user may import into, and every community still offered."""
    names = Names(areas={}, communities={})
    for area in db.session.scalars(select(Area).order_by(Area.name)):
        if access.can_see_area(user, area.id):
            for said in (area.name, area.code):
                names.areas[plain(said)] = area.id
            names.shown[plain(area.name)] = area.name
    offered = select(Community).where(Community.retired_at.is_(None)).order_by(Community.name)
    for community in db.session.scalars(offered):
        names.communities[plain(community.name)] = community.id
        names.shown[plain(community.name)] = community.name
    return names


def read_rows(user: User, kind: Kind, rows: list[list[str]], header: int,
              mapping: dict[str, int]) -> tuple[list[Planned], list[Problem]]:  # fmt: skip
    """Each row below the header read into values, and every problem found."""
    names = names_for_user(user)
    other_areas = _other_area_names(user)
    area_ids = set(names.areas.values())
    only_area = next(iter(area_ids)) if len(area_ids) == 1 else None
    planned: list[Planned] = []
    problems: list[Problem] = []
    columns = [(kind.column(name), index) for name, index in mapping.items()]
    known: dict[tuple[str, str], tuple] = {}
    for number, cells in enumerate(rows[header + 1:], start=header + 2):
        if not any(cells):
            continue
        values: dict = {}
        row_problems: list[Problem] = []
        for column, index in columns:
            text = cells[index] if index < len(cells) else ""
            if not text:
                if column.required:
                    row_problems.append(Problem(number, str(column.label), _(
                        "Enter the %(label)s", label=str(column.label).lower())))
                continue
            if column.reads in NAMED:  # a few names, read once each however many rows
                key = (column.name, text)
                if key not in known:
                    known[key] = read_cell(kind, column, text, names)
                value, problem = known[key]
            else:
                value, problem = read_cell(kind, column, text, names)
            if problem and column.reads == "area" and plain(text) in other_areas:
                problem = _("%(area)s is not one of your Areas: you can only import into your "
                            "own", area=text)
            if problem:
                row_problems.append(Problem(number, str(column.label), problem))
            else:
                values[column.name] = value
        if kind.has_area and "area" not in values:
            area = str(AREA.label)
            if "area" not in mapping and only_area is None:
                row_problems.append(Problem(number, area, _("Enter the Area")))
            elif only_area is not None and not any(p.column == area for p in row_problems):
                values["area"] = only_area
        problems.extend(row_problems)
        planned.append(Planned(row=number, values=values,
                               action="skip" if row_problems else "create"))
    return planned, problems


def _other_area_names(user: User) -> set[str]:
    found = set()
    for area in db.session.scalars(select(Area)):
        if not access.can_see_area(user, area.id):
            found |= {plain(area.name), plain(area.code)}
    return found


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _by_ids(model, user: User, ids: list[int]) -> dict[int, object]:
    """Live records of the user's Areas among these ids."""
    found = {}
    for part in _chunks(sorted(set(ids))):
        if model is Membership:  # no Area of its own: its panel's
            from crm.services import import_members  # it writes through import_apply

            found |= import_members.by_ids(user, part)
            continue
        stmt = select(model).where(model.id.in_(part), model.archived_at.is_(None),
                                   *access.area_conditions(model.area_id, user))  # fmt: skip
        found |= {record.id: record for record in db.session.scalars(stmt)}
    return found


MODELS = {"stakeholders": Stakeholder, "contacts": Contact, "engagements": Engagement,
          "members": Membership}
# An Engage ID the user cannot update, by the kind of record.
NO_RECORD = {
    "stakeholder": _l("There is no stakeholder with ID %(id)s that you can update"),
    "contact": _l("There is no contact with ID %(id)s that you can update"),
    "engagement": _l("There is no engagement with ID %(id)s that you can update"),
    "membership": _l("There is no membership with ID %(id)s that you can update"),
}


def match_rows(user: User, kind: Kind, planned: list[Planned], problems: list[Problem],
               choices: dict[str, str]) -> None:  # fmt: skip
    """Match each good row to a record by id or natural key, find possible duplicates
    (in the register and earlier in the file), and apply the person's choices."""
    load_keys, row_keys = KEYS[kind.key]
    keys = load_keys(user)
    model = MODELS[kind.key]
    by_id = _by_ids(model, user, [p.values["id"] for p in planned if "id" in p.values])
    seen: dict[str, int] = {}
    first_with_id: dict[int, int] = {}
    for row in planned:
        if row.action == "skip":
            continue
        if "id" in row.values:
            earlier_row = first_with_id.setdefault(row.values["id"], row.row)
            if earlier_row != row.row:
                problems.append(Problem(row.row, str(ID.label), _(
                    "Engage ID %(id)s is also on row %(row)s: keep one row for each record",
                    id=row.values["id"], row=earlier_row)))  # fmt: skip
                row.action = "skip"
                continue
            if row.values["id"] not in by_id:
                problems.append(Problem(row.row, str(ID.label),
                                        NO_RECORD[kind.record_type] % {"id": row.values["id"]}))
                row.action = "skip"
                continue
            row.action, row.record_id = "update", row.values["id"]
            row.why = "Engage ID"  # i18n: not interface
        exact, similar = row_keys(row.values)
        earlier = next((seen[key] for key in exact if key in seen), None)
        for key in exact:
            seen.setdefault(key, row.row)
        if row.record_id is None:
            matched = sorted({i for key in exact for i in keys.exact.ids(key)})
            if len(matched) == 1:
                row.action, row.record_id = "update", matched[0]
                row.why = "same details"  # i18n: not interface
                row.choices = ("update", "create", "skip")
            else:
                matched = matched or sorted(keys.similar.ids(similar))
                if matched:
                    row.duplicates = [(i, "") for i in matched[:10]]
                    row.action, row.why = "skip", "possible duplicate"  # i18n: not interface
                    row.choices = ("skip", "create", *(f"update:{i}" for i in matched[:10]))
        if earlier is not None and row.record_id is None and not row.duplicates:
            row.same_as_row, row.action = earlier, "skip"
            row.why = "same as an earlier row"  # i18n: not interface
            row.choices = ("skip", "create")
        if kind.key == "contacts" and row.values.get("email") and row.action == "create":
            found = erasure.erased_with_email(row.values["email"])
            if found is not None:
                row.warning = erasure.returning_warning(found)
                row.action, row.choices = "skip", ("skip", "create")
                row.why = "erased person"  # i18n: not interface
        _choose(row, choices.get(str(row.row)))
    _name_duplicates(model, planned)


def hold_people_not_to_contact(user: User, kind: Kind, planned: list[Planned],
                               choices: dict[str, str]) -> None:  # fmt: skip
    """A new membership, or a new planned engagement (an invitation), of someone who asked
    not to be contacted waits for a yes, as the forms ask one: skipped unless chosen."""
    def named(row: Planned) -> list[int]:
        if kind.key == "members":
            return [row.values["contact_id"]] if "contact_id" in row.values else []
        if kind.key == "engagements" and row.values.get("status") == "planned":
            return row.values.get("contact_ids", [])
        return []

    waiting = [row for row in planned if row.action == "create" and named(row)]
    flagged = {c.id: c.name for c in consent.not_to_contact(
        user, {i for row in waiting for i in named(row)})}  # fmt: skip
    for row in waiting:
        names = [flagged[i] for i in named(row) if i in flagged]
        if names:
            row.warning = _("%(names)s asked not to be contacted.", names=", ".join(names))
            row.action, row.choices = "skip", ("skip", "create")
            row.why = "asked not to be contacted"  # i18n: not interface
            _choose(row, choices.get(str(row.row)))


def _name_duplicates(model, planned: list[Planned]) -> None:
    """The names of the possible duplicates found, read for those alone."""
    ids = sorted({i for row in planned for i, _name in row.duplicates})
    names: dict[int, str] = {}
    for part in _chunks(ids):
        if model is Membership:
            from crm.services import import_members

            names |= import_members.names_of(part)
            continue
        names |= dict(db.session.execute(select(model.id, model.name).where(
            model.id.in_(part))).all())  # fmt: skip
    for row in planned:
        if row.duplicates:
            row.duplicates = [(i, names.get(i, "")) for i, _name in row.duplicates]


def _choose(row: Planned, choice: str | None) -> None:
    if not choice or choice not in row.choices:
        return
    if choice == "create":
        row.action, row.record_id = "create", None
    elif choice == "skip":
        row.action = "skip"
    elif choice.startswith("update"):
        row.action = "update"
        if ":" in choice:
            row.record_id = int(choice.split(":", 1)[1])
    row.why = f"{row.why}: you chose to {choice.split(':')[0]}"  # i18n: not interface


# The record's columns each import field writes (the rest are read into them elsewhere).
COLUMNS = {
    "stakeholders": ("name", "type", "description", "address_line1", "address_line2", "town",
                     "postcode", "email", "phone", "website", "status", "influence",
                     "interest", "preferred_language", "accessible_formats", "notes"),
    "contacts": ("name", "job_title", "email", "phone", "preferred_contact_method",
                 "accessibility_needs", "preferred_language", "notes"),
    "engagements": ("title", "type", "status", "held_on", "location_address",
                    "location_postcode", "attendance", "summary", "outcomes"),
    "members": memberships.FIELDS,
}  # fmt: skip


def current_values(kind: Kind, ids: list[int]) -> dict[int, dict]:
    """The records' values as an update compares them, read as tuples in chunks: their
    columns, Area, version, and communities (a stakeholder) or organisations (a contact)."""
    from crm.models.stakeholder import stakeholder_communities

    model = MODELS[kind.key]
    table = model.__table__
    found: dict[int, dict] = {}
    for part in _chunks(sorted(set(ids))):
        area = ("area_id",) if kind.has_area else ()
        columns = [table.c[name] for name in (*COLUMNS[kind.key], "id", *area, "version")]
        for row in db.session.execute(select(*columns).where(table.c.id.in_(part))):
            values = dict(row._mapping)
            values["area"] = values.pop("area_id", None)
            found[values["id"]] = values | {"communities": [], "organisations": {}}
        if kind.key == "members":
            from crm.services import import_members

            import_members.values_of(part, found)
        elif kind.key == "engagements":
            from crm.services import import_engagements

            import_engagements.links_of(part, found)
        elif kind.key == "stakeholders":
            links = select(stakeholder_communities.c.stakeholder_id,
                           stakeholder_communities.c.community_id).where(
                stakeholder_communities.c.stakeholder_id.in_(part))
            for record_id, community_id in db.session.execute(links):
                found[record_id]["communities"].append(community_id)
        else:
            links = select(Affiliation.contact_id, Affiliation.stakeholder_id,
                           Affiliation.role).where(Affiliation.contact_id.in_(part))
            for record_id, stakeholder_id, role in db.session.execute(links):
                found[record_id]["organisations"][stakeholder_id] = role
    for values in found.values():
        values["communities"].sort()
    return found


def work_out_changes(kind: Kind, planned: list[Planned]) -> None:
    """For each row that updates a record: what it changes; none, and it is unchanged."""
    updating = [row for row in planned if row.action == "update"]
    for start in range(0, len(updating), CHUNK):  # a chunk's records at a time in memory
        part = updating[start:start + CHUNK]
        # A contact's role is at their organisation (compared below), not a field.
        _compare(part, current_values(kind, [row.record_id for row in part]),
                 frozenset({"role"}) if kind.key == "contacts" else frozenset())


# Values read to find or link a record, not fields of it.
NOT_COMPARED = frozenset({"id", "organisation", "organisation_id", "stakeholders", "contacts",
                          "panel", "contact"})


def _compare(updating: list[Planned], current: dict[int, dict], also_kept=frozenset()) -> None:
    for row in updating:
        now = current.get(row.record_id)
        if now is None:  # chosen from a list, then archived: nothing to update
            row.action, row.why = "skip", "the record is no longer there"  # i18n: not interface
            continue
        changes = {}
        for name, value in row.values.items():
            if name in NOT_COMPARED or name in also_kept:
                continue
            if now.get(name) != value:
                changes[name] = (now.get(name), value)
        organisation = row.values.get("organisation_id")
        if organisation is not None:
            role = row.values.get("role", now["organisations"].get(organisation, ""))
            if now["organisations"].get(organisation) != role:
                changes["organisation"] = (now["organisations"].get(organisation), role)
        row.changes = changes
        row.version = now["version"]
        if not changes:
            row.action = "unchanged"


def resolve_organisations(user: User, planned: list[Planned], problems: list[Problem]) -> None:
    """A contact row's organisation: a live stakeholder of that name in the row's Area."""
    wanted = {(plain(row.values["organisation"]), row.values.get("area"))
              for row in planned if row.values.get("organisation")}
    if not wanted:
        return
    found: dict[tuple, list[int]] = defaultdict(list)
    stmt = select(Stakeholder.id, Stakeholder.name, Stakeholder.area_id).where(
        Stakeholder.archived_at.is_(None), *access.area_conditions(Stakeholder.area_id, user))
    for record_id, name, area_id in db.session.execute(stmt):
        if (plain(name), area_id) in wanted:
            found[(plain(name), area_id)].append(record_id)
    for row in planned:
        said = row.values.get("organisation")
        if not said:
            continue
        ids = found.get((plain(said), row.values.get("area")), [])
        if len(ids) == 1:
            row.values["organisation_id"] = ids[0]
            continue
        message = _('There is more than one stakeholder called "%(name)s" in the Area: give '
                    "them different names first", name=said) if ids else _(
            'There is no stakeholder called "%(name)s" in the Area: add it, or import the '
            "stakeholders first", name=said)  # fmt: skip
        problems.append(Problem(row.row, _("Organisation"), message))
        row.action = "skip"
