"""Retention: keeping nothing longer than Engage needs it (UK GDPR article 5(1)(e)).

An administrator sets, per kind of record, how many years after it went quiet it is
kept. `due` lists what each active rule would erase or anonymise and why (the dry run);
`apply` does it with the erasure service, records each record it touched, and skips
records on legal hold. A record already erased or anonymised is not due again, so a
second run the same day changes nothing. The limit is exclusive: a contact last active
exactly six years ago today is kept until tomorrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from crm import clock, i18n
from crm.extensions import db
from crm.models import (
    Contact,
    Declaration,
    EqualityAnswers,
    Erasure,
    Feedback,
    FeedbackMove,
    LegalHold,
    Membership,
    RetentionAction,
    RetentionRule,
    RetentionRun,
    User,
)
from crm.models.engagement import Engagement, engagement_contacts
from crm.models.erasure import RETENTION_KINDS
from crm.models.feedback import CLOSED_STATUSES
from crm.models.panel import LIVE_MEMBERSHIP
from crm.services import access, audit, erasure
from crm.services.records import InvalidValue

KIND = "retention_rule"
MOST_YEARS = 100
ANONYMISED = "(anonymised)"
# Records the command applies the rules to between commits (about a second each to erase
# on SQLite with 200,000 engagements).
PART = 20
# The fields a rule anonymises, as the record's history names them (in its words).
FEEDBACK_TEXT = {  # i18n: not interface
    "detail": "Detail", "restricted_detail": "Restricted detail",
    "learning_points": "Learning points", "case_reference": "Case reference",
    "no_action_reason": "Reason for no action"}  # fmt: skip


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def rules() -> list[tuple[str, RetentionRule | None]]:
    """Every kind of rule, with its row if an administrator has set it."""
    found = {rule.kind: rule for rule in db.session.scalars(select(RetentionRule))}
    return [(kind, found.get(kind)) for kind in RETENTION_KINDS]


def set_rule(user: User, kind: str, years: int | None, active: bool) -> RetentionRule:
    """Set how long a kind of record is kept, and whether the rule applies (audited)."""
    access.require(user, "administer", "retention")
    if kind not in RETENTION_KINDS:
        raise InvalidValue("kind", _("Select a kind of record"))
    if years is None or not 1 <= years <= MOST_YEARS:
        raise InvalidValue("years", _("Enter a number of years from 1 to %(most)s",
                                      most=MOST_YEARS))  # fmt: skip
    rule = db.session.scalars(select(RetentionRule).where(RetentionRule.kind == kind)).first()
    before = _describe(rule) if rule else None
    if rule is None:
        rule = RetentionRule(kind=kind, years=years, active=active)
        db.session.add(rule)
    rule.years, rule.active = years, active
    rule.updated_at, rule.updated_by_id = clock.now(), user.id
    db.session.flush()
    audit.record_event(user, KIND, rule.id, "updated" if before else "created", before,
                       _describe(rule))  # fmt: skip
    return rule


def _describe(rule: RetentionRule) -> dict[str, str]:
    # The audit trail's words (a kind's lazy label is kept in English by audit.record_event).
    return {"Kind of record": rule.kind_label, "Years kept": str(rule.years),  # i18n: not interface
            "Applies": "Yes" if rule.active else "No"}  # fmt: skip


@dataclass(frozen=True)
class Due:
    """A record a rule would erase or anonymise, and why."""

    kind: str  # the rule's
    record_type: str  # contact, membership, feedback
    record_id: int
    contact_id: int | None
    why: str
    held: bool = False


def due(today: date | None = None, user: User | None = None) -> list[Due]:
    """What each active rule would do today (the dry run): held records are listed too,
    marked, as they will be skipped. For a user, only records in their Areas (a national
    user's: all; None, a scheduled run: all)."""
    today = today or clock.today()
    found: list[Due] = []
    for kind, rule in rules():
        if rule is not None and rule.active:
            found += FINDERS[kind](years_before(today, rule.years), rule.years)
    if user is not None and not user.is_national:
        found = [d for d in found if _in_areas(user, d)]
    held = _held_contacts({d.contact_id for d in found if d.contact_id is not None})
    held_records = erasure.held_records()
    return [Due(d.kind, d.record_type, d.record_id, d.contact_id, d.why,
                d.contact_id in held or (d.record_type, d.record_id) in held_records)
            for d in found]  # fmt: skip


MODELS = {"contact": Contact, "membership": Membership, "feedback": Feedback}


def _in_areas(user: User, d: Due) -> bool:
    """The record, and the person it is about, are in the user's Areas (as erasing by hand
    needs): a national record (a national panel's membership, national feedback) is for
    national users."""
    records = [db.session.get(MODELS[d.record_type], d.record_id)]
    if d.contact_id is not None and d.record_type != "contact":
        records.append(db.session.get(Contact, d.contact_id))
    return all(access.in_write_scope(user, record) for record in records)


def _held_contacts(contact_ids: set[int]) -> set[int]:
    if not contact_ids:
        return set()
    stmt = select(LegalHold.record_id).where(LegalHold.record_type == "contact",
                                             LegalHold.record_id.in_(contact_ids))  # fmt: skip
    return set(db.session.scalars(stmt))


def _day(value) -> date | None:
    return value.date() if hasattr(value, "date") else value


def _inactive_contacts(cutoff: date, years: int) -> list[Due]:
    """Contacts (not yet erased) whose latest engagement, consent, membership and their
    own addition are all before the cutoff; a current membership keeps them."""
    erased = select(Erasure.contact_id)
    candidates = db.session.execute(select(Contact.id, Contact.created_at)
                                    .where(Contact.id.not_in(erased))).all()  # fmt: skip
    latest: dict[int, date] = {contact_id: _day(created_at)
                               for contact_id, created_at in candidates}  # fmt: skip
    for contact_id, day in _latest_engagements() + _latest_consents() + _latest_terms():
        if contact_id in latest and day is not None:
            latest[contact_id] = max(latest[contact_id], _day(day))
    current = set(db.session.scalars(select(Membership.contact_id)
                                     .where(Membership.status != "ended",
                                            LIVE_MEMBERSHIP)))  # fmt: skip
    return [Due("inactive_contacts", "contact", contact_id, contact_id,
                _("No engagement, consent or membership since %(date)s (more than %(years)s "
                  "years)", date=i18n.day_month_year(day), years=years))
            for contact_id, day in sorted(latest.items())
            if day < cutoff and contact_id not in current]  # fmt: skip


def _latest_engagements() -> list:
    return db.session.execute(
        select(engagement_contacts.c.contact_id, func.max(Engagement.held_on))
        .join(Engagement, Engagement.id == engagement_contacts.c.engagement_id)
        .group_by(engagement_contacts.c.contact_id)).all()  # fmt: skip


def _latest_consents() -> list:
    table = db.metadata.tables.get("consent_records")
    if table is None:
        return []
    return db.session.execute(select(table.c.contact_id, func.max(table.c.changed_on))
                              .group_by(table.c.contact_id)).all()  # fmt: skip


def _latest_terms() -> list:
    m = Membership
    rows = []
    for column in (m.ended_on, m.term_end, m.term_start, m.applied_on):
        rows += db.session.execute(select(m.contact_id, func.max(column))
                                   .group_by(m.contact_id)).all()  # fmt: skip
    return rows


def _anonymised(kind: str, record_type: str):
    return select(RetentionAction.record_id).where(RetentionAction.rule_kind == kind,
                                                   RetentionAction.record_type == record_type)


def _ended_memberships(cutoff: date, years: int) -> list[Due]:
    stmt = select(Membership.id, Membership.contact_id, Membership.ended_on).where(
        Membership.status == "ended", Membership.ended_on < cutoff,
        Membership.id.not_in(_anonymised("ended_memberships", "membership")),
        Membership.contact_id.not_in(select(Erasure.contact_id)),
    ).order_by(Membership.id)  # fmt: skip
    return [Due("ended_memberships", "membership", mid, cid,
                _("Ended on %(date)s (more than %(years)s years ago)",
                  date=i18n.day_month_year(ended), years=years))
            for mid, cid, ended in db.session.execute(stmt)]  # fmt: skip


def _closed_feedback(cutoff: date, years: int) -> list[Due]:
    stmt = select(Feedback.id, Feedback.closed_on).where(
        Feedback.status.in_(CLOSED_STATUSES), Feedback.closed_on < cutoff,
        Feedback.id.not_in(_anonymised("closed_feedback", "feedback")),
    ).order_by(Feedback.id)  # fmt: skip
    return [Due("closed_feedback", "feedback", fid, None,
                _("Closed on %(date)s (more than %(years)s years ago)",
                  date=i18n.day_month_year(closed), years=years))
            for fid, closed in db.session.execute(stmt)]  # fmt: skip


FINDERS = {"inactive_contacts": _inactive_contacts, "ended_memberships": _ended_memberships,
           "closed_feedback": _closed_feedback}  # fmt: skip


def dry_run(user: User, today: date | None = None) -> list[Due]:
    access.require(user, "exercise", erasure.RIGHT)
    return due(today, user)


def apply(user: User | None, today: date | None = None) -> RetentionRun:
    """Apply every active rule (None: a scheduled run, everywhere; a user: in their Areas),
    recording what it did. Records on legal hold are skipped; what is already done is not
    due again."""
    return apply_part(user, today)[0]


def apply_part(user: User | None, today: date | None = None, limit: int | None = None,
               run: RetentionRun | None = None) -> tuple[RetentionRun, int]:
    """Apply the rules to at most `limit` due records, as part of `run` (a new one if None);
    returns the run and how many it did. The command commits each part, so a first run
    over years of records holds SQLite's write lock a few seconds at a time, not minutes."""
    if user is not None:
        access.require(user, "exercise", erasure.RIGHT)
    if run is None:
        run = RetentionRun(started_by_id=user.id if user else None, started_at=clock.now())
        db.session.add(run)
        db.session.flush()
    found = due(today, user)
    work = [d for d in found if not d.held][:limit]
    contacts = [db.session.get(Contact, d.contact_id) for d in work if d.record_type == "contact"]
    if contacts:
        # The erasure log keeps the reason in the words it was written in, as a typed one.
        with i18n.in_stored_language():
            rule_label = str(RETENTION_KINDS["inactive_contacts"])
        reason = "Retention rule: " + rule_label  # i18n: not interface
        erasure.erase_people(contacts, user, reason, rule="inactive_contacts")
    for d in work:
        if d.record_type == "membership":
            _anonymise_membership(user, d.record_id)
        elif d.record_type == "feedback":
            _anonymise_feedback(user, d.record_id)
        db.session.add(RetentionAction(run_id=run.id, rule_kind=d.kind,
                                       record_type=d.record_type, record_id=d.record_id,
                                       action="erased" if d.record_type == "contact"
                                       else "anonymised"))  # fmt: skip
    db.session.flush()
    _forget_equality(user, {d.contact_id for d in work if d.record_type == "membership"})
    run = db.session.get(RetentionRun, run.id)
    run.summary = _summary(run, sum(1 for d in found if d.held))
    db.session.flush()
    return run, len(work)


def _summary(run: RetentionRun, skipped: int) -> str:
    counts = dict(db.session.execute(
        select(RetentionAction.rule_kind, func.count()).where(RetentionAction.run_id == run.id)
        .group_by(RetentionAction.rule_kind)).all())  # fmt: skip
    # Kept with the run, as a record of what it did, in the words it was written in.
    return (  # i18n: not interface
        f"{counts.get('inactive_contacts', 0)} erased (inactive contacts), "
        f"{counts.get('ended_memberships', 0)} ended memberships anonymised, "
        f"{counts.get('closed_feedback', 0)} closed feedback anonymised; "
        f"{skipped} on legal hold skipped")  # fmt: skip


def _anonymise_membership(user: User | None, membership_id: int) -> None:
    """The term stays (dates, role, status, attendance); its free text and declarations go."""
    db.session.execute(update(Membership).where(Membership.id == membership_id)
                       .values(end_note="", extra_term_reason="",
                               version=Membership.version + 1))  # fmt: skip
    db.session.execute(update(Declaration).where(Declaration.membership_id == membership_id)
                       .values(text=ANONYMISED))  # fmt: skip
    erasure.scrub_history("membership", membership_id, erasure.MEMBERSHIP_TEXT_LABELS,
                          ANONYMISED)
    audit.record_event(user, "membership", membership_id, "anonymised", None,  # i18n: not interface
                       {"Retention": "Notes and declarations anonymised"})  # fmt: skip


def _forget_equality(user: User | None, contact_ids: set[int]) -> None:
    """Equality answers were given for panel membership: once every membership a person held
    has been anonymised by the rule and they hold none now, their answers are deleted (the
    contact's history says so, never what they were)."""
    for contact_id in sorted(contact_ids):
        kept = select(Membership.id).where(
            Membership.contact_id == contact_id, LIVE_MEMBERSHIP,
            (Membership.status != "ended")
            | Membership.id.not_in(_anonymised("ended_memberships", "membership")))  # fmt: skip
        answers = db.session.get(EqualityAnswers, contact_id)
        if answers is None or db.session.scalars(kept.limit(1)).first() is not None:
            continue
        db.session.delete(answers)
        db.session.flush()
        audit.record_event(user, "contact", contact_id, "updated",  # i18n: not interface
                           {"Equality answers": "Held"},
                           {"Equality answers": "Deleted (retention: membership ended)"})


def _anonymise_feedback(user: User | None, feedback_id: int) -> None:
    """What was said and done stays countable (dates, status, priorities, communities);
    its free text goes, and its summary and response too when it names a person."""
    feedback = db.session.get(Feedback, feedback_id)
    values = {field: "" for field in FEEDBACK_TEXT}
    labels = list(FEEDBACK_TEXT.values())
    if feedback.names_person:
        values |= {"summary": ANONYMISED, "response": ""}
        labels += ["Summary", "Response"]
    db.session.execute(update(Feedback).where(Feedback.id == feedback_id)
                       .values(**values, version=Feedback.version + 1))  # fmt: skip
    db.session.execute(update(FeedbackMove).where(FeedbackMove.feedback_id == feedback_id)
                       .values(note=""))  # fmt: skip
    erasure.scrub_history("feedback", feedback_id, labels, ANONYMISED)
    audit.record_event(user, "feedback", feedback_id, "anonymised", None,  # i18n: not interface
                       {"Retention": "Free text anonymised"})  # fmt: skip
    db.session.expire(feedback)


def runs(user: User) -> list[RetentionRun]:
    access.require(user, "exercise", erasure.RIGHT)
    return list(db.session.scalars(select(RetentionRun).order_by(RetentionRun.id.desc())
                                   .limit(20)))  # fmt: skip


# The kinds of record a legal hold may be placed on: a person (with their memberships), or
# one piece of feedback (a complaint, an inquiry). Retention skips what is held.
HELD_KINDS = {Contact: "contact", Feedback: "feedback"}


def hold_of(user: User, record: Contact | Feedback) -> LegalHold | None:
    """The hold on a record, for someone with the data protection right who may read it."""
    access.require(user, "read", record)
    access.require(user, "exercise", erasure.RIGHT)
    return erasure.hold_of(record.id, HELD_KINDS[type(record)])


def place_hold(user: User, record: Contact | Feedback, reason: str) -> LegalHold:
    """Put a contact (retention skips them and their memberships; erasure is refused) or a
    piece of feedback (retention leaves its text) on legal hold."""
    access.require(user, "read", record)
    access.require(user, "exercise", erasure.RIGHT)
    kind = HELD_KINDS[type(record)]
    reason = (reason or "").strip()
    if not reason:
        raise InvalidValue("reason", _("Enter why these records must be kept"))
    if kind == "contact" and erasure.erasure_of(record.id):
        raise InvalidValue("reason", _("This person has been erased"))
    hold = erasure.hold_of(record.id, kind) or LegalHold(record_type=kind, record_id=record.id)
    before = {"Legal hold": "Yes" if hold.id else "No"}  # i18n: not interface
    hold.reason, hold.placed_by_id, hold.placed_at = reason, user.id, clock.now()
    db.session.add(hold)
    db.session.flush()
    audit.record_event(  # i18n: not interface
        user, kind, record.id, "updated", before, {"Legal hold": "Yes"})
    return hold


def release_hold(user: User, record: Contact | Feedback) -> None:
    access.require(user, "read", record)
    access.require(user, "exercise", erasure.RIGHT)
    kind = HELD_KINDS[type(record)]
    hold = erasure.hold_of(record.id, kind)
    if hold is not None:
        db.session.delete(hold)
        db.session.flush()
        audit.record_event(  # i18n: not interface
            user, kind, record.id, "updated", {"Legal hold": "Yes"}, {"Legal hold": "No"})
