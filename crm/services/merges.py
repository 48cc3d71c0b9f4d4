"""Merging duplicate stakeholders or contacts into the one that stays, and undoing it.

Everything attached to a merged record moves to the survivor: every row of every table
with a foreign key to it (LINKS names each, and a test fails if a new one is added
without deciding what a merge does with it), and references by kind and id (legal
holds). A row the survivor already has a twin of (a contact linked to both
organisations, both stakeholders at one engagement) cannot move without breaking a
unique constraint: it is taken away, and kept whole so the undo puts it back. Every
row moved or taken away is written down (MergeMove), with the survivor's own values of
the fields it took from the others: undoing a merge puts back exactly what was.

The merged records are archived with a pointer to the survivor (their pages lead
there). Merges and undos are audited on every record, and the figures derived from
engagements are refreshed by their owner, engagement_figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, and_, delete, func, insert, select, update

from crm.extensions import db
from crm.models import AuditEvent, Contact, Merge, MergeMove, Stakeholder, User
from crm.models.common import utcnow
from crm.services import access, audit, engagement_figures, records
from crm.services import contacts as contact_service
from crm.services import stakeholders as stakeholder_service

MOVE = "move"  # re-pointed at the survivor (a twin it already has: taken away, kept)
REFUSE = "refuse"  # a record with such a row is never merged (an erased person)

# Every foreign key to a merged table, (table, column): what a merge does with its rows.
LINKS: dict[str, dict[tuple[str, str], str]] = {
    "stakeholder": {
        ("affiliations", "stakeholder_id"): MOVE,  # its contacts and their roles
        ("engagement_stakeholders", "stakeholder_id"): MOVE,
        ("engagements", "location_stakeholder_id"): MOVE,  # engagements on its premises
        ("feedback", "stakeholder_id"): MOVE,
        ("mapping_positions", "stakeholder_id"): MOVE,
        ("stakeholder_communities", "stakeholder_id"): MOVE,
    },
    "contact": {
        ("affiliations", "contact_id"): MOVE,  # their organisations and roles there
        ("consent_records", "contact_id"): MOVE,
        ("do_not_contact_changes", "contact_id"): MOVE,
        ("engagement_contacts", "contact_id"): MOVE,  # engagements they attended
        ("equality_answers", "contact_id"): MOVE,
        ("equality_views", "contact_id"): MOVE,
        ("erasures", "contact_id"): REFUSE,
        ("memberships", "contact_id"): MOVE,  # panel memberships (attendance, declarations)
        ("subject_access_requests", "contact_id"): MOVE,
    },
}
# Tables that name a record by kind and id, not by a foreign key: (table, id column).
BY_KIND_AND_ID = (("legal_holds", "record_id"),)

# The fields chosen one by one on the merge page, as the record's form labels them.
FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "stakeholder": (
        ("name", _l("Name")), ("area_id", _l("Area")), ("type", _l("Type")),
        ("description", _l("Description")),
        ("address_line1", _l("Address line 1")), ("address_line2", _l("Address line 2")),
        ("town", _l("Town or city")), ("postcode", _l("Postcode")),
        ("owner_id", _l("Relationship owner")),
        ("status", _l("Status")), ("influence", _l("Influence")), ("interest", _l("Interest")),
        ("email", _l("Email address")), ("phone", _l("Phone number")), ("website", _l("Website")),
        ("preferred_language", _l("Preferred language")),
        ("accessible_formats", _l("Accessible formats")), ("notes", _l("Notes")),
    ),
    "contact": (
        ("name", _l("Full name")), ("area_id", _l("Area")), ("job_title", _l("Job title")),
        ("email", _l("Email address")), ("phone", _l("Phone number")),
        ("preferred_contact_method", _l("Preferred contact method")),
        ("accessibility_needs", _l("Accessibility needs")),
        ("preferred_language", _l("Preferred language or format")), ("notes", _l("Notes")),
    ),
}  # fmt: skip
# The location follows the postcode chosen (latitude, longitude and where they came from).
FOLLOWS = {"postcode": ("latitude", "longitude", "geocode_status")}
MODELS: dict[str, Any] = {"stakeholder": Stakeholder, "contact": Contact}
DESCRIBE = {"stakeholder": stakeholder_service.describe, "contact": contact_service.describe}


class MergeRefused(Exception):
    """The merge (or its undo) cannot be done; the message says why, for the person."""


def _table(name: str) -> Table:
    return db.metadata.tables[name]


def links_to(kind: str) -> set[tuple[str, str]]:
    """Every (table, column) with a foreign key to the kind's table, from the models."""
    target = MODELS[kind].__tablename__
    return {
        (table.name, fk.parent.name)
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == target
    }


def _unique_sets(table: Table, column: str) -> list[list[str]]:
    """For each unique constraint (the primary key too) that includes the column, its
    other columns: a survivor's row equal on those is the row's twin."""
    sets = [[c.name for c in table.primary_key.columns]]
    for constraint in table.constraints:
        if constraint.__class__.__name__ == "UniqueConstraint":
            sets.append([c.name for c in constraint.columns])
    sets += [[c.name for c in index.columns] for index in table.indexes if index.unique]
    return [[c for c in s if c != column] for s in sets if column in s]


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _from_json(table: Table, row: dict) -> dict:
    """A row as stored in a MergeMove, with its dates and times as the columns hold them."""
    out = {}
    for name, value in row.items():
        column_type = table.c[name].type
        column_type = getattr(column_type, "impl_instance", column_type)  # UTCDateTime
        try:
            kind = column_type.python_type
        except NotImplementedError:
            kind = object
        if isinstance(value, str) and kind is datetime:
            value = datetime.fromisoformat(value)
        elif isinstance(value, str) and kind is date:
            value = date.fromisoformat(value)
        out[name] = value
    return out


def _move_rows(merge: Merge, kind: str, table: Table, column: str, loser: int, survivor: int,
               extra: tuple = ()) -> None:  # fmt: skip
    """Re-point the loser's rows of one table at the survivor; a twin of a survivor's row
    is taken away instead. Each is written down for the undo."""
    col = table.c[column]
    found = db.session.execute(select(table).where(col == loser, *extra)).mappings()
    rows = [dict(r) for r in found]
    if not rows:
        return
    key_columns = [c.name for c in table.primary_key.columns]
    moves: list[dict] = []
    for others in _unique_sets(table, column):
        # No other column (a contact's one row of equality answers): any row is a twin.
        chosen = [table.c[o] for o in others] or [col]
        taken = {
            tuple(r)[: len(others)] for r in db.session.execute(
                select(*chosen).where(col == survivor, *extra))
        }  # fmt: skip
        for row in [r for r in rows if tuple(r[o] for o in others) in taken]:
            rows.remove(row)
            db.session.execute(delete(table).where(*(table.c[k] == row[k] for k in key_columns)))
            moves.append({"row": {k: _json(v) for k, v in row.items()}, "removed": True})
    db.session.execute(update(table).where(col == loser, *extra).values({column: survivor}))
    for row in rows:
        key = {k: survivor if k == column else _json(row[k]) for k in key_columns}
        moves.append({"row": key, "removed": False})
    db.session.execute(insert(MergeMove), [
        {"merge_id": merge.id, "table_name": table.name, "column_name": column,
         "from_id": loser, **move} for move in moves
    ])  # fmt: skip


def _refusing(kind: str, ids: Iterable[int]) -> str | None:
    for (table_name, column), what in LINKS[kind].items():
        col = _table(table_name).c[column]
        if what == REFUSE and db.session.scalar(select(col).where(col.in_(list(ids))).limit(1)):
            return _("An erased person's record cannot be merged")
    return None


def check_mergeable(user: User, kind: str, records_: list[Any]) -> None:
    """Refuse (MergeRefused, or access's errors) a merge the user may not make."""
    if len({r.id for r in records_}) < 2:
        raise MergeRefused(_("Select at least 2 records to merge"))
    for record in records_:
        access.require(user, "merge", record)
    if reason := _refusing(kind, [r.id for r in records_]):
        raise MergeRefused(reason)
    if kind == "contact":
        _refuse_two_memberships([r.id for r in records_])


def _refuse_two_memberships(contact_ids: list[int]) -> None:
    """Two of the people are both current members (or applicants) of one panel: joined,
    the person would hold two places on it, which the panel's rules forbid."""
    from crm.models import Membership, Panel
    from crm.models.panel import LIVE_MEMBERSHIP

    stmt = (select(Panel.name).join(Membership, Membership.panel_id == Panel.id)
            .where(Membership.contact_id.in_(contact_ids), LIVE_MEMBERSHIP,
                   Membership.status != "ended")
            .group_by(Panel.id, Panel.name)
            .having(func.count(func.distinct(Membership.contact_id)) > 1).limit(1))  # fmt: skip
    panel = db.session.scalar(stmt)
    if panel is not None:
        raise MergeRefused(_("More than one of them is a current member or applicant of "
                             "%(panel)s: end one of those memberships first", panel=panel))


def merge(user: User, kind: str, survivor: Any, others: list[Any], choices: dict[str, int]
          ) -> Merge:  # fmt: skip
    """Join `others` into `survivor`, taking each field in `choices` ({field: record id})
    from the record chosen. Flushes; the caller commits."""
    check_mergeable(user, kind, [survivor, *others])
    by_id = {r.id: r for r in (survivor, *others)}
    record = Merge(record_type=kind, survivor_id=survivor.id, merged_ids=[o.id for o in others],
                   merged_by_id=user.id, merged_at=utcnow(), survivor_before={})  # fmt: skip
    db.session.add(record)
    db.session.flush()
    changes = _chosen_values(kind, survivor, by_id, choices)
    record.survivor_before = {f: _json(getattr(survivor, f)) for f in changes}
    _set_fields(user, kind, survivor, changes)
    for other in others:
        for table_name, column in sorted(links_to(kind)):
            if LINKS[kind].get((table_name, column)) == MOVE:
                _move_rows(record, kind, _table(table_name), column, other.id, survivor.id)
        for table_name, column in BY_KIND_AND_ID:
            table = _table(table_name)
            _move_rows(record, kind, table, column, other.id, survivor.id,
                       (table.c.record_type == kind,))  # fmt: skip
        other.merged_into_id = survivor.id
        records.set_archived(user, kind, other, archived=True)
        audit.record_event(user, kind, other.id, "merged into", None,  # i18n: not interface
                           {"Merged into": audit.links(kind, [survivor])})  # fmt: skip
    audit.record_event(user, kind, survivor.id, "merged", None,  # i18n: not interface
                       {"Merged with": audit.links(kind, others)})  # fmt: skip
    _refresh_figures(kind, [survivor.id, *(o.id for o in others)])
    return record


def _set_fields(user: User, kind: str, record: Any, values: dict[str, Any]) -> None:
    """Give the record these field values, audited as an edit."""

    def mutate() -> None:
        for name, value in values.items():
            setattr(record, name, value)

    records.update_audited(user, kind, record, None, DESCRIBE[kind], mutate)


def _chosen_values(kind: str, survivor: Any, by_id: dict[int, Any], choices: dict[str, int]
                   ) -> dict[str, Any]:  # fmt: skip
    """The survivor's fields that take another record's value: {field: value}."""
    changes: dict[str, Any] = {}
    for field, _label in FIELDS[kind]:
        source = by_id.get(choices.get(field) or survivor.id)  # none chosen: the survivor's
        if source is None:
            raise MergeRefused(_("Choose a value from one of the records being merged"))
        if source is not survivor and getattr(source, field) != getattr(survivor, field):
            for name in (field, *FOLLOWS.get(field, ())):
                changes[name] = getattr(source, name)
    if kind == "contact" and any(r.do_not_contact for r in by_id.values()):
        # Anyone of them asked not to be contacted: the person did.
        if not survivor.do_not_contact:
            changes["do_not_contact"] = True
    return changes


def _refresh_figures(kind: str, stakeholder_ids: list[int]) -> None:
    db.session.flush()
    if kind == "stakeholder":
        engagement_figures.refresh_last_engaged(stakeholder_ids)
        engagement_figures.refresh_serves_seldom_heard(stakeholder_ids)
    db.session.expire_all()


def latest_merge_into(kind: str, survivor_id: int) -> Merge | None:
    """The latest merge into the record that is not undone (the one its page offers to undo)."""
    stmt = (
        select(Merge)
        .where(Merge.record_type == kind, Merge.survivor_id == survivor_id,
               Merge.undone_at.is_(None))
        .order_by(Merge.id.desc())
        .limit(1)
    )  # fmt: skip
    return db.session.scalars(stmt).first()


def _later_merges_touching(merge_: Merge) -> bool:
    involved = {merge_.survivor_id, *merge_.merged_ids}
    later = db.session.scalars(select(Merge).where(
        Merge.record_type == merge_.record_type, Merge.id > merge_.id,
        Merge.undone_at.is_(None)))  # fmt: skip
    return any(involved & {m.survivor_id, *m.merged_ids} for m in later)


def _changed_since(kind: str, survivor_id: int) -> bool:
    """Whether the survivor was edited after its latest merge (the merge's own "merged"
    event is the last it wrote)."""
    events = AuditEvent.record_type == kind, AuditEvent.record_id == survivor_id
    merged = db.session.scalar(select(func.max(AuditEvent.id)).where(
        *events, AuditEvent.action == "merged"))  # fmt: skip
    return merged is not None and db.session.scalar(select(AuditEvent.id).where(
        *events, AuditEvent.id > merged, AuditEvent.action == "updated").limit(1)) is not None


def undo(user: User, kind: str, survivor: Any) -> Merge:
    """Undo the latest merge into the survivor: every row moved goes back, every row taken
    away comes back, the merged records return, the survivor's fields are as they were."""
    access.require(user, "undo_merge", survivor)
    merge_ = latest_merge_into(kind, survivor.id)
    if merge_ is None:
        raise MergeRefused(_("There is no merge into this record to undo"))
    model = MODELS[kind]
    merged = [db.session.get(model, i) for i in merge_.merged_ids]
    for record in merged:
        access.require(user, "undo_merge", record)
    if _later_merges_touching(merge_):
        raise MergeRefused(_("Undo the later merge of these records first"))
    if _changed_since(kind, survivor.id):
        raise MergeRefused(_("%(name)s has been changed since the merge: undoing it would "
                             "lose that change without anyone seeing it. Change the records "
                             "by hand instead", name=survivor.name))
    for move in sorted(merge_.moves, key=lambda m: (m.removed, m.id)):
        table = _table(move.table_name)
        row = _from_json(table, move.row)
        if move.removed:
            db.session.execute(insert(table).values(row))
        else:
            where = and_(*(table.c[k] == v for k, v in row.items()))
            db.session.execute(update(table).where(where).values({move.column_name: move.from_id}))
    before = _from_json(model.__table__, merge_.survivor_before)
    _set_fields(user, kind, survivor, before)
    for record in merged:
        record.merged_into_id = None
        _unarchive(user, kind, record)
    merge_.undone_at = utcnow()
    merge_.undone_by_id = user.id
    audit.record_event(user, kind, survivor.id, "merge undone", None,  # i18n: not interface
                       {"Separated again from": audit.links(kind, merged)})  # fmt: skip
    _refresh_figures(kind, [survivor.id, *merge_.merged_ids])
    return merge_


def _unarchive(user: User, kind: str, record: Any) -> None:
    """Bring a merged record back (its undo is not an administrator's restore: whoever may
    undo the merge does it)."""
    record.archived_at = None
    record.updated_at = utcnow()
    db.session.flush()
    audit.record_event(  # i18n: not interface
        user, kind, record.id, "merge undone", {"Archived": "Yes"}, {"Archived": "No"},
        record.version)  # fmt: skip


def merged_into(user: User, kind: str, record_id: int) -> int | None:
    """Where a merged record's page leads: the record it was merged into (following a
    chain of merges), if the user may see it; None for any other record."""
    model = MODELS[kind]
    seen: set[int] = set()
    current = record_id
    while current not in seen and len(seen) < 20:
        seen.add(current)
        stmt = select(model.merged_into_id).where(
            model.id == current, *access.area_conditions(model.area_id, user))
        target = db.session.scalar(stmt)
        if target is None:
            break
        current = target
    return None if current == record_id else current


def merged_ids(kind: str, record_id: int) -> list[int]:
    """The record and every record merged into it (and into those): its history is theirs."""
    model = MODELS[kind]
    found, frontier = [record_id], [record_id]
    while frontier and len(found) < 1000:
        stmt = select(model.id).where(model.merged_into_id.in_(frontier))
        frontier = list(db.session.scalars(stmt))
        found += frontier
    return found


# How the merge page shows a field's value, where the column holds a code or an id.
_SHOWN = {"type": "type_label", "status": "status_label",
          "preferred_contact_method": "contact_method_label"}  # fmt: skip


def field_text(record: Any, field: str) -> str:
    """A field's value as a person reads it (blank for none)."""
    if field in _SHOWN:
        return getattr(record, _SHOWN[field])
    value = getattr(record, field)
    if field == "owner_id":
        return record.owner.name if record.owner else ""
    if field == "area_id":
        return record.area.name
    if isinstance(value, bool):
        return records.yes_no(value)
    return "" if value is None else (_json(value) if isinstance(value, date) else str(value))


def default_choices(kind: str, chosen: list[Any]) -> dict[str, int]:
    """For each field, the first record that has a value for it (the first record if none)."""
    return {
        field: next((r.id for r in chosen if field_text(r, field)), chosen[0].id)
        for field, _label in FIELDS[kind]
    }
