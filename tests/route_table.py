"""Every route in the app, classified once, for the access tests and the probe sweeps.

A new route missing from ROUTES (and, if it accepts POST, from POSTS) fails
test_every_route_is_classified, so nobody can add a page without deciding who may
use it and what a valid submission is.
"""

from __future__ import annotations

from datetime import date

from crm.extensions import db
from crm.models import Area, Contact, Engagement, Feedback, Panel, Stakeholder
from crm.models.common import utcnow
from tests.conftest import TODAY, priority

PUBLIC = {"auth.sign_in", "main.healthz", "static"}
EVERYONE = frozenset({"admin", "lead", "senior", "panels"})
STAKEHOLDER_EDITORS = frozenset({"admin", "lead"})
CONTACT_EDITORS = frozenset({"admin", "lead", "panels"})
PANEL_EDITORS = frozenset({"admin", "panels"})
ADMIN = frozenset({"admin"})

# endpoint: (method, path template, roles that may use it); others get 403.
ROUTES = {
    "main.home": ("GET", "/", EVERYONE),
    "main.search": ("GET", "/search?q=to", EVERYONE),
    "auth.sign_out": ("POST", "/sign-out", EVERYONE),
    "auth.change_password": ("GET", "/account/password", EVERYONE),
    "stakeholders.index": ("GET", "/stakeholders", EVERYONE),
    "stakeholders.new": ("GET", "/stakeholders/new", STAKEHOLDER_EDITORS),
    "stakeholders.detail": ("GET", "/stakeholders/{s}", EVERYONE),
    "stakeholders.edit": ("GET", "/stakeholders/{s}/edit", STAKEHOLDER_EDITORS),
    "stakeholders.archive": ("GET", "/stakeholders/{s}/archive", STAKEHOLDER_EDITORS),
    "stakeholders.restore": ("POST", "/stakeholders/{s}/restore", ADMIN),
    "contacts.index": ("GET", "/contacts", EVERYONE),
    "contacts.new": ("GET", "/contacts/new", CONTACT_EDITORS),
    "contacts.detail": ("GET", "/contacts/{c}", EVERYONE),
    "contacts.edit": ("GET", "/contacts/{c}/edit", CONTACT_EDITORS),
    "contacts.link": ("GET", "/contacts/{c}/organisations", CONTACT_EDITORS),
    "contacts.unlink": ("POST", "/contacts/{c}/organisations/{s}/remove", CONTACT_EDITORS),
    "contacts.archive": ("GET", "/contacts/{c}/archive", CONTACT_EDITORS),
    "contacts.restore": ("POST", "/contacts/{c}/restore", ADMIN),
    "engagements.index": ("GET", "/engagements", EVERYONE),
    "engagements.export": ("GET", "/engagements/export.csv", EVERYONE),
    "engagements.new": ("GET", "/engagements/new", STAKEHOLDER_EDITORS),
    "engagements.detail": ("GET", "/engagements/{e}", EVERYONE),
    "engagements.edit": ("GET", "/engagements/{e}/edit", STAKEHOLDER_EDITORS),
    "engagements.archive": ("GET", "/engagements/{e}/archive", STAKEHOLDER_EDITORS),
    "engagements.restore": ("POST", "/engagements/{e}/restore", ADMIN),
    "engagements.actions.index": ("GET", "/actions", EVERYONE),
    "engagements.actions.add": ("GET", "/engagements/{e}/actions", STAKEHOLDER_EDITORS),
    "engagements.actions.edit": ("GET", "/actions/{a}/edit", STAKEHOLDER_EDITORS),
    "engagements.actions.set_status": ("POST", "/actions/{a}/status", STAKEHOLDER_EDITORS),
    "engagements.coverage.index": ("GET", "/coverage", EVERYONE),
    "engagements.lookup.search": ("GET", "/lookup/stakeholders?q=to", EVERYONE),
    "panels.index": ("GET", "/panels", EVERYONE),
    "panels.new": ("GET", "/panels/new", PANEL_EDITORS),
    "panels.detail": ("GET", "/panels/{p}", EVERYONE),
    "panels.edit": ("GET", "/panels/{p}/edit", PANEL_EDITORS),
    "panels.terms": ("GET", "/panels/{p}/terms-of-reference", PANEL_EDITORS),
    "panels.archive": ("GET", "/panels/{p}/archive", PANEL_EDITORS),
    "panels.restore": ("POST", "/panels/{p}/restore", ADMIN),
    "panels.roster_csv": ("GET", "/panels/{p}/roster.csv", EVERYONE),
    "panels.history": ("GET", "/panels/{p}/history?from=2020-01-01&to=2030-01-01", EVERYONE),
    "panels.history_csv": ("GET", "/panels/{p}/history.csv?from=2020-01-01&to=2030-01-01",
                           EVERYONE),  # fmt: skip
    "panels.memberships.new": ("GET", "/panels/{p}/members/new?q=a", PANEL_EDITORS),
    "panels.memberships.detail": ("GET", "/memberships/{m}", EVERYONE),
    "panels.memberships.edit": ("GET", "/memberships/{m}/edit", PANEL_EDITORS),
    "panels.memberships.declare": ("GET", "/memberships/{m}/declarations", PANEL_EDITORS),
    "panels.meetings.new": ("GET", "/panels/{p}/meetings/new", PANEL_EDITORS),
    "panels.meetings.detail": ("GET", "/meetings/{g}", EVERYONE),
    "panels.meetings.edit": ("GET", "/meetings/{g}/edit", PANEL_EDITORS),
    "panels.refresh.refresh": ("GET", "/panels/{p}/refresh", EVERYONE),
    "feedback.index": ("GET", "/feedback", EVERYONE),
    "feedback.new": ("GET", "/feedback/new", CONTACT_EDITORS),
    "feedback.detail": ("GET", "/feedback/{f}", EVERYONE),
    "feedback.edit": ("GET", "/feedback/{f}/edit", CONTACT_EDITORS),
    "feedback.status": ("GET", "/feedback/{f}/status", CONTACT_EDITORS),
    "feedback.archive": ("GET", "/feedback/{f}/archive", CONTACT_EDITORS),
    "feedback.restore": ("POST", "/feedback/{f}/restore", ADMIN),
    "feedback.case_reviews.record": ("GET", "/meetings/{g}/case-reviews", PANEL_EDITORS),
    "feedback.priorities.index": ("GET", "/priorities", EVERYONE),
    "feedback.priorities.manage": ("GET", "/priorities/manage", ADMIN),
    "feedback.priorities.retire": ("POST", "/priorities/{r}/retire", ADMIN),
    "feedback.priorities.restore": ("POST", "/priorities/{r}/restore", ADMIN),
    "feedback.you_said.report": ("GET", "/reports/you-said-we-did", EVERYONE),
    "feedback.you_said.report_csv": ("GET", "/reports/you-said-we-did.csv?public=1", EVERYONE),
    "maps.index": ("GET", "/map", EVERYONE),
    "maps.frame": ("GET", "/map/frame", EVERYONE),
    "maps.points": ("GET", "/map/points.json", EVERYONE),
    "maps.engagements": ("GET", "/map/engagements.json", EVERYONE),
    "maps.boundary_shapes": ("GET", "/map/boundaries.json?shade=engagements", EVERYONE),
    "maps.popup": ("GET", "/map/stakeholders/{s}.json", EVERYONE),
    "maps.download": ("GET", "/map/download", EVERYONE),
    "maps.admin.area_boundaries": ("GET", "/map/boundaries", ADMIN),
    "maps.admin.postcodes": ("GET", "/map/postcodes", ADMIN),
}
# Reference data every user shares: not kept to an Area.
NOT_IN_AN_AREA = {
    "feedback.priorities.retire", "feedback.priorities.restore", "feedback.priorities.manage",
}  # fmt: skip
MISSING = {key: 999_999 for key in "scdeapmgfr"} | {"area": 999_999, "c2": 999_999}

# What a valid submission to each POST route is: the path, where its form is (SAME:
# the path itself, read as an administrator; None: a button with no fields), what to
# fill in, and who may submit it. `{x}` in a value is a record id, `{area}` the Area's.
SAME = "same"
DAY = [str(TODAY.day), str(TODAY.month), str(TODAY.year)]
POSTS = {
    "engagements.actions.add": ("/engagements/{e}/actions", SAME,
                                {"description": "Ring them back"}),
    "engagements.actions.edit": ("/actions/{a}/edit", SAME,
                                 {"description": "Ring them back today"}),
    "engagements.actions.set_status": ("/actions/{a}/status", None, {"status": "done"}),
    "feedback.case_reviews.record": ("/meetings/{g}/case-reviews", SAME, {
        "reviews-0-summary": "Victim kept informed", "reviews-0-priority_id": "{r}",
        "reviews-0-assessment": "handled_well"}),  # fmt: skip
    "contacts.archive": ("/contacts/{c}/archive", None, {}),
    "contacts.edit": ("/contacts/{c}/edit", SAME, {"phone": "0151 496 0999"}),
    "contacts.link": ("/contacts/{c}/organisations", None,
                      {"stakeholder_id": "{s}", "role": "Trustee"}),  # fmt: skip
    "contacts.new": ("/contacts/new", SAME, {"name": "Sam Newcomer", "area_id": "{area}"}),
    "contacts.restore": ("/contacts/{c}/restore", None, {}),
    "contacts.unlink": ("/contacts/{c}/organisations/{s}/remove", None, {}),
    "engagements.archive": ("/engagements/{e}/archive", None, {}),
    "engagements.edit": ("/engagements/{e}/edit", SAME, {"title": "Renamed conversation",
                                                         "location_address": "Town Hall"}),
    "engagements.new": ("/engagements/new", SAME, {
        "title": "Drop-in session", "type": "meeting", "area_id": "{area}",
        "location_address": "Town Hall"}),  # fmt: skip
    "engagements.restore": ("/engagements/{e}/restore", None, {}),
    "feedback.archive": ("/feedback/{f}/archive", None, {}),
    "feedback.edit": ("/feedback/{f}/edit", SAME, {"summary": "Said again"}),
    "feedback.new": ("/feedback/new", SAME, {
        "source": "other", "summary": "Victims want updates", "area_id": "{area}",
        "priority_ids": "{r}"}),  # fmt: skip
    "feedback.restore": ("/feedback/{f}/restore", None, {}),
    "feedback.status": ("/feedback/{f}/status", SAME, {"to_status": "under_review"}),
    "maps.admin.area_boundaries": ("/map/boundaries", None, {}),
    "maps.admin.postcodes": ("/map/postcodes", None, {}),
    "panels.meetings.edit": ("/meetings/{g}/edit", SAME, {"place": "Central Library"}),
    "panels.meetings.new": ("/panels/{p}/meetings/new", SAME, {"place": "Central Library",
                                                         "attendance_{m}": "present"}),
    "panels.memberships.declare": ("/memberships/{m}/declarations", SAME,
                            {"declared_on": DAY, "text": "Trustee of a victims' charity"}),
    "panels.memberships.edit": ("/memberships/{m}/edit", SAME, {"end_note": ""}),
    "panels.memberships.new": ("/panels/{p}/members/new?contact={c2}", SAME, {
        "status": "applicant", "role": "member", "applied_on": DAY}),  # fmt: skip
    "panels.archive": ("/panels/{p}/archive", None, {}),
    "panels.edit": ("/panels/{p}/edit", SAME, {"purpose": "Reviews finalised cases"}),
    "panels.new": ("/panels/new", SAME, {"name": "Hate Crime Scrutiny Panel", "type": "hate_crime",
                                         "area_id": "{area}"}),  # fmt: skip
    "panels.restore": ("/panels/{p}/restore", None, {}),
    "panels.terms": ("/panels/{p}/terms-of-reference", SAME,
                     {"text": "Revised terms", "adopted_on": DAY}),  # fmt: skip
    "feedback.priorities.manage": ("/priorities/manage", SAME, {"name": "Honour-based abuse"}),
    "feedback.priorities.restore": ("/priorities/{r}/restore", None, {}),
    "feedback.priorities.retire": ("/priorities/{r}/retire", None, {}),
    "panels.refresh.refresh": ("/panels/{p}/refresh", None, {"decision-{m}": "renew",
                                                       "action": "apply"}),  # fmt: skip
    "stakeholders.archive": ("/stakeholders/{s}/archive", None, {}),
    "stakeholders.edit": ("/stakeholders/{s}/edit", SAME, {"phone": "0151 496 0000"}),
    "stakeholders.new": ("/stakeholders/new", SAME, {"name": "Wirral Deaf Club",
                                                     "type": "community_group",
                                                     "area_id": "{area}"}),  # fmt: skip
    "stakeholders.restore": ("/stakeholders/{s}/restore", None, {}),
}
# Posting somewhere that only concerns the user themselves: no record, no Area.
OWN_ACCOUNT = {"auth.sign_out", "auth.change_password", "auth.sign_in"}
# The routes whose record may be national (no Area): panels, their memberships,
# meetings and feedback; creating one with no Area makes a national record.
NATIONAL = {
    "feedback.case_reviews.record", "feedback.archive", "feedback.edit", "feedback.new",
    "feedback.restore", "feedback.status", "panels.meetings.edit", "panels.meetings.new",
    "panels.memberships.declare", "panels.memberships.edit", "panels.memberships.new",
    "panels.archive", "panels.edit", "panels.new", "panels.restore", "panels.terms",
    "panels.refresh.refresh",
}  # fmt: skip


def fill(template, ids: dict):
    """A path or form value with its {placeholders} replaced by the records' ids."""
    if isinstance(template, list):
        return [fill(v, ids) for v in template]
    return template.format(**ids) if isinstance(template, str) else template


def make_records(app, factories, area_name: str | None = "Mersey-Cheshire", archived=False,
                 lead_id=None) -> dict:  # fmt: skip
    """One record of each kind in an Area (or national: a national panel, its membership
    and meeting, national feedback; the other kinds still in an Area, none being national).

    With archived=True the records a restore route needs are archived.
    """
    f = factories
    home = area_name or "Mersey-Cheshire"
    s = f["stakeholder"](home)
    c = f["contact"](home, stakeholder_id=s)
    c2 = f["contact"](home, name="Priya Applicant")
    e = f["engagement"](home, stakeholder_ids=[s], lead_id=lead_id,
                        actions=[{"description": "Write back", "due_on": date(2026, 12, 1)}])
    p = f["panel"](area_name, name=f"{area_name or 'National'} LSIP",
                   type="lsip" if area_name else "caf")  # fmt: skip
    m = f["membership"](p, c, communities=["Older people"], term_end=date(2027, 1, 29))
    g = f["meeting"](p, attendance={m: "present"})
    fb = f["feedback"](area_name, panel_id=p, panel_meeting_id=g, source="panel_meeting",
                       owner_id=lead_id)  # fmt: skip
    with app.app_context():
        a = db.session.get(Engagement, e).actions[0].id
        r = priority("Hate crime").id
        area = db.session.query(Area).filter_by(name=home).one().id
        if archived:
            for model, record_id in ((Stakeholder, s), (Contact, c), (Engagement, e),
                                     (Panel, p), (Feedback, fb)):  # fmt: skip
                db.session.get(model, record_id).archived_at = utcnow()
            db.session.commit()
    return {"s": s, "c": c, "c2": c2, "e": e, "a": a, "p": p, "m": m, "g": g, "f": fb, "r": r,
            "area": "" if area_name is None else area}  # fmt: skip
