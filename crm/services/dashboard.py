"""Figures for the home page.

Each figure is counted with the same conditions as the list it links to (the list's
own filter_conditions with the filters in the link), so the number on the home
page is the number of rows the user finds when they follow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Contact, Feedback, FollowUpAction, Stakeholder, User
from crm.services import action_plans, actions, contacts, feedback, home_figures, stakeholders
from crm.services.coverage import months_before


@dataclass(frozen=True)
class Figure:
    """A count and the list it was counted from (endpoint and its query arguments)."""

    count: int
    endpoint: str
    args: dict


@dataclass
class Summary:
    stakeholders: Figure
    contacts: Figure
    my_stakeholders: Figure
    engagements_3_months: Figure
    my_open_actions: Figure
    my_overdue_actions: int
    my_open_feedback: Figure
    my_overdue_feedback: int
    my_plan_actions_due: Figure
    my_plan_actions_overdue: int


def _count(model, conditions: list, join=None) -> int:
    stmt = select(func.count()).select_from(model)
    if join is not None:
        stmt = stmt.join(join)
    return db.session.scalar(stmt.where(*conditions)) or 0


def summary_for(user: User, today: date) -> Summary:
    since = months_before(today, 3)
    # Held engagements as the log counts them, from the daily figures (a million engagements:
    # SQLite 173 ms to 4).
    held = home_figures.engagements_held(user, [(since, today)])
    mine = feedback.FeedbackFilters(owner_id=user.id, status="open")
    my_feedback = feedback.filter_conditions(user, mine)
    my_actions = actions.open_actions_conditions(user, False, today)
    everything = stakeholders.StakeholderFilters()
    plan_actions_due = action_plans.needing_attention(user, today, mine=True)
    return Summary(
        stakeholders=Figure(
            _count(Stakeholder, stakeholders.filter_conditions(user, everything)),
            "stakeholders.index", {},
        ),
        my_stakeholders=Figure(
            _count(Stakeholder, stakeholders.filter_conditions(
                user, stakeholders.StakeholderFilters(owner_id=user.id))),
            "stakeholders.index", {"owner": user.id},
        ),
        contacts=Figure(
            _count(Contact, contacts.filter_conditions(user, contacts.ContactFilters())),
            "contacts.index", {},
        ),
        engagements_3_months=Figure(
            sum(held.values()),
            "engagements.index",
            {"from": since.isoformat(), "to": today.isoformat(), "status": "held"},
        ),
        my_open_actions=Figure(
            _count(FollowUpAction, my_actions, FollowUpAction.engagement),
            "engagements.actions.index", {"scope": "mine"},
        ),
        my_overdue_actions=_count(
            FollowUpAction, [*my_actions, FollowUpAction.due_on < today], FollowUpAction.engagement
        ),
        my_open_feedback=Figure(
            _count(Feedback, my_feedback), "feedback.index", {"owner": user.id, "status": "open"}
        ),
        my_overdue_feedback=_count(Feedback, [*my_feedback, Feedback.response_due_on < today]),
        my_plan_actions_due=Figure(len(plan_actions_due), "plans.due", {"scope": "mine"}),
        my_plan_actions_overdue=sum(1 for _, overdue, _ in plan_actions_due if overdue),
    )  # fmt: skip

