"""Figures for the home page, counted within the user's Areas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Contact, Engagement, Feedback, FollowUpAction, Stakeholder, User
from crm.models.feedback import CLOSED_STATUSES
from crm.services import access
from crm.services.coverage import months_before


@dataclass
class Summary:
    stakeholders: int
    contacts: int
    my_stakeholders: int
    engagements_3_months: int
    my_open_actions: int
    my_overdue_actions: int
    my_open_feedback: int = 0
    my_overdue_feedback: int = 0


def _count(model, user: User, *conditions) -> int:
    stmt = select(func.count()).select_from(model).where(model.archived_at.is_(None), *conditions)
    return db.session.scalar(access.scope_to_user_areas(stmt, model.area_id, user)) or 0


def _my_actions(user: User, *conditions) -> int:
    stmt = (
        select(func.count())
        .select_from(FollowUpAction)
        .join(FollowUpAction.engagement)
        .where(
            FollowUpAction.owner_id == user.id,
            FollowUpAction.status == "open",
            Engagement.archived_at.is_(None),
            *conditions,
        )
    )
    return db.session.scalar(stmt) or 0


def summary_for(user: User, today: date) -> Summary:
    since = months_before(today, 3)
    return Summary(
        stakeholders=_count(Stakeholder, user),
        contacts=_count(Contact, user),
        my_stakeholders=_count(Stakeholder, user, Stakeholder.owner_id == user.id),
        engagements_3_months=_count(
            Engagement,
            user,
            Engagement.status == "held",
            Engagement.held_on >= since,
            Engagement.held_on <= today,
        ),  # fmt: skip
        my_open_actions=_my_actions(user),
        my_overdue_actions=_my_actions(user, FollowUpAction.due_on < today),
        my_open_feedback=_my_feedback(user),
        my_overdue_feedback=_my_feedback(user, Feedback.response_due_on < today),
    )


def _my_feedback(user: User, *conditions) -> int:
    """Open feedback the user owns (it waits for their response)."""
    stmt = (
        select(func.count())
        .select_from(Feedback)
        .where(
            Feedback.owner_id == user.id,
            Feedback.archived_at.is_(None),
            Feedback.status.not_in(CLOSED_STATUSES),
            *conditions,
        )
    )
    return db.session.scalar(stmt) or 0


def panels_needing_attention(user: User, today: date) -> list[tuple]:
    """(panel, its refresh report) for each panel the user sees that needs something."""
    from crm.services import panels

    visible = panels.list_panels(user)
    reports = panels.health(visible, today)
    return [(p, reports[p.id]) for p in visible if reports[p.id].needs_attention]
