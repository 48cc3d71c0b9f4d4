"""Reference lists for forms and filters, scoped to what the user may see."""

from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db
from crm.models import Area, Community, User
from crm.services import access


def areas_for(user: User) -> list[Area]:
    """The Areas a user works in (every Area for a national user)."""
    if user.is_national:
        return list(db.session.scalars(select(Area).order_by(Area.name)))
    return list(user.areas)


def all_communities() -> list[Community]:
    return list(db.session.scalars(select(Community).order_by(Community.name)))


def staff_for(user: User) -> list[User]:
    """Active staff who work in any of the user's Areas, or nationally."""
    stmt = select(User).where(User.active.is_(True)).order_by(User.name)
    area_ids = access.visible_area_ids(user)
    if area_ids is not None:
        stmt = stmt.where(User.is_national.is_(True) | User.areas.any(Area.id.in_(area_ids)))
    return list(db.session.scalars(stmt))
