"""A real browser: headless Chromium (Debian's package) driven by Playwright."""

import os

import pytest
from playwright.sync_api import expect

from crm.extensions import db
from crm.models import Stakeholder
from tests.browser_fixtures import CHROMIUM
from tests.conftest import PASSWORD
from tests.test_accessibility import axe_violations

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason="Browser tests skipped: Debian's chromium is not installed (apt-get install chromium)",
)


def test_a_lead_signs_in_and_adds_a_stakeholder(app, live_server, page, make_user):
    user = make_user("lead", areas=("Mersey-Cheshire",))
    page.goto(f"{live_server}/stakeholders")
    expect(page).to_have_title("Sign in - Engage")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page).to_have_title("Stakeholders - Engage")
    page.click("text=Add a stakeholder")
    page.fill("#name", "Warrington Carers' Network")
    page.select_option("#type", "vcs")
    page.check("label:has-text('Disabled adults')")
    page.fill("#town", "Warrington")
    page.fill("#postcode", "wa1 1aa")
    page.select_option("#area_id", label="Mersey-Cheshire")
    page.click("button:has-text('Save stakeholder')")
    expect(page).to_have_title("Warrington Carers' Network - Engage")
    assert "has been added" in page.inner_text(".govuk-notification-banner")
    assert "WA1 1AA" in page.inner_text("main")
    # GOV.UK Frontend's JavaScript ran, with no errors under the CSP.
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    assert page.errors == []
    with app.app_context():
        assert db.session.query(Stakeholder).filter_by(postcode="WA1 1AA").count() == 1
    page.click("button:has-text('Sign out')")
    expect(page).to_have_title("Sign in - Engage")


def test_an_error_summary_links_to_the_field(live_server, page, make_user):
    user = make_user("lead")
    page.goto(f"{live_server}/sign-in?next=/stakeholders/new")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.click("button:has-text('Save stakeholder')")
    expect(page).to_have_title("Error: Add a stakeholder - Engage")
    page.click('.govuk-error-summary a:has-text("Enter the stakeholder\'s name")')
    assert page.evaluate("document.activeElement.id") == "name"


def test_a_lead_logs_an_engagement_with_the_type_ahead(
    app, live_server, page, make_user, make_stakeholder, make_contact
):
    user = make_user("lead", areas=("Mersey-Cheshire",))
    s = make_stakeholder(name="Toxteth Women's Network")
    make_stakeholder("West Midlands", name="Toxteth Lookalike Elsewhere")
    make_contact(name="Amara Okafor", stakeholder_id=s)
    page.goto(f"{live_server}/sign-in?next=/engagements/new")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.fill("#title", "Community Conversation in Toxteth")
    page.select_option("#type", "community_conversation")
    page.select_option("#area_id", label="Mersey-Cheshire")
    page.check("label:has-text('Online or by phone')")
    page.fill("#stakeholders-search", "toxteth")
    option = page.wait_for_selector("#stakeholders-search__listbox li:has-text('Women')")
    assert "Elsewhere" not in page.inner_text("#stakeholders-search__listbox")
    option.click()
    page.wait_for_selector(f"#stakeholder_ids-{s}:checked")
    page.fill("#contacts-search", "amara")
    page.wait_for_selector("#contacts-search__listbox li:has-text('Amara Okafor')").click()
    page.wait_for_selector("[data-field=contact_ids] input:checked")
    page.check("label:has-text('Women and girls')")
    page.fill("#attendance", "14")
    page.click("button:has-text('Save engagement')")
    expect(page).to_have_title("Community Conversation in Toxteth - Engage")
    main = page.inner_text("main")
    assert "Toxteth Women's Network" in main and "Amara Okafor" in main
    assert page.errors == []


def test_two_stakeholders_and_whose_premises_on_the_first_screen(
    app, live_server, page, make_user, make_stakeholder
):
    """With the type-ahead on: the premises question offers the stakeholders as they are
    picked, the form saves at the first try, and no Search button is left to press."""
    user = make_user("lead", areas=("Mersey-Cheshire",))
    make_stakeholder(name="Toxteth Women's Network")
    host = make_stakeholder(name="Toxteth Library Friends")
    page.goto(f"{live_server}/sign-in?next=/engagements/new")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    # The type-ahead replaces the Search buttons once its script has run (retried until
    # then: on a busy machine the script runs a moment after the page loads).
    expect(page.locator("[data-picker-button]")).to_have_count(0)
    page.fill("#title", "Library drop-in")
    page.select_option("#type", "meeting")
    page.select_option("#area_id", label="Mersey-Cheshire")
    page.check("label:has-text('At a stakeholder')")
    for name in ("Women", "Library"):
        page.fill("#stakeholders-search", "toxteth")
        page.wait_for_selector(f"#stakeholders-search__listbox li:has-text('{name}')").click()
        page.wait_for_selector(f"#location_stakeholder_id option:has-text('{name}')",
                               state="attached")  # fmt: skip
    page.press("#stakeholders-search", "Enter")  # Enter in the search never submits
    expect(page).to_have_title("Log an engagement - Engage")
    page.select_option("#location_stakeholder_id", str(host))
    page.click("button:has-text('Save engagement')")
    expect(page).to_have_title("Library drop-in - Engage")
    assert "At Toxteth Library Friends" in page.inner_text("main")
    assert page.errors == []


def test_the_map_draws_points_and_opens_a_popup_without_leaving_the_site(
    app, live_server, page, make_user, make_stakeholder
):
    """Tiles are off in the tests: every request must go to the app itself."""
    hostile = "<img src=x onerror=alert(1)>${alert(1)}"
    user = make_user("lead", areas=("Mersey-Cheshire",))
    make_stakeholder(name=hostile, latitude=53.40, longitude=-2.99, communities=["Older people"])
    for n in range(30):
        make_stakeholder(name=f"Group {n}", latitude=53.2 + n / 200, longitude=-2.8 - n / 300)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_viewport_size({"width": 1280, "height": 1100})  # the whole map in view
    page.goto(f"{live_server}/sign-in?next=/map")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server}/map")
    frame = page.frame_locator("iframe.app-map-frame")
    frame.locator("body[data-map-ready='true']").wait_for(timeout=10_000)
    assert frame.locator("body").get_attribute("data-points-drawn") == "31"
    assert frame.locator("canvas").count() >= 1
    # Zoom to the hostile stakeholder so it stands alone, then click it (the frame, 75% of
    # the window's height below the page's heading, scrolled wholly into view first).
    page.locator("iframe.app-map-frame").scroll_into_view_if_needed()
    map_frame = next(f for f in page.frames if "/map/frame" in f.url)
    map_frame.evaluate("() => engageMap.setView([53.40, -2.99], 17, {animate: false})")
    map_frame.wait_for_timeout(300)
    x, y = map_frame.evaluate(
        "() => { const p = engageMap.latLngToContainerPoint([53.40, -2.99]); return [p.x, p.y]; }"
    )
    frame.locator(".folium-map").click(position={"x": x, "y": y})
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    popup.locator("text=Last engaged").or_(popup.locator("text=Never engaged")).wait_for()
    assert hostile in popup.inner_text()
    assert popup.locator("img").count() == 0
    assert "Older people" in popup.inner_text()
    expect(frame.locator(".leaflet-popup")).to_have_css("opacity", "1")  # faded in
    found = axe_violations(map_frame)
    assert found == [], "\n".join(found)  # the map with its popup open
    assert page.errors == [], page.errors  # no CSP violation or script error in either frame
    outside = [url for url in requests if not url.startswith(live_server)]
    assert outside == []


def test_the_map_still_shows_its_data_when_tiles_cannot_load(
    app, live_server, page, make_user, make_stakeholder
):
    """OpenStreetMap tiles switched on, but every tile request fails (as offline)."""
    import json as json_module

    from crm.services import boundaries

    user = make_user("lead", areas=("Mersey-Cheshire",))
    for n in range(5):
        make_stakeholder(name=f"Group {n}", latitude=53.2 + n / 50, longitude=-2.8)
    ring = [[-3.2, 53.0], [-2.3, 53.0], [-2.3, 53.5], [-3.2, 53.0]]
    outline = {"type": "FeatureCollection", "features": [{"type": "Feature",
               "properties": {"area": "Mersey-Cheshire"},
               "geometry": {"type": "Polygon", "coordinates": [ring]}}]}  # fmt: skip
    with app.app_context():
        boundaries.import_boundaries(None, json_module.dumps(outline), "test")
        from crm.extensions import db as database

        database.session.commit()
    app.config["MAP_TILES"] = "osm"
    blocked: list[str] = []
    page.route(
        "https://tile.openstreetmap.org/**",
        lambda route: (blocked.append(route.request.url), route.abort()),
    )  # noqa: E501
    try:
        page.set_viewport_size({"width": 1280, "height": 1100})
        page.goto(f"{live_server}/sign-in?next=/map")
        page.fill("#email", user.email)
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{live_server}/map")
        frame = page.frame_locator("iframe.app-map-frame")
        frame.locator("body[data-map-ready='true']").wait_for(timeout=10_000)
        assert frame.locator("body").get_attribute("data-points-drawn") == "5"
        assert frame.locator(".engage-legend").first.is_visible()
        map_frame = next(f for f in page.frames if "/map/frame" in f.url)
        polygons = map_frame.evaluate(
            "() => { let n = 0; engageMap.eachLayer(l => { if (l instanceof L.Polygon) n++; });"
            " return n; }"
        )
        assert polygons == 1  # the Area boundary, drawn without tiles
        assert blocked, "the map asked for tiles, and none could load"
        # The attribution's links (Leaflet, OpenStreetMap, and any added later) open in
        # a new tab: the sites they go to refuse to be shown in this frame.
        map_frame.evaluate(
            "() => engageMap.attributionControl.addAttribution("
            "'<a href=\"https://example.org/later\">Added later</a>')"
        )
        links = frame.locator(".leaflet-control-attribution a")
        links.filter(has_text="Added later").wait_for()
        found = links.evaluate_all("links => links.map(a => [a.href, a.target, a.rel])")
        hosts = " ".join(href for href, _, _ in found)
        assert "leafletjs.com" in hosts and "openstreetmap.org" in hosts and "example.org" in hosts
        for href, target, rel in found:
            assert target == "_blank" and "noopener" in rel.split(), (href, target, rel)
    finally:
        app.config["MAP_TILES"] = "none"
