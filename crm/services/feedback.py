"""Feedback: recording what panels and communities said, and moving it to a response.

Feedback with an Area is seen in that Area; national feedback (from the
Community Accountability Forum) by everyone. Restricted detail is shown only to
its owner, administrators and the Area's senior leaders, like engagements'
restricted notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload, selectinload

from crm import clock, i18n
from crm.extensions import db
from crm.models import CaseworkPriority, Feedback, FeedbackMove, PanelMeeting, User
from crm.models.feedback import (
    ASSESSMENTS,
    CLOSED_STATUSES,
    FEEDBACK_SOURCES,
    FEEDBACK_STATUSES,
    STATUS_STAGE,
    TONES,
    feedback_communities,
    feedback_priorities,
)
from crm.services import access, audit, panel_meetings, panels, records, reference
from crm.services.records import InvalidValue, Page, SortKey, iso_day
from crm.services.stakeholders import get_stakeholder

KIND = "feedback"

FIELDS = (
    "source", "received_on", "area_id", "panel_id", "panel_meeting_id", "engagement_id",
    "stakeholder_id", "summary", "detail", "case_reference", "assessment", "learning_points",
    "tone", "names_person", "owner_id", "response_due_on", "referred_to_qa_on",
)  # fmt: skip

# The link each source must name: where the feedback came from.
SOURCE_LINKS = {
    "case_review": ("panel_id", _l("Select the panel that reviewed the case")),
    "panel_meeting": ("panel_meeting_id", _l("Select the panel meeting")),
    "engagement": ("engagement_id", _l("Select the engagement")),
    "correspondence": ("stakeholder_id", _l("Select the stakeholder who wrote")),
}


@dataclass
class FeedbackFilters:
    q: str = ""  # words in the summary or the case reference (never the restricted detail)
    priority_id: int | None = None
    community_id: int | None = None
    source: str = ""
    panel_id: int | None = None
    status: str = ""  # a status, or "open" / "closed"
    area_id: int | None = None
    assessment: str = ""
    tone: str = ""
    date_from: date | None = None
    date_to: date | None = None
    owner_id: int | None = None
    archived: bool = False
    page: int = 1


def describe(f: Feedback) -> dict[str, str]:
    return {  # i18n: not interface (the audit trail's labels, kept as written)
        "Source": FEEDBACK_SOURCES.get(f.source, f.source),
        "Received": iso_day(f.received_on),
        "Area": f.area_name,
        "Panel": audit.links("panel", [f.panel]),
        "Panel meeting": iso_day(f.panel_meeting.held_on) if f.panel_meeting else "",
        "Engagement": audit.links("engagement", [f.engagement], name=lambda e: e.title),
        "Stakeholder": audit.links("stakeholder", [f.stakeholder]),
        "Summary": f.summary,
        "Detail": f.detail or "",
        "Restricted detail": f.restricted_detail or "",
        "Case reference": f.case_reference or "",
        "Assessment": ASSESSMENTS.get(f.assessment, ""),
        "Learning points": f.learning_points or "",
        "Tone": TONES.get(f.tone, ""),
        "Names a person": records.yes_no(bool(f.names_person)),
        "Owner": f.owner.name if f.owner else "",
        "Response due": iso_day(f.response_due_on),
        "Referred to casework quality assurance": iso_day(f.referred_to_qa_on),
        "Status": FEEDBACK_STATUSES.get(f.status, f.status),
        "Response": f.response or "",
        "Reason for no action": f.no_action_reason or "",
        "Casework priorities": "; ".join(sorted(p.label for p in f.priorities)),
        "Communities": audit.names(f.communities),
    }


_NAME = re.compile(r"^(?:(?:mr|mrs|ms|miss|dr|mx)\.?\s+)?[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){1,3}$")
_TITLE = re.compile(r"\b(mr|mrs|ms|miss|dr|mx)\b\.?", re.IGNORECASE)


def looks_like_a_name(reference: str) -> bool:
    """True for text that reads like a person's name rather than the service's reference.

    The service's references (a URN like 05AB1234521) always carry digits; "Jane
    Smith" or "Mr Smith" does not.
    """
    text = reference.strip()
    if not text or any(ch.isdigit() for ch in text):
        return False
    return bool(_NAME.match(text) or _TITLE.search(text))


def get_feedback(user: User, feedback_id: int, include_archived: bool = False) -> Feedback:
    return access.get_scoped(
        Feedback, feedback_id, user, include_archived=include_archived, national=True
    )


def priority_and_strands(priority_id: int) -> list[int]:
    """A priority's id with its strands' ids: feedback on domestic abuse is VAWG feedback."""
    children = db.session.scalars(
        select(CaseworkPriority.id).where(CaseworkPriority.parent_id == priority_id)
    )
    return [priority_id, *children]


def filter_conditions(user: User, filters: FeedbackFilters) -> list:
    """The WHERE conditions for a filtered view: the list, the figures' links, the reports."""
    conditions = access.area_or_national_conditions(Feedback.area_id, user)
    if filters.archived and access.can_restore(user):
        conditions.append(Feedback.archived_at.is_not(None))
    else:
        conditions.append(Feedback.archived_at.is_(None))
    if filters.priority_id:
        conditions.append(
            exists().where(
                feedback_priorities.c.feedback_id == Feedback.id,
                feedback_priorities.c.priority_id.in_(priority_and_strands(filters.priority_id)),
            )
        )
    if filters.community_id:
        conditions.append(
            exists().where(
                feedback_communities.c.feedback_id == Feedback.id,
                feedback_communities.c.community_id == filters.community_id,
            )
        )
    if filters.source:
        conditions.append(Feedback.source == filters.source)
    if filters.panel_id:
        from crm.models import Panel

        panel_id = access.visible_id(user, Panel, filters.panel_id, national=True)
        conditions.append(Feedback.panel_id == panel_id)
    if filters.status == "open":
        conditions.append(Feedback.status.not_in(CLOSED_STATUSES))
    elif filters.status == "closed":
        conditions.append(Feedback.status.in_(CLOSED_STATUSES))
    elif filters.status:
        conditions.append(Feedback.status == filters.status)
    if filters.area_id:
        conditions.append(Feedback.area_id == filters.area_id)
    if filters.assessment:
        conditions.append(Feedback.assessment == filters.assessment)
    if filters.tone:
        conditions.append(Feedback.tone == filters.tone)
    if filters.date_from:
        conditions.append(Feedback.received_on >= filters.date_from)
    if filters.date_to:
        conditions.append(Feedback.received_on <= filters.date_to)
    if filters.owner_id:
        conditions.append(Feedback.owner_id == filters.owner_id)
    if filters.q.strip():
        q = filters.q.strip()
        conditions.append(
            or_(
                records.contains_text(Feedback.summary, q),
                records.contains_text(Feedback.case_reference, q),
            )
        )
    return conditions


def list_feedback(user: User, filters: FeedbackFilters, page_size: int) -> Page:
    return records.paginate(
        Feedback,
        filter_conditions(user, filters),
        [SortKey(Feedback.received_on, True), SortKey(Feedback.id, True)],
        filters.page,
        page_size,
        options=(
            joinedload(Feedback.area),
            joinedload(Feedback.owner),
            selectinload(Feedback.priorities).joinedload(CaseworkPriority.parent),
        ),
    )


def priorities(include: set[int] = frozenset()) -> list[CaseworkPriority]:
    """Priorities to choose from, each followed by its strands: live ones, and any
    retired one in `include` (already linked to the feedback being edited)."""
    stmt = (
        select(CaseworkPriority)
        .where(or_(CaseworkPriority.retired_at.is_(None), CaseworkPriority.id.in_(include)))
        .options(joinedload(CaseworkPriority.parent))
    )
    chosen = list(db.session.scalars(stmt))
    tops = sorted((p for p in chosen if p.parent_id is None), key=lambda p: (p.position, p.name))
    ordered = []
    for top in tops:
        ordered.append(top)
        ordered.extend(
            sorted((p for p in chosen if p.parent_id == top.id), key=lambda p: (p.position, p.name))
        )
    ordered.extend(p for p in chosen if p.parent_id is not None and p not in ordered)
    return ordered


def _priorities_by_ids(ids: list[int], keep: set[int]) -> list[CaseworkPriority]:
    if not ids:
        raise InvalidValue("priority_ids", _("Select at least one casework priority"))
    found = {p.id: p for p in priorities(include=keep)}
    if any(i not in found for i in ids):
        raise InvalidValue("priority_ids", _("Select casework priorities from the list"))
    return [found[i] for i in ids]


def _check(user: User, data: dict[str, Any], current: Feedback | None = None) -> None:
    """The links and rules the form alone cannot check.

    A link the feedback already has is kept even if the user cannot see what it names.
    """
    if data.get("area_id") is None:
        if not user.is_national:
            raise InvalidValue("area_id", _("Select the Area the feedback concerns"))
    elif not access.can_place_in(user, data["area_id"]):
        raise InvalidValue("area_id", _("Select an Area you work in"))
    link = SOURCE_LINKS.get(data["source"])
    if link and not data.get(link[0]):
        raise InvalidValue(link[0], str(link[1]))
    if data["source"] == "case_review" and not data.get("assessment"):
        raise InvalidValue("assessment", _("Select the panel's assessment of the case"))
    if data.get("owner_id") is not None and db.session.get(User, data["owner_id"]) is None:
        raise InvalidValue("owner_id", _("Select an owner from the list"))
    if data.get("response_due_on") and data["response_due_on"] < data["received_on"]:
        raise InvalidValue(
            "response_due_on", _("Response due date must be on or after the date received")
        )
    _check_links(user, data, current)


def _check_links(user: User, data: dict[str, Any], current: Feedback | None) -> None:
    """Each link names a record the user may see; one the feedback already has is kept
    even if it is in an Area the user does not work in."""
    from crm.services.engagements import get_engagement

    def new_link(field: str) -> bool:
        return bool(data.get(field)) and (current is None or getattr(current, field) != data[field])

    finders = {
        "panel_id": (panels.get_panel, _("Select a panel from the list")),
        "panel_meeting_id": (panel_meetings.get_meeting, _("Select a panel meeting from the list")),
        "engagement_id": (get_engagement, _("Select an engagement you can see")),
        "stakeholder_id": (get_stakeholder, _("Select a stakeholder you can see")),
    }
    for field, (find, message) in finders.items():
        if new_link(field):
            try:
                find(user, data[field])
            except access.RecordNotFound:
                raise InvalidValue(field, message) from None
    if data.get("panel_meeting_id"):
        meeting = db.session.get(PanelMeeting, data["panel_meeting_id"])
        if data.get("panel_id") and meeting.panel_id != data["panel_id"]:
            raise InvalidValue("panel_meeting_id", _("Select a meeting of the chosen panel"))
        data["panel_id"] = meeting.panel_id


def create_feedback(
    user: User,
    data: dict[str, Any],
    priority_ids: list[int],
    community_ids: list[int],
    restricted_detail: str = "",
) -> Feedback:
    access.require_edit(user, KIND)
    data = dict(data)
    _check(user, data)
    f = Feedback(**{k: data.get(k) for k in FIELDS}, status="received",
                 status_on=data["received_on"], restricted_detail=restricted_detail)  # fmt: skip
    f.priorities = _priorities_by_ids(priority_ids, set())
    f.communities = reference.communities_by_ids(community_ids)
    f.moves.append(FeedbackMove(to_status="received", moved_on=data["received_on"], user=user))
    return records.create_audited(user, KIND, f, describe)


def update_feedback(
    user: User,
    f: Feedback,
    data: dict[str, Any],
    priority_ids: list[int],
    community_ids: list[int],
    expected_version: int | None,
    restricted_detail: str | None = None,
) -> Feedback:
    """Change what the feedback says; its status moves only through move_status.

    restricted_detail None keeps the current text (the editor could not see it).
    """
    access.require(user, "edit", f)
    if data.get("owner_id") != f.owner_id and not access.can(user, "change_owner", f):
        # The owner reads the restricted detail: only someone who already may, changes it.
        raise InvalidValue(
            "owner_id",
            _("Only the owner or an administrator can give this feedback to someone else"),
        )
    data = dict(data)
    _check(user, data, f)
    chosen = _priorities_by_ids(priority_ids, {p.id for p in f.priorities})
    communities = reference.communities_by_ids(community_ids, f.communities)

    def mutate() -> None:
        for k in FIELDS:
            setattr(f, k, data.get(k))
        if restricted_detail is not None and access.can(user, "see_restricted", f):
            f.restricted_detail = restricted_detail
        f.priorities = chosen
        f.communities = communities

    return records.update_audited(user, KIND, f, expected_version, describe, mutate)


def move_status(
    user: User,
    f: Feedback,
    to_status: str,
    moved_on: date,
    note: str = "",
    response: str = "",
    no_action_reason: str = "",
) -> Feedback:
    """Move feedback along its life, dated and audited.

    Closing needs the response (what was done); closing with no action needs the
    reason; going back to an earlier stage needs a note saying why, so nothing
    moves back silently. A move is dated on or after the one before it.
    """
    access.require_edit(user, KIND)
    if to_status not in FEEDBACK_STATUSES:
        raise InvalidValue("to_status", _("Select what happens next"))
    if to_status == f.status:
        raise InvalidValue(
            "to_status", _("Choose a different status: %(status)s", status=f.status_phrase)
        )
    if moved_on > clock.today():
        raise InvalidValue("moved_on", _("Date must be today or in the past"))
    if moved_on < f.status_on:
        raise InvalidValue(
            "moved_on", _("Date must be on or after %(date)s, the last change",
                          date=i18n.day_month_year(f.status_on)),
        )
    response = response.strip() or (f.response or "")
    if to_status == "closed" and not response:
        raise InvalidValue("response", _("Enter the response: what was done about the feedback"))
    if to_status == "closed_no_action" and not no_action_reason.strip():
        raise InvalidValue("no_action_reason", _("Enter why no action is being taken"))
    going_back = STATUS_STAGE[to_status] < STATUS_STAGE[f.status]
    if going_back and not note.strip():
        raise InvalidValue(
            "note",
            _("Say why it is going back from %(before)s to %(after)s",
              before=str(f.status_label).lower(), after=str(FEEDBACK_STATUSES[to_status]).lower()),
        )

    def mutate() -> None:
        f.moves.append(
            FeedbackMove(
                from_status=f.status,
                to_status=to_status,
                moved_on=moved_on,
                user=user,
                note=note.strip(),
            )  # fmt: skip
        )
        f.status, f.status_on = to_status, moved_on
        f.closed_on = moved_on if to_status in CLOSED_STATUSES else None
        if to_status == "closed":
            f.response = response
        if to_status == "closed_no_action":
            f.no_action_reason = no_action_reason.strip()

    return records.update_audited(user, KIND, f, None, describe, mutate)


def archive_feedback(user: User, f: Feedback) -> None:
    records.set_archived(user, KIND, f, True)


def restore_feedback(user: User, f: Feedback) -> None:
    records.set_archived(user, KIND, f, False)


def for_meeting(user: User, meeting_id: int) -> list[Feedback]:
    """The feedback recorded at a panel meeting (its case reviews and other points)."""
    stmt = (
        select(Feedback)
        .where(
            Feedback.panel_meeting_id == meeting_id,
            Feedback.archived_at.is_(None),
            *access.area_or_national_conditions(Feedback.area_id, user),
        )  # fmt: skip
        .options(selectinload(Feedback.priorities).joinedload(CaseworkPriority.parent))
        .order_by(Feedback.id)
    )
    return list(db.session.scalars(stmt))


def matters_arising(user: User, meeting) -> list[Feedback]:
    """Feedback from the panel's earlier meetings that is still open."""
    from crm.models import PanelMeeting

    stmt = (
        select(Feedback)
        .join(PanelMeeting, PanelMeeting.id == Feedback.panel_meeting_id)
        .where(
            PanelMeeting.panel_id == meeting.panel_id,
            PanelMeeting.held_on < meeting.held_on,
            Feedback.status.not_in(CLOSED_STATUSES),
            Feedback.archived_at.is_(None),
            *access.area_or_national_conditions(Feedback.area_id, user),
        )
        .options(joinedload(Feedback.owner), joinedload(Feedback.panel_meeting))
        .order_by(PanelMeeting.held_on, Feedback.id)
    )
    return list(db.session.scalars(stmt))


def record_case_reviews(user: User, meeting, reviews: list[dict[str, Any]]) -> list[Feedback]:
    """Record a meeting's case reviews in one go, each as feedback from that meeting."""
    panel = meeting.panel
    panels.require_change(user, panel, "panel_meeting")
    created = []
    for review in reviews:
        data = {
            "source": "case_review",
            "received_on": meeting.held_on,
            "area_id": panel.area_id,
            "panel_id": panel.id,
            "panel_meeting_id": meeting.id,
            "summary": review["summary"],
            "case_reference": review["case_reference"],
            "assessment": review["assessment"],
            "learning_points": review["learning_points"],
            "tone": review["tone"],
            "names_person": False,
            "owner_id": review.get("owner_id"),
        }
        created.append(create_feedback(user, data, review["priority_ids"], []))
    return created


def meeting_choices(user: User, keep: int | None = None) -> list:
    """Meetings of the panels the user may see from the last three years, newest first,
    plus the one already linked (`keep`), for the feedback form's list."""
    from datetime import timedelta

    from crm.models import Panel, PanelMeeting

    recent = PanelMeeting.held_on >= clock.today() - timedelta(days=3 * 366)
    if keep:
        recent = recent | (PanelMeeting.id == keep)
    stmt = (
        select(PanelMeeting)
        .join(Panel, Panel.id == PanelMeeting.panel_id)
        .where(
            recent,
            PanelMeeting.archived_at.is_(None),
            Panel.archived_at.is_(None),
            *panels.panel_conditions(user),
        )  # fmt: skip
        .options(joinedload(PanelMeeting.panel))
        .order_by(PanelMeeting.held_on.desc(), PanelMeeting.id.desc())
        .limit(300)
    )
    return list(db.session.scalars(stmt))
