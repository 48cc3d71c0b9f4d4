"""Subject access (UK GDPR Article 15): everything Engage holds about one contact, as a
ZIP of a readable HTML summary, JSON (everything, machine-readable) and CSV files.

Asked by someone with the data protection right, for a contact they may see. The request
is recorded (who, when, the request's own reference) and audited on the contact; the ZIP
is made on the job queue (a person in thousands of engagements takes a while) and named
by the reference alone, never by the person. Everything held is gathered, whichever Area
it lies in: the law asks for all of it, and the right is given deliberately.

Left out on purpose: other people (who else attended an engagement, other members of a
panel, the feedback others gave where they were: only feedback naming them is theirs, see
_feedback), and restricted notes (the engagement's or feedback's, which may name others:
review them on the record before disclosing). Equality monitoring answers (special
category data) are included only when the person asking also has the equality data right,
and their viewing is then logged like any other.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import Text, cast, func, or_, select

from crm.extensions import db
from crm.models import (
    Affiliation,
    Attendance,
    AuditEvent,
    ConsentRecord,
    Contact,
    Declaration,
    DoNotContactChange,
    Engagement,
    Feedback,
    Job,
    Membership,
    PanelMeeting,
    SubjectAccessRequest,
    User,
)
from crm.models.engagement import ENGAGEMENT_STATUSES, ENGAGEMENT_TYPES, engagement_contacts
from crm.models.stakeholder import CONTACT_METHODS
from crm.services import access, audit, jobs
from crm.services.erasure import identifying_values
from crm.services.records import InvalidValue

KIND = "contact"  # the request is audited on the person's own record
JOB_KIND = "subject_access"
RIGHT = "data_protection"

# The sections of the export, in the order the summary shows them.
SECTIONS: dict[str, str] = {
    "contact": _l("Contact record"),
    "organisations": _l("Organisations and roles"),
    "engagements": _l("Engagements they took part in"),
    "memberships": _l("Panel memberships"),
    "membership_history": _l("Panel membership history"),
    "attendance": _l("Panel meetings attended"),
    "declarations": _l("Declarations of interest"),
    "feedback": _l("Feedback that names them"),
    "consent_history": _l("Consent history"),
    "do_not_contact_history": _l("Do not contact history"),
    "equality_monitoring": _l("Equality monitoring answers"),
    "subject_access_requests": _l("Subject access requests"),
    "audit_entries": _l("Audit entries about them"),
    "named_in_history": _l("Changes to other records that added or removed them"),
}


def may_request(user: User) -> bool:
    return access.can(user, "exercise", RIGHT)


def request_export(
    user: User, contact: Contact, reference: str
) -> tuple[SubjectAccessRequest, Job]:
    """Record the request, audit it on the contact, and queue the job that makes the ZIP.
    The caller commits, then calls jobs.start."""
    access.require(user, "exercise", RIGHT)
    access.require(user, "read", contact)
    reference = (reference or "").strip()
    if not reference:
        raise InvalidValue("reference", _("Enter the request reference"))
    job = jobs.submit(user, JOB_KIND, _("Subject access export %(reference)s",
                                        reference=reference), {"user_id": user.id})  # fmt: skip
    sar = SubjectAccessRequest(contact_id=contact.id, reference=reference,
                               requested_by_id=user.id, job_id=job.id)  # fmt: skip
    db.session.add(sar)
    db.session.flush()
    # The equality data right, held now, lets the answers into the file; downloading it
    # then needs that right too (crm.services.jobs.file_rights), as well as this one.
    with_equality = access.can(user, "exercise", "equality_data")
    job.params = json.dumps({"user_id": user.id, "request_id": sar.id,
                             "file_rights": [RIGHT, *(["equality_data"] * with_equality)]})
    audit.record_event(user, KIND, contact.id, "subject access", None,  # i18n: not interface
                       {"Subject access export": reference}, contact.version)  # fmt: skip
    db.session.flush()
    return sar, job


def record_download(user: User, job) -> None:
    """An export downloaded: who and when, on the person's history, with the request's
    reference (never what it held)."""
    sar = db.session.scalars(select(SubjectAccessRequest)
                             .where(SubjectAccessRequest.job_id == job.id)).first()  # fmt: skip
    if sar is not None:
        audit.record_event(  # i18n: not interface
            user, KIND, sar.contact_id, "subject access", None,
            {"Subject access export downloaded": sar.reference})  # fmt: skip


def requests_for(user: User, contact_id: int) -> list[SubjectAccessRequest]:
    """The subject access requests made for a contact, newest first: for someone with the
    data protection right, of a contact they may read."""
    access.require(user, "exercise", RIGHT)
    from crm.services.consent import readable_contact

    readable_contact(user, contact_id)
    return _requests_made(contact_id)


def _requests_made(contact_id: int) -> list[SubjectAccessRequest]:
    return list(db.session.scalars(
        select(SubjectAccessRequest).where(SubjectAccessRequest.contact_id == contact_id)
        .order_by(SubjectAccessRequest.id.desc())))  # fmt: skip


# Gathering -------------------------------------------------------------------------


def _day(value: date | datetime | None) -> str:
    return value.isoformat() if value else ""


def _name(user: User | None) -> str:
    return user.name if user else _("System")


def _text(value: Any) -> str:
    """An audit value as text: a list of links is its names."""
    if isinstance(value, list):
        return ", ".join(str(item[3]) if isinstance(item, list) and len(item) == 4 else _text(item)
                         for item in value)  # fmt: skip
    return "" if value is None else str(value)


def _contact(c: Contact) -> list[dict]:
    return [{
        "id": c.id, "name": c.name, "job_title": c.job_title, "area": c.area.name,
        "email": c.email, "phone": c.phone,
        "preferred_contact_method": CONTACT_METHODS.get(c.preferred_contact_method, ""),
        "accessibility_needs": c.accessibility_needs, "preferred_language": c.preferred_language,
        "do_not_contact": c.do_not_contact,
        "notes": c.notes, "created_at": _day(c.created_at), "updated_at": _day(c.updated_at),
        "archived_at": _day(c.archived_at),
    }]  # fmt: skip


def _engagements(contact_id: int) -> list[dict]:
    stmt = (select(Engagement).join(engagement_contacts,
                                    engagement_contacts.c.engagement_id == Engagement.id)
            .where(engagement_contacts.c.contact_id == contact_id)
            .order_by(Engagement.held_on, Engagement.id))  # fmt: skip
    return [{
        "id": e.id, "title": e.title, "type": ENGAGEMENT_TYPES.get(e.type, e.type),
        "status": ENGAGEMENT_STATUSES.get(e.status, e.status), "date": _day(e.held_on),
        "area": e.area.name, "place": e.location_address, "postcode": e.location_postcode,
    } for e in db.session.scalars(stmt)]  # fmt: skip


def _memberships(contact_id: int) -> list[Membership]:
    return list(db.session.scalars(select(Membership).where(Membership.contact_id == contact_id)
                                   .order_by(Membership.id)))  # fmt: skip


def _membership_rows(memberships: list[Membership]) -> list[dict]:
    return [{
        "id": m.id, "panel": m.panel.name, "role": m.role_label, "status": m.status_label,
        "term_number": m.term_number, "follows_membership": m.previous_id or "",
        "applied_on": _day(m.applied_on), "shortlisted_on": _day(m.shortlisted_on),
        "term_start": _day(m.term_start), "term_end": _day(m.term_end),
        "ended_on": _day(m.ended_on), "end_reason": m.end_reason_label if m.end_reason else "",
        "end_note": m.end_note, "extra_term_reason": m.extra_term_reason,
        "vetting": m.vetting_label, "vetting_on": _day(m.vetting_on),
        "vetting_expires_on": _day(m.vetting_expires_on),
        "confidentiality_signed_on": _day(m.confidentiality_signed_on),
        "induction_completed_on": _day(m.induction_completed_on),
        "communities_represented": ", ".join(c.name for c in m.communities),
        # An import that added it was undone: kept, and still theirs, but on no roster.
        "archived_on": _day(m.archived_at.date() if m.archived_at else None),
    } for m in memberships]  # fmt: skip


def _attendance(membership_ids: list[int]) -> list[dict]:
    if not membership_ids:
        return []
    stmt = (select(Attendance, PanelMeeting).join(PanelMeeting)
            .where(Attendance.membership_id.in_(membership_ids))
            .order_by(PanelMeeting.held_on, PanelMeeting.id))  # fmt: skip
    return [{"membership": a.membership_id, "panel": m.panel.name, "meeting_on": _day(m.held_on),
             "attendance": a.status_label} for a, m in db.session.execute(stmt)]  # fmt: skip


def _declarations(membership_ids: list[int]) -> list[dict]:
    if not membership_ids:
        return []
    stmt = (select(Declaration).where(Declaration.membership_id.in_(membership_ids))
            .order_by(Declaration.declared_on, Declaration.id))  # fmt: skip
    return [{"membership": d.membership_id, "panel": d.membership.panel.name,
             "declared_on": _day(d.declared_on), "text": d.text}
            for d in db.session.scalars(stmt)]  # fmt: skip


# The feedback text that may name a person (restricted notes stay out, as everywhere).
FEEDBACK_TEXT = ("summary", "detail", "learning_points", "response")


def _feedback(values: set[str]) -> list[dict]:
    """Feedback whose text names them: their whole name, email or phone, now or as their
    history had them (what erasure treats as theirs), any case, as words.

    Feedback has no link to a person: it is what people said about the service at an
    engagement or a panel meeting, and having been there does not make other people's
    feedback (or its case reference, detail and response) about them, so nothing is
    included for attending. What is their personal data is feedback that is about them,
    and that is the feedback that names them: each such item is included (its dates,
    source, summary, detail, learning points, status and response), found by their name
    wherever it was given. Its case reference stays out (a case may be someone else's),
    and like restricted notes the text may name others too: the export's note says to
    review it on the record before disclosing. Counting the feedback at each engagement
    they attended instead would tell them nothing about themselves."""
    import re

    found = [" ".join(v.split()) for v in values if len(" ".join(v.split())) >= 3]
    if not found:
        return []
    words = re.compile("|".join(r"(?<!\w)" + r"\s+".join(map(re.escape, v.split())) + r"(?!\w)"
                                for v in found), re.IGNORECASE)  # fmt: skip
    firsts = {v.split()[0].lower() for v in found}
    maybe = or_(*(func.lower(getattr(Feedback, field)).contains(first, autoescape=True)
                  for field in FEEDBACK_TEXT for first in firsts))  # fmt: skip
    stmt = select(Feedback).where(maybe).order_by(Feedback.received_on, Feedback.id)
    return [{
        "id": f.id, "received_on": _day(f.received_on), "source": f.source_label,
        "summary": f.summary, "detail": f.detail, "learning_points": f.learning_points,
        "status": f.status_label, "response": f.response,
    } for f in db.session.scalars(stmt)
        if any(words.search(getattr(f, field) or "") for field in FEEDBACK_TEXT)]  # fmt: skip


def _consent(contact_id: int) -> list[dict]:
    stmt = (select(ConsentRecord).where(ConsentRecord.contact_id == contact_id)
            .order_by(ConsentRecord.changed_on, ConsentRecord.id))  # fmt: skip
    return [{"date": _day(r.changed_on), "purpose": r.purpose.name, "lawful_basis": r.basis_label,
             "consent": r.status_label, "wording_shown": r.wording,
             "how_obtained": r.method, "obtained_by": r.obtained_by,
             "recorded_by": _name(r.recorded_by), "recorded_at": _day(r.recorded_at)}
            for r in db.session.scalars(stmt)]  # fmt: skip


def _do_not_contact(contact_id: int) -> list[dict]:
    stmt = (select(DoNotContactChange).where(DoNotContactChange.contact_id == contact_id)
            .order_by(DoNotContactChange.changed_on, DoNotContactChange.id))  # fmt: skip
    return [{"date": _day(r.changed_on), "do_not_contact": r.do_not_contact, "reason": r.reason,
             "recorded_by": _name(r.recorded_by), "recorded_at": _day(r.recorded_at)}
            for r in db.session.scalars(stmt)]  # fmt: skip


def _requests(contact_id: int) -> list[dict]:
    return [{"reference": r.reference, "requested_by": _name(r.requested_by),
             "requested_at": _day(r.requested_at)} for r in _requests_made(contact_id)]  # fmt: skip


def _audit(record_type: str, ids: list[int]) -> list[dict]:
    if not ids:
        return []
    stmt = (select(AuditEvent).where(AuditEvent.record_type == record_type,
                                     AuditEvent.record_id.in_(ids))
            .order_by(AuditEvent.at, AuditEvent.id))  # fmt: skip
    return [{"at": _day(e.at), "by": _name(e.user), "record": record_type,
             "record_id": e.record_id, "action": e.action,
             "changes": "; ".join(_("%(label)s: %(before)s to %(after)s", label=label,
                                    before=_text(old), after=_text(new))
                                  for label, (old, new) in (e.changes or {}).items())}
            for e in db.session.scalars(stmt)]  # fmt: skip


def _links_to(value: Any, contact_id: int) -> bool:
    """Whether an audit value (a list of links) holds a link to the contact."""
    return isinstance(value, list) and any(
        isinstance(item, list) and len(item) == 4 and item[0] == "contact" and item[1] == contact_id
        for item in value)  # fmt: skip


def _named_in_history(contact_id: int) -> list[dict]:
    """The other records' changes that linked or unlinked the person (an engagement's
    contacts, an organisation's people): what happened to them, never the other people
    or fields of the same change."""
    pattern = f'%["contact", {contact_id}, %'
    stmt = (select(AuditEvent).where(AuditEvent.record_type != "contact",
                                     cast(AuditEvent.changes, Text).like(pattern))
            .order_by(AuditEvent.at, AuditEvent.id))  # fmt: skip
    rows = []
    for e in db.session.scalars(stmt):
        said = []
        for label, change in (e.changes or {}).items():
            old, new = change if isinstance(change, list) and len(change) == 2 else (None, None)
            was, now = _links_to(old, contact_id), _links_to(new, contact_id)
            if was != now:
                said.append(_("%(label)s: added them", label=label) if now
                            else _("%(label)s: removed them", label=label))
        if said:
            rows.append({"at": _day(e.at), "by": _name(e.user), "record": e.record_type,
                         "record_id": e.record_id, "action": e.action,
                         "changes": "; ".join(said)})  # fmt: skip
    return rows


def _equality(user: User, contact_id: int, asked: bool = True) -> tuple[list[dict], str]:
    """The person's own equality monitoring answers, for someone with the right (logged):
    held when the export was asked for (`asked`, so its download needs it) and now."""
    if not (asked and access.can(user, "exercise", "equality_data")):
        return [], _("Not included: equality monitoring answers, if any are held, are added "
                     "only by someone with the equality data right.")
    from crm.models import EqualityAnswers
    from crm.models.common import restricted_fields
    from crm.models.equality import GIVEN_HOW, QUESTIONS
    from crm.services import equality

    answers = db.session.get(EqualityAnswers, contact_id)
    if answers is None:
        return [], _("None held.")
    equality._log(user, contact_id, "viewed")
    labels = restricted_fields(EqualityAnswers)
    row = {}
    for name, label in labels.items():
        value = getattr(answers, name)
        if name in QUESTIONS:
            row[label] = equality.answer_label(name, value)
        elif name == "given_how":
            row[label] = GIVEN_HOW.get(value, value or "")
        else:
            row[label] = _day(value) if isinstance(value, date) else _text(value)
    row[_("Objected on")] = _day(answers.objected_on)
    return [row], ""


def gather(user: User, sar: SubjectAccessRequest) -> dict[str, Any]:
    """Everything held about the request's contact, section by section (SECTIONS)."""
    contact = sar.contact
    memberships = _memberships(contact.id)
    ids = [m.id for m in memberships]
    asked = sar.job is None or "equality_data" in (jobs.file_rights(sar.job) or ())
    equality_rows, equality_note = _equality(user, contact.id, asked)
    affiliations = db.session.scalars(
        select(Affiliation).where(Affiliation.contact_id == contact.id))
    return _plain({
        "request": {"reference": sar.reference, "made_by": _name(sar.requested_by),
                    "made_at": _day(sar.requested_at)},
        "notes": {"equality_monitoring": equality_note,
                  "left_out": _("Other people, and restricted notes on engagements and "
                                "feedback (which may name others): review those on the "
                                "records before disclosing.")},
        "contact": _contact(contact),
        "organisations": [{"organisation": a.stakeholder.name, "role": a.role,
                           "area": a.stakeholder.area.name} for a in affiliations],
        "engagements": _engagements(contact.id),
        "memberships": _membership_rows(memberships),
        "membership_history": _audit("membership", ids),
        "attendance": _attendance(ids),
        "declarations": _declarations(ids),
        "feedback": _feedback(identifying_values(contact)),
        "consent_history": _consent(contact.id),
        "do_not_contact_history": _do_not_contact(contact.id),
        "equality_monitoring": equality_rows,
        "subject_access_requests": _requests(contact.id),
        "audit_entries": _audit("contact", [contact.id]),
        "named_in_history": _named_in_history(contact.id),
    })  # fmt: skip


def _plain(value: Any) -> Any:
    """The gathered data with every label given lazily (a model's choice: a type, a status)
    as text in the export's language: JSON and CSV take text, not a lazy string."""
    if isinstance(value, LazyString):
        return str(value)
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def make_export(user: User, request_id: int) -> tuple[str, bytes]:
    """The request's ZIP (its file name and bytes), made only for the person who asked,
    while they hold the data protection right and may read the contact."""
    access.require(user, "exercise", RIGHT)
    sar = db.session.get(SubjectAccessRequest, request_id)
    if sar is None:
        raise access.RecordNotFound()
    access.require(user, "read", sar.contact)
    if sar.requested_by_id != user.id:
        raise access.AccessDenied(_("Only the person who asked for this export may make it"))
    from crm.services.subject_access_file import build_zip, file_name

    return file_name(sar.reference), build_zip(gather(user, sar), SECTIONS)

