"""The community map: points, filters and Area scoping, the gap layer, escaping in
every map element, no outside asset in any rendered map, boundaries, postcodes."""

import gzip
import io
import json
import re
import zipfile
from datetime import date, timedelta

import pyproj
import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import AreaBoundary, Engagement, PostcodeSet, Stakeholder
from crm.services import (
    boundaries,
    engagement_figures,
    geocoding,
    postcode_import,
)
from tests.conftest import TODAY, area, make_app, sign_in

HOSTILE = "<img src=x onerror=alert(1)>${alert(1)}`</script>"


def _points(client, query=""):
    response = client.get(f"/map/points.json{query}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    body = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return json.loads(body)["points"]


def test_points_are_compact_and_kept_to_the_users_areas(client, signed_in, make_stakeholder):
    signed_in("lead", areas=("Mersey-Cheshire",))
    here = make_stakeholder(name="Here", latitude=53.4, longitude=-2.99, type="faith")
    make_stakeholder("West Midlands", name="Elsewhere", latitude=52.48, longitude=-1.89)
    make_stakeholder(name="Nowhere")  # no coordinates
    points = _points(client)
    assert points == [[53.4, -2.99, here, 2]]  # faith is the third type
    with client.application.app_context():
        other = area("West Midlands").id
    assert _points(client, f"?area={other}") == []  # not even by asking for the Area
    page = client.get("/map").get_data(as_text=True)
    assert "Elsewhere" not in page and "West Midlands" not in page.split('id="counts"')[1]
    assert "cannot be placed on the map" in page and "Nowhere" in page


def test_points_follow_the_filters(client, signed_in, make_stakeholder):
    signed_in("lead")
    old = TODAY - timedelta(days=400)
    a = make_stakeholder(name="A", latitude=53.4, longitude=-2.9, type="faith",
                         communities=["Gypsy, Roma and Traveller communities"],
                         last_engaged_on=TODAY)  # fmt: skip
    b = make_stakeholder(name="B", latitude=53.3, longitude=-2.8, type="vcs",
                         communities=["Older people"], last_engaged_on=old)  # fmt: skip
    c = make_stakeholder(name="C", latitude=53.2, longitude=-2.7, type="vcs", status="dormant")
    ids = lambda query: sorted(p[2] for p in _points(client, query))  # noqa: E731
    assert ids("") == sorted([a, b, c])
    assert ids("?type=vcs") == sorted([b, c])
    assert ids("?status=dormant") == [c]
    assert ids("?seldom_heard=1") == [a]
    assert ids("?recency=engaged&months=12") == [a]
    assert ids("?recency=not_engaged&months=12") == sorted([b, c])
    assert ids("?recency=never") == [c]
    with client.application.app_context():
        from tests.conftest import community

        older = community("Older people").id
    assert ids(f"?community={older}") == [b]


@pytest.mark.parametrize(
    "today, months, boundary",
    [
        (TODAY, 12, date(2025, 11, 30)),
        # Month ends: the same day that many months ago, or that month's last day.
        (date(2026, 12, 31), 10, date(2026, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
    ],
)
def test_gap_layer_against_a_hand_made_fixture(
    app, client, signed_in, make_stakeholder, monkeypatch, today, months, boundary
):
    """Gaps: serving a seldom-heard community and not engaged on or since the date
    `months` calendar months ago (worked out by hand for each case)."""
    monkeypatch.setitem(app.config, "TODAY", today)
    signed_in("lead")
    roma, older = "Gypsy, Roma and Traveller communities", "Older people"
    never = make_stakeholder(name="Never", latitude=53.1, longitude=-2.9, communities=[roma])
    stale = make_stakeholder(name="Stale", latitude=53.2, longitude=-2.9, communities=[roma],
                             last_engaged_on=boundary - timedelta(days=1))  # fmt: skip
    make_stakeholder(name="On the day", latitude=53.3, longitude=-2.9, communities=[roma],
                     last_engaged_on=boundary)  # fmt: skip
    make_stakeholder(name="Not seldom heard", latitude=53.4, longitude=-2.9, communities=[older])
    gaps = sorted(p[2] for p in _points(client, f"?kind=gaps&months={months}"))
    assert gaps == sorted([never, stale])
    page = client.get(f"/map?months={months}").get_data(as_text=True)
    table = page.split('id="gaps"')[1]
    assert "Never" in table and "Stale" in table and "On the day" not in table


def test_hostile_names_are_text_in_every_map_element(app, client, signed_in, make_stakeholder,
                                                     make_engagement):  # fmt: skip
    signed_in("admin", national=True)
    s = make_stakeholder(name=HOSTILE, town=HOSTILE, latitude=53.4, longitude=-2.9,
                         communities=["Older people"])  # fmt: skip
    e = make_engagement(title=HOSTILE, stakeholder_ids=[s])
    with app.app_context():
        engagement = db.session.get(Engagement, e)
        engagement.latitude, engagement.longitude = 53.4, -2.9
        db.session.commit()
    popup = client.get(f"/map/stakeholders/{s}.json").get_json()
    assert popup["name"] == HOSTILE  # JSON, put on the page with textContent by map.js
    for url in ("/map", f"/stakeholders/{s}", f"/engagements/{e}"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html, url
    for url in (f"/map/frame?stakeholder={s}", f"/map/frame?engagement={e}", "/map/download"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html and "</script>`" not in html, url
        config = re.search(r'id="engage-map-config">(.*?)</script>', html, re.S).group(1)
        assert "<" not in config  # escaped as \\u003c inside the JSON
        popups = json.loads(config)["data"]["popups"]
        assert HOSTILE in [p["name"] for p in popups.values()]  # intact, as data
    script = app.static_folder + "/js/map.js"
    code = open(script, encoding="utf-8").read()
    assert "innerHTML" not in code and "bindPopup(function" in code  # text nodes only


def _external_urls(html: str) -> list[str]:
    """Everything the page would load from another host: scripts, stylesheets, images,
    CSS url()s, and any script or stylesheet URL written into a script. (A plain link
    a person may follow, like Leaflet's credit, loads nothing.)"""
    found = re.findall(r'\bsrc="(https?://[^"]+)"', html)
    found += re.findall(r'<link[^>]+href="(https?://[^"]+)"', html)
    found += re.findall(r"url\(['\"]?(https?://[^)'\"]+)", html)
    found += re.findall(r"https?://[a-z0-9.-]+\.[a-z]+/[^\s\"')]+\.(?:js|css)\b", html)
    return found


@pytest.mark.parametrize("tiles", ["none", "osm"])
def test_no_rendered_map_loads_anything_from_another_host(app, client, signed_in,
                                                          make_stakeholder, tiles):  # fmt: skip
    signed_in("admin", national=True)
    s = make_stakeholder(latitude=53.4, longitude=-2.9)
    app.config["MAP_TILES"] = tiles
    try:
        for url in ("/map/frame", "/map/frame?layer=gaps&layer=engagements&shade=engagements",
                    f"/map/frame?stakeholder={s}", "/map/download", "/map"):  # fmt: skip
            html = client.get(url).get_data(as_text=True)
            assert _external_urls(html) == [], url
            for cdn in ("cdn.jsdelivr", "code.jquery", "bootstrapcdn", "cdnjs", "unpkg"):
                assert cdn not in html, (url, cdn)
            if tiles == "none":
                assert "tile.openstreetmap.org" not in html
            else:
                assert "tile.openstreetmap.org" in html or url == "/map"
    finally:
        app.config["MAP_TILES"] = "none"


def test_the_map_document_keeps_a_nonced_csp(client, signed_in):
    signed_in("lead")
    response = client.get("/map/frame")
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    html = response.get_data(as_text=True)
    for tag in re.findall(r"<(?:script|style)[^>]*>", html):
        assert f'nonce="{nonce}"' in tag, tag
    assert "frame-ancestors 'self'" in policy and "unsafe-eval" not in policy
    assert "script-src 'self' 'nonce-" in policy


def _attribution_links(html: str) -> list[str]:
    """The <a> tags of every attribution the map document carries: Leaflet's credit (in
    the map's configuration) and each tile layer's (in its options), both as JSON."""
    config = re.search(r'id="engage-map-config">(.*?)</script>', html, re.S).group(1)
    pieces = [json.loads(config)["attributionPrefix"]]
    tiles = re.findall(r'"attribution": ("(?:[^"\\]|\\.)*")', html)
    pieces += [json.loads(text) for text in tiles]
    return re.findall(r"<a\b[^>]*>", "".join(pieces))


def test_every_attribution_link_opens_outside_the_frame(app, make_user, make_stakeholder):
    """The sites the map credits refuse to be framed: their links open in a new tab."""
    user = make_user("lead")
    make_stakeholder(latitude=53.4, longitude=-2.9)
    client = make_app(app.config["SQLALCHEMY_DATABASE_URI"], MAP_TILES="osm").test_client()
    sign_in(client, user)
    for url in ("/map/frame", "/map/download"):
        html = client.get(url).get_data(as_text=True)
        links = _attribution_links(html)
        assert any("leafletjs.com" in a for a in links), url
        assert any("openstreetmap.org/copyright" in a for a in links), url
        for link in links:
            assert 'target="_blank"' in link, (url, link)
            assert re.search(r'rel="[^"]*\bnoopener\b[^"]*"', link), (url, link)


def test_download_is_self_contained_and_bounded(app, client, signed_in, make_stakeholder,
                                                monkeypatch):  # fmt: skip
    from crm.maps import routes

    signed_in("lead")
    for n in range(3):
        make_stakeholder(name=f"Group {n}", latitude=53.4 + n / 100, longitude=-2.9)
    monkeypatch.setattr(routes, "DOWNLOAD_LIMIT", 2)
    response = client.get("/map/download")
    assert "attachment" in response.headers["Content-Disposition"]
    html = response.get_data(as_text=True)
    assert "<script src=" not in html and '<link rel="stylesheet"' not in html
    assert "2 of 3 stakeholders (the first 2; narrow the filters" in html
    assert "L.Map" in html or "L.map" in html  # Leaflet is inside the file


def test_engagements_layer_counts_held_engagements_per_cell(app, client, signed_in,
                                                            make_stakeholder):  # fmt: skip
    from crm.services import engagements as service

    user = signed_in("lead")
    s = make_stakeholder(latitude=53.4051, longitude=-2.9912)
    with app.app_context():
        from crm.models import User

        lead = db.session.get(User, user.id)
        base = {"type": "meeting", "status": "held", "area_id": area("Mersey-Cheshire").id,
                "location_kind": "stakeholder", "location_stakeholder_id": s,
                "stakeholder_ids": [s], "contact_ids": [], "community_ids": [], "staff_ids": [],
                "title": "Meeting"}  # fmt: skip
        for days in (1, 2, 40):
            service.log_engagement(lead, base | {"held_on": TODAY - timedelta(days=days)})
        service.log_engagement(lead, base | {"held_on": TODAY - timedelta(days=5),
                                             "status": "cancelled"})  # fmt: skip
        db.session.commit()
        assert engagement_figures.rebuild(dry_run=True).engagement_places == 0
    cells = client.get("/map/engagements.json").get_json()
    assert cells == [[53.45, -2.95, 3]]


# Boundaries

GOOD = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"area": "Mersey-Cheshire"},
         "geometry": {"type": "Polygon", "coordinates": [[[-3.2, 53.0], [-2.3, 53.0], [-2.3, 53.5],
                                                          [-3.2, 53.5], [-3.2, 53.0]]]}},
        {"type": "Feature", "properties": {"name": "west-midlands"},
         "geometry": {"type": "MultiPolygon", "coordinates": [[[[-2.4, 52.3], [-1.4, 52.3],
                                                                [-1.4, 52.7], [-2.4, 52.3]]]]}},
    ],
}  # fmt: skip


def _with(change):
    data = json.loads(json.dumps(GOOD))
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "The file is not valid JSON"),
        (json.dumps({"type": "Feature"}), "must be a GeoJSON FeatureCollection"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "The file has no features"),
        (_with(lambda d: d["features"][0]["properties"].clear()), 'needs an "area" or "name"'),
        (
            _with(lambda d: d["features"][0]["properties"].update(area="Atlantis")),
            "no Area is called Atlantis",
        ),
        (
            _with(lambda d: d["features"][1]["properties"].update(name="Mersey-Cheshire")),
            "Mersey-Cheshire appears twice",
        ),
        (
            _with(
                lambda d: d["features"][0].update(geometry={"type": "Point", "coordinates": [0, 0]})
            ),
            "must be a Polygon or MultiPolygon, not Point",
        ),
        (
            _with(lambda d: d["features"][0]["geometry"]["coordinates"][0].pop()),
            "a ring must end where it starts",
        ),
        (
            _with(lambda d: d["features"][0]["geometry"].update(coordinates=[[[0, 0], [1, 1]]])),
            "a ring needs at least 4 positions",
        ),
        (
            _with(
                lambda d: d["features"][0]["geometry"].update(
                    coordinates=[
                        [[340000, 390000], [350000, 390000], [350000, 400000], [340000, 390000]]
                    ]
                )
            ),
            "is not in the UK (positions are [longitude, latitude]",
        ),
        # Nested 100,000 levels deep: past Python's recursion limit, no 500.
        ("[" * 100_000 + "]" * 100_000, "nested far deeper than GeoJSON ever is"),
        ('{"type":' * 100_000 + "1" + "}" * 100_000, "nested far deeper than GeoJSON ever is"),
    ],
    ids=lambda v: f"{v[:8]}...({len(v):,} characters)" if len(v) > 1000 else None,
)
def test_a_bad_boundary_file_is_explained_and_changes_nothing(app, client, signed_in, text,
                                                              problem):  # fmt: skip
    signed_in("admin", national=True)
    client.post(
        "/map/boundaries", data={"file": (io.BytesIO(json.dumps(GOOD).encode()), "a.geojson")}
    )
    response = client.post(
        "/map/boundaries", data={"file": (io.BytesIO(text.encode()), "bad.geojson")}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nothing was imported" in html
    assert problem.replace('"', "&#34;") in html or problem in html.replace("&#34;", '"'), html
    with app.app_context():
        kept = db.session.scalars(select(AreaBoundary)).all()
        assert len(kept) == 2 and all(b.source == "a.geojson" for b in kept)


def test_boundaries_shade_the_areas_by_engagements(app, client, signed_in, make_stakeholder):
    signed_in("admin", national=True)
    response = client.post(
        "/map/boundaries", data={"file": (io.BytesIO(json.dumps(GOOD).encode()), "a.geojson")}
    )
    assert response.status_code == 302
    data = client.get("/map/boundaries.json?shade=per_stakeholder").get_json()
    names = {f["properties"]["name"] for f in data["features"]}
    assert names == {"Mersey-Cheshire", "West Midlands"}
    assert data["legend"] and all(f["properties"]["colour"] for f in data["features"])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "import-boundaries", "/nonexistent.geojson"])
    assert result.exit_code != 0


def test_boundaries_of_another_area_are_not_sent(app, client, signed_in):
    with app.app_context():
        boundaries.import_boundaries(None, json.dumps(GOOD), "a.geojson")
        db.session.commit()
    signed_in("senior", areas=("Mersey-Cheshire",))
    data = client.get("/map/boundaries.json?shade=engagements").get_json()
    assert [f["properties"]["name"] for f in data["features"]] == ["Mersey-Cheshire"]


# Postcodes


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The distance between two (latitude, longitude) points on the WGS84 ellipsoid."""
    return pyproj.Geod(ellps="WGS84").inv(a[1], a[0], b[1], b[0])[2]


def test_bng_conversion_matches_the_ordnance_survey_worked_example():
    found = geocoding.grid_to_wgs84(651409.903, 313177.270, geocoding.BRITISH_NATIONAL_GRID)
    assert _metres(found, (52.65800, 1.71605)) < 5


@pytest.mark.parametrize(
    ("postcode", "before"),
    [
        ("CH1 1AB", (53.190776, -2.883588)),
        ("ZE1 0AA", (60.153222, -1.141595)),
        ("TR18 4AA", (50.116661, -5.531972)),
        ("HS1 2AA", (58.208198, -6.380042)),
    ],
)
def test_great_britain_postcodes_are_where_they_were(ctx, postcode, before):
    """Where the hand-written British National Grid conversion put them before pyproj
    (the same Helmert parameters, EPSG:1314), from Cornwall to Shetland."""
    assert _metres(geocoding.lookup(postcode), before) < 5


@pytest.mark.parametrize(
    ("postcode", "known"),
    [
        ("BT1 5GS", (54.5966, -5.9301)),  # Belfast City Hall
        ("bt15gs", (54.5966, -5.9301)),
    ],
)
def test_northern_ireland_postcodes_are_on_the_irish_grid(ctx, postcode, known):
    """Read as British National Grid, BT1 5GS's reference would be near Chester."""
    assert geocoding.grid_for(postcode) == geocoding.IRISH_GRID
    found = geocoding.lookup(postcode)
    assert _metres(found, known) < 150
    assert not pyproj.network.is_network_enabled()


def test_an_irish_grid_reference_outside_northern_ireland_is_not_placed():
    """A BT point is placed in Northern Ireland or not at all: Cork's Irish Grid
    reference, or Belfast City Hall's Irish Transverse Mercator one (as the package
    would hold if it changed grid), read on the Irish Grid, are not placed."""
    assert geocoding.grid_to_wgs84(333832.0, 374014.0, geocoding.IRISH_GRID)
    assert geocoding.grid_to_wgs84(167000.0, 71000.0, geocoding.IRISH_GRID) is None
    assert geocoding.grid_to_wgs84(733753.0, 874006.0, geocoding.IRISH_GRID) is None


@pytest.mark.parametrize("postcode", ["JE1 0BD", "GY1 1AA", "IM1 1AA"])
def test_a_postcode_the_package_has_no_grid_reference_for_is_not_found(ctx, postcode):
    """The Channel Islands and the Isle of Man are in the directory without a grid
    reference (NaN in the package): not found, never a place."""
    assert geocoding.lookup(postcode) is None


def test_packaged_postcodes_place_a_stakeholder_on_save(app, client, signed_in):
    signed_in("lead")
    with app.app_context():
        mc = str(area("Mersey-Cheshire").id)
    form = {"name": "Chester Deaf Club", "type": "community_group", "area_id": mc,
            "status": "active", "postcode": "ch1 1ab", "owner_id": "", "influence": "",
            "interest": ""}  # fmt: skip
    assert client.post("/stakeholders/new", data=form).status_code == 302
    with app.app_context():
        s = db.session.scalars(select(Stakeholder)).one()
        assert s.geocode_status == "postcode"
        assert abs(s.latitude - 53.19) < 0.01 and abs(s.longitude + 2.88) < 0.01
        sid = s.id
    page = client.get(f"/stakeholders/{sid}").get_data(as_text=True)
    assert "(from the postcode)" in page and f"/map/frame?stakeholder={sid}" in page


def test_coordinates_set_by_hand_are_never_overwritten(app, client, signed_in, make_stakeholder):
    signed_in("lead")
    with app.app_context():
        mc = str(area("Mersey-Cheshire").id)
    form = {"name": "Moored boat group", "type": "community_group", "area_id": mc,
            "status": "active", "postcode": "CH1 1AB", "latitude": "53.3", "longitude": "-3.0",
            "owner_id": "", "influence": "", "interest": ""}  # fmt: skip
    assert client.post("/stakeholders/new", data=form).status_code == 302
    with app.app_context():
        s = db.session.scalars(select(Stakeholder)).one()
        assert (s.latitude, s.longitude, s.geocode_status) == (53.3, -3.0, "manual")
        result = app.test_cli_runner().invoke(args=["crm", "geocode"])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        assert db.session.get(Stakeholder, s.id).latitude == 53.3


def test_bulk_geocode_places_and_marks_not_found(app, make_stakeholder):
    placed = make_stakeholder(name="Placed", postcode="CH1 1AB")
    lost = make_stakeholder(name="Lost", postcode="ZZ9 9ZZ")
    result = app.test_cli_runner().invoke(args=["crm", "geocode"])
    assert result.exit_code == 0, result.output
    assert "Placed 1 from their postcode; 1 postcodes were not found" in result.output
    with app.app_context():
        assert db.session.get(Stakeholder, placed).geocode_status == "postcode"
        assert db.session.get(Stakeholder, lost).geocode_status == "not_found"


def _onspd(path, header, rows, zipped=False):
    text = ",".join(header) + "\n" + "\n".join(",".join(r) for r in rows) + "\n"
    if zipped:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("Documents/readme.csv", "a,b\n1,2\n")
            archive.writestr("Data/ONSPD_FEB_2026_UK.csv", text)
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("header", "zipped"),
    [
        (["pcd", "pcd2", "pcds", "doterm", "lat", "long"], False),  # before 2025
        (["PCD7", "PCD8", "PCDS", "DOTERM", "LAT", "LONG"], True),  # 2025 onwards, zipped
    ],
)
def test_ons_postcode_directory_import_takes_over_lookups(app, tmp_path, header, zipped):
    rows = [["CH1 1AB", "CH1  1AB", "CH1 1AB", "", "53.500000", "-2.500000"],
            ["ZZ1 1ZZ", "ZZ1  1ZZ", "ZZ1 1ZZ", "", "99.999999", "0.000000"]]  # fmt: skip
    path = _onspd(tmp_path / ("onspd.zip" if zipped else "onspd.csv"), header, rows, zipped)
    result = app.test_cli_runner().invoke(args=["crm", "import-postcodes", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 1 postcodes" in result.output
    with app.app_context():
        assert geocoding.lookup("ch1 1ab") == (53.5, -2.5)  # the imported set wins
        assert geocoding.lookup("CH1 1AF") is not None  # the package still answers the rest


def test_a_bad_directory_file_changes_nothing(app, tmp_path):
    good = _onspd(tmp_path / "good.csv", ["pcds", "lat", "long"], [["CH1 1AB", "53.5", "-2.5"]])
    bad = _onspd(tmp_path / "bad.csv", ["postcode", "x", "y"], [["CH1 1AB", "1", "2"]])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["crm", "import-postcodes", str(good)]).exit_code == 0
    result = runner.invoke(args=["crm", "import-postcodes", str(bad)])
    assert result.exit_code == 1 and "has no postcode column" in result.output
    with app.app_context():
        assert geocoding.lookup("CH1 1AB") == (53.5, -2.5)
        statuses = sorted(s.status for s in db.session.scalars(select(PostcodeSet)))
        assert statuses == ["failed", "ready"]


def test_administrator_imports_the_directory_through_the_page(app, client, signed_in, tmp_path):
    signed_in("admin", national=True)
    path = _onspd(tmp_path / "onspd.csv", ["pcds", "lat", "long"], [["L1 8JQ", "53.4", "-2.98"]])
    response = client.post(
        "/map/postcodes", data={"file": (io.BytesIO(path.read_bytes()), "onspd.csv")}
    )
    assert response.status_code == 302
    page = client.get("/map/postcodes").get_data(as_text=True)
    assert "onspd.csv" in page and "In use now" in page
    with app.app_context():
        assert geocoding.lookup("L18JQ") == (53.4, -2.98)
        assert postcode_import.POSTCODE_COLUMNS  # the page and the CLI share one importer
