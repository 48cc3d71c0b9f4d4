"""Reference lists for forms and filters, scoped to what the user may see."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from crm.extensions import db
from crm.models import Area, Community, User
from crm.services import access
from crm.services.records import InvalidValue


def areas_for(user: User) -> list[Area]:
    """The Areas a user works in (every Area for a national user)."""
    if user.is_national:
        return list(db.session.scalars(select(Area).order_by(Area.name)))
    return list(user.areas)


def check_area_choice(user: User, area_id: int | None, what: str) -> None:
    """The Area chosen for a panel, objective or plan: one the user works in; none
    (national) only for national users."""
    if area_id is None:
        if not user.is_national:
            # Whole sentences, one for each kind of record (word order differs in Welsh).
            messages = {
                "panel": _("Select the panel's Area: only national users add national panels"),
                "objective": _("Select the objective's Area: only national users add "
                               "national objectives"),
                "plan": _("Select the plan's Area: only national users add national plans"),
            }
            raise InvalidValue("area_id", messages[what])
    elif not access.can_place_in(user, area_id):
        raise InvalidValue("area_id", _("Select an Area you work in"))


def communities_by_ids(ids: list[int], kept: Iterable[Community] = ()) -> list[Community]:
    """The chosen communities, or InvalidValue if any id is not a community, or is a retired
    one the record did not already have (`kept`: a record keeps a community retired since)."""
    wanted = set(ids)
    if not wanted:  # every save of a record with none chosen: no query
        return []
    found = list(db.session.scalars(select(Community).where(Community.id.in_(wanted))))
    if len(found) != len(wanted):
        raise InvalidValue("community_ids", _("Select communities from the list"))
    kept_ids = {c.id for c in kept}
    for community in found:
        if community.retired and community.id not in kept_ids:
            raise InvalidValue(
                "community_ids",
                _("%(name)s has been retired: select another community", name=community.name),
            )
    return found


def all_communities() -> list[Community]:
    """Every community, retired ones too: for filters and figures, which still count them."""
    return list(db.session.scalars(select(Community).order_by(Community.name)))


def communities_offered(kept: Iterable[Community] = ()) -> list[Community]:
    """The communities a form offers: those not retired, and any retired one the record
    already has (`kept`), so an edit never drops it unseen."""
    kept_ids = [c.id for c in kept]
    offered = Community.retired_at.is_(None) | Community.id.in_(kept_ids)
    return list(db.session.scalars(select(Community).where(offered).order_by(Community.name)))


def staff_for(user: User, keep: set[int] = frozenset()) -> list[User]:
    """Active staff who work in any of the user's Areas, or nationally, plus anyone in
    `keep` (a record's current owner or lead), so an edit form never drops them unseen."""
    chosen = User.active.is_(True)
    area_ids = access.visible_area_ids(user)
    if area_ids is not None:
        chosen = chosen & (User.is_national.is_(True) | User.areas.any(Area.id.in_(area_ids)))
    if keep:
        chosen = chosen | User.id.in_(list(keep))
    return list(db.session.scalars(select(User).where(chosen).order_by(User.name)))
