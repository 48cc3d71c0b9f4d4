"""Who may see and change what. Every service calls these; templates only mirror them.

A record in an Area the user does not work in is reported as not found, exactly
as a missing one would be, so its existence is never given away.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, or_, select

from crm.extensions import db
from crm.models import User

T = TypeVar("T")

# Which roles may change each kind of record. Senior leaders read everything in
# their Areas and change nothing.
EDIT_ROLES: dict[str, frozenset[str]] = {
    "stakeholder": frozenset({"admin", "lead"}),
    "contact": frozenset({"admin", "lead", "panels"}),
    "engagement": frozenset({"admin", "lead"}),
    # Panels, their memberships and meetings: panel coordinators and administrators.
    "panel": frozenset({"admin", "panels"}),
    "membership": frozenset({"admin", "panels"}),
    "panel_meeting": frozenset({"admin", "panels"}),
    # Feedback comes from panels and engagements alike.
    "feedback": frozenset({"admin", "lead", "panels"}),
}


class RecordNotFound(Exception):
    """The record does not exist, is archived, or lies outside the user's Areas."""


class AccessDenied(Exception):
    """The user's role does not allow this action."""


def visible_area_ids(user: User) -> list[int] | None:
    """The Areas a user can see, or None for a national user who sees them all."""
    if user.is_national:
        return None
    return [area.id for area in user.areas]


def area_conditions(area_column, user: User) -> list:
    """The WHERE conditions that keep a query inside the user's Areas (none if national)."""
    area_ids = visible_area_ids(user)
    return [] if area_ids is None else [area_column.in_(area_ids)]


def area_or_national_conditions(area_column, user: User) -> list:
    """Like area_conditions, but records with no Area (national ones) are seen by all."""
    area_ids = visible_area_ids(user)
    if area_ids is None:
        return []
    return [or_(area_column.is_(None), area_column.in_(area_ids))]


def scope_to_user_areas(stmt: Select, area_column, user: User) -> Select:
    return stmt.where(*area_conditions(area_column, user))


def can_see_area(user: User, area_id: int | None) -> bool:
    area_ids = visible_area_ids(user)
    return area_ids is None or area_id in area_ids


def can_edit(user: User, kind: str) -> bool:
    return user.role in EDIT_ROLES[kind]


def require_edit(user: User, kind: str) -> None:
    if not can_edit(user, kind):
        raise AccessDenied(f"{user.role_label}s cannot change {kind}s")


def can_restore(user: User) -> bool:
    return user.role == "admin"


def require_admin(user: User) -> None:
    if user.role != "admin":
        raise AccessDenied("Only administrators can do this")


def require_area(user: User, area_id: int | None) -> None:
    """Refuse to place a record in an Area the user does not work in."""
    if area_id is None or not can_see_area(user, area_id):
        raise AccessDenied("You cannot add records to that Area")


def get_scoped(
    model: type[T],
    record_id: int,
    user: User,
    *,
    include_archived: bool = False,
    national: bool = False,
) -> T:
    """Load one record the user may see, or raise RecordNotFound.

    Archived records are shown only to administrators, who can restore them. With
    national=True a record with no Area (a national panel or its feedback) is seen by all.
    """
    area_column = model.area_id  # type: ignore[attr-defined]
    scope = area_or_national_conditions if national else area_conditions
    stmt = select(model).where(
        model.id == record_id,  # type: ignore[attr-defined]
        *scope(area_column, user),
    )
    record = db.session.scalars(stmt).first()
    if record is None:
        raise RecordNotFound()
    if record.archived_at is not None and not (include_archived and can_restore(user)):
        raise RecordNotFound()
    return record
