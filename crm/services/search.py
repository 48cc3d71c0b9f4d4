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

from flask_babel import gettext as _
from sqlalchemy import select

from crm.extensions import db
from crm.i18n import day_month_year
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


def _found(model, conditions: list, order) -> tuple[list, int, bool]:
    """The first SHOWN matches, how many there are (up to COUNT_CAP) and whether there are
    more: one walk that stops at the cap, in an order an index gives (names and titles;
    feedback newest logged first). Over a million engagements a walk in date order would
    look up every row's title: 2 s where the title index takes 0.1 s."""
    ids = list(db.session.scalars(
        select(model.id).where(*conditions).order_by(*order).limit(COUNT_CAP + 1)
    ))  # fmt: skip
    shown = ids[:SHOWN]
    by_id = {r.id: r for r in db.session.scalars(select(model).where(model.id.in_(shown)))}
    return [by_id[i] for i in shown], min(len(ids), COUNT_CAP), len(ids) > COUNT_CAP


def search(user: User, q: str) -> list[Group]:
    """The matches of each kind for `q` (at least two characters), in a fixed order."""
    q = (q or "").replace("\x00", "").strip()[:200]
    if len(q) < MIN_LENGTH:
        return []
    groups = []
    s_conditions = stakeholders.filter_conditions(user, stakeholders.StakeholderFilters(q=q))
    found, total, capped = _found(stakeholders.Stakeholder, s_conditions,
                                  (stakeholders.Stakeholder.name, stakeholders.Stakeholder.id))
    groups.append(Group("stakeholders", _("Stakeholders"), total, capped, [
        Hit(s.name, "stakeholders.detail", {"stakeholder_id": s.id},
            ", ".join(p for p in (s.town, s.postcode) if p)) for s in found
    ], "stakeholders.index", {"q": q}))  # fmt: skip
    c_conditions = contacts.filter_conditions(user, contacts.ContactFilters(q=q))
    found, total, capped = _found(Contact, c_conditions, (Contact.name, Contact.id))
    groups.append(Group("contacts", _("Contacts"), total, capped, [
        Hit(c.name, "contacts.detail", {"contact_id": c.id}, c.job_title) for c in found
    ], "contacts.index", {"q": q}))  # fmt: skip
    e_conditions = engagements.filter_conditions(user, engagements.EngagementFilters(q=q))
    found, total, capped = _found(Engagement, e_conditions, (Engagement.title, Engagement.id))
    groups.append(Group("engagements", _("Engagements"), total, capped, [
        Hit(e.title, "engagements.detail", {"engagement_id": e.id},
            day_month_year(e.held_on)) for e in found
    ], "engagements.index", {"q": q}))  # fmt: skip
    f_conditions = feedback_service.filter_conditions(
        user, feedback_service.FeedbackFilters(q=q)
    )
    found, total, capped = _found(Feedback, f_conditions, (Feedback.id.desc(),))
    groups.append(Group("feedback", _("Feedback"), total, capped, [
        Hit(f.summary, "feedback.detail", {"feedback_id": f.id},
            day_month_year(f.received_on)) for f in found
    ], "feedback.index", {"q": q}))  # fmt: skip
    p_conditions = [
        *panel_service.panel_conditions(user), Panel.archived_at.is_(None),
        records.contains_text(Panel.name, q),
    ]  # fmt: skip
    found, total, capped = _found(Panel, p_conditions, (Panel.name, Panel.id))
    groups.append(Group("panels", _("Panels"), total, capped, [
        Hit(p.name, "panels.detail", {"panel_id": p.id}, p.area_name) for p in found
    ], "panels.index", {}))  # fmt: skip
    return groups
