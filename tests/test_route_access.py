"""Every route, every role: who may reach each page, and who may change each record.

The tables are in tests/route_table.py. Every POST route is submitted, with a form a
permitted user would send, by every role on a record in their own Area, in another
Area, and (where a record can be) a national one; a refusal must leave the database
exactly as it was.
"""

import re
from datetime import date

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import Engagement, Evidence, Purpose, User
from crm.models.user import RIGHTS
from crm.services import imports
from tests.conftest import area, community, priority, sign_in
from tests.formscrape import post_form
from tests.import_files import csv_bytes
from tests.route_table import (
    ANSWER_WITH_A_PAGE,
    EVERYONE,
    LINK_PAGES,
    MISSING,
    NATIONAL,
    NOT_IN_AN_AREA,
    NOT_PAGES,
    OWN_ACCOUNT,
    POSTS,
    PUBLIC,
    ROUTES,
    SAME,
    SECOND_FACTOR,
    SWEPT_ELSEWHERE,
    answers_as_missing,
    fill,
    make_job,
    make_records,
)

# The pages (GET routes) are in tests/test_route_access_pages.py, on records they share.
BUTTONS = sorted(e for e, (method, _, _) in ROUTES.items() if method == "POST")
RECORD_BUTTONS = [e for e in BUTTONS if "{" in ROUTES[e][1] and e not in NOT_IN_AN_AREA]
POST_ROLES = {"panels.refresh.refresh": frozenset({"admin", "panels"})}


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unclassified = endpoints - PUBLIC - LINK_PAGES - SECOND_FACTOR - set(ROUTES)
    assert not unclassified, f"Classify these in tests/route_table.py: {sorted(unclassified)}"
    assert not (set(ROUTES) - endpoints), "ROUTES lists endpoints that no longer exist"
    posting = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    missing = posting - set(POSTS) - OWN_ACCOUNT - SWEPT_ELSEWHERE
    assert not missing, f"Give these POST routes a valid submission in POSTS: {sorted(missing)}"


@pytest.fixture
def records(app, factories):
    def factory(area="Mersey-Cheshire", endpoint="", **kw):
        return make_records(app, factories, area, archived=endpoint.endswith(".restore"), **kw)

    return factory


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_signed_out_people_are_sent_to_sign_in(client, endpoint):
    # Sent away before any record is looked up: ids of records that do not exist will do.
    method, path, _ = ROUTES[endpoint]
    response = client.open(path.format(**MISSING), method=method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def _as_each_role(app, make_user, records, endpoint: str, **kw):
    """(role, client signed in as a new user with it, the records' ids) for every role:
    records of its own for each, as a button's first use may change them."""
    for role in sorted(EVERYONE):
        client = app.test_client()
        assert sign_in(client, make_user(role, areas=("Mersey-Cheshire",))).status_code == 302
        yield role, client, records(endpoint=endpoint, **kw)


# The buttons with a submission in POSTS are tried with it, by every role, below.
@pytest.mark.parametrize("endpoint", sorted(set(BUTTONS) - set(POSTS)))
def test_roles_in_their_own_area(app, make_user, records, endpoint):
    method, path, allowed = ROUTES[endpoint]
    for role, client, ids in _as_each_role(app, make_user, records, endpoint):
        response = client.open(path.format(**ids), method=method)
        response.close()  # a streamed export ends here, in its request's context
        if role in allowed:
            assert response.status_code in (200, 302), (role, response.status_code)
            if response.status_code == 302 and endpoint != "auth.sign_out":
                assert not response.headers["Location"].startswith("/sign-in"), role
        else:
            assert response.status_code == 403, role


@pytest.mark.parametrize("endpoint", RECORD_BUTTONS)
def test_records_in_another_area_are_not_found(app, make_user, records, endpoint):
    method, path, allowed = ROUTES[endpoint]
    for role, client, ids in _as_each_role(app, make_user, records, endpoint,
                                           area="West Midlands"):  # fmt: skip
        answers_as_missing(client, method, path, ids, role, allowed)


def problems(response) -> str:
    """What a page with errors says is wrong (its error summary), for a failing assert."""
    html = response.get_data(as_text=True)
    found = re.findall(r'govuk-error-(?:summary__list|message)[^>]*>(.*?)</(?:ul|p)>', html, re.S)
    return " | ".join(re.sub(r"<[^>]+>|\s+", " ", f).strip() for f in found) or html[:500]


def snapshot(app) -> dict:
    """Every row of every table (sign-in attempts aside): to prove nothing changed."""
    with app.app_context():
        db.session.expire_all()
        return {
            table.name: sorted(map(repr, db.session.execute(select(table)).all()))
            for table in db.metadata.sorted_tables
            if table.name not in ("signin_attempts", "form_submissions")
        }


def _submission(app, make_user, endpoint: str, ids: dict) -> tuple[str, dict]:
    """The path and a valid body: the form as a national administrator sees it, filled in."""
    path_template, form_page, values = POSTS[endpoint]
    path = fill(path_template, ids)
    body: dict = {}
    if form_page == SAME:
        admin = app.test_client()
        sign_in(admin, make_user("admin", national=True))
        page = admin.get(path)
        assert page.status_code == 200, (endpoint, page.status_code)
        body = post_form(page.get_data(as_text=True), path)
    body.update({fill(k, ids): fill(v, ids) for k, v in values.items()})
    return path, body




def _may_post(endpoint: str) -> frozenset:
    return POST_ROLES.get(endpoint, ROUTES[endpoint][2])


SAVES = [(e, role) for e in sorted(POSTS) for role in sorted(_may_post(e))]
# Where each route is refused: in its own Area to the roles that may not, in another Area,
# and (for national records) to everyone working in an Area.
SCOPES = [(e, "own") for e in sorted(POSTS) if EVERYONE - _may_post(e)] + [
    (e, "other") for e in sorted(POSTS)
    if e not in NOT_IN_AN_AREA and not e.startswith("maps.admin")
] + [(e, "national") for e in sorted(NATIONAL)]  # fmt: skip


@pytest.mark.parametrize("endpoint, role", SAVES)
def test_every_post_route_saves_for_each_role_that_may(app, client, make_user, records,
                                                       endpoint, role):  # fmt: skip
    """In their own Area, each permitted role's submission is saved (each on records of
    its own: a save may change them)."""
    path, body = _submission(app, make_user, endpoint, records("Mersey-Cheshire", endpoint))
    sign_in(client, make_user(role, areas=("Mersey-Cheshire",)))
    response = client.post(path, data=body)
    expected = 200 if endpoint in ANSWER_WITH_A_PAGE else 302
    assert response.status_code == expected, problems(response)
    if expected == 302:
        assert not response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("endpoint, scope", SCOPES)
def test_every_post_route_refuses_every_other_role_and_scope(app, make_user, records,
                                                            endpoint, scope):  # fmt: skip
    """Own Area: the roles that may not are refused. Another Area: not found (a new record
    there is refused) for every role. National: only national users change it. Refused =
    the database exactly as it was; so every refused role tries the same records in turn."""
    area = {"own": "Mersey-Cheshire", "other": "West Midlands", "national": None}[scope]
    path, body = _submission(app, make_user, endpoint, records(area, endpoint))
    refused = sorted(EVERYONE - _may_post(endpoint) if scope == "own" else EVERYONE)
    clients = {}
    for role in refused:
        clients[role] = app.test_client()
        sign_in(clients[role], make_user(role, areas=("Mersey-Cheshire",)))
    uploads = {k: v for k, v in POSTS[endpoint][2].items() if callable(v)}  # read once each
    before = snapshot(app)
    for role, client in clients.items():
        response = client.post(path, data=body | {k: v() for k, v in uploads.items()})
        assert response.status_code < 500, role
        if scope == "own":
            assert response.status_code == 403, role
        elif role not in _may_post(endpoint):
            assert response.status_code in (403, 404), role
        assert snapshot(app) == before, f"{role} changed a {scope} record through {endpoint}"


@pytest.mark.parametrize("endpoint", sorted(NATIONAL))
def test_national_users_change_national_records(app, client, make_user, records, endpoint):
    """The national variant of each submission works for a national user, so the refusals
    above are refusals of the scope, not of a broken form."""
    ids = records(None, endpoint)
    path, body = _submission(app, make_user, endpoint, ids)
    sign_in(client, make_user("admin", national=True))
    response = client.post(path, data=body)
    assert response.status_code == (200 if endpoint in ANSWER_WITH_A_PAGE else 302), problems(
        response)
    assert "govuk-error-summary" not in response.get_data(as_text=True), problems(response)


def test_national_users_see_every_area(client, signed_in, make_stakeholder):
    signed_in("senior", national=True)
    s = make_stakeholder("West Midlands", name="Walsall Deaf Club")
    assert client.get(f"/stakeholders/{s}").status_code == 200
    assert "Walsall Deaf Club" in client.get("/stakeholders").get_data(as_text=True)


def test_senior_leader_cannot_change_anything_by_posting(client, signed_in, make_stakeholder):
    signed_in("senior")
    s = make_stakeholder(name="Before")
    response = client.post(f"/stakeholders/{s}/edit", data={"name": "After", "version": "1"})
    assert response.status_code == 403
    assert client.post("/stakeholders/new", data={"name": "New"}).status_code == 403
    assert "Before" in client.get(f"/stakeholders/{s}").get_data(as_text=True)


HOSTILE = '"><img src=x onerror=alert(1)>'


def test_every_page_has_one_heading_a_plain_title_and_escapes_hostile_text(
    client, signed_in, make_stakeholder, make_contact, make_engagement, make_panel,
    make_membership, make_meeting, make_feedback, make_objective, make_plan, make_plan_action,
    make_exercise, make_user,
):  # fmt: skip
    """Walks every GET page in ROUTES as an administrator (given every right beyond the
    role, for the pages only a right opens), with hostile names in the data."""
    admin = signed_in("admin", national=True)
    u = make_user(name=HOSTILE).id
    s = make_stakeholder(name=HOSTILE, town=HOSTILE, communities=["Older people"])
    c = make_contact(name=HOSTILE, stakeholder_id=s, role=HOSTILE)
    # A second of each, also hostile: the duplicates and merge pages show them side by side.
    s2, c2 = make_stakeholder(name=HOSTILE, postcode="L8 1AA"), make_contact(name=HOSTILE)
    e = make_engagement(title=HOSTILE, summary=HOSTILE, stakeholder_ids=[s], contact_ids=[c],
                        actions=[{"description": HOSTILE}])  # fmt: skip
    p = make_panel(name=HOSTILE, purpose=HOSTILE, targets={"Older people": 2})
    m = make_membership(p, c, communities=["Older people"], end_note=HOSTILE)
    make_membership(p, name=HOSTILE, status="applicant", term_start=None, term_end=None)
    g = make_meeting(p, attendance={m: "absent"}, case_themes=HOSTILE, notes=HOSTILE)
    f = make_feedback(summary=HOSTILE, detail=HOSTILE, learning_points=HOSTILE, response=HOSTILE,
                      case_reference=HOSTILE, panel_id=p, panel_meeting_id=g, status="closed",
                      closed_on=date(2026, 3, 1), status_on=date(2026, 3, 1))  # fmt: skip
    make_feedback(
        summary=HOSTILE, panel_id=p, panel_meeting_id=make_meeting(p, held_on=date(2025, 1, 5))
    )
    o = make_objective(title=HOSTILE, statement=HOSTILE)
    pl = make_plan(title=HOSTILE, team=HOSTILE)
    pa = make_plan_action(pl, what=HOSTILE, by_whom=HOSTILE, objective_ids=[o],
                          updates=[(date(2026, 10, 1), "at_risk", HOSTILE)])  # fmt: skip
    x = make_exercise(positions={s: (4, 2)}, title=HOSTILE, notes=HOSTILE)
    with client.application.app_context():
        a = db.session.get(Engagement, e).actions[0].id
        r = priority("Hate crime").id
        cm, ar, j = community("Older people").id, area("Mersey-Cheshire").id, make_job()
        pu = db.session.scalar(select(Purpose.id).order_by(Purpose.id))  # reference data
        db.session.get(User, admin.id).set_rights(RIGHTS)
        hostile_sheet = csv_bytes([["Name", "Type", HOSTILE], [HOSTILE, HOSTILE, HOSTILE]])
        im = imports.start(db.session.get(User, admin.id), "stakeholders", f"{HOSTILE}.csv",
                           hostile_sheet).id  # fmt: skip
        evidence = {"added_on": date(2026, 10, 2), "engagement_id": e}
        db.session.add_all([Evidence(objective_id=o, **evidence),
                            Evidence(action_id=pa, title=HOSTILE, url=HOSTILE,
                                     added_on=date(2026, 10, 2))])  # fmt: skip
        db.session.commit()
    for endpoint, (method, path, _) in sorted(ROUTES.items()):
        if method != "GET" or endpoint in NOT_PAGES:  # downloads are checked elsewhere
            continue
        if endpoint == "feedback.you_said.report":
            path += "?from=2026-01-01&to=2026-12-31"
        response = client.get(path.format(s=s, c=c, e=e, a=a, p=p, m=m, g=g, f=f, r=r, o=o,
                                          pl=pl, pa=pa, x=x, j=j, u=u, cm=cm,
                                          ar=ar, pu=pu, s2=s2, c2=c2, im=im))  # fmt: skip
        html = response.get_data(as_text=True)
        assert response.status_code == 200, endpoint
        assert html.count("<h1") == 1, endpoint
        title = html.split("<title>")[1].split("</title>")[0]
        assert title.endswith(" - Engage") and "<" not in title, endpoint
        assert "<img src=x" not in html, endpoint
