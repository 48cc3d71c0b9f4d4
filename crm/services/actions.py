"""Follow-up actions from engagements: who must do what, by when."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, select
from sqlalchemy.orm import joinedload

from crm.extensions import db
from crm.models import Engagement, FollowUpAction, User
from crm.models.engagement import ACTION_STATUSES
from crm.services import access, audit
from crm.services.records import InvalidValue, iso_day


def _describe(action: FollowUpAction) -> dict[str, str]:
    return {
        "Follow-up action": action.description,
        "Owner": action.owner.name if action.owner else "",
        "Due": iso_day(action.due_on),
        "Action status": ACTION_STATUSES.get(action.status, action.status),
    }


def add_action(
    user: User,
    engagement: Engagement,
    description: str,
    owner_id: int | None = None,
    due_on: date | None = None,
) -> FollowUpAction:
    """Add a follow-up action; it is audited on the engagement it came from."""
    access.require_edit(user, "engagement")
    if not description.strip():
        raise InvalidValue("description", "Enter what needs to be done")
    owner = db.session.get(User, owner_id) if owner_id else None
    if owner_id and owner is None:
        raise InvalidValue("owner_id", "Select an owner from the list")
    action = FollowUpAction(
        engagement=engagement, description=description.strip(), owner=owner, due_on=due_on
    )
    db.session.add(action)
    db.session.flush()
    audit.record_event(
        user,
        "engagement",
        engagement.id,
        "action added",
        None,
        _describe(action),
        engagement.version,
    )
    return action


def set_action_status(
    user: User, action: FollowUpAction, status: str, today: date
) -> FollowUpAction:
    """Mark an action done or cancelled (dated), or open again.

    The action's owner may close their own action even without the right to edit
    engagements: it is their work to report.
    """
    if action.owner_id != user.id:
        access.require_edit(user, "engagement")
    if status not in ACTION_STATUSES:
        raise InvalidValue("status", "Select a status from the list")
    before = _describe(action)
    action.status = status
    action.closed_on = None if status == "open" else today
    audit.record_event(
        user,
        "engagement",
        action.engagement_id,
        "action updated",
        before,
        _describe(action),
        action.engagement.version,
    )
    return action


def get_action(user: User, action_id: int) -> FollowUpAction:
    action = db.session.get(FollowUpAction, action_id)
    if action is None:
        raise access.RecordNotFound()
    # Visible through its engagement's Area (or to its owner).
    if action.owner_id != user.id:
        access.get_scoped(Engagement, action.engagement_id, user)
    return action


def open_actions(user: User, whole_area: bool) -> list[FollowUpAction]:
    """Open actions, overdue first then by due date: the user's own, or their Areas'."""
    today = date.today()
    stmt = (
        select(FollowUpAction)
        .join(FollowUpAction.engagement)
        .where(FollowUpAction.status == "open", Engagement.archived_at.is_(None))
        .options(joinedload(FollowUpAction.engagement), joinedload(FollowUpAction.owner))
        .order_by(
            case((FollowUpAction.due_on < today, 0), else_=1),
            FollowUpAction.due_on.is_(None),
            FollowUpAction.due_on,
            FollowUpAction.id,
        )
        .limit(500)
    )
    if whole_area:
        stmt = stmt.where(*access.area_conditions(Engagement.area_id, user))
    else:
        stmt = stmt.where(FollowUpAction.owner_id == user.id)
    return list(db.session.scalars(stmt))
