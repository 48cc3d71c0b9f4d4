"""What the demo data shows: the home page's figures are the lists they link to (for every
demo account, each count equals the number of rows the linked list shows); the demo
panels and action plans hold every situation their pages catch.

The demo is loaded once for this module (it takes seconds) and only read here."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Feedback, Membership, PanelMeeting
from crm.services import seeding
from tests.conftest import TODAY

DEMO_ACCOUNTS = [email for email, *_ in seeding.DEMO_USERS]


@pytest.mark.parametrize("email", DEMO_ACCOUNTS)
def test_every_home_figure_is_the_count_of_the_list_it_links_to(client, demo_data, email):
    signed = client.post("/sign-in", data={"email": email, "password": seeding.DEMO_PASSWORD})
    assert signed.status_code == 302
    home = client.get("/").get_data(as_text=True)
    figures = re.findall(r'href="([^"]+)" data-count="(\d+)"', home)
    assert len(figures) >= 5, figures  # stakeholders, contacts, engagements, actions...
    for href, count in figures:
        page = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
        shown = re.search(r'id="result-count"[^>]*>\s*<strong>(?:More than )?([\d,]+)', page)
        assert shown, href
        assert int(shown.group(1).replace(",", "")) == int(count), (email, href)


def test_demo_panels_hold_every_situation_the_refresh_page_catches(app, demo_data):

    from crm.models import Panel
    from crm.services import panels

    with app.app_context():
        all_panels = db.session.scalars(select(Panel)).all()
        assert any(p.area_id is None and p.type == "caf" for p in all_panels)
        reports = panels.health([p for p in all_panels if p.type == "lsip"], TODAY)
        assert len(reports) == 4
        for report in reports.values():
            assert report.terms_ending and not all(t.may_renew for t in report.terms_ending)
            assert report.community_gaps and report.vacancies and report.applicants
            assert {v.problem for v in report.vetting} >= {"expired", "expires soon"}
            assert [m.absence_streak for m in report.absent] == [3]
        assert sum(r.tor_overdue for r in reports.values()) == 1
        ended = db.session.scalars(select(Membership).where(Membership.status == "ended")).all()
        assert {m.end_reason for m in ended} >= {"renewed", "resigned", "term_completed"}
        assert db.session.scalar(select(func.count()).select_from(PanelMeeting)) >= 30
        statuses = set(db.session.scalars(select(Feedback.status)))
        assert statuses == {"received", "under_review", "action_agreed", "closed",
                            "closed_no_action"}  # fmt: skip
        sources = set(db.session.scalars(select(Feedback.source)))
        assert {"case_review", "engagement"} <= sources


def test_demo_action_plans_show_every_status_what_is_overdue_and_what_is_due(app, demo_data):
    """Each demo Area's plan: every status, overdue actions, updates due (on the owner's
    home page too), a year of quarterly updates in date order, and evidence from the
    Area's own engagements and feedback, and a document."""
    import json

    from crm.models import ActionPlan, Evidence
    from crm.models.plan import ACTION_STATUSES
    from crm.services import access, action_plans
    from crm.services.quarters import Quarter

    demo = json.loads((seeding.SEEDS / "demo.json").read_text(encoding="utf-8"))
    with app.app_context():
        plans = db.session.scalars(select(ActionPlan)).all()
        assert sorted(p.area.name for p in plans) == sorted(demo["areas"])
        evidence = db.session.scalars(select(Evidence)).all()
        for plan in plans:
            assert plan.starts_on <= TODAY <= plan.ends_on
            assert plan.owner.role in ("lead", "admin") and access.may_read(plan.owner, plan)
            live = [a for a in plan.actions if a.archived_at is None]
            assert {a.status for a in live} == set(ACTION_STATUSES), plan.title
            overdue = [a for a in live if a.is_open and action_plans.is_overdue(a, TODAY)]
            assert overdue and any(a.owner for a in overdue), plan.title
            assert any(action_plans.update_due(a, TODAY) for a in live), plan.title
            assert action_plans.needing_attention(plan.owner, TODAY, mine=True), plan.title
            for action in live:
                days = [u.updated_on for u in action.updates]
                assert days == sorted(days) and all(d <= TODAY for d in days), action.reference
                moves = ["not_started"] + [u.to_status for u in action.updates]
                assert [u.from_status for u in action.updates] == moves[:-1]
                assert action.status == moves[-1]
                assert all(u.note for u in action.updates if u.to_status in ("done", "dropped"))
                assert all(o.area_id is None for o in action.objectives) and action.objectives
            quarters = {Quarter.of(u.updated_on) for a in live for u in a.updates}
            assert len(quarters) >= 4, "a year of quarterly updates"
            # The monitoring of each of the last four quarters shows the updates made in it.
            quarter = Quarter.of(TODAY)
            for _ in range(4):
                quarter = quarter.previous()
                rows = action_plans.monitoring(plan, quarter, TODAY)
                assert any(r.update for r in rows) and any(r.changed for r in rows), quarter
            # Its evidence: the Area's own engagements and feedback, and a document.
            ours = [e for e in evidence
                    if (e.action and e.action.plan_id == plan.id)
                    or (e.objective and (e.engagement or e.feedback)
                        and (e.engagement or e.feedback).area_id == plan.area_id)]  # fmt: skip
            assert {e.kind for e in ours} >= {"engagement", "feedback", "document"}, plan.title
            for e in ours:
                linked = e.engagement or e.feedback
                assert linked is None or linked.area_id == plan.area_id
                assert e.url == "" or e.url.startswith("https://")
                assert e.added_on <= TODAY
