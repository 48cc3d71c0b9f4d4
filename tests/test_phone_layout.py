"""Every page fits a phone: headless Chromium at 390 x 844 never scrolls sideways.

Wide tables stack below the tablet breakpoint (each row a block, each cell with its
column heading) or scroll inside a focusable region; long unbroken text (URLs, emails,
hostile names) wraps. The records have long, realistic names so the tables are full.
"""

import json
import os
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from crm.extensions import db
from crm.models import AreaBoundary, Engagement, Evidence, PostcodeSet, Purpose, User
from crm.models.user import RIGHTS
from crm.services import imports
from tests.browser_fixtures import CHROMIUM
from tests.conftest import PASSWORD, area, community, priority
from tests.import_files import csv_bytes
from tests.route_table import NOT_PAGES, ROUTES, make_job
from tests.test_accessibility import _violations as axe_violations

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason="Browser tests skipped: Debian's chromium is not installed (apt-get install chromium)",
)

PHONE = {"width": 390, "height": 844}
# A few pages have another view worth checking too.
EXTRA_PATHS = ["/actions?scope=area", "/priorities?view=quarters&from=2026-01-01&to=2026-12-31",
               "/priorities?from=2026-01-01&to=2026-12-31"]  # fmt: skip
QUERY = {"feedback.you_said.report": "?from=2026-01-01&to=2026-12-31"}

# Text with nowhere to break: a URL, an email address, a hostile run of letters.
URL = "https://www.toxtethandgranbywomenscommunitynetwork.org.uk/about-us/safeguarding-policy"
EMAIL = "safeguarding.coordinator@toxtethandgranbywomenscommunitynetwork.org.uk"
UNBROKEN = "LlanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogochCommunityTrust"

# Reports what is wider than the viewport: the page's width and the innermost elements
# whose box or text reaches past the right edge (so a failure says what to fix).
MEASURE = """() => {
    const width = window.innerWidth;
    const wide = [];  // [element, how far right it reaches]
    for (const el of document.querySelectorAll('body *')) {
        const box = el.getBoundingClientRect();
        const clips = getComputedStyle(el).overflowX !== 'visible';
        const reach = clips ? box.right : Math.max(box.right, box.left + el.scrollWidth);
        if (box.width === 0 || reach <= width + 0.5) continue;
        let hidden = false;  // inside a region that scrolls or clips
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== 'visible') { hidden = true; break; }
        }
        if (!hidden) wide.push([el, reach]);
    }
    const describe = ([el, reach]) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className.trim()
            ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
        ' reaches ' + Math.round(reach);
    const innermost = wide.filter(([el]) => !wide.some(([o]) => o !== el && el.contains(o)));
    return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: width,
        wide: innermost.slice(0, 5).map(describe),
    };
}"""

# A stacked table's cells are labelled with their column's heading (a cell under a
# heading only screen readers see, such as a button's, needs none).
MISLABELLED = """() => {
    const text = el => el.textContent.replace(/\\s+/g, ' ').trim();
    const problems = [];
    for (const table of document.querySelectorAll('table.app-table--stacked')) {
        const headings = Array.from(table.querySelectorAll('thead th')).map(th => ({
            text: text(th), shown: text(th) !== '' && !th.querySelector('.govuk-visually-hidden'),
        }));
        for (const row of table.querySelectorAll('tbody tr')) {
            Array.from(row.children).forEach((cell, i) => {
                const heading = headings[i];
                if (cell.tagName !== 'TD' || !heading || !heading.shown) return;
                const label = cell.dataset.label || '';
                if (!label.toLowerCase().includes(heading.text.toLowerCase())) {
                    problems.push(`${table.id || 'table'}: "${label}" under "${heading.text}"`);
                }
            });
        }
    }
    return problems;
}"""


@pytest.fixture
def records(
    app, make_user, make_stakeholder, make_contact, make_engagement, make_panel,
    make_membership, make_meeting, make_feedback, make_objective, make_plan, make_plan_action,
    make_exercise,
):  # fmt: skip
    """A national administrator and one of each record, with long names and long text."""
    user = make_user("admin", national=True, name="Alexandra Montgomery-Fitzwilliam")
    s = make_stakeholder(
        name="Toxteth and Granby Women's Community Network and Refugee Support Association",
        town="Liverpool", postcode="L8 1TH", email=EMAIL, website=URL, owner_id=user.id,
        description=f"Runs a weekly drop-in. Policy: {URL}",
        communities=["Older people", "Deaf and hard of hearing people"],
    )  # fmt: skip
    c = make_contact(
        name="Oluwaseun Adebayo-Richardson", job_title="Safeguarding Coordinator", email=EMAIL,
        stakeholder_id=s, role="Trustee and Safeguarding Lead",
    )  # fmt: skip
    # A second of each, for the pages that set two side by side (a merge).
    s2 = make_stakeholder(name="Toxteth and Granby Women's Community Network & Refugee Support "
                               "Association Ltd", town="Liverpool", postcode="L8 1TH")  # fmt: skip
    c2 = make_contact(name="Ms Oluwaseun Adebayo-Richardson", email=EMAIL, stakeholder_id=s2,
                      role="Trustee")  # fmt: skip
    e = make_engagement(
        title="Community Conversation on hate crime reporting with Toxteth and Granby women",
        summary=f"Notes are at {URL}", stakeholder_ids=[s], contact_ids=[c],
        communities=["Older people", "Deaf and hard of hearing people"], lead_id=user.id,
        actions=[{"description": "Write to the network with the hate crime reporting leaflet in "
                                 "Arabic, Somali and Tigrinya", "owner_id": user.id,
                  "due_on": date(2026, 11, 1)},
                 {"description": UNBROKEN, "owner_id": user.id}],
    )  # fmt: skip
    p = make_panel(name="Merseyside and Cheshire Hate Crime Local Scrutiny Involvement Panel",
                   purpose=f"Reviews finalised hate crime cases. {URL}",
                   targets={"Older people": 2, "Deaf and hard of hearing people": 1})  # fmt: skip
    m = make_membership(p, c, communities=["Older people", "Deaf and hard of hearing people"],
                        role="chair", end_note=UNBROKEN)  # fmt: skip
    make_membership(p, name="Bartholomew Featherstonehaugh-Worthington", status="applicant",
                    term_start=None, term_end=None, applied_on=date(2026, 10, 5))  # fmt: skip
    make_membership(p, name="Genevieve Okonkwo-Lindqvist", status="ended", end_reason="resigned",
                    ended_on=date(2026, 6, 30))  # fmt: skip
    g = make_meeting(p, attendance={m: "absent"}, case_themes=UNBROKEN, notes=URL)
    earlier = make_meeting(p, held_on=date(2025, 11, 5))
    f = make_feedback(summary="Victims of hate crime were not told when their case was "
                              "discontinued, and heard about it from the defendant's family",
                      detail=URL, learning_points=UNBROKEN, response=URL,
                      case_reference="05AA1234567890123456789012345678901234", panel_id=p,
                      panel_meeting_id=g, status="closed", owner_id=user.id,
                      closed_on=date(2026, 3, 1), status_on=date(2026, 3, 1),
                      communities=["Older people"])  # fmt: skip
    make_feedback(summary=UNBROKEN, panel_id=p, panel_meeting_id=earlier, owner_id=user.id,
                  response_due_on=date(2026, 1, 1))  # fmt: skip
    o = make_objective(title="Public confidence among Black Caribbean people, disabled adults "
                             "and Gypsy, Roma and Traveller communities", statement=URL)
    pl = make_plan(title="Mersey-Cheshire equality and inclusion action plan 2026 to 2027",
                   team=UNBROKEN, owner_id=user.id)  # fmt: skip
    pa = make_plan_action(pl, what=f"Add equality to every team meeting agenda: {URL}",
                          by_whom=UNBROKEN, objective_ids=[o], owner_id=user.id,
                          updates=[(date(2026, 7, 1), "on_track", URL),
                                   (date(2026, 10, 1), "at_risk", UNBROKEN)])  # fmt: skip
    make_plan_action(pl, what=UNBROKEN, due_kind="ongoing", due_on=None)
    with app.app_context():
        db.session.get(User, user.id).set_rights(RIGHTS)  # the pages only a right opens too
        a = db.session.get(Engagement, e).actions[0].id
        r = priority("Hate crime").id
        db.session.add_all([Evidence(objective_id=o, engagement_id=e, added_on=date(2026, 10, 2)),
                            Evidence(action_id=pa, title=UNBROKEN, url=URL,
                                     added_on=date(2026, 10, 2))])  # fmt: skip
        # The map's admin pages list imports and boundaries (a failed import is never used).
        db.session.add(PostcodeSet(source=f"ONSPD_NOV_2025_UK_{UNBROKEN}.zip", status="failed",
                                   error=f"Row 2: no postcode column in {URL}"))  # fmt: skip
        square = [[[-3.0, 53.3], [-2.9, 53.3], [-2.9, 53.4], [-3.0, 53.3]]]
        db.session.add(AreaBoundary(area=area("Mersey-Cheshire"), source=f"{UNBROKEN}.geojson",
                                    geometry=json.dumps({"type": "Polygon",
                                                         "coordinates": square})))  # fmt: skip
        db.session.commit()
    x = make_exercise(positions={s: (4, 2)}, title=UNBROKEN, notes=URL)
    with app.app_context():
        cm, ar, j = community("Older people").id, area("Mersey-Cheshire").id, make_job()
        pu = db.session.scalar(select(Purpose.id).order_by(Purpose.id))
        # A spreadsheet import with a long file name, a long header and a long cell.
        sheet = csv_bytes([["Name", "Type", f"Notes {UNBROKEN}"], [UNBROKEN, "Charity", URL]])
        im = imports.start(db.session.get(User, user.id), "stakeholders",
                           f"{UNBROKEN}.csv", sheet).id  # fmt: skip
        db.session.commit()
    return user, {"s": s, "c": c, "e": e, "a": a, "p": p, "m": m, "g": g, "f": f, "r": r,
                  "o": o, "pl": pl, "pa": pa, "x": x, "j": j, "u": user.id, "cm": cm,
                  "ar": ar, "pu": pu, "s2": s2, "c2": c2, "im": im}  # fmt: skip


def page_paths(ids: dict) -> list[str]:
    """Every GOV.UK page in the route table, with the records' ids filled in."""
    return [
        path.format(**ids) + QUERY.get(endpoint, "")
        for endpoint, (method, path, _) in sorted(ROUTES.items())
        if method == "GET" and endpoint not in NOT_PAGES
    ] + EXTRA_PATHS


def sign_in(page, live_server, user):
    page.goto(f"{live_server}/sign-in")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page).not_to_have_title("Sign in - Engage")  # signed in before moving on


def test_every_page_fits_a_phone_screen_and_passes_axe_in_welsh(live_server, page, records):
    """In Welsh, whose words run longer than English ones: every page fits, and axe finds
    no WCAG 2.2 AA violation of any impact (tests/test_accessibility.py checks English at
    desktop width)."""
    user, ids = records
    p, m = ids["p"], ids["m"]
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, user)
    page.click("button[name=language][value=cy]")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    paths = page_paths(ids)
    too_wide, violations = {}, {}
    for path in paths:
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        measured = page.evaluate(MEASURE)
        if measured["scrollWidth"] > measured["innerWidth"]:
            too_wide[path] = measured
        assert page.evaluate(MISLABELLED) == [], path
        if found := axe_violations(page):
            violations[path] = found
    assert not violations, violations
    # The refresh plan's preview (the answer to a POST).
    page.goto(f"{live_server}/panels/{p}/refresh")
    page.check(f"#decision-{m}-2")  # renew
    page.click("button[name=action][value=preview]")
    page.wait_for_selector("#plan-summary")
    measured = page.evaluate(MEASURE)
    if measured["scrollWidth"] > measured["innerWidth"]:
        too_wide["refresh preview"] = measured
    assert not too_wide, "Wider than a phone:\n" + "\n".join(
        f"{path}: {w['scrollWidth']}px, {', '.join(w['wide'])}" for path, w in too_wide.items()
    )

    # The actions people act on from a phone: Mark done is on screen, not off to the right.
    for path in ("/actions", "/actions?scope=area"):
        page.goto(f"{live_server}{path}")
        buttons = page.locator("button[name=status][value=done]")
        assert buttons.count() == 2, path
        for i in range(buttons.count()):
            box = buttons.nth(i).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (path, box)
        # The stacked layout (seen only below the tablet breakpoint) passes axe too.
        assert axe_violations(page) == [], path
    page.goto(f"{live_server}/panels/{p}")
    assert axe_violations(page) == []
