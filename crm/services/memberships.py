"""Memberships: a contact's applications and terms on a panel, never deleted.

The rules a coordinator would otherwise keep in their head live here: one chair,
one active membership per person per panel, terms that end after they start,
and no term beyond the panel's maximum unless someone records why.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from crm import clock
from crm.extensions import db
from crm.models import Community, Contact, Declaration, Membership, Panel, User
from crm.models.panel import (
    END_REASONS,
    LIVE_MEMBERSHIP,
    MEMBER_ROLES,
    MEMBERSHIP_STATUSES,
    VETTING_STATUSES,
)
from crm.services import access, audit, panels, records, reference
from crm.services.access import RecordNotFound
from crm.services.panel_refresh import Plan, check_plan, term_end_for
from crm.services.records import InvalidValue, iso_day

KIND = "membership"

FIELDS = (
    "role", "status", "applied_on", "shortlisted_on", "term_start", "term_end", "term_number",
    "extra_term_reason", "ended_on", "end_reason", "end_note", "vetting_status", "vetting_on",
    "vetting_expires_on", "confidentiality_signed_on", "induction_completed_on",
)  # fmt: skip

ROLE_ORDER = list(MEMBER_ROLES)


class PlanRefused(Exception):
    """The refresh plan breaks a rule; nothing of it has been saved."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def describe(m: Membership) -> dict[str, str]:
    return {  # i18n: not interface (the audit trail's labels, kept as written)
        "Role": MEMBER_ROLES.get(m.role, m.role),
        "Status": MEMBERSHIP_STATUSES.get(m.status, m.status),
        "Applied": iso_day(m.applied_on),
        "Shortlisted": iso_day(m.shortlisted_on),
        "Term start": iso_day(m.term_start),
        "Term end": iso_day(m.term_end),
        "Term": str(m.term_number),
        "Why beyond the maximum terms": m.extra_term_reason or "",
        "Ended": iso_day(m.ended_on),
        "Why it ended": END_REASONS.get(m.end_reason, ""),
        "Ending note": m.end_note or "",
        "Vetting": VETTING_STATUSES.get(m.vetting_status, ""),
        "Vetting date": iso_day(m.vetting_on),
        "Vetting expires": iso_day(m.vetting_expires_on),
        "Confidentiality agreement signed": iso_day(m.confidentiality_signed_on),
        "Induction completed": iso_day(m.induction_completed_on),
        "Communities represented": audit.names(m.communities),
    }


def get_membership(user: User, membership_id: int) -> Membership:
    """A membership on a panel the user may see, or RecordNotFound."""
    membership = db.session.get(Membership, membership_id)
    if membership is None:
        raise RecordNotFound()
    panels.get_panel(user, membership.panel_id)
    if not access.can(user, "open", membership):  # archived: administrators only
        raise RecordNotFound()
    return membership


def _others(panel_id: int, exclude_id: int | None):
    stmt = select(Membership).where(Membership.panel_id == panel_id, LIVE_MEMBERSHIP)
    if exclude_id is not None:
        stmt = stmt.where(Membership.id != exclude_id)
    return stmt


def _check(panel: Panel, contact: Contact, data: dict[str, Any], membership_id: int | None) -> None:
    """Refuse a membership that breaks a panel rule, naming the field to correct."""
    status = data["status"]
    start, end = data.get("term_start"), data.get("term_end")
    if status in ("applicant", "shortlisted") and not data.get("applied_on"):
        raise InvalidValue("applied_on", _("Enter the date they applied"))
    if status == "shortlisted" and not data.get("shortlisted_on"):
        raise InvalidValue("shortlisted_on", _("Enter the date they were shortlisted"))
    if status in ("active", "ended") and start is None:
        raise InvalidValue("term_start", _("Enter the date the term starts"))
    if start and end and end <= start:
        raise InvalidValue("term_end", _("Term end must be after the term start"))
    if status == "ended":
        if not data.get("ended_on"):
            raise InvalidValue("ended_on", _("Enter the date the membership ended"))
        if not data.get("end_reason"):
            raise InvalidValue("end_reason", _("Select why the membership ended"))
        if start and data["ended_on"] < start:
            raise InvalidValue("ended_on", _("Date ended must be on or after the term start"))
    vetted, expires = data.get("vetting_on"), data.get("vetting_expires_on")
    if vetted and expires and expires <= vetted:
        raise InvalidValue("vetting_expires_on", _("Vetting expiry must be after the vetting date"))
    if data["term_number"] > panel.max_terms and not data.get("extra_term_reason"):
        raise InvalidValue(
            "extra_term_reason",
            _("This would be term %(number)s, beyond the panel's maximum of %(maximum)s "
              "consecutive terms: record why they should serve it",
              number=data["term_number"], maximum=panel.max_terms),
        )
    others = _others(panel.id, membership_id)
    if status == "active":
        already = db.session.scalars(
            others.where(Membership.contact_id == contact.id, Membership.status == "active")
        ).first()
        if already is not None:
            raise InvalidValue(
                "status", _("%(name)s is already an active member of this panel",
                            name=contact.name)
            )
        if data["role"] == "chair":
            chair = db.session.scalars(
                others.where(Membership.role == "chair", Membership.status == "active")
            ).first()
            if chair is not None:
                raise InvalidValue(
                    "role",
                    _("The panel already has a chair, %(name)s: end their membership or "
                      "change their role first", name=chair.contact.name),
                )
    if status in ("applicant", "shortlisted"):
        pending = db.session.scalars(
            others.where(
                Membership.contact_id == contact.id,
                Membership.status.in_(("applicant", "shortlisted")),
            )
        ).first()
        if pending is not None:
            raise InvalidValue(
                "status", _("%(name)s already has an application in progress", name=contact.name)
            )


def _fill_term_end(panel: Panel, data: dict[str, Any]) -> dict[str, Any]:
    """A blank term end on a term with a start takes the panel's term length."""
    if data.get("term_start") and not data.get("term_end"):
        data = data | {"term_end": term_end_for(data["term_start"], panel.term_months)}
    return data


def create_membership(
    user: User, panel: Panel, contact: Contact, data: dict[str, Any], community_ids: list[int]
) -> Membership:
    panels.require_change(user, panel, KIND)
    data = _fill_term_end(panel, data)
    _check(panel, contact, data, None)
    membership = Membership(panel=panel, contact=contact, **{f: data.get(f) for f in FIELDS})
    membership.communities = reference.communities_by_ids(community_ids)
    return records.create_audited(user, KIND, membership, describe)


def update_membership(
    user: User,
    membership: Membership,
    data: dict[str, Any],
    community_ids: list[int],
    expected_version: int | None,
) -> Membership:
    panel = membership.panel
    panels.require_change(user, panel, KIND)
    if membership.status == "ended" and data["status"] != "ended":
        raise InvalidValue(
            "status", _("An ended membership cannot be reopened: add a new membership instead")
        )
    data = _fill_term_end(panel, data)
    _check(panel, membership.contact, data, membership.id)

    def mutate() -> None:
        for f in FIELDS:
            setattr(membership, f, data.get(f))
        membership.communities = reference.communities_by_ids(
            community_ids, membership.communities
        )

    return records.update_audited(user, KIND, membership, expected_version, describe, mutate)


def add_declaration(
    user: User, membership: Membership, declared_on: date, text: str
) -> Declaration:
    """Record a declaration of interest; the membership's history says so."""
    panels.require_change(user, membership.panel, KIND)
    declaration = Declaration(declared_on=declared_on, text=text)
    membership.declarations.append(declaration)
    db.session.flush()
    audit.record_event(  # i18n: not interface (the audit trail's words, kept as written)
        user, KIND, membership.id, "declared interest", None,
        {"Declared": declared_on.isoformat(), "Interest": text}, membership.version,
    )  # fmt: skip
    return declaration


def apply_plan(user: User, panel: Panel, plan: Plan, today: date) -> list[Membership]:
    """Apply a refresh plan, all of it or (on any problem) none of it.

    The caller commits; any exception leaves the session to be rolled back.
    Renewing ends the current term ("Renewed for another term") and adds the
    next term as a new membership, so each term stays on the record.
    """
    panels.require_change(user, panel, KIND)
    state = panels.states([panel])[panel.id]
    problems = check_plan(state, plan)
    if problems:
        raise PlanRefused(problems)
    by_id = {m.id: m for m in panels.open_memberships([panel.id])}
    changed = []
    for membership_id, reason in plan.end.items():
        m = by_id[membership_id]
        ended_on = plan.ends_on(state.member(membership_id), today)
        changed.append(_set(user, m, status="ended", ended_on=ended_on, end_reason=reason))
    for membership_id, why in plan.renew.items():
        m = by_id[membership_id]
        changed.append(_set(user, m, status="ended", ended_on=m.term_end, end_reason="renewed"))
        start = m.term_end + timedelta(days=1)
        renewed = Membership(
            panel=panel,
            contact=m.contact,
            previous_id=m.id,
            role=m.role,
            status="active",
            applied_on=m.applied_on,
            shortlisted_on=m.shortlisted_on,
            term_start=start,
            term_end=term_end_for(start, panel.term_months),
            term_number=m.term_number + 1,
            extra_term_reason=why.strip(),
            vetting_status=m.vetting_status,
            vetting_on=m.vetting_on,
            vetting_expires_on=m.vetting_expires_on,
            confidentiality_signed_on=m.confidentiality_signed_on,
            induction_completed_on=m.induction_completed_on,
            communities=list(m.communities),
        )
        changed.append(records.create_audited(user, KIND, renewed, describe))
    for membership_id in sorted(plan.appoint):
        m = by_id[membership_id]
        changed.append(
            _set(user, m, status="active", term_start=today,
                 term_end=term_end_for(today, panel.term_months), term_number=1)
        )  # fmt: skip
    return changed


def put_back(user: User, membership: Membership, values: dict[str, Any],
             community_ids: list[int] | None) -> Membership:
    """Undoing an import: the values it changed go back to what they were, audited. An
    ended membership may reopen (it was open before), but the panel's rules still hold
    against the others (InvalidValue: a chair appointed since stays the only chair)."""
    data = {name: getattr(membership, name) for name in FIELDS} | values
    _check(membership.panel, membership.contact, data, membership.id)

    def mutate() -> None:
        for name, value in values.items():
            setattr(membership, name, value)
        if community_ids is not None:
            membership.communities = list(db.session.scalars(
                select(Community).where(Community.id.in_(community_ids))))  # fmt: skip

    return records.update_audited(user, KIND, membership, None, describe, mutate)


def _set(user: User, membership: Membership, **values: Any) -> Membership:
    def mutate() -> None:
        for name, value in values.items():
            setattr(membership, name, value)

    return records.update_audited(user, KIND, membership, None, describe, mutate)


# Reading memberships for the panel page, the contact page and the exports.


def _loaded(stmt):
    return stmt.options(joinedload(Membership.contact), selectinload(Membership.communities))


def roster(panel: Panel) -> list[Membership]:
    """Active members: chair first, then vice chair, members, and the others; by name."""
    members = db.session.scalars(
        _loaded(
            select(Membership).where(Membership.panel_id == panel.id, Membership.status == "active",
                                     LIVE_MEMBERSHIP)
        )  # fmt: skip
    ).all()
    return sorted(members, key=lambda m: (ROLE_ORDER.index(m.role), m.contact.name))


def applicants(panel: Panel) -> list[Membership]:
    stmt = _loaded(
        select(Membership)
        .join(Contact, Contact.id == Membership.contact_id)
        .where(
            Membership.panel_id == panel.id, Membership.status.in_(("applicant", "shortlisted")),
            LIVE_MEMBERSHIP,
        )  # fmt: skip
        .order_by(Membership.status.desc(), Contact.name)
    )
    return list(db.session.scalars(stmt))


def past_members(panel: Panel) -> list[Membership]:
    """Ended memberships, newest first; a term that was renewed is not "past"."""
    stmt = _loaded(
        select(Membership)
        .where(
            Membership.panel_id == panel.id,
            Membership.status == "ended",
            Membership.end_reason != "renewed",
            LIVE_MEMBERSHIP,
        )
        .order_by(Membership.ended_on.desc(), Membership.id.desc())
    )
    return list(db.session.scalars(stmt))


def for_contact(user: User, contact_id: int) -> list[Membership]:
    """A contact's memberships, past and present, on the panels the user may see."""
    stmt = (
        select(Membership)
        .join(Panel, Panel.id == Membership.panel_id)
        .where(
            Membership.contact_id == contact_id,
            LIVE_MEMBERSHIP,
            Panel.archived_at.is_(None),
            *panels.panel_conditions(user),
        )
        .options(joinedload(Membership.panel))
        .order_by(Membership.term_start.desc().nulls_first(), Membership.id.desc())
    )
    return list(db.session.scalars(stmt))


ROSTER_HEADER = [
    _l("Name"), _l("Role"), _l("Term"), _l("Term start"), _l("Term end"),
    _l("Communities represented"), _l("Vetting"), _l("Vetting expires"),
    _l("Confidentiality agreement signed"), _l("Induction completed"),
]  # fmt: skip


def roster_rows(panel: Panel) -> list[list[object]]:
    return [
        [
            m.contact.name,
            m.role_label,
            m.term_number,
            iso_day(m.term_start),
            iso_day(m.term_end),
            ", ".join(c.name for c in m.communities),
            m.vetting_text(clock.today()),
            iso_day(m.vetting_expires_on),
            iso_day(m.confidentiality_signed_on),
            iso_day(m.induction_completed_on),
        ]  # fmt: skip
        for m in roster(panel)
    ]


HISTORY_HEADER = [
    _l("Name"), _l("Role"), _l("Term"), _l("Term start"), _l("Term end"), _l("Ended on"),
    _l("Why it ended"), _l("Communities represented"),
]  # fmt: skip


def served_between(start: date, end: date):
    """A condition: the membership was a term served at some time from start to end.

    A term counts from its start to the day it ended, or, while still active, to its
    planned end (an active term with no end date is open-ended).
    """
    served_until = func.coalesce(Membership.ended_on, Membership.term_end)
    return and_(
        LIVE_MEMBERSHIP,
        Membership.status.in_(("active", "ended")),
        Membership.term_start <= end,
        or_(served_until.is_(None), served_until >= start),
    )


def history(panel: Panel, start: date, end: date) -> list[Membership]:
    """Every term served on the panel at any time between start and end (inclusive)."""
    stmt = _loaded(
        select(Membership)
        .join(Contact, Contact.id == Membership.contact_id)
        .where(Membership.panel_id == panel.id, served_between(start, end))
        .order_by(Membership.term_start, Contact.name, Membership.id)
    )
    return list(db.session.scalars(stmt))


def history_rows(panel: Panel, start: date, end: date) -> list[list[object]]:
    return [
        [
            m.contact.name,
            m.role_label,
            m.term_number,
            iso_day(m.term_start),
            iso_day(m.term_end),
            iso_day(m.ended_on),
            m.end_reason_label if m.status == "ended" else _("Still serving"),
            ", ".join(c.name for c in m.communities),
        ]  # fmt: skip
        for m in history(panel, start, end)
    ]
