"""The map as a picture (crm/services/map_picture.py): each stakeholder of the Area and none
of another's, hostile names as text, the key, squares when there are many, the Area's
outline, the report's reach section; the map page's layout; odd queries."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from crm.extensions import db
from crm.services import boundaries, map_picture
from crm.services.map_picture_svg import Frame
from tests.conftest import area, made_pdf

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<img src=x onerror=alert(1)>&amp;</svg><script>alert(1)</script>"
ROMA = "Gypsy, Roma and Traveller communities"
PERIOD = "from=2026-01-01&to=2026-11-30"
OUTLINE = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"area": "Mersey-Cheshire"},
    "geometry": {"type": "Polygon", "coordinates": [[[-3.2, 53.0], [-2.3, 53.0], [-2.3, 53.5],
                                                     [-3.2, 53.5], [-3.2, 53.0]]]}}]}  # fmt: skip


def _ids(app) -> dict[str, int]:
    with app.app_context():
        return {"mc": area("Mersey-Cheshire").id, "wm": area("West Midlands").id}


def _parse(body: str) -> ET.Element:
    """The SVG as XML: well-formed, or this fails."""
    return ET.fromstring(body)  # noqa: S314 - the app's own SVG, under test


def _picture(client, query: str) -> ET.Element:
    response = client.get(f"/map/picture.svg?{query}")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "image/svg+xml"
    assert "attachment" in response.headers["Content-Disposition"]
    return _parse(response.get_data(as_text=True))


def _titles(svg: ET.Element, group: str) -> list[str]:
    found = svg.find(f".//{SVG}g[@class='{group}']")
    return [] if found is None else [t.text for t in found.iter(f"{SVG}title")]


def test_each_stakeholder_of_the_area_and_none_of_another(app, client, signed_in,
                                                           make_stakeholder):  # fmt: skip
    signed_in("lead", areas=("Mersey-Cheshire",))
    ids = _ids(app)
    here = [make_stakeholder(name=f"Group {n}", latitude=53.2 + n / 20, longitude=-2.9,
                             type="faith") for n in range(3)]  # fmt: skip
    hostile = make_stakeholder(name=HOSTILE, latitude=53.41, longitude=-2.95)
    make_stakeholder(name="Nowhere Group")  # no location
    make_stakeholder("West Midlands", name="Walsall Deaf Club", latitude=52.5, longitude=-1.9)
    response = client.get(f"/map/picture.svg?area={ids['mc']}&{PERIOD}")
    body = response.get_data(as_text=True)
    assert "<img" not in body and "<script" not in body and "Walsall" not in body
    svg = _parse(body)
    drawn = svg.findall(f".//{SVG}g[@class='app-map-picture__stakeholders']/{SVG}g")
    assert sorted(int(g.get("data-id")) for g in drawn) == sorted([*here, hostile])
    assert f"{HOSTILE} (Community group)" in _titles(svg, "app-map-picture__stakeholders")
    assert "1 cannot be placed (no location)" in body
    # Another Area's picture, asked for by id, is not found, like one that does not exist.
    assert client.get(f"/map/picture.svg?area={ids['wm']}").status_code == 404
    assert client.get("/map/picture.svg?area=999999").status_code == 404
    # With no Area chosen, the user's own.
    svg = _picture(client, PERIOD)
    assert "Mersey-Cheshire" in svg.find(f"{SVG}title").text


def test_the_title_key_scale_and_shapes(app, client, signed_in, make_stakeholder,
                                        make_engagement):  # fmt: skip
    signed_in("senior", areas=("Mersey-Cheshire",))
    make_stakeholder(name="Church", type="faith", latitude=53.40, longitude=-2.90)
    make_stakeholder(name="Council", type="community_group", latitude=53.30, longitude=-2.80)
    make_engagement(held_on=date(2026, 3, 2), latitude=53.4, longitude=-2.9)
    svg = _picture(client, f"area={_ids(app)['mc']}&{PERIOD}")
    text = " ".join(" ".join(t.itertext()) for t in svg.iter(f"{SVG}text"))  # lines apart
    assert "Mersey-Cheshire: stakeholders, gaps and engagements" in text
    assert "1 January 2026 to 30 November 2026" in text
    assert "Key" in text and "Faith organisation" in text and "Community group" in text
    assert "Voluntary" not in text  # only the types drawn
    assert re.search(r"\b\d+(\.\d)? km\b", text), text  # the scale bar
    assert "Gap: serves a seldom-heard community" in text
    assert "Engagements held in the period" in text
    # Two types: two shapes as well as two colours (a circle, a triangle).
    marks = svg.findall(f".//{SVG}g[@class='app-map-picture__stakeholders']/{SVG}g/*")
    shapes = {(m.tag, m.get("fill")) for m in marks if m.tag != f"{SVG}title"}
    assert len({tag for tag, _ in shapes}) == 2 and len({fill for _, fill in shapes}) == 2
    assert svg.get("role") == "img" and svg.get("aria-labelledby")


def test_gaps_and_engagements_follow_the_period(app, client, signed_in, make_stakeholder,
                                                make_engagement):  # fmt: skip
    signed_in("lead")
    engaged = make_stakeholder(name="Engaged in May", latitude=53.4, longitude=-2.9,
                               communities=[ROMA])  # fmt: skip
    make_stakeholder(name="Never engaged", latitude=53.3, longitude=-2.8, communities=[ROMA])
    make_stakeholder(name="Not seldom heard", latitude=53.2, longitude=-2.7)
    make_engagement(held_on=date(2026, 5, 12), stakeholder_ids=[engaged], latitude=53.4,
                    longitude=-2.9)  # fmt: skip
    make_engagement(held_on=date(2025, 5, 12), latitude=53.3, longitude=-2.8)  # before
    mc = _ids(app)["mc"]
    may = _picture(client, f"area={mc}&from=2026-05-01&to=2026-05-31")
    rings = may.findall(f".//{SVG}g[@class='app-map-picture__gaps']/{SVG}circle")
    assert len(rings) == 1
    assert "Never engaged (Community group): a gap" in _titles(
        may, "app-map-picture__stakeholders")
    assert _titles(may, "app-map-picture__engagements") == ["1 engagement held near here"]
    # In June the May engagement is outside the period: both are gaps, no engagement.
    june = _picture(client, f"area={mc}&from=2026-06-01&to=2026-06-30")
    assert len(june.findall(f".//{SVG}g[@class='app-map-picture__gaps']/{SVG}circle")) == 2
    assert _titles(june, "app-map-picture__engagements") == []


def test_many_stakeholders_are_counted_in_squares(app, client, signed_in, make_stakeholder,
                                                  monkeypatch):  # fmt: skip
    monkeypatch.setattr(map_picture, "CELLS_ABOVE", 3)
    signed_in("lead")
    for n in range(4):
        make_stakeholder(name=f"Close {n}", latitude=53.40 + n / 10_000, longitude=-2.9)
    make_stakeholder(name="Far", latitude=53.0, longitude=-2.4, communities=[ROMA])
    response = client.get(f"/map/picture.svg?area={_ids(app)['mc']}&{PERIOD}")
    body = response.get_data(as_text=True)
    assert "Close 0" not in body and "Far" not in body and "data-id" not in body
    svg = _parse(body)
    titles = _titles(svg, "app-map-picture__cells")
    assert sorted(titles) == ["1 stakeholder, 1 of them gaps", "4 stakeholders"]
    numbers = [t.text for t in svg.findall(f".//{SVG}g[@class='app-map-picture__cells']//"
                                           f"{SVG}text")]  # fmt: skip
    assert sorted(numbers) == ["1", "4"]
    assert "each square, about" in body and "4 stakeholders<" in body


def test_the_areas_outline_frames_the_picture(app, client, signed_in, make_stakeholder):
    with app.app_context():
        boundaries.import_boundaries(None, json.dumps(OUTLINE), "test", illustrative=True)
        db.session.commit()
    signed_in("lead")
    make_stakeholder(latitude=53.25, longitude=-2.75)
    svg = _picture(client, f"area={_ids(app)['mc']}")
    outline = svg.find(f".//{SVG}path[@class='app-map-picture__outline']")
    assert outline is not None and outline.get("d").count("L") == 4
    assert "illustrative, not an official boundary" in " ".join(svg.itertext())


def test_an_area_with_nothing_to_draw(app, client, signed_in):
    signed_in("lead")
    body = client.get(f"/map/picture.svg?area={_ids(app)['mc']}").get_data(as_text=True)
    assert "Nothing to draw" in body


def test_the_projection_scales_longitude_by_the_cosine_of_latitude():
    frame = Frame([59.5, 60.5], [-1.0, 1.0], top=0)
    (x0, y0), (x1, _), (_, y2) = frame.xy(60, 0), frame.xy(60, 1), frame.xy(59, 0)
    assert abs((x1 - x0) / (y2 - y0) - 0.5) < 0.01  # cos 60° = 0.5


def test_the_reports_reach_section_shows_the_map(app, client, signed_in, make_stakeholder):
    signed_in("senior", areas=("Mersey-Cheshire",))
    make_stakeholder(name="Toxteth Library Friends", latitude=53.39, longitude=-2.96)
    mc = _ids(app)["mc"]
    html = client.get(f"/reports/quarterly?area={mc}&quarter=2026-Q2").get_data(as_text=True)
    reach = html.split(f'id="{mc}-reach"')[1].split("</section>")[0]
    assert f'id="{mc}-map-picture"' in reach and '<svg xmlns="http://www.w3.org/2000/svg"' in reach
    assert "Toxteth Library Friends (Community group)" in reach
    assert "/map/picture.svg?area=" in reach and "from=2026-07-01" in reach
    public = client.get(f"/reports/quarterly?area={mc}&quarter=2026-Q2&public=1")
    assert "map-picture" not in public.get_data(as_text=True)


def test_the_reports_pdf_carries_the_picture_inline(app, client, signed_in, make_stakeholder):
    from tests.test_probe import pdf_text

    signed_in("senior", areas=("Mersey-Cheshire",))
    make_stakeholder(name="Toxteth Library Friends", latitude=53.39, longitude=-2.96)
    response = made_pdf(client, f"/reports/quarterly.pdf?area={_ids(app)['mc']}&quarter=2026-Q2")
    assert response.status_code == 200
    assert "The map of Mersey-Cheshire" in pdf_text(response.get_data())


def test_the_map_page_is_full_width_with_its_filters_folded_above(app, client, signed_in):
    signed_in("lead", areas=("Mersey-Cheshire",))
    html = client.get("/map?type=faith").get_data(as_text=True)
    assert re.search(r'<body class="govuk-template__body app-full-width', html)
    panel = re.search(r'<details class="govuk-details app-map-filters" id="map-filters">'
                      r"(.*?)</details>", html, re.S)  # fmt: skip
    assert panel and 'role="search"' in panel.group(1) and 'name="layer"' in panel.group(1)
    assert html.index('id="map-filters"') < html.index('class="app-map-frame"')
    showing = re.search(r'id="map-showing">(.*?)</p>', html, re.S).group(1)
    assert "faith organisation" in showing and "your Areas" in showing
    link = re.search(r'id="map-picture-link" href="([^"]+)"', html).group(1)
    assert link.startswith("/map/picture.svg?area=") and "from=" in link and "to=" in link


def test_a_national_user_chooses_an_area_for_the_picture(app, client, signed_in):
    signed_in("admin", national=True)
    assert "Choose an Area to save its map" in client.get("/map").get_data(as_text=True)
    html = client.get(f"/map?area={_ids(app)['wm']}").get_data(as_text=True)
    assert f"/map/picture.svg?area={_ids(app)['wm']}" in html


@pytest.mark.parametrize("query", [
    "area=abc", "area=99999999999999999999999", "area=-1", "area=", "from=0001-01-01",
    "from=not-a-date&to=2026-13-45", "to=99999-01-01", "from=2026-11-30&to=2026-01-01",
    "from=%00", "months=0", "months=999999999999999999999", "endpoint=x&_anchor=y",
])  # fmt: skip
def test_odd_queries_are_never_a_server_error(app, client, signed_in, make_stakeholder, query):
    signed_in("lead")
    make_stakeholder(latitude=53.4, longitude=-2.9)
    response = client.get(f"/map/picture.svg?{query}")
    assert response.status_code in (200, 404), response.status_code
