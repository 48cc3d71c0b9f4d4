"""The community map: a GOV.UK page with filters and tables, the map in an iframe of
its own (a folium document), and the JSON its layers load."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import escape
from sqlalchemy import func, select

from crm import clock, i18n
from crm.extensions import db
from crm.i18n import language
from crm.maps import render
from crm.maps.words import map_words
from crm.models import Stakeholder
from crm.models.stakeholder import STAKEHOLDER_STATUSES, STAKEHOLDER_TYPES
from crm.security import content_security_policy
from crm.services import (
    boundaries,
    engagement_places,
    geocoding,
    map_picture,
    maps,
    reference,
)
from crm.services.access import RecordNotFound
from crm.templating import format_date, url_with_query
from crm.views_common import arg_date, arg_int

bp = Blueprint("maps", __name__, url_prefix="/map")

LAYERS = {
    "stakeholders": _l("Stakeholders, coloured by type"),
    "gaps": _l("Gaps: stakeholders serving seldom-heard communities not engaged in the period"),
    "engagements": _l("Where engagements took place, weighted by how many"),
    "boundaries": _l("Area boundaries"),
}
SHADING = {
    "": _l("No shading"),
    "engagements": _l("Engagements in the period"),
    "per_stakeholder": _l("Engagements per stakeholder"),
}
# A downloaded map holds at most this many points, and says when it leaves some out.
DOWNLOAD_LIMIT = 20_000


def filters_from_args() -> maps.MapFilters:
    def choice(name, allowed):
        value = request.args.get(name, "")
        return value if value in allowed else ""

    months = arg_int("months") or 12
    return maps.MapFilters(
        area_id=arg_int("area"),
        type=choice("type", STAKEHOLDER_TYPES),
        community_id=arg_int("community"),
        seldom_heard=request.args.get("seldom_heard") == "1",
        status=choice("status", STAKEHOLDER_STATUSES),
        recency=choice("recency", maps.RECENCY),
        months=min(max(months, 1), 120),
    )


def chosen_layers() -> list[str]:
    chosen = [name for name in request.args.getlist("layer") if name in LAYERS]
    return chosen or ["stakeholders", "boundaries"]


def _args() -> dict:
    """The query string to pass on to the frame and the JSON (filters and layers)."""
    return {k: request.args.getlist(k) for k in request.args}


def _url(endpoint: str, **extra) -> str:
    """An endpoint's URL carrying this page's query string (see url_with_query)."""
    return url_with_query(endpoint, _args() | extra)


@bp.route("")
def index():
    """The map page: filters, the map, and the same information as tables."""
    filters = filters_from_args()
    conds = maps.conditions(current_user, filters)
    gap_total, gaps = maps.gap_list(maps.gap_conditions(current_user, filters))
    unplaced_total, unplaced = maps.unplaced(conds)
    areas = reference.areas_for(current_user)
    return render_template(
        "maps/index.html",
        filters=filters,
        layers=chosen_layers(),
        layer_names=LAYERS,
        shading=request.args.get("shade", "") if request.args.get("shade") in SHADING else "",
        shading_names=SHADING,
        areas=areas,
        communities=reference.all_communities(),
        types=STAKEHOLDER_TYPES,
        statuses=STAKEHOLDER_STATUSES,
        recency=maps.RECENCY,
        since=filters.since(),
        counts=maps.counts_by_area_and_type(conds),
        type_labels=list(STAKEHOLDER_TYPES.values()),
        gap_total=gap_total,
        gaps=gaps,
        unplaced_total=unplaced_total,
        unplaced=unplaced,
        geocode_labels=geocoding.STATUS_LABELS,
        frame_url=_url(".frame"),
        download_url=_url(".download"),
        picture_url=_picture_url(filters, areas),
        attribution=geocoding.ATTRIBUTION,
        has_boundaries=boundaries.any_boundaries(),
    )


def _picture_url(filters: maps.MapFilters, areas: list) -> str | None:
    """The picture of the chosen Area (or the user's only one) for the map's period."""
    ids = [a.id for a in areas]
    area_id = filters.area_id or (ids[0] if len(ids) == 1 else None)
    if area_id not in ids:
        return None
    period = {"from": filters.since().isoformat(), "to": clock.today().isoformat()}
    return url_for(".picture", area=area_id, **period)


def _config(filters: maps.MapFilters, data: dict | None = None) -> dict:
    shade = request.args.get("shade", "")
    config = {
        "text": map_words(),
        "types": [
            [label, maps.TYPE_COLOURS[n % len(maps.TYPE_COLOURS)]]
            for n, label in enumerate(STAKEHOLDER_TYPES.values())
        ],
        "layers": chosen_layers(),
        "urls": {
            "points": _url(".points"),
            "gaps": _url(".points", kind=["gaps"]),
            "engagements": _url(".engagements"),
            "boundaries": _url(".boundary_shapes")
            if boundaries.any_boundaries()
            else "",
            "popup": url_for(".popup", stakeholder_id=0)[: -len("0.json")] + "{id}.json",
            "stakeholder": url_for("stakeholders.detail", stakeholder_id=0)[:-1] + "{id}",
        },
        "bounds": _bounds(filters),
        "shadeTitle": str(SHADING[shade]) if shade in ("engagements", "per_stakeholder") else "",
    }
    if data is not None:
        config["data"] = data
        config["urls"] = {"stakeholder": "", "popup": ""}
    return config


def _bounds(filters: maps.MapFilters):
    conds = maps.conditions(current_user, filters)
    row = db.session.execute(
        select(func.min(Stakeholder.latitude), func.min(Stakeholder.longitude),
               func.max(Stakeholder.latitude), func.max(Stakeholder.longitude))
        .where(*conds, Stakeholder.latitude.is_not(None))
    ).first()  # fmt: skip
    if row is None or row[0] is None:
        return None
    return [[row[0], row[1]], [row[2], row[3]]]


def _frame_headers(response: Response, nonce: str) -> Response:
    """The map document may sit in a frame of this site and load tiles from their host."""
    tiles = render.tile_origin(current_app.config["MAP_TILES"])
    response.headers["Content-Security-Policy"] = content_security_policy(
        nonce,
        style_src=f"'self' 'nonce-{nonce}'",
        style_src_attr="'unsafe-inline'",
        img_src=f"'self' data: {tiles}",
        connect_src="'self'",
        frame_ancestors="'self'",
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _one_place_config(lat: float, lng: float, type_index: int, popup: dict) -> dict:
    """A small map of one record: its point, no legend, zoomed in."""
    return {
        "text": map_words(),
        "types": [
            [label, maps.TYPE_COLOURS[n % len(maps.TYPE_COLOURS)]]
            for n, label in enumerate(STAKEHOLDER_TYPES.values())
        ],  # fmt: skip
        "layers": ["stakeholders"],
        "urls": {"stakeholder": "", "popup": ""},
        "bounds": [[lat - 0.01, lng - 0.015], [lat + 0.01, lng + 0.015]],
        "shadeTitle": "",
        "small": True,
        "data": {"points": {"points": [[lat, lng, 1, type_index]]}, "popups": {"1": popup}},
    }


def _small_map_config() -> dict | None:
    """?stakeholder=ID or ?engagement=ID: the one record's place, if it has one."""
    from crm.services.engagements import get_engagement
    from crm.services.stakeholders import get_stakeholder

    if stakeholder_id := arg_int("stakeholder"):
        s = get_stakeholder(current_user, stakeholder_id)
        if s.latitude is None:
            return None
        popup = maps.popups_for([s.id])[s.id]
        return _one_place_config(s.latitude, s.longitude, maps.TYPE_KEYS.index(s.type), popup)
    if engagement_id := arg_int("engagement"):
        e = get_engagement(current_user, engagement_id)
        if e.latitude is None:
            return None
        where = e.location_stakeholder.name if e.location_stakeholder else e.location_postcode
        popup = {"name": e.title, "type": gettext("Held %(day)s", day=format_date(e.held_on)),
                 "communities": [], "last_engaged_on": "", "where": where}  # fmt: skip
        return _one_place_config(e.latitude, e.longitude, len(maps.TYPE_KEYS) - 1, popup)
    return None


@bp.route("/frame")
def frame():
    """The map itself: a folium document with Leaflet served by the app.

    With ?stakeholder=ID or ?engagement=ID it is the small map of that record.
    """
    filters = filters_from_args()
    small = request.args.get("stakeholder") or request.args.get("engagement")
    config = _small_map_config() if small else _config(filters)
    if config is None:
        return _frame_headers(
            Response(f'<!DOCTYPE html><html lang="{language()}"><body><p>'  # i18n: not interface
                     f'{escape(gettext("No location recorded."))}</p></body></html>',
                     mimetype="text/html"), g.csp_nonce,
        )  # fmt: skip
    m = render.build_map(
        config, current_app.config["MAP_TILES"], current_app.config["MAP_TILES_ATTRIBUTION"],
    )  # fmt: skip
    assets = {
        "leaflet_css": url_for("static", filename="build/map/leaflet.css"),
        "map_css": url_for("static", filename="css/map.css"),
        "leaflet_js": url_for("static", filename="build/map/leaflet.js"),
        "supercluster_js": url_for("static", filename="build/map/supercluster.min.js"),
        "map_js": url_for("static", filename="js/map.js"),
    }
    html = render.served_document(m, assets, g.csp_nonce)
    return _frame_headers(Response(html, mimetype="text/html"), g.csp_nonce)


class JSONText(str):
    """JSON already written (by the database), sent as it is."""


def compact_json(payload) -> Response:
    """JSON without spaces, gzipped (level 1: fast) when the browser accepts it."""
    if isinstance(payload, JSONText):
        body = payload.encode()
    else:
        body = json.dumps(payload, separators=(",", ":"), default=i18n.json_text).encode()
    response = Response(body, mimetype="application/json")
    if "gzip" in request.headers.get("Accept-Encoding", "") and len(body) > 1024:
        response.set_data(gzip.compress(body, compresslevel=1))
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/points.json")
def points():
    """The stakeholders (or, with kind=gaps, the gaps) as [[lat, lng, id, type], ...]."""
    filters = filters_from_args()
    if request.args.get("kind") == "gaps":
        conds = maps.gap_conditions(current_user, filters)
    else:
        conds = maps.conditions(current_user, filters)
    return compact_json(JSONText('{"points":' + maps.points_json(conds) + "}"))


@bp.route("/engagements.json")
def engagements():
    """Held engagements since the period's first month, per map cell: [[lat, lng, n], ...]."""
    filters = filters_from_args()
    area_ids = maps.area_ids_in_view(current_user, filters)
    return compact_json(engagement_places.weighted_cells(area_ids, filters.since()))


@bp.route("/boundaries.json")
def boundary_shapes():
    filters = filters_from_args()
    return compact_json(
        boundaries.feature_collection(
            current_user, maps.area_ids_in_view(current_user, filters), filters.since(),
            request.args.get("shade", ""),
        )
    )  # fmt: skip


@bp.route("/stakeholders/<int:stakeholder_id>.json")
def popup(stakeholder_id: int):
    data = maps.popup(current_user, stakeholder_id)
    if data is None:
        raise RecordNotFound()
    return compact_json(data)


@bp.route("/picture.svg")
def picture():
    """The map of one Area and period as an SVG picture to save (?area=&from=&to=)."""
    since = arg_date("from") or filters_from_args().since()
    found = map_picture.for_area(current_user, arg_int("area"), since,
                                 arg_date("to") or clock.today())  # fmt: skip
    name = f"engage-map-area-{found.area.id}-{found.since}-to-{found.until}.svg"
    return Response(found.document(), mimetype="image/svg+xml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@bp.route("/download")
def download():
    """A self-contained HTML file of the current view and filters, for a board paper."""
    filters = filters_from_args()
    conds = maps.conditions(current_user, filters)
    placed = maps.count_placed(conds)
    data = {"points": {"points": maps.points(conds, limit=DOWNLOAD_LIMIT)}}
    layers = chosen_layers()
    gap_conds = maps.gap_conditions(current_user, filters)
    data["gaps"] = {"points": maps.points(gap_conds, limit=DOWNLOAD_LIMIT)}
    area_ids = maps.area_ids_in_view(current_user, filters)
    data["engagements"] = engagement_places.weighted_cells(area_ids, filters.since())
    data["boundaries"] = boundaries.feature_collection(
        current_user, area_ids, filters.since(), request.args.get("shade", "")
    )
    ids = [p[2] for p in data["points"]["points"]] + [p[2] for p in data["gaps"]["points"]]
    data["popups"] = maps.popups_for(ids)
    shown = len(data["points"]["points"])
    if shown < placed:
        note = gettext(
            "Engage community map, %(day)s: %(shown)s of %(placed)s stakeholders (the first "
            "%(limit)s; narrow the filters to include the rest).",
            day=format_date(clock.today()), shown=format(shown, ","), placed=format(placed, ","),
            limit=format(DOWNLOAD_LIMIT, ","),
        )  # fmt: skip
    else:
        note = gettext(
            "Engage community map, %(day)s: %(shown)s of %(placed)s stakeholders.",
            day=format_date(clock.today()), shown=format(shown, ","), placed=format(placed, ","),
        )  # fmt: skip
    note += " " + geocoding.ATTRIBUTION
    config = _config(filters, data=data) | {"layers": layers}
    m = render.build_map(
        config, current_app.config["MAP_TILES"], current_app.config["MAP_TILES_ATTRIBUTION"]
    )
    html = render.standalone_document(m, Path(current_app.static_folder), note)
    return Response(
        html,
        mimetype="text/html",
        headers={"Content-Disposition": f'attachment; filename="engage-map-{clock.today()}.html"'},
    )
