"""Panels: who may see and change them, their settings, terms of reference and health.

A panel with an Area is seen by people who work in that Area; a national panel
(no Area) is seen by everyone and changed only by national users.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm import clock
from crm.extensions import db
from crm.models import Attendance, Membership, Panel, PanelMeeting, PanelTarget, User
from crm.models.panel import (
    LIVE_MEMBERSHIP,
    MEETING_FREQUENCIES,
    PANEL_TYPES,
    TermsOfReference,
)
from crm.services import access, records, reference
from crm.services.access import RecordNotFound
from crm.services.panel_refresh import MemberState, PanelState, RefreshReport, review
from crm.services.records import InvalidValue, iso_day

KIND = "panel"

FIELDS = (
    "name", "type", "area_id", "purpose", "tor_review_due", "term_months", "max_terms",
    "target_size", "quorum", "meeting_frequency", "wants_vice_chair",
)  # fmt: skip


def panel_conditions(user: User) -> list:
    """Keep a query to the panels the user may see: their Areas' and the national ones."""
    return access.area_or_national_conditions(Panel.area_id, user)


def get_panel(user: User, panel_id: int, include_archived: bool = False) -> Panel:
    return access.get_scoped(
        Panel, panel_id, user, include_archived=include_archived, national=True
    )


def require_change(user: User, panel: Panel, kind: str = KIND) -> None:
    """Change the panel, or add a `kind` (membership, meeting) to it: the access module
    decides (coordinators and administrators; a national panel only national users)."""
    access.require(user, "add", kind)
    if panel.archived_at is not None:
        raise RecordNotFound()
    access.require(user, "edit", panel)


def describe(p: Panel) -> dict[str, str]:
    return {  # i18n: not interface (the audit trail's labels, kept as written)
        "Name": p.name,
        "Type": PANEL_TYPES.get(p.type, p.type),
        "Area": p.area_name,
        "Purpose": p.purpose or "",
        "Terms of reference review due": iso_day(p.tor_review_due),
        "Term length (months)": str(p.term_months),
        "Maximum consecutive terms": str(p.max_terms),
        "Target size": str(p.target_size),
        "Quorum": str(p.quorum),
        "Meets": MEETING_FREQUENCIES.get(p.meeting_frequency, ""),
        "Wants a vice chair": records.yes_no(bool(p.wants_vice_chair)),
        "Target composition": "; ".join(
            f"{t.community.name}: {t.minimum}"
            for t in sorted(p.targets, key=lambda t: t.community.name)
        ),
    }


def list_panels(user: User, include_archived: bool = False) -> list[Panel]:
    conditions = panel_conditions(user)
    if include_archived and access.can_restore(user):
        conditions.append(Panel.archived_at.is_not(None))
    else:
        conditions.append(Panel.archived_at.is_(None))
    stmt = (
        select(Panel)
        .where(*conditions)
        .options(selectinload(Panel.area))
        .order_by(Panel.area_id.is_not(None), Panel.name)
    )
    return list(db.session.scalars(stmt))


def _check(user: User, data: dict[str, Any]) -> None:
    reference.check_area_choice(user, data.get("area_id"), "panel")
    if data["quorum"] > data["target_size"]:
        raise InvalidValue("quorum", _("Quorum must not be more than the target size"))


def _set_targets(panel: Panel, targets: dict[int, int]) -> None:
    kept = [t.community for t in panel.targets]
    communities = {c.id: c for c in reference.communities_by_ids(list(targets), kept)}
    panel.targets = [
        PanelTarget(community=communities[community_id], minimum=minimum)
        for community_id, minimum in targets.items()
    ]


def create_panel(
    user: User, data: dict[str, Any], targets: dict[int, int], terms: str, adopted_on: date | None
) -> Panel:
    """Add a panel with its target composition and, if given, its first terms of reference."""
    access.require_edit(user, KIND)
    _check(user, data)
    panel = Panel(**{f: data[f] for f in FIELDS})
    _set_targets(panel, targets)
    if terms:
        panel.terms_of_reference.append(
            TermsOfReference(text=terms, adopted_on=adopted_on or clock.today(), created_by=user)
        )
    return records.create_audited(user, KIND, panel, describe)


def update_panel(
    user: User, panel: Panel, data: dict[str, Any], targets: dict[int, int], expected_version: int
) -> Panel:
    require_change(user, panel)
    _check(user, data)

    def mutate() -> None:
        for f in FIELDS:
            setattr(panel, f, data[f])
        _set_targets(panel, targets)

    return records.update_audited(user, KIND, panel, expected_version, describe, mutate)


def adopt_terms(
    user: User, panel: Panel, text: str, adopted_on: date, review_due: date | None
) -> TermsOfReference:
    """Record a new version of the terms of reference; earlier versions stay on the panel."""
    require_change(user, panel)
    if review_due is not None and review_due <= adopted_on:
        raise InvalidValue("review_due", _("Next review date must be after the date adopted"))

    terms = TermsOfReference(text=text, adopted_on=adopted_on, created_by=user)

    def mutate() -> None:
        panel.terms_of_reference.append(terms)
        panel.tor_review_due = review_due

    records.update_audited(user, KIND, panel, None, describe, mutate)
    return terms


def archive_panel(user: User, panel: Panel) -> None:
    require_change(user, panel)
    records.set_archived(user, KIND, panel, True)


def restore_panel(user: User, panel: Panel) -> None:
    records.set_archived(user, KIND, panel, False)


# The panel's state for the refresh planner, built in a few queries per panel.


def open_memberships(panel_ids: list[int]) -> list[Membership]:
    """Applicants, shortlisted and active memberships of these panels, with what they need."""
    if not panel_ids:
        return []
    stmt = (
        select(Membership)
        .where(Membership.panel_id.in_(panel_ids), Membership.status != "ended",
               LIVE_MEMBERSHIP)
        .options(selectinload(Membership.contact), selectinload(Membership.communities))
    )
    return list(db.session.scalars(stmt))


def absence_streaks(panel_ids: list[int]) -> dict[int, int]:
    """For each membership, how many of its latest meetings in a row it missed without apologies.

    Only meetings at which the member's attendance was recorded count, so a
    member appointed last month is not held to meetings before they joined.
    """
    if not panel_ids:
        return {}
    stmt = (
        select(Attendance.membership_id, Attendance.status)
        .join(PanelMeeting, PanelMeeting.id == Attendance.meeting_id)
        .join(Membership, Membership.id == Attendance.membership_id)
        .where(
            PanelMeeting.panel_id.in_(panel_ids),
            PanelMeeting.archived_at.is_(None),
            Membership.status == "active",
            LIVE_MEMBERSHIP,
        )
        .order_by(Attendance.membership_id, PanelMeeting.held_on.desc(), PanelMeeting.id.desc())
    )
    streaks: dict[int, int] = {}
    broken: set[int] = set()
    for membership_id, status in db.session.execute(stmt):
        streaks.setdefault(membership_id, 0)
        if membership_id in broken:
            continue
        if status == "absent":
            streaks[membership_id] += 1
        else:
            broken.add(membership_id)
    return streaks


def member_state(m: Membership, streaks: dict[int, int]) -> MemberState:
    return MemberState(
        membership_id=m.id,
        contact_id=m.contact_id,
        name=m.contact.name,
        role=m.role,
        status=m.status,
        term_start=m.term_start,
        term_end=m.term_end,
        term_number=m.term_number,
        communities=frozenset(c.id for c in m.communities),
        vetting_status=m.vetting_status,
        vetting_expires_on=m.vetting_expires_on,
        absence_streak=streaks.get(m.id, 0),
    )


def states(panels: list[Panel]) -> dict[int, PanelState]:
    """Each panel's state for the planner: settings, targets and open memberships."""
    ids = [p.id for p in panels]
    streaks = absence_streaks(ids)
    by_panel: dict[int, list[MemberState]] = {i: [] for i in ids}
    for m in open_memberships(ids):
        by_panel[m.panel_id].append(member_state(m, streaks))
    names = {c.id: c.name for c in reference.all_communities()}
    return {
        p.id: PanelState(
            target_size=p.target_size,
            max_terms=p.max_terms,
            term_months=p.term_months,
            tor_review_due=p.tor_review_due,
            wants_vice_chair=bool(p.wants_vice_chair),
            targets={t.community_id: t.minimum for t in p.targets},
            community_names=names,
            members=tuple(sorted(by_panel[p.id], key=lambda m: m.name)),
        )
        for p in panels
    }


def health(panels: list[Panel], today: date) -> dict[int, RefreshReport]:
    """The refresh report of each panel, for the list's at-a-glance columns."""
    return {panel_id: review(state, today) for panel_id, state in states(panels).items()}
