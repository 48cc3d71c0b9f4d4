"""Consent, lawful basis and do-not-contact: the purposes contacts' details are used for
(reference data administrators keep), each contact's consent per purpose and their
do-not-contact flag, as dated histories.

Nothing is overwritten: each change is a new row, with when it took effect, how it was
obtained and by whom, and who recorded it; the contact's audit trail says it changed.
Those who may edit a contact record its changes. A purpose is never deleted: retired,
it stays on the histories that name it and is offered for no new record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from crm import clock, i18n
from crm.extensions import db
from crm.models import ConsentRecord, Contact, DoNotContactChange, Purpose, User
from crm.models.consent import CONSENT_STATUSES, LAWFUL_BASES
from crm.services import access, audit, records
from crm.services.records import InvalidValue, iso_day

PURPOSE_KIND = "purpose"
CONTACT_KIND = "contact"


# Purposes (administrators) ---------------------------------------------------------


def describe_purpose(purpose: Purpose) -> dict[str, str]:
    return {  # i18n: not interface (the audit trail's labels, kept as written)
        "Name": purpose.name,
        "Lawful basis": purpose.basis_label,
        "Wording shown": purpose.wording or "",
    }


def _require_admin(user: User) -> None:
    access.require(user, "administer", "purposes")


def list_purposes(user: User) -> list[Purpose]:
    """Every purpose, retired ones last."""
    _require_admin(user)
    return list(db.session.scalars(
        select(Purpose).order_by(Purpose.retired_at.is_not(None), Purpose.name)))  # fmt: skip


def get_purpose(user: User, purpose_id: int) -> Purpose:
    _require_admin(user)
    purpose = db.session.get(Purpose, purpose_id)
    if purpose is None:
        raise access.RecordNotFound()
    return purpose


def _check_purpose(data: dict[str, Any], purpose: Purpose | None) -> dict[str, Any]:
    name = " ".join((data.get("name") or "").split())
    if not name:
        raise InvalidValue("name", _("Enter the purpose's name"))
    if data.get("lawful_basis") not in LAWFUL_BASES:
        raise InvalidValue("lawful_basis", _("Select the lawful basis"))
    wording = (data.get("wording") or "").strip()
    if data["lawful_basis"] == "consent" and not wording:
        raise InvalidValue("wording", _("Enter the wording people are shown when they consent"))
    same = select(Purpose.id).where(func.lower(Purpose.name) == name.lower())
    if purpose is not None:
        same = same.where(Purpose.id != purpose.id)
    if db.session.scalar(same) is not None:
        raise InvalidValue("name", _("There is already a purpose called %(name)s", name=name))
    return {"name": name, "lawful_basis": data["lawful_basis"], "wording": wording}


def add_purpose(user: User, data: dict[str, Any]) -> Purpose:
    _require_admin(user)
    purpose = Purpose(**_check_purpose(data, None))
    db.session.add(purpose)
    db.session.flush()
    audit.record_event(user, PURPOSE_KIND, purpose.id, "created", None, describe_purpose(purpose))
    return purpose


def update_purpose(user: User, purpose: Purpose, data: dict[str, Any]) -> bool:
    """Rename it, change its basis or its wording; returns whether anything changed. The
    consent already recorded keeps the basis it was given under (each row holds its own)."""
    _require_admin(user)
    values = _check_purpose(data, purpose)
    before = describe_purpose(purpose)
    for field, value in values.items():
        setattr(purpose, field, value)
    db.session.flush()
    after = describe_purpose(purpose)
    if after == before:
        return False
    audit.record_event(user, PURPOSE_KIND, purpose.id, "updated", before, after)
    return True


def set_retired(user: User, purpose: Purpose, retired: bool) -> bool:
    _require_admin(user)
    return records.set_retired(user, PURPOSE_KIND, purpose, retired)


def purposes_offered() -> list[Purpose]:
    """The purposes consent may be recorded for now (not retired)."""
    return list(db.session.scalars(
        select(Purpose).where(Purpose.retired_at.is_(None)).order_by(Purpose.name)))  # fmt: skip


# A contact's consent ---------------------------------------------------------------


@dataclass(frozen=True)
class CurrentConsent:
    purpose: Purpose
    latest: ConsentRecord | None  # None: nothing recorded for this purpose


def readable_contact(user: User, contact_id: int) -> Contact:
    """The contact, if the user may read it (in their Areas; archived too, as its page
    is opened by administrators): otherwise RecordNotFound, as for a missing one."""
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise access.RecordNotFound()
    access.require(user, "read", contact)
    return contact


def consent_history(user: User, contact_id: int) -> list[ConsentRecord]:
    """Every consent change of the contact, newest first (a contact the user may read)."""
    readable_contact(user, contact_id)
    return list(db.session.scalars(
        select(ConsentRecord).where(ConsentRecord.contact_id == contact_id)
        .order_by(ConsentRecord.changed_on.desc(), ConsentRecord.id.desc())))  # fmt: skip


def current_consent(user: User, contact_id: int) -> list[CurrentConsent]:
    """Where the contact's consent stands for each purpose: every live purpose, and a
    retired one if something was recorded for it (a contact the user may read)."""
    latest: dict[int, ConsentRecord] = {}
    for row in reversed(consent_history(user, contact_id)):
        latest[row.purpose_id] = row
    purposes = db.session.scalars(select(Purpose).order_by(Purpose.name))
    return [CurrentConsent(p, latest.get(p.id)) for p in purposes
            if not p.retired or p.id in latest]  # fmt: skip


def _consent_label(row: ConsentRecord | None) -> str:
    """The consent as the contact's audit trail keeps it (in the words it was written in)."""
    if row is None:
        return "Not recorded"  # i18n: not interface (kept in the audit trail as written)
    with i18n.in_stored_language():  # the labels (lazy) in the trail's language, whoever saves
        return f"{row.status_label} on {iso_day(row.changed_on)} ({row.basis_label})"


def record_consent(user: User, contact: Contact, data: dict[str, Any]) -> ConsentRecord:
    """Record a change of the contact's consent for one purpose, as a new row."""
    access.require(user, "edit", contact)
    purpose = db.session.get(Purpose, data.get("purpose_id") or 0)
    if purpose is None or purpose.retired:
        raise InvalidValue("purpose_id", _("Select the purpose"))
    if data.get("status") not in CONSENT_STATUSES:
        raise InvalidValue("status", _("Select whether consent was given or withdrawn"))
    changed_on = _past_day(data.get("changed_on"), "changed_on")
    before = _consent_label(_latest(contact.id, purpose.id))
    row = ConsentRecord(
        contact_id=contact.id, purpose_id=purpose.id, basis=purpose.lawful_basis,
        status=data["status"], changed_on=changed_on, wording=purpose.wording,
        method=(data.get("method") or "").strip(),
        obtained_by=(data.get("obtained_by") or "").strip(),
        recorded_by_id=user.id,
    )  # fmt: skip
    db.session.add(row)
    db.session.flush()
    label = f"Consent: {purpose.name}"
    audit.record_event(user, CONTACT_KIND, contact.id, "consent recorded",  # i18n: not interface
                       {label: before}, {label: _consent_label(row)}, contact.version)  # fmt: skip
    return row


def consenting(*conditions):
    """(contact_id, purpose_id) where the contact's latest record for the purpose (by the
    day it took effect, then as recorded) says consent is given: the rule the contact's
    page applies, as a subquery for lists to filter and show by. The conditions (on
    ConsentRecord) choose the histories read, before they are ranked."""
    ranked = select(
        ConsentRecord.contact_id, ConsentRecord.purpose_id, ConsentRecord.status,
        func.row_number().over(
            partition_by=(ConsentRecord.contact_id, ConsentRecord.purpose_id),
            order_by=(ConsentRecord.changed_on.desc(), ConsentRecord.id.desc())).label("n"),
    ).where(*conditions).subquery()
    return (select(ranked.c.contact_id, ranked.c.purpose_id)
            .where(ranked.c.n == 1, ranked.c.status == "given").subquery())  # fmt: skip


def consented_purposes(contact_ids) -> dict[int, list[str]]:
    """{contact id: the names of the purposes they consent to now}, for a page of a list."""
    given = consenting(ConsentRecord.contact_id.in_(list(contact_ids)))
    rows = db.session.execute(
        select(given.c.contact_id, Purpose.name).join(Purpose, Purpose.id == given.c.purpose_id)
        .order_by(Purpose.name))  # fmt: skip
    found: dict[int, list[str]] = {}
    for contact_id, name in rows:
        found.setdefault(contact_id, []).append(name)
    return found


def _latest(contact_id: int, purpose_id: int) -> ConsentRecord | None:
    return db.session.scalars(
        select(ConsentRecord).where(ConsentRecord.contact_id == contact_id,
                                    ConsentRecord.purpose_id == purpose_id)
        .order_by(ConsentRecord.changed_on.desc(), ConsentRecord.id.desc()).limit(1)
    ).first()  # fmt: skip


def _past_day(value: Any, field: str) -> date:
    if not isinstance(value, date):
        raise InvalidValue(field, _("Enter the date it took effect"))
    if value > clock.today():
        raise InvalidValue(field, _("The date must be today or in the past"))
    return value


# Do not contact --------------------------------------------------------------------


def do_not_contact_history(user: User, contact_id: int) -> list[DoNotContactChange]:
    """Every change of the contact's do-not-contact flag, newest first (a contact the
    user may read)."""
    readable_contact(user, contact_id)
    return list(db.session.scalars(
        select(DoNotContactChange).where(DoNotContactChange.contact_id == contact_id)
        .order_by(DoNotContactChange.changed_on.desc(), DoNotContactChange.id.desc())))  # fmt: skip


def set_do_not_contact(
    user: User, contact: Contact, flag: bool, changed_on: Any, reason: str
) -> DoNotContactChange:
    """Mark the contact not to be contacted (or lift it), with the date and the reason,
    as a new row; the contact's own flag follows the latest row by the date it took
    effect (then the order entered), audited."""
    access.require(user, "edit", contact)
    changed_on = _past_day(changed_on, "changed_on")
    reason = (reason or "").strip()
    if flag and not reason:
        raise InvalidValue("reason", _("Enter why they are not to be contacted"))
    row = DoNotContactChange(contact_id=contact.id, do_not_contact=flag, changed_on=changed_on,
                             reason=reason, recorded_by_id=user.id)  # fmt: skip
    db.session.add(row)
    db.session.flush()
    # The flag is the latest change by the date it took effect (then the order entered),
    # the row the contact's page shows: a back-dated change is history, not the present.
    current = _latest_do_not_contact(contact.id)
    records.update_audited(user, CONTACT_KIND, contact, None, _describe_flag,
                           lambda: setattr(contact, "do_not_contact", current.do_not_contact))
    return row


def _latest_do_not_contact(contact_id: int) -> DoNotContactChange:
    return db.session.scalars(
        select(DoNotContactChange).where(DoNotContactChange.contact_id == contact_id)
        .order_by(DoNotContactChange.changed_on.desc(), DoNotContactChange.id.desc()).limit(1)
    ).one()  # fmt: skip


def _describe_flag(contact: Contact) -> dict[str, str]:
    from crm.services.contacts import describe

    return describe(contact)


def not_to_contact(user: User, contact_ids) -> list[Contact]:
    """Of these contacts, those the user may read (in their Areas, as the contact lookups
    ask) marked do not contact, by name. An id posted for a contact elsewhere names no
    one: the save then refuses it as it refuses any hidden id."""
    ids = {int(i) for i in contact_ids or () if i}
    if not ids:
        return []
    return list(db.session.scalars(
        select(Contact).where(Contact.id.in_(ids), Contact.do_not_contact.is_(True),
                              *access.area_conditions(Contact.area_id, user))
        .order_by(Contact.name)))  # fmt: skip


# The contact list for contacting people ---------------------------------------------

CONTACT_LIST_HEADER = [_l("Name"), _l("Job title"), _l("Organisations"), _l("Area"),
                       _l("Email"), _l("Phone"), _l("Preferred contact method"),
                       _l("Preferred language or format"), _l("Accessibility needs")]  # fmt: skip


def do_not_contact_count(user: User, filters) -> int:
    """How many of the contacts matching the list's filters are marked do not contact."""
    from crm.services.contacts import filter_conditions

    return db.session.scalar(select(func.count()).select_from(Contact).where(
        *filter_conditions(user, filters), Contact.do_not_contact.is_(True))) or 0  # fmt: skip


def contact_list(user: User, filters) -> tuple[list[list[object]], int]:
    """The contacts matching the list's filters, to contact: everyone marked do not contact
    left out, and how many were."""
    from sqlalchemy.orm import joinedload, selectinload

    from crm.models import Affiliation
    from crm.models.stakeholder import CONTACT_METHODS
    from crm.services.contacts import filter_conditions

    stmt = (select(Contact).where(*filter_conditions(user, filters),
                                  Contact.do_not_contact.is_(False))
            .options(joinedload(Contact.area),
                     selectinload(Contact.affiliations).joinedload(Affiliation.stakeholder))
            .order_by(Contact.name, Contact.id))  # fmt: skip
    rows = [[
        c.name, c.job_title,
        "; ".join(a.stakeholder.name for a in c.affiliations
                  if access.may_read(user, a.stakeholder) and a.stakeholder.archived_at is None),
        c.area.name, c.email, c.phone, CONTACT_METHODS.get(c.preferred_contact_method, ""),
        c.preferred_language, c.accessibility_needs,
    ] for c in db.session.scalars(stmt)]  # fmt: skip
    return rows, do_not_contact_count(user, filters)


def left_out_note(count: int) -> str:
    return ngettext("%(people)s person marked do not contact was left out",
                    "%(people)s people marked do not contact were left out",
                    count, people=format(count, ","))  # fmt: skip


def unconfirmed_do_not_contact(
    user: User, contact_ids, confirm_field, already=()
) -> list[Contact]:
    """Contacts marked do not contact being newly added (not among `already`) to a planned
    engagement or a panel, while the form's confirmation box is not ticked: the form then
    marks the box with an error, and nothing is saved until it is ticked."""
    new_ids = set(contact_ids or ()) - set(already)
    flagged = not_to_contact(user, new_ids)
    if not flagged or confirm_field.data:
        return []
    names = ", ".join(c.name for c in flagged)
    confirm_field.errors = [*confirm_field.errors, _(
        "%(names)s asked not to be contacted: confirm that you still mean to add them, or "
        "remove them", names=names)]  # fmt: skip
    return flagged
