"""Erasing a person (UK GDPR article 17) while keeping the figures true.

What identifies them goes, everywhere: their contact record's name, email, phone and
notes; their memberships' notes, declarations, consent and equality answers; and the
same values wherever else they were written down (another record's free text, the audit
trail's old and new values, another record's history naming them as a link). What is
not personal stays: the contact row (now "Erased person 17"), their attendance at
engagements and meetings, and their terms on panels, so every count is unchanged.

The email is kept only as a one-way fingerprint (HMAC-SHA256 with the app's secret, or
CRM_ERASURE_KEY, of the address in lower case), so a new contact or an import with the
same address is flagged. An erasure cannot be undone. Services flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import String, Text, cast, delete, func, or_, select, update

from crm import clock, i18n
from crm.extensions import db
from crm.models import (
    Affiliation,
    AuditEvent,
    Contact,
    Declaration,
    Erasure,
    LegalHold,
    Membership,
    User,
)
from crm.models.erasure import erased_label
from crm.services import access, audit
from crm.services.records import InvalidValue

RIGHT = "data_protection"
ERASED = "(erased)"
# Tables whose text the sweep leaves alone: staff accounts are not the person erased.
NOT_SWEPT = frozenset({"users", "alembic_version"})
# Values shorter than this are blanked where they belong but not hunted for elsewhere
# ("Al" would be found inside every "Alcohol").
SHORTEST_SWEPT = 5
# The contact's own audited fields that may hold a former name, email or phone.
IDENTIFYING_LABELS = ("Name", "Email", "Phone")


def fingerprint(email: str) -> str:
    """The one-way fingerprint of an email address ("" for none)."""
    normal = (email or "").strip().lower()
    if not normal:
        return ""
    key = current_app.config.get("ERASURE_KEY") or current_app.config["SECRET_KEY"]
    return hmac.new(str(key).encode(), normal.encode(), hashlib.sha256).hexdigest()


def erased_with_email(email: str) -> Erasure | None:
    """The latest erasure of a person with this email, if any: an import or a new contact
    with it is flagged ("a person with this email was erased on ... under request ...")."""
    mark = fingerprint(email)
    if not mark:
        return None
    stmt = select(Erasure).where(Erasure.email_fingerprint == mark).order_by(Erasure.id.desc())
    return db.session.scalars(stmt.limit(1)).first()


def returning_warning(erasure: Erasure) -> str:
    when = i18n.day_month_year(erasure.erased_at)
    if erasure.request_reference:
        return _("A person with this email was erased on %(date)s under request "
                 "%(reference)s.", date=when, reference=erasure.request_reference)
    return _("A person with this email was erased on %(date)s under the retention rules.",
             date=when)


def hold_of(contact_id: int, record_type: str = "contact") -> LegalHold | None:
    """The legal hold on a contact (or, with its type, on another kind of record)."""
    stmt = select(LegalHold).where(LegalHold.record_type == record_type,
                                   LegalHold.record_id == contact_id)  # fmt: skip
    return db.session.scalars(stmt).first()


def erasure_of(contact_id: int) -> Erasure | None:
    return db.session.scalars(select(Erasure).where(Erasure.contact_id == contact_id)).first()


def erase(user: User, contact: Contact, reason: str, request_reference: str) -> Erasure:
    """Erase a person at their request (or the law's), as a user with the data protection
    right who may see them. Refused while they are on legal hold."""
    access.require(user, "read", contact)
    access.require(user, "exercise", RIGHT)
    reason, request_reference = (reason or "").strip(), (request_reference or "").strip()
    if not reason:
        raise InvalidValue("reason", _("Enter why this person is being erased"))
    if not request_reference:
        raise InvalidValue("request_reference", _("Enter the request's reference"))
    if len(request_reference) > 100:
        raise InvalidValue("request_reference",
                           _("The reference must be 100 characters or fewer"))
    if erasure_of(contact.id):
        raise InvalidValue("reason", _("This person has already been erased"))
    if hold_of(contact.id):
        raise InvalidValue("reason", _("This person is on legal hold: remove the hold first"))
    return erase_people([contact], user, reason, request_reference)[0]


@dataclass
class _Person:
    contact: Contact
    erasure: Erasure
    values: set[str]


def erase_people(
    contacts: list[Contact], user: User | None, reason: str, request_reference: str = "",
    rule: str = "",
) -> list[Erasure]:
    """Erase each person (the checks are the caller's): one sweep of the database for all
    of them, so retention can erase many at the cost of one."""
    people = []
    for contact in contacts:
        values = identifying_values(contact)
        erasure = Erasure(contact_id=contact.id, erased_by_id=user.id if user else None,
                          reason=reason, request_reference=request_reference,
                          email_fingerprint=fingerprint(contact.email), retention_rule=rule,
                          erased_at=clock.now())  # fmt: skip
        db.session.add(erasure)
        people.append(_Person(contact, erasure, values))
    db.session.flush()
    for person in people:
        label = erased_label(person.erasure.id)
        _blank_own_records(person.contact, label)
        _scrub_own_history(person.contact.id)
        _scrub_links(person, label)
    db.session.flush()
    held = held_records()
    _sweep_text(people, held)
    _sweep_history(people, held)
    for person in people:
        # Its history says it was erased, and under which erasure; never why (the log does).
        audit.record_event(user, "contact", person.contact.id, "erased", None,
                           {"Erasure": erased_label(person.erasure.id)})  # fmt: skip
    db.session.flush()
    db.session.expire_all()
    return [person.erasure for person in people]


def identifying_values(contact: Contact) -> set[str]:
    """The person's name, email and phone, now and as the contact's history had them."""
    values = {contact.name, contact.email, contact.phone}
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.record_type == "contact", AuditEvent.record_id == contact.id))  # fmt: skip
    for event in events:
        for label in IDENTIFYING_LABELS:
            for value in (event.changes or {}).get(label, []):
                if isinstance(value, str):
                    values.add(value)
    return {v.strip() for v in values if v and v.strip()}


def _blank_own_records(contact: Contact, label: str) -> None:
    """The contact row and the rows about them alone; their attendance and terms stay."""
    for field in ("job_title", "email", "phone", "accessibility_needs", "preferred_language",
                  "notes"):  # fmt: skip
        setattr(contact, field, "")
    contact.name = label
    contact.preferred_contact_method = "none"
    contact.do_not_contact = True
    contact.archived_at = contact.archived_at or clock.now()
    contact.updated_at = clock.now()
    db.session.execute(update(Affiliation).where(Affiliation.contact_id == contact.id)
                       .values(role=""))  # fmt: skip
    membership_ids = select(Membership.id).where(Membership.contact_id == contact.id)
    db.session.execute(update(Membership).where(Membership.contact_id == contact.id)
                       .values(end_note="", extra_term_reason=""))  # fmt: skip
    db.session.execute(update(Declaration).where(Declaration.membership_id.in_(membership_ids))
                       .values(text=ERASED))  # fmt: skip
    for membership_id in db.session.scalars(membership_ids):
        scrub_history("membership", membership_id, MEMBERSHIP_TEXT_LABELS, ERASED)
    _blank_other_parts(contact.id)


# Rows about the person alone, in tables other parts of Engage add: (table, text columns
# to blank) or (table, None) to delete the rows (equality answers: special category data
# kept about an erased person could still single them out on a small panel).
OTHER_PARTS = (
    ("consent_records", ("method", "obtained_by")),
    ("do_not_contact_changes", ("reason",)),
    ("equality_answers", None),
)


def _blank_other_parts(contact_id: int) -> None:
    tables = db.metadata.tables
    for name, columns in OTHER_PARTS:
        table = tables.get(name)
        if table is None:
            continue
        where = table.c.contact_id == contact_id
        if columns is None:
            db.session.execute(delete(table).where(where))
        else:
            db.session.execute(update(table).where(where).values({c: "" for c in columns}))
    # A subject access export made for them holds everything Engage held: it goes.
    requests, jobs = tables.get("subject_access_requests"), tables["jobs"]
    if requests is not None:
        made = select(requests.c.job_id).where(requests.c.contact_id == contact_id)
        db.session.execute(update(jobs).where(jobs.c.id.in_(made))
                           .values(result_data=None))  # fmt: skip


# A membership's history values that are about the member: its notes, their declarations
# (as its history names them, in the words it was written in).
MEMBERSHIP_TEXT_LABELS = (  # i18n: not interface
    "Ending note", "Why beyond the maximum terms", "Interest")


def scrub_history(record_type: str, record_id: int, labels, marker: str) -> None:
    """A record's history keeps that these fields changed, and when; never their values."""
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.record_type == record_type, AuditEvent.record_id == record_id))  # fmt: skip
    for event in events:
        changes = dict(event.changes or {})
        for label in labels:
            if label in changes:
                changes[label] = [marker if value else value for value in changes[label]]
        event.changes = changes


def _scrub_own_history(contact_id: int) -> None:
    """The contact's own history keeps what changed and when, never the values."""
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.record_type == "contact", AuditEvent.record_id == contact_id))  # fmt: skip
    for event in events:
        event.changes = {label: [_erased(old), _erased(new)]
                         for label, (old, new) in (event.changes or {}).items()}  # fmt: skip


def _erased(value: Any) -> Any:
    if isinstance(value, list):
        return [[kind, rid, area, ERASED] for kind, rid, area, _name in value]
    return ERASED if value else value


def _scrub_links(person: _Person, label: str) -> None:
    """Other records' history naming the person as a link (an engagement's contacts): the
    link keeps its number, its name becomes "Erased person N"."""
    pattern = f'%["contact", {person.contact.id},%'
    events = db.session.scalars(select(AuditEvent).where(
        cast(AuditEvent.changes, Text).like(pattern)))  # fmt: skip
    for event in events:
        event.changes = {
            field: [_relabel(value, person.contact.id, label) for value in pair]
            for field, pair in (event.changes or {}).items()
        }


def _relabel(value: Any, contact_id: int, label: str) -> Any:
    if not isinstance(value, list):
        return value
    return [[k, rid, area, label if (k, rid) == ("contact", contact_id) else name]
            for k, rid, area, name in value]  # fmt: skip


def _swept_values(people: list[_Person]) -> list[tuple[str, str]]:
    """(value, its replacement), longest first so a name inside an email goes whole."""
    pairs = {}
    for person in people:
        for value in person.values:
            if len(value) >= SHORTEST_SWEPT:
                pairs[value] = erased_label(person.erasure.id)
    return sorted(pairs.items(), key=lambda pair: -len(pair[0]))


def _replace(text: str, pairs: list[tuple[str, str]]) -> str:
    """Each value where it stands whole (a name, an address or a number as written), never
    inside another word, address or number: erasing "Ann Smith" (ann.smith@example.org)
    leaves "Ann Smithson", "joann.smith@example.org" and "Spanners" as they were."""
    for value, label in pairs:
        text = _whole(value).sub(label, text)
    return text


def _whole(value: str) -> re.Pattern:
    # Not after a letter, digit or a character that joins an address (jo|ann.smith@...,
    # mary-|ann smith); not before one, nor before "." or "@" that continues it
    # (...@example.org|.uk). A full stop ending a sentence is not a continuation.
    return re.compile(rf"(?<![\w.@+\-]){re.escape(value)}(?![\w@\-]|\.\w)",
                      re.IGNORECASE)  # fmt: skip


def held_records() -> set[tuple[str, int]]:
    """(table, id) of the records on legal hold other than people (a piece of feedback):
    kept as they are, an erasure included, until the hold is lifted."""
    return {(kind, record_id) for kind, record_id in db.session.execute(
        select(LegalHold.record_type, LegalHold.record_id)
        .where(LegalHold.record_type != "contact"))}  # fmt: skip


# The record kind a table's rows are held and audited as, where it is not the table's name.
HELD_TABLES = {"feedback": "feedback"}


def _sweep_text(people: list[_Person], held: set[tuple[str, int]]) -> None:
    """Every text column of every table: the person's values, wherever they were written
    (an engagement's summary naming them), become "Erased person N"; records on legal hold
    stay as they are."""
    pairs = _swept_values(people)
    if not pairs:
        return
    for table in db.metadata.sorted_tables:
        if table.name in NOT_SWEPT:
            continue
        texts = [c for c in table.columns if isinstance(c.type, String)
                 and not c.primary_key and not c.foreign_keys]  # fmt: skip
        keys = list(table.primary_key.columns)
        if not texts or not keys:
            continue
        # One pass over each table, whichever of its columns holds a value (in parts: SQLite
        # refuses a condition more than 1,000 deep).
        terms = [column.ilike(f"%{_like(v)}%", escape="\\") for column in texts
                 for v, _label in pairs]  # fmt: skip
        kept = {record_id for kind, record_id in held if kind == HELD_TABLES.get(table.name)}
        for found in _parts(terms):
            _clean_rows(table, keys, texts, found, pairs, kept)


def _parts(terms: list) -> list:
    """OR conditions of at most MOST_TERMS terms each."""
    return [or_(*terms[i:i + MOST_TERMS]) for i in range(0, len(terms), MOST_TERMS)]


MOST_TERMS = 200


def _clean_rows(table, keys, texts, found, pairs, kept=frozenset()) -> None:
    for row in db.session.execute(select(*keys, *texts).where(found)).all():
        if row[0] in kept:
            continue
        changed: dict[str, Any] = {}
        for column, text in zip(texts, row[len(keys):], strict=True):
            if text and (cleaned := _replace_field(column, text, pairs)) != text:
                changed[column.name] = cleaned
        if not changed:
            continue
        if "version" in table.c:
            changed["version"] = table.c.version + 1
        db.session.execute(update(table).where(
            *(k == row[i] for i, k in enumerate(keys))).values(changed))  # fmt: skip


# Fields that hold one address or number (a stakeholder's email that was the person's):
# emptied when they hold exactly an erased value, not given "Erased person N" as an address.
SINGLE_VALUE_FIELDS = frozenset({"email", "phone"})


# Another person's own name, email and phone are theirs, even when the same as the erased
# person's (two people called John Smith, one office's switchboard): never changed. A
# duplicate record of the person is listed on the erasure page (namesakes), to be erased
# in its own right.
IDENTITY_COLUMNS = frozenset({("contacts", "name"), ("contacts", "email"),
                              ("contacts", "phone")})  # fmt: skip


def _replace_field(column, text: str, pairs: list[tuple[str, str]]) -> str:
    if (column.table.name, column.name) in IDENTITY_COLUMNS:
        return text
    whole = {v.lower(): label for v, label in pairs}.get(text.strip().lower())
    if column.name in SINGLE_VALUE_FIELDS and whole:
        return ""
    return _fit(_replace(text, pairs), text, pairs, getattr(column.type, "length", None))


def _fit(cleaned: str, text: str, pairs: list[tuple[str, str]], length: int | None) -> str:
    """Within the column's length (PostgreSQL refuses a longer value): the shorter marker
    "(erased)" if "Erased person N" does not fit, cut to the length if that does not."""
    if not length or len(cleaned) <= length:
        return cleaned
    shorter = _replace(text, [(value, ERASED) for value, _label in pairs])
    return shorter[:length]


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sweep_history(people: list[_Person], held: set[tuple[str, int]]) -> None:
    """The audit trail's old and new values, wherever the person's values were stored;
    not another person's own former name, email or phone, nor a held record's history."""
    pairs = _swept_values(people)
    if not pairs:
        return
    text = cast(AuditEvent.changes, Text)
    forms = {form for value, _label in pairs for form in (value, json.dumps(value)[1:-1])}
    for found in _parts([text.ilike(f"%{_like(form)}%", escape="\\") for form in forms]):
        for event in db.session.scalars(select(AuditEvent).where(found)):
            if (event.record_type, event.record_id) in held:
                continue
            # Another contact's own former name, email or phone (the erased person's own
            # history was emptied already): theirs, kept.
            identity = event.record_type == "contact"
            changes = {field: pair if identity and field in IDENTIFYING_LABELS
                       else [_replace_value(v, pairs) for v in pair]
                       for field, pair in (event.changes or {}).items()}  # fmt: skip
            if changes != event.changes:
                event.changes = changes


def _replace_value(value: Any, pairs: list[tuple[str, str]], whole_only: bool = False) -> Any:
    if isinstance(value, list):
        # A link names another record by its own name: changed only when it is the value,
        # and never another person's (the erased person's own links went by id).
        return [[k, rid, area, name if k == "contact" else _replace_value(name, pairs, True)]
                for k, rid, area, name in value]  # fmt: skip
    if not isinstance(value, str):
        return value
    if whole_only:
        return {v.lower(): label for v, label in pairs}.get(value.strip().lower(), value)
    return _replace(value, pairs)


def namesakes(user: User, contact: Contact) -> list[Contact]:
    """Other people's records with the same name, email or phone (that the user may see, not
    erased): an erasure leaves them as they are, so a duplicate of the person is found here
    and erased in its own right."""
    access.require(user, "exercise", RIGHT)
    same = [func.lower(Contact.name) == contact.name.strip().lower()]
    same += [func.lower(Contact.email) == contact.email.lower()] if contact.email else []
    same += [Contact.phone == contact.phone] if contact.phone else []
    return list(db.session.scalars(
        select(Contact).where(or_(*same), Contact.id != contact.id,
                              Contact.id.not_in(select(Erasure.contact_id)),
                              *access.area_conditions(Contact.area_id, user))
        .order_by(Contact.name, Contact.id).limit(50)))  # fmt: skip


def erasures(user: User) -> list[Erasure]:
    """The erasure log, newest first, for those with the data protection right."""
    access.require(user, "exercise", RIGHT)
    return list(db.session.scalars(select(Erasure).order_by(Erasure.id.desc())))
