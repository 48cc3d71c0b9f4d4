"""Derived engagement figures have one owner: any sequence of saves leaves exactly what a
full rebuild would (a property test), the rebuild puts right what is wrong, and two saves
touching the same summary row at once both count."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from crm.extensions import db
from crm.models import (
    CommunityReach,
    Engagement,
    EngagementDay,
    EngagementPlace,
    Stakeholder,
    User,
)
from crm.services import engagement_figures, engagements
from tests.conftest import area, community, sign_in
from tests.together import at_once

COMMUNITIES = ("Older people", "Disabled adults", "Gypsy, Roma and Traveller communities")
AREAS = ("Mersey-Cheshire", "North West")
DAYS = (date(2026, 3, 1), date(2026, 3, 2), date(2026, 7, 31))
STATUSES = ("held", "held", "planned", "cancelled")
TYPES = ("meeting", "forum")

shape = st.fixed_dictionaries({
    "area": st.integers(0, 1), "communities": st.sets(st.integers(0, 2)),
    "stakeholders": st.sets(st.integers(0, 2)), "day": st.integers(0, 2),
    "status": st.integers(0, 3), "premises": st.booleans(), "type": st.integers(0, 1),
})  # fmt: skip
operation = st.one_of(
    st.tuples(st.just("log"), shape),
    st.tuples(st.just("edit"), st.integers(0, 5), shape),
    st.tuples(st.just("archive"), st.integers(0, 5)),
)


def _data(world, shape: dict) -> dict:
    area_name = AREAS[shape["area"]]
    chosen = [world["stakeholders"][area_name][i] for i in sorted(shape["stakeholders"])]
    premises = shape["premises"] and bool(chosen)
    return {
        "title": "Meeting", "type": TYPES[shape["type"]], "status": STATUSES[shape["status"]],
        "held_on": DAYS[shape["day"]], "start_time": None, "end_time": None,
        "area_id": world["areas"][area_name], "lead_id": None, "attendance": None,
        "location_kind": "stakeholder" if premises else "online",
        "location_stakeholder_id": chosen[0] if premises else None,
        "location_address": "", "location_postcode": "", "summary": "", "issues_raised": "",
        "outcomes": "", "restricted_notes": "", "staff_ids": [], "contact_ids": [],
        "stakeholder_ids": chosen,
        "community_ids": [world["communities"][i] for i in sorted(shape["communities"])],
    }  # fmt: skip


@pytest.fixture
def world(app, make_user, make_stakeholder):
    """Staff, and three stakeholders in each of two Areas: made once for all the examples
    (each example's saves are rolled back)."""
    admin = make_user("admin", national=True)
    stakeholders = {
        name: [make_stakeholder(name, name=f"{name} group {n}", latitude=53.0 + n / 7 + a,
                                longitude=-2.5 - n / 5, communities=[COMMUNITIES[n]])
               for n in range(3)]
        for a, name in enumerate(AREAS)
    }  # fmt: skip
    with app.app_context():
        return {
            "admin": admin.id, "stakeholders": stakeholders,
            "areas": {name: area(name).id for name in AREAS},
            "communities": [community(name).id for name in COMMUNITIES],
        }  # fmt: skip


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=10))
def test_any_sequence_of_saves_equals_a_full_rebuild(app, world, operations):
    """Log, edit (dates, Areas, types, communities, stakeholders, status, premises), archive
    and restore in any order: after each, the incremental figures are what a rebuild makes."""
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        logged: list[Engagement] = []
        try:
            for op in operations:
                if op[0] == "log":
                    logged.append(engagements.log_engagement(admin, _data(world, op[1])))
                elif logged and op[0] == "edit":
                    e = logged[op[1] % len(logged)]
                    if e.archived_at is None:
                        engagements.update_engagement(admin, e, _data(world, op[2]), e.version)
                elif logged:
                    e = logged[op[1] % len(logged)]
                    engagements.set_archived(admin, e, e.archived_at is None)
                db.session.flush()
                assert engagement_figures.rebuild(dry_run=True).total == 0, op
        finally:
            db.session.rollback()


def test_the_rebuild_puts_right_what_is_wrong_and_says_so(app, make_engagement,
                                                          make_stakeholder):  # fmt: skip
    s = make_stakeholder(latitude=53.4, longitude=-2.9)
    make_engagement(stakeholder_ids=[s], communities=["Older people"], latitude=53.4,
                    longitude=-2.9)  # fmt: skip
    with app.app_context():
        assert engagement_figures.rebuild(dry_run=True).total == 0
        db.session.execute(update(CommunityReach).values(engagements=7))
        db.session.execute(update(EngagementDay).values(engagements=3))
        db.session.execute(update(Stakeholder).values(last_engaged_on=date(2001, 1, 1)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["crm", "rebuild-summaries", "--check"])
    assert "would correct 0 link copies, 2 coverage rows" in result.output
    result = app.test_cli_runner().invoke(args=["crm", "rebuild-summaries"])
    assert "corrected 0 link copies, 2 coverage rows" in result.output
    assert "2 daily engagement counts, 1 last-engaged dates" in result.output
    result = app.test_cli_runner().invoke(args=["crm", "rebuild-summaries"])
    assert "Every derived figure was right" in result.output
    with app.app_context():
        assert db.session.scalars(select(CommunityReach.engagements)).all() == [1]
        assert db.session.scalars(select(EngagementPlace.engagements)).all() == [1]
        assert db.session.scalars(select(EngagementDay.engagements)).all() == [1]


def test_two_saves_reaching_the_same_community_on_the_same_day_both_count(
    app, make_user, make_stakeholder
):
    """Two engagements logged at the same moment in the same Area, community and day:
    both are counted (an upsert, not a count-then-write), with no error page."""
    users = [make_user("lead"), make_user("lead")]
    with app.app_context():
        mc = area("Mersey-Cheshire").id
        older = community("Older people").id
    acts = []
    for user in users:
        c = app.test_client()  # not 'with': that keeps a request's transaction open
        sign_in(c, user)
        body = {"title": f"Drop-in {user.id}", "type": "meeting", "status": "held",
                "held_on": ["2", "3", "2026"], "area_id": str(mc), "location_kind": "online",
                "community_ids": [str(older)], "attendance": ""}  # fmt: skip
        acts.append(lambda c=c, body=body: c.post("/engagements/new", data=body))
    assert [r.status_code for r in at_once(*acts)] == [302, 302]
    with app.app_context():
        assert db.session.scalars(select(CommunityReach.engagements)).all() == [2]
        assert engagement_figures.rebuild(dry_run=True).total == 0


def test_the_benchmark_generators_link_copies_follow_the_owners_rule(
    app, make_user, make_stakeholder, monkeypatch
):
    """bench/generate.py writes engagements and their links in bulk, without the ORM; the
    copies on each link (counts: held and live) come from engagement_figures.link_copies,
    so the rebuild finds none to correct, planned engagements included. Its summaries
    (the daily counts too) are then built by the same owner's rebuild."""
    from bench import generate

    make_user("lead")
    make_stakeholder(latitude=53.4, longitude=-2.9)
    derive = generate._derive_figures
    monkeypatch.setattr(generate, "_derive_figures", lambda: None)  # the check is ours
    with app.app_context():
        generate.generate_engagements(300)
        statuses = set(db.session.scalars(select(Engagement.status)))
        assert statuses == {"held", "planned"}
        assert engagement_figures.rebuild(dry_run=True).link_copies == 0
        derive()
        assert engagement_figures.rebuild(dry_run=True).total == 0
        held = select(func.count()).select_from(Engagement).where(Engagement.counts)
        daily = select(func.sum(EngagementDay.engagements))
        assert db.session.scalar(daily) == db.session.scalar(held) > 0
