"""One search across the records a user may see: stakeholders, contacts, engagements,
feedback and panels.

Each kind is searched with the same scoped conditions as its own list (so nothing
outside the user's Areas is found, and nothing archived), on the fields its list
searches, and never on restricted text. Each kind counts its matches only up to
COUNT_CAP and reads only the first few, so a common word over a million engagements
costs what a page of the list does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Contact, Engagement, Feedback, Panel, User
from crm.services import contacts, engagements, records, stakeholders
from crm.services import feedback as feedback_service
from crm.services import panels as panel_service

SHOWN = 5
COUNT_CAP = 100
MIN_LENGTH = 2


@dataclass
class Hit:
    title: str
    endpoint: str
    args: dict
    detail: str = ""


@dataclass
class Group:
    """The matches of one kind: the first few, how many (up to the cap), and the list
    page that shows them all."""

    kind: str
    heading: str
    total: int
    capped: bool
    hits: list[Hit] = field(default_factory=list)
    list_endpoint: str = ""
    list_args: dict = field(default_factory=dict)


def _count(model, conditions: list) -> tuple[int, bool]:
    matching = select(model.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(matching)) or 0
    return min(total, COUNT_CAP), total > COUNT_CAP


def _first(model, conditions: list, order) -> list:
    return list(db.session.scalars(select(model).where(*conditions).order_by(*order).limit(SHOWN)))


def search(user: User, q: str) -> list[Group]:
    """The matches of each kind for `q` (at least two characters), in a fixed order."""
    q = (q or "").replace("\x00", "").strip()[:200]
    if len(q) < MIN_LENGTH:
        return []
    groups = []
    s_conditions = stakeholders.filter_conditions(user, stakeholders.StakeholderFilters(q=q))
    total, capped = _count(stakeholders.Stakeholder, s_conditions)
    found = _first(stakeholders.Stakeholder, s_conditions,
                   (stakeholders.Stakeholder.name, stakeholders.Stakeholder.id))  # fmt: skip
    groups.append(Group("stakeholders", "Stakeholders", total, capped, [
        Hit(s.name, "stakeholders.detail", {"stakeholder_id": s.id},
            ", ".join(p for p in (s.town, s.postcode) if p)) for s in found
    ], "stakeholders.index", {"q": q}))  # fmt: skip
    c_conditions = contacts.filter_conditions(user, contacts.ContactFilters(q=q))
    total, capped = _count(Contact, c_conditions)
    found = _first(Contact, c_conditions, (Contact.name, Contact.id))
    groups.append(Group("contacts", "Contacts", total, capped, [
        Hit(c.name, "contacts.detail", {"contact_id": c.id}, c.job_title) for c in found
    ], "contacts.index", {"q": q}))  # fmt: skip
    e_conditions = engagements.filter_conditions(user, engagements.EngagementFilters(q=q))
    total, capped = _count(Engagement, e_conditions)
    found = _first(Engagement, e_conditions, (Engagement.held_on.desc(), Engagement.id.desc()))
    groups.append(Group("engagements", "Engagements", total, capped, [
        Hit(e.title, "engagements.detail", {"engagement_id": e.id},
            f"{e.held_on.day} {e.held_on:%B %Y}") for e in found
    ], "engagements.index", {"q": q}))  # fmt: skip
    f_conditions = feedback_service.filter_conditions(
        user, feedback_service.FeedbackFilters(q=q)
    )
    total, capped = _count(Feedback, f_conditions)
    found = _first(Feedback, f_conditions, (Feedback.received_on.desc(), Feedback.id.desc()))
    groups.append(Group("feedback", "Feedback", total, capped, [
        Hit(f.summary, "feedback.detail", {"feedback_id": f.id},
            f"{f.received_on.day} {f.received_on:%B %Y}") for f in found
    ], "feedback.index", {"q": q}))  # fmt: skip
    p_conditions = [
        *panel_service.panel_conditions(user), Panel.archived_at.is_(None),
        records.contains_text(Panel.name, q),
    ]  # fmt: skip
    total, capped = _count(Panel, p_conditions)
    found = _first(Panel, p_conditions, (Panel.name, Panel.id))
    groups.append(Group("panels", "Panels", total, capped, [
        Hit(p.name, "panels.detail", {"panel_id": p.id}, p.area_name) for p in found
    ], "panels.index", {}))  # fmt: skip
    return groups
