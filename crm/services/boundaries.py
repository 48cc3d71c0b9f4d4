"""Area boundaries: importing them as GeoJSON, checked first, and shading them.

A file is checked whole before anything is saved: valid JSON, a FeatureCollection
of Polygon or MultiPolygon features, each matched to an Area by name or code,
closed rings of at least four positions, coordinates within the UK. Any problem
and nothing changes; every problem is listed.
"""

from __future__ import annotations

import json
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from crm.extensions import db
from crm.models import Area, AreaBoundary, EngagementPlace, Stakeholder, User
from crm.services import access, audit
from crm.services.validation import UK_LATITUDE, UK_LONGITUDE

KIND = "area_boundary"
MAX_PROBLEMS = 20
# Boundaries may reach a little beyond the coast the postcode range allows.
LAT_RANGE = (UK_LATITUDE[0] - 1.0, UK_LATITUDE[1] + 1.0)
LNG_RANGE = (UK_LONGITUDE[0] - 2.0, UK_LONGITUDE[1] + 1.0)
SHADES = ["#d2e2f1", "#8eb8dc", "#5694ca", "#1d70b8", "#003078"]
NAME_KEYS = ("area", "name", "area_name", "code", "area_code")


class BoundaryProblems(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def any_boundaries() -> bool:
    return db.session.scalar(select(func.count()).select_from(AreaBoundary)) > 0


def _ring_problems(ring, where: str) -> list[str]:
    if not isinstance(ring, list) or len(ring) < 4:
        return [_("%(where)s: a ring needs at least 4 positions", where=where)]
    problems = []
    for position in ring:
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2])
        ):
            return [_("%(where)s: every position must be a pair of numbers, [longitude, "
                      "latitude]", where=where)]
        lng, lat = position[0], position[1]
        if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LNG_RANGE[0] <= lng <= LNG_RANGE[1]):
            problems.append(_(
                "%(where)s: the position [%(longitude)s, %(latitude)s] is not in the UK "
                "(positions are [longitude, latitude] in WGS84 degrees, not eastings and "
                "northings)", where=where, longitude=lng, latitude=lat))  # fmt: skip
            break
    if ring[0] != ring[-1]:
        problems.append(_("%(where)s: a ring must end where it starts", where=where))
    return problems


def _geometry_problems(geometry, where: str) -> list[str]:
    if not isinstance(geometry, dict):
        return [_("%(where)s: it has no geometry", where=where)]
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        polygons = coordinates
    else:
        return [_("%(where)s: the geometry must be a Polygon or MultiPolygon, not %(kind)s",
                  where=where, kind=kind)]
    problems = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return [_("%(where)s: a polygon needs at least one ring", where=where)]
        for ring in polygon:
            problems += _ring_problems(ring, where)
    return problems


def check(text: str) -> list[tuple[Area, dict]]:
    """The (Area, geometry) pairs in a GeoJSON text, or BoundaryProblems listing each problem."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise BoundaryProblems([_("The file is not valid JSON: %(error)s", error=error)]) from None
    except RecursionError:
        raise BoundaryProblems(
            [_("The file is nested far deeper than GeoJSON ever is: it is not a boundary file")]
        ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryProblems([_("The file must be a GeoJSON FeatureCollection")])
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryProblems([_("The file has no features")])
    areas = list(db.session.scalars(select(Area)))
    by_key = {a.name.lower(): a for a in areas} | {a.code.lower(): a for a in areas}
    problems, found, seen = [], [], {}
    for n, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        label = next(
            (
                str(properties[k])
                for k in NAME_KEYS
                if isinstance(properties, dict) and properties.get(k)
            ),
            "",
        )
        where = (_("Feature %(number)s (%(label)s)", number=n, label=label) if label
                 else _("Feature %(number)s", number=n))
        area = by_key.get(label.strip().lower()) if label else None
        if not label:
            problems.append(_('%(where)s: it needs an "area" or "name" property naming the Area',
                              where=where))
        elif area is None:
            problems.append(_("%(where)s: no Area is called %(label)s", where=where,
                              label=label))
        elif area.id in seen:
            problems.append(_("%(where)s: %(area)s appears twice (also feature %(number)s)",
                              where=where, area=area.name, number=seen[area.id]))
        else:
            seen[area.id] = n
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        problems += _geometry_problems(geometry, where)
        if area is not None:
            found.append((area, geometry))
        if len(problems) >= MAX_PROBLEMS:
            problems.append(_("There may be more problems: correct these and try again"))
            break
    if problems:
        raise BoundaryProblems(problems)
    return found


def import_boundaries(user: User | None, text: str, source: str, illustrative: bool = False):
    """Check the file, then replace the boundaries of the Areas it holds (others stay)."""
    if user is not None:
        access.require_admin(user)
    found = check(text)
    for area, geometry in found:
        db.session.execute(delete(AreaBoundary).where(AreaBoundary.area_id == area.id))
        db.session.add(
            AreaBoundary(
                area_id=area.id,
                geometry=json.dumps(geometry, separators=(",", ":")),
                source=source[:300],
                illustrative=illustrative,
            )  # fmt: skip
        )
        audit.record_event(user, KIND, area.id, "imported", None,
                           {"Area": area.name, "Source": source[:300]})  # fmt: skip
    db.session.flush()
    return [area for area, _geometry in found]


def boundaries() -> list[AreaBoundary]:
    return list(db.session.scalars(select(AreaBoundary).join(Area).order_by(Area.name)))


def _breaks(values: list[float]) -> list[float]:
    """Five classes of equal width from 0 to the largest value."""
    top = max(values, default=0) or 1
    return [top * i / len(SHADES) for i in range(len(SHADES))]


def _format(value: float, per_stakeholder: bool) -> str:
    return f"{value:.1f}" if per_stakeholder else f"{int(round(value)):,}"


def feature_collection(user: User, area_ids: list[int] | None, since: date, shade: str) -> dict:
    """The Areas' boundaries the user may see, each with its value and colour if shaded."""
    stmt = select(AreaBoundary).join(Area)
    if area_ids is not None:
        stmt = stmt.where(AreaBoundary.area_id.in_(area_ids))
    rows = list(db.session.scalars(stmt.order_by(Area.name)))
    values: dict[int, float] = {}
    if shade in ("engagements", "per_stakeholder") and rows:
        ids = [b.area_id for b in rows]
        held = dict(
            db.session.execute(
                select(EngagementPlace.area_id, func.sum(EngagementPlace.engagements))
                .where(
                    EngagementPlace.area_id.in_(ids), EngagementPlace.month >= since.replace(day=1)
                )
                .group_by(EngagementPlace.area_id)
            ).all()
        )
        if shade == "per_stakeholder":
            people = dict(
                db.session.execute(
                    select(Stakeholder.area_id, func.count())
                    .where(Stakeholder.area_id.in_(ids), Stakeholder.archived_at.is_(None))
                    .group_by(Stakeholder.area_id)
                ).all()
            )
            values = {i: (held.get(i, 0) / people[i]) if people.get(i) else 0.0 for i in ids}
        else:
            values = {i: float(held.get(i, 0)) for i in ids}
    breaks = _breaks(list(values.values()))
    per = shade == "per_stakeholder"
    features = []
    for b in rows:
        value = values.get(b.area_id)
        colour = "#f3f2f1"
        if value is not None:
            colour = SHADES[max(i for i, low in enumerate(breaks) if value >= low)]
        if value is None:
            label = _("illustrative outline") if b.illustrative else _("boundary")
        elif per:
            label = _("%(value)s per stakeholder", value=_format(value, per))
        else:
            label = _("%(value)s engagements", value=_format(value, per))
        features.append({
            "type": "Feature",
            "geometry": json.loads(b.geometry),
            "properties": {"name": b.area.name, "value": value, "label": label, "colour": colour},
        })  # fmt: skip
    legend = []
    if values:
        top = breaks + [max(values.values())]
        legend = [
            [SHADES[i], _("%(low)s to %(high)s", low=_format(top[i], per),
                          high=_format(top[i + 1], per))]
            for i in range(len(SHADES))
        ]
    return {"type": "FeatureCollection", "features": features, "legend": legend,
            "illustrative": any(b.illustrative for b in rows)}  # fmt: skip
