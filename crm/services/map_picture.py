"""The map as a picture for a report: one Area's outline, its stakeholders, the gaps among
seldom-heard communities and where engagements took place in a period, as SVG markup
drawn on the server (crm/services/map_picture_svg.py).

No tiles, no script, nothing fetched: the same markup is a file to save from the map
page, part of the quarterly report's page, and part of its PDF (WeasyPrint fetches
nothing, so the picture must be inline markup, not a URL).

The layers are the map's: stakeholders by type, gaps (serving a seldom-heard community
with no engagement held in the period, read from the engagement links' own dates so a
past quarter is exact) and engagements per map cell. Above CELLS_ABOVE placed
stakeholders the picture counts them per square instead of drawing each one: on the
benchmark, an Area's 7,000 stakeholders as named markers would be about a megabyte.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import and_, case, exists, func, literal, select

from crm.extensions import db
from crm.i18n import day_month_year
from crm.models import Area, AreaBoundary, Stakeholder, User
from crm.models.engagement import engagement_stakeholders
from crm.services import access, engagement_places, maps
from crm.services.access import RecordNotFound

# More placed stakeholders than this and the picture counts them per square.
CELLS_ABOVE = 2_000


@dataclass
class Drawing:
    """What the picture shows, read from the database: plain values, no queries left."""

    area_name: str
    since: date
    until: date
    rings: list[list[tuple[float, float]]]  # the outline's rings, (lng, lat) pairs
    illustrative: bool
    # (lat, lng, id, name, type index, gap); name is "" when counted per square
    stakeholders: list[tuple]
    unplaced: int
    engagements: list[list]  # [[lat, lng, engagements], ...] per map cell
    cells: bool  # counted per square rather than drawn one by one


@dataclass
class MapPicture:
    """An Area's map for a period, drawn when first asked for (a report's CSV or Excel
    file never draws it)."""

    area: Area
    since: date
    until: date
    conditions: list = field(repr=False)
    _svg: Markup | None = field(default=None, repr=False)

    @property
    def title(self) -> str:
        return _("The map of %(area)s", area=self.area.name)

    @property
    def period(self) -> str:
        return period_text(self.since, self.until)

    def drawing(self) -> Drawing:
        return read(self.area, self.since, self.until, self.conditions)

    def svg(self) -> Markup:
        from crm.services.map_picture_svg import render

        if self._svg is None:
            self._svg = render(self.drawing(), uid=f"map-picture-{self.area.id}")
        return self._svg

    def document(self) -> str:
        """The picture as a file of its own."""
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + str(self.svg())  # i18n: not interface


def period_text(since: date, until: date) -> str:
    """The picture's period in words: "1 April 2026 to 30 June 2026"."""
    return _("%(start)s to %(end)s", start=day_month_year(since), end=day_month_year(until))


def for_area(user: User, area_id: int | None, since: date, until: date) -> MapPicture:
    """The picture of an Area the user works in (or, with none chosen, their first
    Area); any other Area is not found, exactly like one that does not exist."""
    if area_id is None:
        ids = access.visible_area_ids(user)
        area_id = (ids[0] if ids else None) if ids is not None else db.session.scalar(
            select(Area.id).order_by(Area.name).limit(1))  # fmt: skip
    area = db.session.get(Area, area_id) if area_id is not None else None
    if area is None or not access.can_see_area(user, area.id):
        raise RecordNotFound()
    since, until = min(since, until), max(since, until)
    conditions = maps.conditions(user, maps.MapFilters(area_id=area.id))
    return MapPicture(area, since, until, conditions)


def _gap(since: date, until: date):
    """1 for a stakeholder serving a seldom-heard community with no engagement that
    counts held in the period (read from the links' index), else 0."""
    link = engagement_stakeholders.c
    engaged = exists().where(link.stakeholder_id == Stakeholder.id, link.counts == 1,
                             link.held_on >= since, link.held_on <= until)  # fmt: skip
    return case((and_(Stakeholder.serves_seldom_heard.is_(True), ~engaged), 1), else_=0)


def _rings(boundary: AreaBoundary | None) -> list[list[tuple[float, float]]]:
    if boundary is None:
        return []
    geometry = json.loads(boundary.geometry)
    polygons = geometry["coordinates"]
    if geometry.get("type") == "Polygon":
        polygons = [polygons]
    return [[(p[0], p[1]) for p in ring] for polygon in polygons for ring in polygon]


def read(area: Area, since: date, until: date, conditions: list) -> Drawing:
    """Everything the picture shows, in four small queries (Core tuples, not ORM rows)."""
    placed = [*conditions, Stakeholder.latitude.is_not(None)]
    total = db.session.scalar(select(func.count()).select_from(Stakeholder).where(*placed)) or 0
    unplaced = db.session.scalar(select(func.count()).select_from(Stakeholder).where(
        *conditions, Stakeholder.latitude.is_(None))) or 0  # fmt: skip
    cells = total > CELLS_ABOVE
    name = Stakeholder.name if not cells else literal("")
    # Unordered, so SQLite reads the map's covering index (a third quicker); sorted here.
    rows = sorted(db.session.execute(
        select(Stakeholder.latitude, Stakeholder.longitude, Stakeholder.id, name,
               maps.type_index(), _gap(since, until)).where(*placed)
    ).all(), key=lambda row: row[2])  # fmt: skip
    boundary = db.session.get(AreaBoundary, area.id)
    return Drawing(
        area_name=area.name, since=since, until=until, rings=_rings(boundary),
        illustrative=bool(boundary and boundary.illustrative),
        stakeholders=[tuple(r) for r in rows], unplaced=unplaced,
        engagements=engagement_places.weighted_cells([area.id], since, until), cells=cells,
    )  # fmt: skip
