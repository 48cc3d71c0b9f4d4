"""Importing panel members: each row a membership (a term, or an application) of a contact
on a panel, written through the membership service, as one added by hand is.

The service keeps the panel's rules (one chair, one active membership per person per
panel, terms that end after they start, no term beyond the maximum without a reason).
The preview tries every row through it, in a savepoint that is then rolled back, in the
order applying would write them, so a row that breaks a rule, even against an earlier
row of the same file (two chairs), is a problem on that row before anything is saved.

A row names its panel (one the user looks after) and its member (a contact they can
see, by email, or by name when that is unique). It matches a membership already in
Engage by its Engage ID, else by panel, person and the date its term started (or they
applied); the same person on the same panel with another start is a possible duplicate
(perhaps a renewal) for the person importing to decide.

Undoing archives the memberships the import added (memberships are never deleted; an
archived one is on no roster, list or report) and puts back what it changed, unless a
member added has since been recorded at a meeting or declared an interest.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from crm.extensions import db
from crm.i18n import day_month_year
from crm.models import Attendance, Contact, Declaration, Membership, Panel, User
from crm.models.panel import LIVE_MEMBERSHIP, membership_communities
from crm.services import access, panels, records
from crm.services import memberships as service
from crm.services.import_apply import Writer
from crm.services.import_fields import plain
from crm.services.import_keys import Keys, key
from crm.services.records import InvalidValue

# A new membership's values where the file leaves a column empty.
DEFAULTS = {"role": "member", "status": "active", "term_number": 1,
            "vetting_status": "not_started"}  # fmt: skip
DATES = frozenset(name for name in service.FIELDS if name.endswith("_on")
                  or name in ("term_start", "term_end"))  # fmt: skip


class RowRefused(Exception):
    """A row the membership service refuses: its row number, column and message."""

    def __init__(self, row: int, field: str, message: str) -> None:
        super().__init__(message)
        self.row, self.field, self.message = row, field, message


# --- finding what a row names ----------------------------------------------------------


def resolve_links(user: User, planned, problems, problem, label) -> None:
    """Each row's panel (one the user may add members to) and member (a contact they can
    see: by email, else by a name only one of them has)."""
    changeable, seen = _panels(user)
    by_email, by_name = _contacts(user)
    for row in planned:
        said = row.values.get("panel")
        if said is not None:
            found = changeable.get(plain(said), [])
            if len(found) == 1:
                row.values["panel_id"] = found[0]
            else:
                problems.append(problem(row.row, label("panel"), _panel_problem(
                    said, found, plain(said) in seen)))  # fmt: skip
                row.action = "skip"
        said = row.values.get("contact")
        if said is not None:
            found = by_email.get(said.lower(), []) if "@" in said else by_name.get(
                plain(said), [])  # fmt: skip
            if len(found) == 1:
                row.values["contact_id"] = found[0]
            else:
                problems.append(problem(row.row, label("contact"), _contact_problem(
                    said, found)))  # fmt: skip
                row.action = "skip"
        if row.values.get("term_number") == 0:
            problems.append(problem(row.row, label("term_number"), _("Term must be 1 or more")))
            row.action = "skip"


def _contact_problem(said: str, found: list[int]) -> str:
    if found and "@" not in said:
        return _('There is more than one contact "%(name)s" that you can see: use their email',
                 name=said)
    if found:
        return _('There is more than one contact "%(name)s" that you can see', name=said)
    return _('There is no contact "%(name)s" that you can see', name=said)


def _panel_problem(said: str, found: list[int], seen: bool) -> str:
    if found:
        return _('There is more than one panel called "%(name)s": give them different names '
                 "first", name=said)
    if seen:
        return _('You cannot add members to "%(name)s": ask someone who looks after it',
                 name=said)
    return _('There is no panel called "%(name)s" that you can see', name=said)


def _panels(user: User) -> tuple[dict[str, list[int]], set[str]]:
    """Live panels the user may add members to, by name; and every name they can see."""
    changeable: dict[str, list[int]] = defaultdict(list)
    seen: set[str] = set()
    stmt = select(Panel).where(Panel.archived_at.is_(None), *panels.panel_conditions(user))
    for panel in db.session.scalars(stmt):
        seen.add(plain(panel.name))
        if access.can(user, "add", service.KIND) and access.can(user, "edit", panel):
            changeable[plain(panel.name)].append(panel.id)
    return changeable, seen


def _contacts(user: User) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    by_email: dict[str, list[int]] = defaultdict(list)
    by_name: dict[str, list[int]] = defaultdict(list)
    stmt = select(Contact.id, Contact.name, Contact.email).where(
        Contact.archived_at.is_(None), *access.area_conditions(Contact.area_id, user))
    for record_id, name, email in db.session.execute(stmt):
        by_name[plain(name)].append(record_id)
        if email:
            by_email[email.lower()].append(record_id)
    return by_email, by_name


# --- matching rows to memberships ------------------------------------------------------


def row_keys(values: dict) -> tuple[list[str], str]:
    """The same term: panel, person and start (or application date); perhaps: the same
    person on the same panel."""
    started = values.get("term_start") or values.get("applied_on") or ""
    person = (values.get("panel_id"), values.get("contact_id"))
    return [key("term", *person, started)], key("member", *person)


def keys_of(user: User) -> Keys:
    """Live memberships on panels the user may see, by panel, person and start."""
    keys = Keys()
    stmt = select(Membership.id, Membership.panel_id, Membership.contact_id,
                  Membership.term_start, Membership.applied_on).join(
        Panel, Panel.id == Membership.panel_id).where(
        LIVE_MEMBERSHIP, Panel.archived_at.is_(None),
        *panels.panel_conditions(user))  # fmt: skip
    for record_id, panel_id, contact_id, term_start, applied_on in db.session.execute(stmt):
        exact, similar = row_keys({"panel_id": panel_id, "contact_id": contact_id,
                                   "term_start": term_start, "applied_on": applied_on})
        keys.exact.append(exact[0], record_id)
        keys.similar.append(similar, record_id)
    return keys


def by_ids(user: User, ids: list[int]) -> dict[int, Membership]:
    """Live memberships among these ids on live panels the user may see."""
    stmt = select(Membership).join(Panel, Panel.id == Membership.panel_id).where(
        Membership.id.in_(ids), LIVE_MEMBERSHIP, Panel.archived_at.is_(None),
        *panels.panel_conditions(user))  # fmt: skip
    return {m.id: m for m in db.session.scalars(stmt)}


def names_of(ids: list[int]) -> dict[int, str]:
    """How a possible duplicate is shown: "Name, Panel (term from 1 April 2025)"."""
    stmt = select(Membership.id, Contact.name, Panel.name, Membership.term_start).join(
        Contact, Contact.id == Membership.contact_id).join(
        Panel, Panel.id == Membership.panel_id).where(Membership.id.in_(ids))  # fmt: skip
    return {record_id: _("%(name)s, %(panel)s (term from %(start)s)", name=name, panel=panel,
                         start=day_month_year(start)) if start else f"{name}, {panel}"
            for record_id, name, panel, start in db.session.execute(stmt)}  # fmt: skip


def values_of(ids: list[int], found: dict[int, dict]) -> None:
    """Each membership's panel, person and communities, beside its columns."""
    stmt = select(Membership.id, Membership.panel_id, Membership.contact_id).where(
        Membership.id.in_(ids))
    for record_id, panel_id, contact_id in db.session.execute(stmt):
        found[record_id] |= {"panel_id": panel_id, "contact_id": contact_id}
    links = select(membership_communities.c.membership_id,
                   membership_communities.c.community_id).where(
        membership_communities.c.membership_id.in_(ids))  # fmt: skip
    for record_id, community_id in db.session.execute(links):
        found[record_id]["communities"].append(community_id)


# --- trying the rows against the panels' rules -----------------------------------------


def try_rows(user: User, plan_rows, problems, problem, label) -> None:
    """Write every row through the service in a savepoint, rolled back afterwards; a row
    it refuses becomes a problem on that row (and is left out of the rest of the try)."""
    for row in plan_rows:
        moved = {"panel_id", "contact_id"} & set(row.changes)
        if row.action == "update" and moved:
            what = label("panel" if "panel_id" in moved else "contact")
            problems.append(problem(row.row, what, _(
                "%(label)s cannot change on a membership already in Engage: end it and add a "
                "new one instead", label=what)))  # fmt: skip
            row.action = "skip"
    writer = MembershipWriter(user, 0, "", None)
    outer = db.session.begin_nested()
    try:
        for row in _in_writing_order(plan_rows):
            inner = db.session.begin_nested()
            try:
                writer.write(row)
                inner.commit()
            except RowRefused as refused:
                inner.rollback()
                problems.append(problem(refused.row, label(refused.field), refused.message))
                row.action = "skip"
    finally:
        outer.rollback()
        for row in plan_rows:
            if row.action == "create":
                row.record_id = None


def _in_writing_order(plan_rows) -> list:
    """Updates, then creates: the order carry_out writes memberships in (a term ended
    before the next chair is appointed)."""
    return ([row for row in plan_rows if row.action == "update"]
            + [row for row in plan_rows if row.action == "create"])  # fmt: skip


# --- writing ---------------------------------------------------------------------------


def _data_of(membership: Membership) -> dict:
    return {name: getattr(membership, name) for name in service.FIELDS}


def _stored(values: dict) -> dict:
    return {name: value.isoformat() if isinstance(value, date) else value
            for name, value in values.items()}  # fmt: skip


def _read(values: dict) -> dict:
    return {name: date.fromisoformat(value) if name in DATES and value else value
            for name, value in values.items()}  # fmt: skip


class MembershipWriter(Writer):
    """Creates, updates, archives and puts back memberships through the service (which
    keeps the panels' rules and audits each), recording each row for undo."""

    updates_first = True

    def __init__(self, user: User, import_id: int, file_name: str, kind) -> None:
        self.user, self.import_id, self.kind = user, import_id, kind
        self.table = Membership.__table__
        self.events: list[dict] = []  # audited by the service, none kept here
        self.import_rows: list[dict] = []

    def flush(self) -> None:
        from crm.models import ImportRow

        if self.import_rows:
            db.session.execute(ImportRow.__table__.insert(), self.import_rows)
        self.import_rows = []

    def write(self, row) -> Membership:
        """The row written through the service, or RowRefused naming what it breaks."""
        try:
            if row.action == "create":
                return self._create(row)
            return self._update(row)
        except InvalidValue as invalid:
            field = "communities" if invalid.field == "community_ids" else invalid.field
            raise RowRefused(row.row, field, invalid.message) from None
        except records.EditConflict:
            raise RowRefused(row.row, "id", _("Someone changed this membership since the file "
                                              "was checked: upload it again")) from None

    def _create(self, row) -> Membership:
        values = row.values
        data = DEFAULTS | {name: values[name] for name in service.FIELDS if name in values}
        membership = service.create_membership(
            self.user, db.session.get(Panel, values["panel_id"]),
            db.session.get(Contact, values["contact_id"]), data, values.get("communities", []))
        row.record_id = membership.id
        self._note(row, membership, "created", {})
        return membership

    def _update(self, row) -> Membership:
        membership = db.session.get(Membership, row.record_id)
        before = _data_of(membership)
        communities = [c.id for c in membership.communities]
        changed = {name: new for name, (_old, new) in row.changes.items()}
        data = before | {name: value for name, value in changed.items() if name in before}
        kept = {name: before[name] for name in changed if name in before}
        if "communities" in changed:
            kept["communities"] = communities
            communities = changed["communities"]
        service.update_membership(self.user, membership, data, communities, row.version)
        self._note(row, membership, "updated", _stored(kept), row.version)
        return membership

    def _note(self, row, membership: Membership, action: str, before: dict,
              version_before: int | None = None) -> None:  # fmt: skip
        self.import_rows.append({"import_id": self.import_id, "row_number": row.row,
                                 "record_type": service.KIND, "record_id": membership.id,
                                 "action": action, "before": before,
                                 "version_after": membership.version,
                                 "version_before": version_before})  # fmt: skip

    def create(self, rows) -> None:
        for row in rows:
            self._checked(row)
        self.flush()

    def update(self, row) -> None:
        self._checked(row)

    def _checked(self, row) -> None:
        try:
            self.write(row)
        except RowRefused as refused:  # the register changed since the preview
            from crm.services.imports import ImportRefused

            raise ImportRefused(_("row %(row)s: %(problem)s (the register has changed since "
                                  "the preview: upload the file again to see it)",
                                  row=refused.row, problem=refused.message)) from None

    def check_undo(self, rows) -> None:
        """Refused while a member it added has been recorded at a meeting or declared an
        interest since: archiving them would take that record off the panel."""
        from crm.services.imports import ImportRefused

        ids = [row.record_id for row in rows]
        closed = db.session.scalar(select(Panel.name).join(
            Membership, Membership.panel_id == Panel.id).where(
            Membership.id.in_(ids), Panel.archived_at.is_not(None)).limit(1)) if ids else None
        if closed is not None:
            raise ImportRefused(_("The panel %(panel)s has been archived since the import: "
                                  "restore it first, or change its members by hand",
                                  panel=closed))
        added = [row.record_id for row in rows if row.action == "created"]
        for model in (Attendance, Declaration):
            used = db.session.scalar(select(model.membership_id).where(
                model.membership_id.in_(added)).limit(1)) if added else None  # fmt: skip
            if used is not None:
                raise ImportRefused(_(
                    "A member this import added has since been recorded at a meeting or has "
                    "declared an interest: end their membership by hand instead"))

    def archive_created(self, rows) -> None:
        for row in rows:
            records.set_archived(self.user, service.KIND,
                                 db.session.get(Membership, row.record_id), True)

    def put_back(self, row) -> int:
        """The membership as it was, if that still meets the panel's rules (a chair whose
        term the import ended is not put back beside the chair appointed since)."""
        from crm.services.imports import ImportRefused

        membership = db.session.get(Membership, row.record_id)
        values = _read(dict(row.before))
        communities = values.pop("communities", None)
        try:
            return service.put_back(self.user, membership, values, communities).version
        except InvalidValue as invalid:
            raise ImportRefused(_("%(name)s's membership cannot go back as it was: "
                                  "%(problem)s", name=membership.contact.name,
                                  problem=invalid.message)) from None
