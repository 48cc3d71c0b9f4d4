"""Casework priorities as reference data: administrators add and retire them.

A priority is never deleted: retiring it stops it being offered for new
feedback while the feedback already linked to it keeps it.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import CaseworkPriority, User
from crm.models.common import utcnow
from crm.services import access, audit
from crm.services.access import RecordNotFound
from crm.services.records import InvalidValue

KIND = "casework_priority"


def get(priority_id: int) -> CaseworkPriority:
    priority = db.session.get(CaseworkPriority, priority_id)
    if priority is None:
        raise RecordNotFound()
    return priority


def top_level() -> list[CaseworkPriority]:
    stmt = select(CaseworkPriority).where(
        CaseworkPriority.parent_id.is_(None), CaseworkPriority.retired_at.is_(None)
    )
    return list(db.session.scalars(stmt.order_by(CaseworkPriority.position, CaseworkPriority.name)))


def tree() -> list[CaseworkPriority]:
    """Every top-level priority (retired ones too), each with its strands loaded."""
    stmt = select(CaseworkPriority).where(CaseworkPriority.parent_id.is_(None))
    return list(db.session.scalars(stmt.order_by(CaseworkPriority.position, CaseworkPriority.name)))


def add(user: User, name: str, parent_id: int | None) -> CaseworkPriority:
    access.require_admin(user)
    if parent_id is not None and get(parent_id).parent_id is not None:
        raise InvalidValue(
            "parent_id", _("Priorities have two levels: choose a top-level priority")
        )
    same = select(CaseworkPriority).where(
        func.lower(CaseworkPriority.name) == name.lower(),
        CaseworkPriority.parent_id.is_(None)
        if parent_id is None
        else CaseworkPriority.parent_id == parent_id,
    )
    if db.session.scalars(same).first() is not None:
        raise InvalidValue(
            "name", _("There is already a priority called %(name)s there", name=name)
        )
    position = db.session.scalar(
        select(func.coalesce(func.max(CaseworkPriority.position), 0) + 1).where(
            CaseworkPriority.parent_id.is_(None)
            if parent_id is None
            else CaseworkPriority.parent_id == parent_id
        )
    )
    priority = CaseworkPriority(name=name, parent_id=parent_id, position=position)
    db.session.add(priority)
    db.session.flush()
    audit.record_event(user, KIND, priority.id, "created", None, {"Name": priority.label})
    return priority


def set_retired(user: User, priority: CaseworkPriority, retired: bool) -> None:
    access.require_admin(user)
    priority.retired_at = utcnow() if retired else None
    audit.record_event(
        user, KIND, priority.id, "retired" if retired else "restored",
        {"Retired": "No" if retired else "Yes"}, {"Retired": "Yes" if retired else "No"},
    )  # fmt: skip
