"""Areas as administrators keep them: each one's name and code. Audited.

The code is also how a boundary file names an Area (its features' "code" or "area_code"
property, as boundaries.check reads them), beside the name.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Area, AreaBoundary, User
from crm.services import access, audit
from crm.services.records import InvalidValue

KIND = "area"
CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def describe(area: Area) -> dict[str, str]:
    return {"Name": area.name, "Code": area.code}


def _require(user: User) -> None:
    access.require(user, "administer", "areas")


def list_areas(user: User) -> list[tuple[Area, bool]]:
    """Every Area, and whether a boundary has been imported for it."""
    _require(user)
    bounded = set(db.session.scalars(select(AreaBoundary.area_id)))
    return [(a, a.id in bounded) for a in all_areas()]


def all_areas() -> list[Area]:
    """Every Area, to give a person (an administrator's choice, not scoped to their own)."""
    return list(db.session.scalars(select(Area).order_by(Area.name)))


def get_area(user: User, area_id: int) -> Area:
    _require(user)
    area = db.session.get(Area, area_id)
    if area is None:
        raise access.RecordNotFound()
    return area


def _taken(column, value: str, area: Area) -> bool:
    stmt = select(Area.id).where(func.lower(column) == value.lower(), Area.id != area.id)
    return db.session.scalar(stmt) is not None


def update_area(user: User, area: Area, data: dict[str, Any]) -> bool:
    """Rename an Area or change its code; returns whether anything changed."""
    _require(user)
    name = " ".join((data.get("name") or "").split())
    code = (data.get("code") or "").strip().lower()
    if not name:
        raise InvalidValue("name", _("Enter the Area's name"))
    if _taken(Area.name, name, area):
        raise InvalidValue("name", _("There is already an Area called %(name)s", name=name))
    if not CODE.fullmatch(code):
        raise InvalidValue("code", _("Enter a code of lower-case letters, numbers and hyphens, "
                                     "like mersey-cheshire"))  # fmt: skip
    if _taken(Area.code, code, area):
        raise InvalidValue("code", _("Another Area already has the code %(code)s", code=code))
    before = describe(area)
    area.name, area.code = name, code
    db.session.flush()
    after = describe(area)
    if after == before:
        return False
    audit.record_event(user, KIND, area.id, "updated", before, after)
    return True
