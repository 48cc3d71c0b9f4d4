"""Figures for the home page, counted within the user's Areas."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Contact, Stakeholder, User
from crm.services import access


@dataclass
class Summary:
    stakeholders: int
    contacts: int
    my_stakeholders: int


def _count(model, user: User, *conditions) -> int:
    stmt = select(func.count()).select_from(model).where(model.archived_at.is_(None), *conditions)
    return db.session.scalar(access.scope_to_user_areas(stmt, model.area_id, user)) or 0


def summary_for(user: User) -> Summary:
    return Summary(
        stakeholders=_count(Stakeholder, user),
        contacts=_count(Contact, user),
        my_stakeholders=_count(Stakeholder, user, Stakeholder.owner_id == user.id),
    )
