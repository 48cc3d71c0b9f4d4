"""The membership refresh: what a panel needs, and what a proposed plan would change.

Everything here is a pure function of a panel's state and a date, with no
database, so every rule and boundary date is tested on hand-made panels. The
panel service builds the state from the database and applies a checked plan.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm import clock, i18n
from crm.models.panel import SEAT_ROLES

# How far ahead the refresh looks for terms ending and vetting expiring.
LOOKAHEAD_DAYS = 90
# Absent without apologies from this many meetings in a row flags a member.
ABSENCE_LIMIT = 3
VETTING_DONE = frozenset({"cleared", "not_required"})
# Where a member's vetting stands (vetting_state): codes the pages and the flags say in words.
EXPIRES_SOON = "expires soon"  # i18n: not interface (a state's code)
NOT_CLEARED = "not cleared"  # i18n: not interface (a state's code)


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, or the month's last day if shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end_for(start: date, term_months: int) -> date:
    """A term of N months starting on 1 April 2026 ends on 31 March, N months on."""
    return add_months(start, term_months) - timedelta(days=1)


# A missing role (in RefreshReport.missing_roles) as the pages and reports say it.
NO_ROLE = {"chair": _l("No chair"), "vice_chair": _l("No vice chair")}


@dataclass(frozen=True)
class MemberState:
    membership_id: int
    contact_id: int
    name: str
    role: str
    status: str  # applicant, shortlisted or active: ended memberships play no part
    term_start: date | None = None
    term_end: date | None = None
    term_number: int = 1
    communities: frozenset[int] = frozenset()
    vetting_status: str = "not_started"
    vetting_expires_on: date | None = None
    absence_streak: int = 0

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def takes_seat(self) -> bool:
        return self.is_active and self.role in SEAT_ROLES


def vetting_state(status: str, expires_on: date | None, today: date) -> str:
    """The one rule for where a member's vetting stands: "not cleared", "expired" (its
    expiry date has passed), "expires soon" (today or within 90 days) or "current"."""
    if status not in VETTING_DONE:
        return NOT_CLEARED
    if expires_on is not None and expires_on < today:
        return "expired"
    if expires_on is not None and expires_on <= today + timedelta(days=LOOKAHEAD_DAYS):
        return EXPIRES_SOON
    return "current"


def vetting_text(label: str, status: str, expires_on: date | None, today: date) -> str:
    """The vetting as the member tables say it: never "Cleared" once it has expired."""
    state = vetting_state(status, expires_on, today)
    when = i18n.day_month_year(expires_on) if expires_on else ""
    if state == "expired":
        return _("Expired on %(date)s", date=when)
    if expires_on is not None and state == EXPIRES_SOON:
        return _("%(vetting)s, expires %(date)s (within 90 days)", vetting=label, date=when)
    if expires_on is not None and state == "current":
        return _("%(vetting)s, expires %(date)s", vetting=label, date=when)
    return label


@dataclass(frozen=True)
class PanelState:
    target_size: int
    max_terms: int
    term_months: int
    tor_review_due: date | None
    targets: dict[int, int]  # community id -> minimum active members
    community_names: dict[int, str]
    members: tuple[MemberState, ...]
    # Whether the terms of reference ask for a vice chair (every panel has a chair).
    wants_vice_chair: bool = False

    def member(self, membership_id: int) -> MemberState | None:
        return next((m for m in self.members if m.membership_id == membership_id), None)


@dataclass(frozen=True)
class TermEnding:
    member: MemberState
    may_renew: bool  # another term stays within the panel's maximum consecutive terms
    already_ended: bool  # the term end has passed but the membership is still open


@dataclass(frozen=True)
class CommunityGap:
    community_id: int
    name: str
    minimum: int
    active: int

    @property
    def short_by(self) -> int:
        return self.minimum - self.active


@dataclass(frozen=True)
class VettingProblem:
    member: MemberState
    problem: str  # "expired", "expires soon", "not cleared"


@dataclass
class RefreshReport:
    today: date
    seats_filled: int
    target_size: int
    terms_ending: list[TermEnding] = field(default_factory=list)
    community_gaps: list[CommunityGap] = field(default_factory=list)
    vetting: list[VettingProblem] = field(default_factory=list)
    absent: list[MemberState] = field(default_factory=list)
    applicants: list[MemberState] = field(default_factory=list)
    tor_review_due: date | None = None
    # "chair", "vice_chair": roles the panel should have and no active member holds (in
    # words through NO_ROLE).
    missing_roles: list[str] = field(default_factory=list)

    @property
    def vacancies(self) -> int:
        return max(0, self.target_size - self.seats_filled)

    @property
    def tor_overdue(self) -> bool:
        return self.tor_review_due is not None and self.tor_review_due < self.today

    @property
    def tor_missing(self) -> bool:
        return self.tor_review_due is None

    @property
    def needs_attention(self) -> bool:
        return bool(
            self.missing_roles
            or self.terms_ending
            or self.vacancies
            or self.community_gaps
            or self.vetting
            or self.absent
            or self.tor_overdue
            or self.tor_missing
        )


def represented(state: PanelState) -> dict[int, int]:
    """For each target community, how many active members in a seat represent it."""
    seats = [m for m in state.members if m.takes_seat]
    return {cid: sum(1 for m in seats if cid in m.communities) for cid in state.targets}


def review(state: PanelState, today: date) -> RefreshReport:
    """What the coordinator must act on, as of `today`.

    A term ends "soon" when its last day is within the next 90 days, counting
    today and the 90th day; a term already past its end while the membership is
    still open is listed too. Vetting that expired before today is expired;
    vetting expiring today or within 90 days expires soon. Terms of reference are
    overdue the day after their review date.
    """
    horizon = today + timedelta(days=LOOKAHEAD_DAYS)
    active = [m for m in state.members if m.is_active]
    seats = [m for m in active if m.takes_seat]
    report = RefreshReport(
        today=today,
        seats_filled=len(seats),
        target_size=state.target_size,
        tor_review_due=state.tor_review_due,
    )
    for m in sorted(active, key=lambda m: (m.term_end or date.max, m.name)):
        if m.term_end is not None and m.term_end <= horizon:
            report.terms_ending.append(
                TermEnding(
                    member=m,
                    may_renew=m.term_number < state.max_terms,
                    already_ended=m.term_end < today,
                )
            )
    counts = represented(state)
    for community_id, minimum in sorted(
        state.targets.items(), key=lambda item: state.community_names.get(item[0], "")
    ):
        count = counts[community_id]
        if count < minimum:
            report.community_gaps.append(
                CommunityGap(
                    community_id, state.community_names.get(community_id, ""), minimum, count
                )  # fmt: skip
            )
    roles = {m.role for m in active}
    report.missing_roles = [role for role, wanted in (("chair", True),
                                                      ("vice_chair", state.wants_vice_chair))
                            if wanted and role not in roles]  # fmt: skip
    for m in sorted(active, key=lambda m: m.name):
        vetting = vetting_state(m.vetting_status, m.vetting_expires_on, today)
        if vetting != "current":
            report.vetting.append(VettingProblem(m, vetting))
        if m.absence_streak >= ABSENCE_LIMIT:
            report.absent.append(m)
    report.applicants = sorted(
        (m for m in state.members if m.status in ("applicant", "shortlisted")),
        key=lambda m: (m.status != "shortlisted", m.name),
    )
    return report


def member_flags(report: RefreshReport) -> dict[int, list[str]]:
    """What the report says about each member, to put those needing a decision first."""
    flags: dict[int, list[str]] = {}
    vetting = {"expired": _("Vetting expired"), EXPIRES_SOON: _("Vetting expires soon"),
               NOT_CLEARED: _("Vetting not cleared")}  # fmt: skip
    for t in report.terms_ending:
        label = _("Term has ended") if t.already_ended else _("Term ending soon")
        flags.setdefault(t.member.membership_id, []).append(label)
    for v in report.vetting:
        flags.setdefault(v.member.membership_id, []).append(vetting[v.problem])
    for m in report.absent:
        # Never fewer than ABSENCE_LIMIT (3): the pages' own words for it.
        flags.setdefault(m.membership_id, []).append(
            _("Absent %(num)s meetings in a row", num=m.absence_streak)
        )
    return flags


@dataclass(frozen=True)
class Plan:
    """What the coordinator proposes: renew these, end those, appoint these applicants."""

    renew: dict[int, str] = field(default_factory=dict)  # membership id -> why beyond maximum
    end: dict[int, str] = field(default_factory=dict)  # membership id -> end reason
    appoint: frozenset[int] = frozenset()
    # membership id -> the day the ending takes effect, where the coordinator set one
    end_on: dict[int, date] = field(default_factory=dict)

    def ends_on(self, member: MemberState, today: date) -> date:
        """When an ending takes effect: as set, else the term's last day for a completed
        term, else today."""
        if member.membership_id in self.end_on:
            return self.end_on[member.membership_id]
        reason = self.end.get(member.membership_id)
        if reason == "term_completed" and member.term_end is not None:
            return member.term_end
        return today

    @property
    def is_empty(self) -> bool:
        return not (self.renew or self.end or self.appoint)


def check_plan(state: PanelState, plan: Plan) -> list[str]:
    """Every reason the plan cannot be applied, in words for the coordinator."""
    problems = []
    for membership_id in sorted(set(plan.renew) & set(plan.end)):
        problems.append(
            _("%(name)s cannot be both renewed and ended", name=_name(state, membership_id))
        )
    for membership_id, why in plan.renew.items():
        m = state.member(membership_id)
        if m is None or not m.is_active or m.term_end is None:
            problems.append(_("Only active members with a term end date can be renewed"))
        elif m.term_number >= state.max_terms and not why.strip():
            problems.append(
                _("%(name)s has served %(number)s consecutive terms, the panel's maximum of "
                  "%(maximum)s: record why they should serve another",
                  name=m.name, number=m.term_number, maximum=state.max_terms)
            )
    for membership_id, reason in plan.end.items():
        m = state.member(membership_id)
        if m is None or not m.is_active:
            problems.append(_("Only active members can have their membership ended"))
            continue
        if not reason:
            problems.append(_("Select why %(name)s's membership is ending", name=m.name))
        ends = plan.end_on.get(membership_id)
        if ends is not None and m.term_start is not None and ends < m.term_start:
            problems.append(
                _("%(name)s's membership cannot end before their term started, on %(date)s",
                  name=m.name, date=i18n.day_month_year(m.term_start))
            )
        elif ends is not None and m.term_end is not None and ends > m.term_end:
            problems.append(
                _("%(name)s's membership must end on or before their term ends, on %(date)s",
                  name=m.name, date=i18n.day_month_year(m.term_end))
            )
    active_contacts = {m.contact_id for m in state.members if m.is_active}
    for membership_id in sorted(plan.appoint):
        m = state.member(membership_id)
        if m is None or m.status not in ("applicant", "shortlisted"):
            problems.append(_("Only applicants can be appointed"))
        elif m.contact_id in active_contacts:
            problems.append(_("%(name)s is already an active member of this panel", name=m.name))
    chairs = [m for m in project(state, plan, None).members if m.is_active and m.role == "chair"]
    if len(chairs) > 1:
        names = chairs[0].name
        for chair in chairs[1:]:
            names = _("%(first)s and %(second)s", first=names, second=chair.name)
        problems.append(_("The panel would have two chairs: %(names)s", names=names))
    return problems


def project(state: PanelState, plan: Plan, today: date | None) -> PanelState:
    """The panel as it would be once the plan is applied (on `today`)."""
    members = []
    for m in state.members:
        if m.membership_id in plan.end:
            continue
        if m.membership_id in plan.renew and m.term_end is not None:
            start = m.term_end + timedelta(days=1)
            m = replace(
                m,
                term_start=start,
                term_end=term_end_for(start, state.term_months),
                term_number=m.term_number + 1,
            )
        elif m.membership_id in plan.appoint:
            start = today or clock.today()
            m = replace(
                m,
                status="active",
                term_start=start,
                term_end=term_end_for(start, state.term_months),
                term_number=1,
                absence_streak=0,
            )
        members.append(m)
    return replace(state, members=tuple(members))


def _name(state: PanelState, membership_id: int) -> str:
    m = state.member(membership_id)
    return m.name if m else _("This member")
