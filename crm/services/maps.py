"""What the community map shows: stakeholders the user may see, as compact points,
the gaps among seldom-heard communities, where engagements took place, and the
same information as tables for people who cannot use the map.

Points leave here as Core tuples in a compact list ([lat, lng, id, type]), never
as one folium object each: 100,000 folium markers cost about 25 s and 20 MB a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, or_, select

from crm import clock
from crm.extensions import db
from crm.i18n import day_month_year
from crm.models import Area, Stakeholder, User
from crm.models.stakeholder import STAKEHOLDER_TYPES, stakeholder_communities
from crm.services import access

TYPE_KEYS = list(STAKEHOLDER_TYPES)
# Colours for the stakeholder types, from the GOV.UK palette, told apart in the legend.
TYPE_COLOURS = [
    "#1d70b8", "#00703c", "#4c2c92", "#d4351c", "#f47738", "#28a197", "#912b88",
    "#003078", "#85994b", "#b58840", "#505a5f",
]  # fmt: skip
RECENCY = {
    "engaged": _l("Engaged in the period"),
    "not_engaged": _l("Not engaged in the period"),
    "never": _l("Never engaged"),
}
UNPLACED_SHOWN = 50


@dataclass
class MapFilters:
    area_id: int | None = None
    type: str = ""
    community_id: int | None = None
    seldom_heard: bool = False
    status: str = ""
    recency: str = ""  # "", "engaged", "not_engaged", "never"
    months: int = 12

    def since(self, today: date | None = None) -> date:
        """The first day of the period: the same date `months` calendar months ago."""
        from crm.services.coverage import months_before

        return months_before(today or clock.today(), self.months)


def seldom_heard_served():
    """A condition: the stakeholder serves at least one seldom-heard community (a flag
    kept with its communities, so it is read from the map's index)."""
    return Stakeholder.serves_seldom_heard.is_(True)


def conditions(user: User, filters: MapFilters, today: date | None = None) -> list:
    conds = [Stakeholder.archived_at.is_(None), *access.area_conditions(Stakeholder.area_id, user)]
    if filters.area_id:
        conds.append(Stakeholder.area_id == filters.area_id)
    if filters.type:
        conds.append(Stakeholder.type == filters.type)
    if filters.status:
        conds.append(Stakeholder.status == filters.status)
    if filters.community_id:
        conds.append(
            exists().where(
                stakeholder_communities.c.stakeholder_id == Stakeholder.id,
                stakeholder_communities.c.community_id == filters.community_id,
            )
        )
    if filters.seldom_heard:
        conds.append(seldom_heard_served())
    since = filters.since(today)
    if filters.recency == "engaged":
        conds.append(Stakeholder.last_engaged_on >= since)
    elif filters.recency == "not_engaged":
        conds.append(
            or_(Stakeholder.last_engaged_on.is_(None), Stakeholder.last_engaged_on < since)
        )
    elif filters.recency == "never":
        conds.append(Stakeholder.last_engaged_on.is_(None))
    return conds


def gap_conditions(user: User, filters: MapFilters, today: date | None = None) -> list:
    """Stakeholders serving seldom-heard communities not engaged in the period."""
    since = filters.since(today)
    return [
        *conditions(user, filters, today),
        seldom_heard_served(),
        or_(Stakeholder.last_engaged_on.is_(None), Stakeholder.last_engaged_on < since),
    ]


def type_index():
    """The type's position in TYPE_KEYS, worked out by the database."""
    return case(
        {key: n for n, key in enumerate(TYPE_KEYS)}, value=Stakeholder.type,
        else_=len(TYPE_KEYS) - 1,
    )  # fmt: skip


def points(conds: list, limit: int | None = None) -> list[list]:
    """[[lat, lng, id, type index], ...] for the placed stakeholders matching conds."""
    stmt = select(Stakeholder.latitude, Stakeholder.longitude, Stakeholder.id, type_index()).where(
        *conds, Stakeholder.latitude.is_not(None)
    )
    if limit:
        stmt = stmt.order_by(Stakeholder.id).limit(limit)
    return [[round(a, 5), round(b, 5), c, d] for a, b, c, d in db.session.execute(stmt)]


def points_json(conds: list) -> str:
    """The same points as a JSON array, built by the database.

    For 100,000 points this is several times quicker than rows turned into Python
    lists and back into JSON: the whole array is made in C inside SQLite or PostgreSQL.
    """
    placed = [*conds, Stakeholder.latitude.is_not(None)]
    if db.engine.dialect.name == "sqlite":
        item = func.json_array(
            func.round(Stakeholder.latitude, 5),
            func.round(Stakeholder.longitude, 5),
            Stakeholder.id,
            type_index(),
        )
        stmt = select(func.json_group_array(item)).where(*placed)
        return db.session.scalar(stmt) or "[]"
    # PostgreSQL: joining text is about four times quicker than json_agg here, and
    # double precision already prints in its shortest exact form.
    item = func.concat_ws(
        ",", Stakeholder.latitude, Stakeholder.longitude, Stakeholder.id, type_index()
    )
    joined = db.session.scalar(select(func.string_agg(item, "],[")).where(*placed))
    return f"[[{joined}]]" if joined else "[]"  # fmt: skip


def count_placed(conds: list) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Stakeholder)
            .where(*conds, Stakeholder.latitude.is_not(None))
        )
        or 0
    )


def unplaced(conds: list) -> tuple[int, list]:
    """How many matching stakeholders cannot be placed, and the first of them."""
    where = [*conds, Stakeholder.latitude.is_(None)]
    total = db.session.scalar(select(func.count()).select_from(Stakeholder).where(*where)) or 0
    rows = db.session.execute(
        select(Stakeholder.id, Stakeholder.name, Stakeholder.postcode, Stakeholder.geocode_status)
        .where(*where)
        .order_by(Stakeholder.name, Stakeholder.id)
        .limit(UNPLACED_SHOWN)
    ).all()
    return total, rows


def counts_by_area_and_type(conds: list) -> list[tuple[str, dict[str, int], int]]:
    """[(Area name, {type label: count}, total)] for the table under the map.

    Grouped by the Area's id (read from the map's index), the names added after.
    """
    stmt = (
        select(Stakeholder.area_id, Stakeholder.type, func.count())
        .where(*conds)
        .group_by(Stakeholder.area_id, Stakeholder.type)
    )
    names = dict(db.session.execute(select(Area.id, Area.name)).all())
    table: dict[str, dict[str, int]] = {}
    for area_id, kind, count in db.session.execute(stmt):
        table.setdefault(names[area_id], {})[STAKEHOLDER_TYPES.get(kind, kind)] = count
    return [(name, table[name], sum(table[name].values())) for name in sorted(table)]


def gap_list(conds: list, limit: int = UNPLACED_SHOWN) -> tuple[int, list]:
    """How many gaps there are, and those engaged longest ago (never first).

    The ids come from the map's index in date order; only those rows are then read.
    """
    total = db.session.scalar(select(func.count()).select_from(Stakeholder).where(*conds)) or 0
    ids = list(
        db.session.scalars(
            select(Stakeholder.id)
            .where(*conds)
            .order_by(Stakeholder.last_engaged_on.asc().nulls_first(), Stakeholder.id)
            .limit(limit)
        )
    )
    rows = db.session.execute(
        select(
            Stakeholder.id,
            Stakeholder.name,
            Stakeholder.town,
            Stakeholder.last_engaged_on,
            Area.name,
        )  # fmt: skip
        .join(Area, Area.id == Stakeholder.area_id)
        .where(Stakeholder.id.in_(ids))
    ).all()
    order = {sid: n for n, sid in enumerate(ids)}
    return total, sorted(rows, key=lambda row: order[row[0]])


def popup(user: User, stakeholder_id: int) -> dict | None:
    """What a point's popup shows, for a stakeholder the user may see (else None)."""
    visible = select(Stakeholder.id).where(
        Stakeholder.id == stakeholder_id,
        Stakeholder.archived_at.is_(None),
        *access.area_conditions(Stakeholder.area_id, user),
    )
    if db.session.scalar(visible) is None:
        return None
    return popups_for([stakeholder_id])[stakeholder_id]


def area_ids_in_view(user: User, filters: MapFilters) -> list[int] | None:
    """The Areas the map covers: the chosen one, the user's, or all (None)."""
    if filters.area_id:
        return [filters.area_id] if access.can_see_area(user, filters.area_id) else []
    return access.visible_area_ids(user)


def popups_for(ids: list[int]) -> dict[int, dict]:
    """Popup details for many stakeholders at once (a downloaded map carries them inline).

    The ids come from points() for this user, so they are already within the user's Areas.
    """
    from sqlalchemy.orm import selectinload

    found: dict[int, dict] = {}
    unique = sorted(set(ids))
    for start in range(0, len(unique), 5000):
        stmt = (
            select(Stakeholder)
            .where(Stakeholder.id.in_(unique[start : start + 5000]))
            .options(selectinload(Stakeholder.communities))
        )
        for s in db.session.scalars(stmt):
            found[s.id] = {
                "name": s.name,
                "type": s.type_label,
                "communities": [c.name for c in s.communities],
                "last_engaged_on": day_month_year(s.last_engaged_on)
                if s.last_engaged_on
                else "",
            }
    return found
