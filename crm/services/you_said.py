"""The "you said, we did" report: closed feedback and what was done, by priority.

The public version is for the people who gave the feedback and anyone else: it
leaves out case references, detail, restricted detail, learning points and any
feedback marked as naming a person, and shows only what was said and what was done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from crm.extensions import db
from crm.models import CaseworkPriority, Feedback, Panel, User
from crm.services import access

# The CSV's headers, in the language of the person asking.
PUBLIC_HEADER = [_l("Casework priority"), _l("Received"), _l("You said"), _l("We did"),
                 _l("Closed")]  # fmt: skip
FULL_HEADER = [
    _l("Casework priority"), _l("Received"), _l("Source"), _l("Panel"), _l("Case reference"),
    _l("Assessment"), _l("You said"), _l("Learning points"), _l("We did"), _l("Closed"),
]  # fmt: skip


@dataclass
class Scope:
    """Whose report: a panel's, an Area's, or (neither) the whole service's."""

    panel: Panel | None = None
    area_id: int | None = None


@dataclass
class Group:
    priority: CaseworkPriority
    items: list[Feedback]


def report(user: User, scope: Scope, start: date, end: date, public: bool) -> list[Group]:
    """Feedback closed with a response between start and end, grouped by top-level priority.

    Feedback about two priorities appears under each, so every priority's story is whole.
    """
    stmt = (
        select(Feedback)
        .where(
            Feedback.status == "closed",
            Feedback.archived_at.is_(None),
            Feedback.closed_on >= start,
            Feedback.closed_on <= end,
            *access.area_or_national_conditions(Feedback.area_id, user),
        )
        .options(
            selectinload(Feedback.priorities).joinedload(CaseworkPriority.parent),
            joinedload(Feedback.panel),
        )
        .order_by(Feedback.closed_on, Feedback.id)
    )
    if scope.panel is not None:
        stmt = stmt.where(Feedback.panel_id == scope.panel.id)
    elif scope.area_id:
        stmt = stmt.where(Feedback.area_id == scope.area_id)
    if public:
        stmt = stmt.where(Feedback.names_person.is_(False))
    groups: dict[int, Group] = {}
    for f in db.session.scalars(stmt):
        for top in {(p.parent or p).id: (p.parent or p) for p in f.priorities}.values():
            groups.setdefault(top.id, Group(top, [])).items.append(f)
    return sorted(groups.values(), key=lambda g: (g.priority.position, g.priority.name))


def rows(groups: list[Group], public: bool) -> list[list[object]]:
    out = []
    for group in groups:
        for f in group.items:
            if public:
                out.append([group.priority.name, f.received_on, f.summary, f.response,
                            f.closed_on])  # fmt: skip
            else:
                out.append([
                    group.priority.name, f.received_on, f.source_label,
                    f.panel.name if f.panel else "", f.case_reference, f.assessment_label,
                    f.summary, f.learning_points, f.response, f.closed_on,
                ])  # fmt: skip
    return out
