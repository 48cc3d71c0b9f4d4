"""Carrying out an import's plan, and undoing it: rows written in batches.

Stakeholders and contacts are written with Core statements in batches of a thousand,
not one ORM object each: the ORM costs about 0.7 ms a row (and an audited save more),
which is minutes for an Area's 100,000 stakeholders (bench/run_import.py measures
both). Each record still gets its audit event, and each row an ImportRow naming the
record it created, or updated with its values before, so undo is exact.

Nothing here commits: the apply job's boundary commits everything at once, or nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, insert, select, update

from crm import i18n
from crm.extensions import db
from crm.models import Affiliation, Area, AuditEvent, Community, ImportRow, Stakeholder
from crm.models.common import utcnow
from crm.models.stakeholder import (
    CONTACT_METHODS,
    STAKEHOLDER_STATUSES,
    STAKEHOLDER_TYPES,
    stakeholder_communities,
)
from crm.services import audit, bulk, geocoding
from crm.services.import_fields import Kind
from crm.services.import_plan import COLUMNS, MODELS, Plan, Planned

BATCH = 1000
Progress = Callable[[int, int, str], None]


class _Names:
    """Display names for the audit trail, read once (its words in English, as the trail
    keeps them whoever imports)."""

    def __init__(self) -> None:
        self.areas = {i: name for i, name in db.session.execute(select(Area.id, Area.name))}
        self.communities = {
            i: name for i, name in db.session.execute(select(Community.id, Community.name))
        }
        self.stakeholders: dict[int, str] = {}
        with i18n.in_stored_language():
            self.choices = {name: {key: str(label) for key, label in options.items()}
                            for name, options in (("type", STAKEHOLDER_TYPES),
                                                  ("status", STAKEHOLDER_STATUSES),
                                                  ("preferred_contact_method",
                                                   CONTACT_METHODS))}  # fmt: skip

    def shown(self, name: str, value) -> str | list:
        if value is None:
            return ""
        if name in self.choices:
            return self.choices[name].get(value, value)
        if name == "area":
            return self.areas.get(value, "")
        if name == "communities":
            return ", ".join(sorted((self.communities.get(i, "") for i in value), key=str.lower))
        return str(value)


class Writer:
    """Writes one import's rows, its ImportRows and audit events, in batches."""

    updates_first = False  # create the new records, then update the matched ones

    def __init__(self, user_id: int | None, import_id: int, file_name: str, kind: Kind):
        self.user_id, self.import_id, self.kind = user_id, import_id, kind
        self.model = MODELS[kind.key]
        self.table = self.model.__table__
        self.names = _Names()
        self.redacted = audit.redacted_labels(kind.record_type)
        self.source = f"{file_name} (import {import_id})"
        self.events: list[dict] = []
        self.import_rows: list[dict] = []
        self.places: dict = {}  # postcode -> (latitude, longitude) or None, per batch
        self.now = utcnow()

    def event(self, record_id: int, action: str, changes: dict, version: int) -> None:
        kept = {label: (["", audit.NOT_SHOWN] if label in self.redacted else change)
                for label, change in changes.items()}  # fmt: skip
        self.events.append({"user_id": self.user_id, "record_type": self.kind.record_type,
                            "record_id": record_id, "action": action, "version": version,
                            "changes": kept, "at": self.now})  # fmt: skip

    def flush(self) -> None:
        bulk.insert_rows(AuditEvent.__table__, self.events)
        bulk.insert_rows(ImportRow.__table__, self.import_rows)
        self.events, self.import_rows = [], []

    # --- creating --------------------------------------------------------------------

    def _new_row(self, row: Planned) -> dict:
        values = row.values
        record = {name: values.get(name, "") for name in COLUMNS[self.kind.key]}
        record |= {"area_id": values["area"], "version": 1, "created_at": self.now,
                   "updated_at": self.now, "archived_at": None}  # fmt: skip
        if self.kind.key == "stakeholders":
            record["status"] = values.get("status") or "active"
            record["influence"] = values.get("influence")
            record["interest"] = values.get("interest")
            place = _Place(None, None, "", values.get("postcode", ""))
            geocoding.place_from(place, place.postcode, self.places.get(place.postcode))
            record |= {"latitude": place.latitude, "longitude": place.longitude,
                       "geocode_status": place.geocode_status, "owner_id": None,
                       "serves_seldom_heard": bool(set(values.get("communities", []))
                                                   & self.seldom_heard)}  # fmt: skip
        else:
            record["preferred_contact_method"] = values.get("preferred_contact_method") or "none"
            record["do_not_contact"] = False
        return record

    @property
    def seldom_heard(self) -> set[int]:
        if not hasattr(self, "_seldom"):
            self._seldom = set(db.session.scalars(
                select(Community.id).where(Community.seldom_heard.is_(True))))  # fmt: skip
        return self._seldom

    def create(self, rows: list[Planned]) -> None:
        if not rows:
            return
        if self.kind.key == "stakeholders":
            self.places = geocoding.lookup_many(
                {row.values["postcode"] for row in rows if row.values.get("postcode")})
        ids = self._insert([self._new_row(row) for row in rows])
        links, affiliations = [], []
        for row, record_id in zip(rows, ids, strict=True):
            row.record_id = record_id
            links += [{"stakeholder_id": record_id, "community_id": community}
                      for community in row.values.get("communities", [])]  # fmt: skip
            if row.values.get("organisation_id"):
                affiliations.append({"contact_id": record_id, "role": row.values.get("role", ""),
                                     "stakeholder_id": row.values["organisation_id"]})
            changes = {self.kind.label_for(name): ["", self.names.shown(name, value)]
                       for name, value in row.values.items()
                       if name not in ("id", "organisation_id") and value not in ("", None, [])}
            changes["Imported from"] = ["", self.source]  # i18n: not interface
            self.event(record_id, "created", changes, 1)
            self.import_rows.append({"import_id": self.import_id, "row_number": row.row,
                                     "record_type": self.kind.record_type,
                                     "record_id": record_id, "action": "created",
                                     "before": {}, "version_after": 1,
                                     "version_before": None})  # fmt: skip
        bulk.insert_rows(stakeholder_communities, links)
        bulk.insert_rows(Affiliation.__table__, affiliations)
        self.flush()

    def _insert(self, records: list[dict]) -> list[int]:
        """Insert the rows; their new ids, in the rows' order.

        PostgreSQL: ids taken from the table's sequence, then COPY. SQLite cannot order
        a multi-row RETURNING (SQLAlchemy would send a statement a row: 10 s per
        100,000), so the rows go in one executemany and their ids are read back: SQLite
        numbers new rows one after the table's largest id, and this transaction holds
        the only write lock from its first insert until it commits, so the batch has the
        consecutive ids ending at the largest.
        """
        if db.engine.dialect.name == "postgresql":
            ids = bulk.new_ids(self.table, len(records))
            for record, record_id in zip(records, ids, strict=True):
                record["id"] = record_id
            bulk.insert_rows(self.table, records)
            return ids
        bulk.insert_rows(self.table, records)
        last = db.session.scalar(select(func.max(self.table.c.id)))
        return list(range(last - len(records) + 1, last + 1))

    # --- undoing ---------------------------------------------------------------------

    def check_undo(self, rows: list[ImportRow]) -> None:
        """Raise ImportRefused if undoing would lose something recorded since (a kind
        whose records others hang on says what)."""

    def archive_created(self, rows: list[ImportRow]) -> None:
        _archive_created(self, rows)

    def put_back(self, row: ImportRow) -> int:
        """Put the record back as it was before the import; its version now."""
        _put_back(self, row, row.version_after + 1)
        return row.version_after + 1

    # --- updating --------------------------------------------------------------------

    def update(self, row: Planned) -> None:
        """Write what the row changes; keep the values before on its ImportRow."""
        before: dict = {}
        columns: dict = {}
        for name, (old, new) in row.changes.items():
            before[name] = old
            if name in COLUMNS[self.kind.key]:
                columns[name] = new
            elif name == "area":
                columns["area_id"] = new
        if "postcode" in columns:
            columns |= self._placed(row.record_id, columns["postcode"])
        if "communities" in row.changes:
            self._set_communities(row.record_id, row.changes["communities"][1])
            columns["serves_seldom_heard"] = bool(set(row.changes["communities"][1])
                                                  & self.seldom_heard)  # fmt: skip
        if "organisation" in row.changes:
            organisation = row.values["organisation_id"]
            before["organisation"] = [organisation, row.changes["organisation"][0]]
            self._set_role(row.record_id, organisation, row.changes["organisation"][1])
        version = row.version + 1
        db.session.execute(update(self.table).where(self.table.c.id == row.record_id).values(
            **columns, version=version, updated_at=self.now))  # fmt: skip
        changes = {self.kind.label_for(name): [self.names.shown(name, old),
                                             self.names.shown(name, new)]
                   for name, (old, new) in row.changes.items() if name != "organisation"}
        changes["Imported from"] = ["", self.source]  # i18n: not interface
        self.event(row.record_id, "updated", changes, version)
        self.import_rows.append({"import_id": self.import_id, "row_number": row.row,
                                 "record_type": self.kind.record_type,
                                 "record_id": row.record_id, "action": "updated",
                                 "before": before, "version_after": version,
                                 "version_before": row.version})  # fmt: skip
        if len(self.import_rows) >= BATCH:
            self.flush()

    def _placed(self, record_id: int, postcode: str) -> dict:
        if self.kind.key != "stakeholders":
            return {}
        table = Stakeholder.__table__
        latitude, longitude, status, old = db.session.execute(
            select(table.c.latitude, table.c.longitude, table.c.geocode_status,
                   table.c.postcode).where(table.c.id == record_id)).one()  # fmt: skip
        place = _Place(latitude, longitude, status, postcode)
        geocoding.place_stakeholder(place, (latitude, longitude, old))
        return {"latitude": place.latitude, "longitude": place.longitude,
                "geocode_status": place.geocode_status}  # fmt: skip

    def _set_communities(self, record_id: int, community_ids: list[int]) -> None:
        db.session.execute(delete(stakeholder_communities).where(
            stakeholder_communities.c.stakeholder_id == record_id))  # fmt: skip
        if community_ids:
            db.session.execute(insert(stakeholder_communities), [
                {"stakeholder_id": record_id, "community_id": c} for c in community_ids])

    def _set_role(self, contact_id: int, stakeholder_id: int, role: str | None) -> None:
        """The contact's role at the organisation (None: not linked to it)."""
        table = Affiliation.__table__
        db.session.execute(delete(table).where(table.c.contact_id == contact_id,
                                               table.c.stakeholder_id == stakeholder_id))
        if role is not None:
            db.session.execute(insert(table).values(contact_id=contact_id,
                                                    stakeholder_id=stakeholder_id, role=role))


class _Place:
    """The coordinates of a stakeholder being written, for geocoding.place_stakeholder."""

    def __init__(self, latitude, longitude, geocode_status: str, postcode: str):
        self.latitude, self.longitude = latitude, longitude
        self.geocode_status, self.postcode = geocode_status, postcode


def carry_out(writer: Writer, plan: Plan, progress: Progress) -> None:
    """Create and update what the plan says, reporting progress every batch (in the
    writer's order: memberships are updated first, so a file that ends one chair's term
    and appoints the next can be applied)."""
    total = len(plan.rows)
    creating = [row for row in plan.rows if row.action == "create"]
    updating = [row for row in plan.rows if row.action == "update"]
    done = 0

    def create() -> None:
        nonlocal done
        for start in range(0, len(creating), BATCH):
            writer.create(creating[start:start + BATCH])
            done += len(creating[start:start + BATCH])
            progress(done, total, _("Creating records"))

    def update() -> None:
        nonlocal done
        for row in updating:
            writer.update(row)
            done += 1
            if done % BATCH == 0:
                progress(done, total, _("Updating records"))

    for step in ((update, create) if writer.updates_first else (create, update)):
        step()
    writer.flush()


def undo_rows(writer: Writer) -> int:
    """Archive what the import created and put back what it updated, exactly as before.

    Refused (ImportRefused, nothing changed) if any record was changed after the
    import: putting it back would lose that later change without anyone seeing it.
    Returns how many records were put back or archived.
    """
    from crm.services.imports import ImportRefused

    table = writer.table
    rows = list(db.session.scalars(select(ImportRow).where(
        ImportRow.import_id == writer.import_id).order_by(ImportRow.id.desc())))  # fmt: skip
    versions: dict[int, tuple[int, object]] = {}
    ids = [row.record_id for row in rows]
    for start in range(0, len(ids), BATCH):
        part = ids[start:start + BATCH]
        stmt = select(table.c.id, table.c.version, table.c.archived_at).where(
            table.c.id.in_(part))
        versions |= {record_id: (version, archived) for record_id, version, archived
                     in db.session.execute(stmt)}  # fmt: skip
    moved = sum(1 for row in rows if versions.get(row.record_id, (None,))[0] != row.version_after)
    if moved:
        raise ImportRefused(ngettext(
            "%(count)s record was changed after the import: undoing it would lose those "
            "changes. Change them back by hand instead",
            "%(count)s records were changed after the import: undoing it would lose those "
            "changes. Change them back by hand instead", moved, count=format(moved, ",")))
    writer.check_undo(rows)
    created = [row for row in rows if row.action == "created"]
    for start in range(0, len(created), BATCH):
        writer.archive_created(created[start:start + BATCH])
    put_back = []
    for row in rows:
        if row.action == "updated":
            put_back.append((row, writer.put_back(row)))
            if len(writer.events) >= BATCH:
                writer.flush()
    writer.flush()
    _hand_on_versions(writer, put_back)
    return len(rows)


def _hand_on_versions(writer: Writer, put_back: list[tuple[ImportRow, int]]) -> None:
    """An earlier import whose record this one updated, and has now put back as it was,
    may be undone in its turn: its row takes the record's version now."""
    table = ImportRow.__table__
    for row, version in put_back:
        db.session.execute(update(table).where(
            table.c.record_type == row.record_type, table.c.record_id == row.record_id,
            table.c.version_after == row.version_before,
            table.c.import_id != writer.import_id).values(version_after=version))


def _archive_created(writer: Writer, rows: list[ImportRow]) -> None:
    table = writer.table
    db.session.execute(update(table).where(table.c.id.in_([r.record_id for r in rows]))
                       .values(archived_at=writer.now, updated_at=writer.now,
                               version=table.c.version + 1))  # fmt: skip
    for row in rows:
        # The audit trail's words: English, as it keeps them.
        writer.event(row.record_id, "archived", {"Archived": ["No", "Yes"],  # i18n: not interface
                                                 "Import undone": ["", writer.source]},
                     row.version_after + 1)  # fmt: skip
    writer.flush()


def _put_back(writer: Writer, row: ImportRow, version: int) -> None:
    columns: dict = {}
    changes: dict = {}
    for name, old in row.before.items():
        if name in COLUMNS[writer.kind.key]:
            columns[name] = old
        elif name == "area":
            columns["area_id"] = old
        elif name == "communities":
            writer._set_communities(row.record_id, old)
            columns["serves_seldom_heard"] = bool(set(old) & writer.seldom_heard)
        elif name == "organisation":
            writer._set_role(row.record_id, old[0], old[1])
            continue
        changes[writer.kind.label_for(name)] = ["", writer.names.shown(name, old)]
    if "postcode" in columns:
        columns |= writer._placed(row.record_id, columns["postcode"])
    db.session.execute(update(writer.table).where(writer.table.c.id == row.record_id).values(
        **columns, version=version, updated_at=writer.now))  # fmt: skip
    changes["Import undone"] = ["", writer.source]  # i18n: not interface
    writer.event(row.record_id, "updated", changes, version)


def writer_for(user, import_id: int, file_name: str, kind: Kind) -> Writer:
    """The writer for the kind: engagements go through their service, one at a time."""
    if kind.key == "engagements":
        from crm.services.import_engagements import EngagementWriter

        return EngagementWriter(user, import_id, file_name, kind)
    if kind.key == "members":
        from crm.services.import_members import MembershipWriter

        return MembershipWriter(user, import_id, file_name, kind)
    return Writer(user.id, import_id, file_name, kind)
