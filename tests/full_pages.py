"""Every page of the route table, for the real-browser sweeps (phone layout, axe).

A pytest plugin (registered in tests/conftest.py): `every_record` makes one of each
record, with long, realistic names and text that will not break (a URL, an email
address, a run of letters), so that every page in the route table has something to show
and its tables are full; `page_paths` lists those pages, as a role may open them.
"""

import json
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from crm.extensions import db
from crm.models import AreaBoundary, Engagement, Evidence, PostcodeSet, Purpose, User
from crm.models.user import RIGHTS
from crm.services import imports
from tests.conftest import PASSWORD, area, community, priority
from tests.import_files import csv_bytes
from tests.route_table import NOT_PAGES, ROUTES, make_job

# A few pages have another view worth checking too (every role may open them).
EXTRA_PATHS = ["/actions?scope=area", "/priorities?view=quarters&from=2026-01-01&to=2026-12-31",
               "/priorities?from=2026-01-01&to=2026-12-31"]  # fmt: skip
QUERY = {"feedback.you_said.report": "?from=2026-01-01&to=2026-12-31"}

# Text with nowhere to break: a URL, an email address, a hostile run of letters.
URL = "https://www.toxtethandgranbywomenscommunitynetwork.org.uk/about-us/safeguarding-policy"
EMAIL = "safeguarding.coordinator@toxtethandgranbywomenscommunitynetwork.org.uk"
UNBROKEN = "LlanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogochCommunityTrust"


@pytest.fixture
def every_record(
    app, make_user, make_stakeholder, make_contact, make_engagement, make_panel,
    make_membership, make_meeting, make_feedback, make_objective, make_plan, make_plan_action,
    make_exercise,
):  # fmt: skip
    """A national administrator and one of each record, with long names and long text."""
    user = make_user("admin", national=True, name="Alexandra Montgomery-Fitzwilliam")
    s = make_stakeholder(
        name="Toxteth and Granby Women's Community Network and Refugee Support Association",
        town="Liverpool", postcode="L8 1TH", email=EMAIL, website=URL, owner_id=user.id,
        latitude=53.39, longitude=-2.97,  # a point on the map
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


def page_paths(ids: dict, role: str | None = None) -> list[str]:
    """Every GOV.UK page in the route table (those `role` may open, if given, and those
    only a right opens), with the records' ids filled in."""
    return [
        path.format(**ids) + QUERY.get(endpoint, "")
        for endpoint, (method, path, roles) in sorted(ROUTES.items())
        if method == "GET" and endpoint not in NOT_PAGES
        and (role is None or role in roles or not roles)
    ] + EXTRA_PATHS


def right_only_paths(ids: dict) -> set[str]:
    """The pages no role opens alone, only a right: some roles are refused them even with
    it (a panel member's equality answers are changed only by those who edit panels)."""
    return {path.format(**ids) for method, path, roles in ROUTES.values() if not roles}


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server}/sign-in")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page).not_to_have_title("Sign in - Engage")  # signed in before moving on
