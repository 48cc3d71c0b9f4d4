"""Communities of interest as administrators keep them: added, renamed, their protected
characteristic and seldom-heard flag changed, retired and restored. Never deleted: a
retired community stays on the records that name it and in the figures that count it,
but is no longer offered for new records (reference.communities_offered). Audited.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Community, User
from crm.models.reference import PROTECTED_CHARACTERISTICS
from crm.services import access, audit, engagement_figures, records
from crm.services.records import InvalidValue, yes_no

KIND = "community"
FIELDS = ("name", "characteristic", "seldom_heard", "description")


def describe(community: Community) -> dict[str, str]:
    return {  # i18n: not interface (the audit trail's labels, kept as written)
        "Name": community.name,
        "Protected characteristic": community.characteristic_label,
        "Seldom heard": yes_no(community.seldom_heard),
        "Description": community.description or "",
    }


def _require(user: User) -> None:
    access.require(user, "administer", "communities")


def list_communities(user: User) -> list[Community]:
    """Every community, retired ones last."""
    _require(user)
    order = (Community.retired_at.is_not(None), Community.name)
    return list(db.session.scalars(select(Community).order_by(*order)))


def get_community(user: User, community_id: int) -> Community:
    _require(user)
    community = db.session.get(Community, community_id)
    if community is None:
        raise access.RecordNotFound()
    return community


def _check(data: dict[str, Any], community: Community | None) -> dict[str, Any]:
    name = " ".join((data.get("name") or "").split())
    if not name:
        raise InvalidValue("name", _("Enter the community's name"))
    if data.get("characteristic") not in PROTECTED_CHARACTERISTICS:
        raise InvalidValue("characteristic", _("Select the protected characteristic"))
    same_name = select(Community.id).where(func.lower(Community.name) == name.lower())
    if community is not None:
        same_name = same_name.where(Community.id != community.id)
    if db.session.scalar(same_name) is not None:
        raise InvalidValue("name", _("There is already a community called %(name)s", name=name))
    return {
        "name": name,
        "characteristic": data["characteristic"],
        "seldom_heard": bool(data.get("seldom_heard")),
        "description": (data.get("description") or "").strip(),
    }


def add_community(user: User, data: dict[str, Any]) -> Community:
    _require(user)
    community = Community(**_check(data, None))
    db.session.add(community)
    db.session.flush()
    audit.record_event(user, KIND, community.id, "created", None, describe(community))
    return community


def update_community(user: User, community: Community, data: dict[str, Any]) -> bool:
    """Rename it or change what it is; returns whether anything changed. Marking it seldom
    heard (or not) changes which stakeholders serve a seldom-heard community."""
    _require(user)
    values = _check(data, community)
    before = describe(community)
    was_seldom_heard = community.seldom_heard
    for field, value in values.items():
        setattr(community, field, value)
    db.session.flush()
    if community.seldom_heard != was_seldom_heard:
        engagement_figures.refresh_seldom_heard(community.id)
    after = describe(community)
    if after == before:
        return False
    audit.record_event(user, KIND, community.id, "updated", before, after)
    return True


def set_retired(user: User, community: Community, retired: bool) -> bool:
    """Retire it (no longer offered for new records) or offer it again."""
    _require(user)
    return records.set_retired(user, KIND, community, retired)
