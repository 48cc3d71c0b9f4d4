"""Follow-up actions from engagements: who must do what, by when.

An action is part of its engagement: it is seen by whoever may see the engagement,
audited on the engagement's trail, and given only to someone who can see the
engagement (an owner who cannot open it could not know what it is about).
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import case, select
from sqlalchemy.orm import joinedload

from crm.extensions import db
from crm.models import Engagement, FollowUpAction, User
from crm.models.engagement import ACTION_STATUSES
from crm.services import access, audit
from crm.services.records import InvalidValue, described, iso_day


def _describe(action: FollowUpAction) -> dict[str, str]:
    return {  # i18n: not interface (the audit trail keeps its words as written)
        "Follow-up action": action.description,
        "Owner": action.owner.name if action.owner else "",
        "Due": iso_day(action.due_on),
        "Action status": ACTION_STATUSES.get(action.status, action.status),
    }


def owners_for(engagement: Engagement, keep: set[int] = frozenset()) -> list[User]:
    """Who may be given an action on this engagement: active staff who can see it (and
    `keep`, the current owner, so an edit form never drops them unseen)."""
    from crm.models import Area

    can_see = User.is_national.is_(True) | User.areas.any(Area.id == engagement.area_id)
    chosen = (User.active.is_(True) & can_see) | User.id.in_(list(keep))
    return list(db.session.scalars(select(User).where(chosen).order_by(User.name)))


def _owner(engagement: Engagement, owner_id: int | None, keep: int | None = None) -> User | None:
    if owner_id is None:
        return None
    owner = db.session.get(User, owner_id)
    if owner is None:
        raise InvalidValue("owner_id", _("Select an owner from the list"))
    if owner_id != keep and not (owner.active and access.may_read(owner, engagement)):
        raise InvalidValue(
            "owner_id",
            _("%(name)s does not work in %(area)s: choose someone who can see this engagement",
              name=owner.name, area=engagement.area.name),
        )
    return owner


def add_action(
    user: User,
    engagement: Engagement,
    description: str,
    owner_id: int | None = None,
    due_on: date | None = None,
) -> FollowUpAction:
    """Add a follow-up action; it is audited on the engagement it came from."""
    access.require(user, "edit", engagement)
    if not description.strip():
        raise InvalidValue("description", _("Enter what needs to be done"))
    action = FollowUpAction(
        engagement=engagement,
        description=description.strip(),
        owner=_owner(engagement, owner_id),
        due_on=due_on,
    )
    db.session.add(action)
    db.session.flush()
    audit.record_event(
        user, "engagement", engagement.id,
        "action added",  # i18n: not interface (kept as written)
        None, described(_describe, action), engagement.version,
    )  # fmt: skip
    return action


def update_action(
    user: User, action: FollowUpAction, description: str, owner_id: int | None,
    due_on: date | None,
) -> FollowUpAction:  # fmt: skip
    """Change what an action asks, who owns it and when it is due."""
    access.require(user, "edit", action.engagement)
    if not description.strip():
        raise InvalidValue("description", _("Enter what needs to be done"))
    before = described(_describe, action)
    action.description = description.strip()
    action.owner = _owner(action.engagement, owner_id, keep=action.owner_id)
    action.due_on = due_on
    db.session.flush()
    _record_update(user, action, before)
    return action


def _record_update(user: User, action: FollowUpAction, before: dict[str, str]) -> None:
    """The change on the engagement's history; a save that changed nothing records nothing."""
    after = described(_describe, action)
    if after != before:
        audit.record_event(
            user, "engagement", action.engagement_id,
            "action updated",  # i18n: not interface (kept as written)
            before, after, action.engagement.version,
        )  # fmt: skip


def set_action_status(
    user: User, action: FollowUpAction, status: str, today: date
) -> FollowUpAction:
    """Mark an action done or cancelled (dated), or open again.

    The action's owner may close their own action even without the right to edit
    engagements: it is their work to report (access.can "close_action").
    """
    access.require(user, "close_action", action)
    if status not in ACTION_STATUSES:
        raise InvalidValue("status", _("Select a status from the list"))
    if status == action.status:
        return action  # already so: keep the day it was closed, record nothing
    before = described(_describe, action)
    action.status = status
    action.closed_on = None if status == "open" else today
    _record_update(user, action, before)
    return action


def get_action(user: User, action_id: int) -> FollowUpAction:
    """An action on an engagement the user may see (its owner included), or not found."""
    action = db.session.get(FollowUpAction, action_id)
    if action is None:
        raise access.RecordNotFound()
    access.get_scoped(Engagement, action.engagement_id, user)
    return action


def open_actions_conditions(user: User, whole_area: bool, today: date) -> list:
    """Open actions on live engagements the user may see: theirs, or (whole_area) all."""
    conditions = [
        FollowUpAction.status == "open",
        Engagement.archived_at.is_(None),
        *access.area_conditions(Engagement.area_id, user),
    ]
    if not whole_area:
        conditions.append(FollowUpAction.owner_id == user.id)
    return conditions


def open_actions(user: User, whole_area: bool, today: date) -> list[FollowUpAction]:
    """Open actions, overdue first then by due date: the user's own, or their Areas'."""
    stmt = (
        select(FollowUpAction)
        .join(FollowUpAction.engagement)
        .where(*open_actions_conditions(user, whole_area, today))
        .options(joinedload(FollowUpAction.engagement), joinedload(FollowUpAction.owner))
        .order_by(
            case((FollowUpAction.due_on < today, 0), else_=1),
            FollowUpAction.due_on.is_(None),
            FollowUpAction.due_on,
            FollowUpAction.id,
        )
        .limit(500)
    )
    return list(db.session.scalars(stmt))
