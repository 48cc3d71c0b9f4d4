"""Every route in the app, classified: who may reach it, and what others get.

A new route that is not listed here fails test_every_route_is_classified, so
nobody can add a page without deciding who may see it.
"""

from datetime import date

import pytest

from crm.extensions import db
from crm.models import Contact, Engagement, Panel, Stakeholder
from crm.models.common import utcnow
from tests.conftest import priority

PUBLIC = {"auth.sign_in", "main.healthz", "static"}

# endpoint: (method, path template, who may use it). "read" = every signed-in role;
# a set of roles = only those; other roles get 403.
EVERYONE = {"admin", "lead", "senior", "panels"}
ROUTES = {
    "main.home": ("GET", "/", EVERYONE),
    "auth.sign_out": ("POST", "/sign-out", EVERYONE),
    "auth.change_password": ("GET", "/account/password", EVERYONE),
    "stakeholders.index": ("GET", "/stakeholders", EVERYONE),
    "stakeholders.new": ("GET", "/stakeholders/new", {"admin", "lead"}),
    "stakeholders.detail": ("GET", "/stakeholders/{s}", EVERYONE),
    "stakeholders.edit": ("GET", "/stakeholders/{s}/edit", {"admin", "lead"}),
    "stakeholders.archive": ("POST", "/stakeholders/{s}/archive", {"admin", "lead"}),
    "stakeholders.restore": ("POST", "/stakeholders/{s}/restore", {"admin"}),
    "contacts.index": ("GET", "/contacts", EVERYONE),
    "contacts.new": ("GET", "/contacts/new", {"admin", "lead", "panels"}),
    "contacts.detail": ("GET", "/contacts/{c}", EVERYONE),
    "contacts.edit": ("GET", "/contacts/{c}/edit", {"admin", "lead", "panels"}),
    "contacts.link": ("GET", "/contacts/{c}/organisations", {"admin", "lead", "panels"}),
    "contacts.unlink": (
        "POST",
        "/contacts/{c}/organisations/{s}/remove",
        {"admin", "lead", "panels"},
    ),
    "contacts.archive": ("POST", "/contacts/{c}/archive", {"admin", "lead", "panels"}),
    "contacts.restore": ("POST", "/contacts/{c}/restore", {"admin"}),
    "engagements.index": ("GET", "/engagements", EVERYONE),
    "engagements.export": ("GET", "/engagements/export.csv", EVERYONE),
    "engagements.new": ("GET", "/engagements/new", {"admin", "lead"}),
    "engagements.detail": ("GET", "/engagements/{e}", EVERYONE),
    "engagements.edit": ("GET", "/engagements/{e}/edit", {"admin", "lead"}),
    "engagements.archive": ("POST", "/engagements/{e}/archive", {"admin", "lead"}),
    "engagements.restore": ("POST", "/engagements/{e}/restore", {"admin"}),
    "actions.index": ("GET", "/actions", EVERYONE),
    "actions.add": ("GET", "/engagements/{e}/actions", {"admin", "lead"}),
    "actions.set_status": ("POST", "/actions/{a}/status", {"admin", "lead"}),
    "coverage.index": ("GET", "/coverage", EVERYONE),
    "lookup.search": ("GET", "/lookup/stakeholders?q=to", EVERYONE),
    "panels.index": ("GET", "/panels", EVERYONE),
    "panels.new": ("GET", "/panels/new", {"admin", "panels"}),
    "panels.detail": ("GET", "/panels/{p}", EVERYONE),
    "panels.edit": ("GET", "/panels/{p}/edit", {"admin", "panels"}),
    "panels.terms": ("GET", "/panels/{p}/terms-of-reference", {"admin", "panels"}),
    "panels.archive": ("POST", "/panels/{p}/archive", {"admin", "panels"}),
    "panels.restore": ("POST", "/panels/{p}/restore", {"admin"}),
    "panels.roster_csv": ("GET", "/panels/{p}/roster.csv", EVERYONE),
    "panels.history": ("GET", "/panels/{p}/history?from=2020-01-01&to=2030-01-01", EVERYONE),
    "panels.history_csv": (
        "GET",
        "/panels/{p}/history.csv?from=2020-01-01&to=2030-01-01",
        EVERYONE,
    ),
    "memberships.new": ("GET", "/panels/{p}/members/new?q=a", {"admin", "panels"}),
    "memberships.detail": ("GET", "/memberships/{m}", EVERYONE),
    "memberships.edit": ("GET", "/memberships/{m}/edit", {"admin", "panels"}),
    "memberships.declare": ("GET", "/memberships/{m}/declarations", {"admin", "panels"}),
    "meetings.new": ("GET", "/panels/{p}/meetings/new", {"admin", "panels"}),
    "meetings.detail": ("GET", "/meetings/{g}", EVERYONE),
    "meetings.edit": ("GET", "/meetings/{g}/edit", {"admin", "panels"}),
    "refresh.refresh": ("GET", "/panels/{p}/refresh", EVERYONE),
    "feedback.index": ("GET", "/feedback", EVERYONE),
    "feedback.new": ("GET", "/feedback/new", {"admin", "lead", "panels"}),
    "feedback.detail": ("GET", "/feedback/{f}", EVERYONE),
    "feedback.edit": ("GET", "/feedback/{f}/edit", {"admin", "lead", "panels"}),
    "feedback.status": ("GET", "/feedback/{f}/status", {"admin", "lead", "panels"}),
    "feedback.archive": ("POST", "/feedback/{f}/archive", {"admin", "lead", "panels"}),
    "feedback.restore": ("POST", "/feedback/{f}/restore", {"admin"}),
    "case_reviews.record": ("GET", "/meetings/{g}/case-reviews", {"admin", "panels"}),
    "priorities.index": ("GET", "/priorities", EVERYONE),
    "priorities.manage": ("GET", "/priorities/manage", {"admin"}),
    "priorities.retire": ("POST", "/priorities/{r}/retire", {"admin"}),
    "priorities.restore": ("POST", "/priorities/{r}/restore", {"admin"}),
    "you_said.report": ("GET", "/reports/you-said-we-did", EVERYONE),
    "you_said.report_csv": ("GET", "/reports/you-said-we-did.csv?public=1", EVERYONE),
    "maps.index": ("GET", "/map", EVERYONE),
    "maps.frame": ("GET", "/map/frame", EVERYONE),
    "maps.points": ("GET", "/map/points.json", EVERYONE),
    "maps.engagements": ("GET", "/map/engagements.json", EVERYONE),
    "maps.boundary_shapes": ("GET", "/map/boundaries.json?shade=engagements", EVERYONE),
    "maps.popup": ("GET", "/map/stakeholders/{s}.json", EVERYONE),
    "maps.download": ("GET", "/map/download", EVERYONE),
    "map_admin.area_boundaries": ("GET", "/map/boundaries", {"admin"}),
    "map_admin.postcodes": ("GET", "/map/postcodes", {"admin"}),
}
MISSING = {key: 999_999 for key in "scdeapmgfr"}
# Reference data every user shares: not kept to an Area.
NOT_IN_AN_AREA = {"priorities.retire", "priorities.restore"}
# Routes that act on one record: someone outside its Area gets 404.
RECORD_ROUTES = [e for e, (_, path, _) in ROUTES.items() if "{" in path and e not in NOT_IN_AN_AREA]


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unclassified = endpoints - PUBLIC - set(ROUTES)
    assert not unclassified, f"Classify these routes in {__file__}: {sorted(unclassified)}"
    assert not (set(ROUTES) - endpoints), "ROUTES lists endpoints that no longer exist"


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_signed_out_people_are_sent_to_sign_in(client, records, endpoint):
    method, path, _ = ROUTES[endpoint]
    url = path.format(**records())
    response = client.open(url, method=method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


@pytest.fixture
def records(app, make_stakeholder, make_contact, make_engagement, make_panel, make_membership,
            make_meeting, make_feedback):  # fmt: skip
    """One record of each kind in an Area, archived if the route restores."""

    def factory(area="Mersey-Cheshire", endpoint=""):
        s = make_stakeholder(area)
        c = make_contact(area, stakeholder_id=s)
        e = make_engagement(area, stakeholder_ids=[s], actions=[{"description": "Write back"}])
        p = make_panel(area, name=f"{area} LSIP")
        m = make_membership(p, c, communities=["Older people"])
        g = make_meeting(p, attendance={m: "present"})
        f = make_feedback(area, panel_id=p, panel_meeting_id=g, source="panel_meeting")
        with app.app_context():
            a = db.session.get(Engagement, e).actions[0].id
            r = priority("Hate crime").id
            if endpoint.endswith(".restore"):
                for model, record_id in (
                    (Stakeholder, s),
                    (Contact, c),
                    (Engagement, e),
                    (Panel, p),
                ):
                    db.session.get(model, record_id).archived_at = utcnow()
            db.session.commit()
        return {"s": s, "c": c, "e": e, "a": a, "p": p, "m": m, "g": g, "f": f, "r": r}

    return factory


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_roles_in_their_own_area(client, signed_in, records, role, endpoint):
    signed_in(role)
    method, path, allowed = ROUTES[endpoint]
    response = client.open(path.format(**records(endpoint=endpoint)), method=method)
    if role in allowed:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302 and endpoint != "auth.sign_out":
            assert not response.headers["Location"].startswith("/sign-in")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.parametrize("endpoint", sorted(RECORD_ROUTES))
def test_records_in_another_area_are_not_found(client, signed_in, records, role, endpoint):
    signed_in(role, areas=("Mersey-Cheshire",))
    method, path, _ = ROUTES[endpoint]
    response = client.open(path.format(**records("West Midlands", endpoint)), method=method)
    missing = client.open(path.format(**MISSING), method=method)
    # Indistinguishable from a record that does not exist.
    assert response.status_code == missing.status_code
    assert ("Page not found" in response.get_data(as_text=True)) == (
        "Page not found" in missing.get_data(as_text=True)
    )
    if role in ROUTES[endpoint][2]:
        assert response.status_code == 404
    else:
        assert response.status_code in (403, 404)


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
    make_membership, make_meeting, make_feedback,
):  # fmt: skip
    """Walks every GET page in ROUTES as an administrator, with hostile names in the data."""
    signed_in("admin", national=True)
    s = make_stakeholder(name=HOSTILE, town=HOSTILE, communities=["Older people"])
    c = make_contact(name=HOSTILE, stakeholder_id=s, role=HOSTILE)
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
    with client.application.app_context():
        a = db.session.get(Engagement, e).actions[0].id
        r = priority("Hate crime").id
    # Downloads, JSON and the map's own document (not a GOV.UK page) are checked elsewhere.
    downloads = ("engagements.export", "lookup.search", "panels.roster_csv", "panels.history_csv",
                 "you_said.report_csv", "maps.frame", "maps.points", "maps.engagements",
                 "maps.boundary_shapes", "maps.popup", "maps.download")  # fmt: skip
    for endpoint, (method, path, _) in sorted(ROUTES.items()):
        if method != "GET" or endpoint in downloads:
            continue
        if endpoint == "you_said.report":
            path += "?from=2026-01-01&to=2026-12-31"
        response = client.get(path.format(s=s, c=c, e=e, a=a, p=p, m=m, g=g, f=f, r=r))
        html = response.get_data(as_text=True)
        assert response.status_code == 200, endpoint
        assert html.count("<h1") == 1, endpoint
        title = html.split("<title>")[1].split("</title>")[0]
        assert title.endswith(" - Engage") and "<" not in title, endpoint
        assert "<img src=x" not in html, endpoint
