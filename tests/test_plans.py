"""Objectives and action plans as their users see them: the update rules, the quarterly
monitoring against a hand-made plan, who may report on an action, the objectives page at a
glance, evidence from engagements and feedback, the home page's "updates due from you",
and the plan going out as CSV and Excel and coming back the same."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import ActionPlan, ActionUpdate, Area, AuditEvent, Evidence, Objective, PlanAction
from crm.services import action_plans, plan_sheets
from crm.services.quarters import Quarter
from tests.conftest import TODAY, sign_in
from tests.formscrape import post_form


def text_of(response) -> str:
    """A page's main content as a person reads it: tags gone, spaces collapsed."""
    html = response.get_data(as_text=True)
    main = html.split('id="main-content"', 1)[-1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace(" ,", ",").strip()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def update_body(day: date, status: str, note: str) -> dict:
    return {"updated_on": [str(day.day), str(day.month), str(day.year)], "to_status": status,
            "note": note}  # fmt: skip


# --- The rules of an update ---------------------------------------------------------------

RULES = [
    (date(2026, 12, 1), "on_track", "Booked", "The update's date must be today or in the past"),
    (date(2026, 10, 31), "on_track", "Booked",
     "The update's date must be on or after the last update, 1 November 2026"),
    (date(2026, 11, 20), "done", "", "Enter a final note: what was achieved"),
    (date(2026, 11, 20), "dropped", "  ", "Enter why the action is being dropped"),
    (date(2026, 11, 20), "at_risk", "", "Enter the progress made, or choose a new status"),
    (date(2026, 3, 31), "on_track", "Early start",
     "The update's date must be on or after the plan starts, 1 April 2026"),
]  # fmt: skip


@pytest.mark.parametrize("day, status, note, message", RULES)
def test_an_update_that_breaks_a_rule_says_why_and_saves_nothing(
    app, client, signed_in, make_plan, make_plan_action, day, status, note, message
):
    signed_in("lead")
    plan = make_plan()
    action = make_plan_action(plan, updates=[(date(2026, 11, 1), "at_risk", "Venue lost")])
    before = count(app, ActionUpdate)
    response = client.post(f"/plan-actions/{action}/updates", data=update_body(day, status, note))
    assert response.status_code == 200
    assert message in text_of(response).replace("&#39;", "'")
    assert count(app, ActionUpdate) == before
    page = text_of(client.get(f"/plan-actions/{action}"))
    assert "At risk" in page and "Venue lost" in page


def test_updates_keep_the_whole_status_history(app, client, signed_in, make_plan,
                                               make_plan_action):  # fmt: skip
    """Each update is kept with who, when, the note and the status it moved to; the same
    day as the last update is allowed; nothing is overwritten."""
    user = signed_in("lead", name="Lee Lead")
    action = make_plan_action(make_plan())
    steps = [(date(2026, 9, 1), "on_track", "Venue booked"),
             (date(2026, 10, 1), "at_risk", "Venue lost"),
             (date(2026, 10, 1), "off_track", "No venue in the borough"),
             (TODAY, "done", "Held at the library instead")]  # fmt: skip
    for day, status, note in steps:
        response = client.post(f"/plan-actions/{action}/updates",
                               data=update_body(day, status, note))  # fmt: skip
        assert response.status_code == 302, text_of(response)
    with app.app_context():
        saved = db.session.get(PlanAction, action)
        assert [(u.updated_on, u.from_status, u.to_status, u.note, u.user_id)
                for u in saved.updates] == [  # fmt: skip
            (date(2026, 9, 1), "not_started", "on_track", "Venue booked", user.id),
            (date(2026, 10, 1), "on_track", "at_risk", "Venue lost", user.id),
            (date(2026, 10, 1), "at_risk", "off_track", "No venue in the borough", user.id),
            (TODAY, "off_track", "done", "Held at the library instead", user.id),
        ]
        assert saved.status == "done"
        changes = db.session.scalars(select(AuditEvent).where(
            AuditEvent.record_type == "plan_action", AuditEvent.record_id == action)).all()
        assert any(e.changes.get("Status") == ["Off track", "Done"] for e in changes)  # fmt: skip
    page = text_of(client.get(f"/plan-actions/{action}"))
    for _, _, note in steps:
        assert note in page
    assert "Off track to Done" in page or "Off track Done" in page


def test_a_status_is_never_shown_by_colour_alone(client, signed_in, make_plan, make_plan_action):
    signed_in("lead")
    plan = make_plan()
    make_plan_action(plan, updates=[(date(2026, 10, 1), "off_track", "Stalled")])
    html = client.get(f"/action-plans/{plan}").get_data(as_text=True)
    tags = re.findall(r'<strong class="govuk-tag govuk-tag--(\w+)[^"]*">\s*([^<]*?)\s*</strong>',
                      html)  # fmt: skip
    assert ("red", "Off track") in tags
    assert all(words for _, words in tags)


# --- Quarterly monitoring against a hand-made plan ---------------------------------------


@pytest.fixture
def monitored(make_plan, make_plan_action):
    """A 2026-27 plan whose actions each show one thing in July to September 2026 (Q2)."""
    plan = make_plan(title="Wirral equality plan")
    may, june = date(2026, 5, 1), date(2026, 6, 15)
    ids = {
        "changed": make_plan_action(plan, what="Changed in Q2", updates=[
            (may, "on_track", "Started"), (date(2026, 8, 10), "at_risk", "Venue lost")]),
        "quiet": make_plan_action(plan, what="Quiet in Q2", updates=[(may, "on_track", "Going")]),
        "late": make_plan_action(plan, what="Late by Q2", due_kind="date",
                                 due_on=date(2026, 8, 1)),
        "done_before": make_plan_action(plan, what="Done before Q2",
                                        updates=[(june, "done", "Delivered in June")]),
        "done_in": make_plan_action(plan, what="Done in Q2", updates=[
            (may, "on_track", "Going"), (date(2026, 9, 1), "done", "Finished")]),
        "added_later": make_plan_action(plan, what="Added in October",
                                        added_on=date(2026, 10, 15)),
    }  # fmt: skip
    return plan, ids


def test_monitoring_shows_each_actions_quarter(app, client, signed_in, monitored):
    plan, ids = monitored
    with app.app_context():
        rows = action_plans.monitoring(db.session.get(ActionPlan, plan), Quarter.parse("2026-Q2"),
                                       TODAY)  # fmt: skip
        by_what = {r.action.what: r for r in rows}
        assert set(by_what) == {"Changed in Q2", "Quiet in Q2", "Late by Q2", "Done in Q2"}
        changed = by_what["Changed in Q2"]
        assert (changed.update.note, changed.status_then, changed.status_now, changed.changed) == (
            "Venue lost", "on_track", "at_risk", True)
        assert by_what["Quiet in Q2"].update is None and not by_what["Quiet in Q2"].changed
        assert by_what["Late by Q2"].overdue and by_what["Late by Q2"].update is None
        assert by_what["Done in Q2"].changed and not by_what["Done in Q2"].overdue
        # The quarter in progress runs to today: the late action is still late, the one
        # done in Q2 has gone, the one added in October is listed with no update.
        now = {r.action.what: r for r in action_plans.monitoring(
            db.session.get(ActionPlan, plan), Quarter.of(TODAY), TODAY)}  # fmt: skip
        assert set(now) == {"Changed in Q2", "Quiet in Q2", "Late by Q2", "Added in October"}
        assert now["Late by Q2"].overdue and now["Added in October"].update is None
    signed_in("senior")
    page = text_of(client.get(f"/action-plans/{plan}/monitoring?quarter=2026-Q2"))
    assert "Quarterly monitoring: Q2 2026-27 (July to September 2026)" in page
    assert "4 actions open in the quarter: 2 updated, 2 with no update; 2 changed status; " \
           "1 overdue" in page  # fmt: skip
    assert "On track to At risk 10 August 2026: Venue lost" in page
    assert "Done before Q2" not in page and "Added in October" not in page
    assert page.count("No update") == 2
    # The same months as a calendar quarter: the same rows under the calendar's name.
    calendar = text_of(client.get(
        f"/action-plans/{plan}/monitoring?quarters=calendar&quarter=2026-C3"))  # fmt: skip
    assert "Quarterly monitoring: 2026 Q3 (July to September 2026)" in calendar
    assert "4 actions open in the quarter: 2 updated, 2 with no update" in calendar


def test_monitoring_names_a_quarter_it_does_not_know(client, signed_in, monitored):
    plan, _ = monitored
    signed_in("lead")
    for bad in ("zzz", "2026-Q9", "99999999999-Q1", "1066-Q1"):
        response = client.get(f"/action-plans/{plan}/monitoring?quarter={bad}")
        assert response.status_code == 200
        assert "Choose a quarter from the list" in text_of(response)


def test_the_monitoring_page_prints_without_the_navigation(client, signed_in, monitored):
    plan, _ = monitored
    signed_in("lead")
    html = client.get(f"/action-plans/{plan}/monitoring").get_data(as_text=True)
    assert re.search(r'<form method="get" class="app-no-print', html)


# --- Who may report on an action ----------------------------------------------------------


def test_an_actions_owner_reports_on_it_without_editing_the_plan(
    app, client, make_user, make_plan, make_plan_action
):
    """A panel coordinator who owns an action gives its update and adds evidence; they may
    not change the action or the plan. Someone else with that role may do neither."""
    owner = make_user("panels", name="Pat Owner")
    other = make_user("panels", name="Pip Other")
    plan = make_plan()
    action = make_plan_action(plan, owner_id=owner.id)
    sign_in(client, other)
    assert client.get(f"/plan-actions/{action}/updates").status_code == 403
    assert client.post(f"/plan-actions/{action}/updates",
                       data=update_body(TODAY, "on_track", "Mine now")).status_code == 403
    client = app.test_client()
    sign_in(client, owner)
    response = client.post(f"/plan-actions/{action}/updates",
                           data=update_body(TODAY, "on_track", "Agenda item added"))
    assert response.status_code == 302, text_of(response)
    evidence = client.post(f"/plan-actions/{action}/evidence",
                           data={"kind": "document", "title": "Team meeting minutes",
                                 "url": "https://example.org/minutes"})  # fmt: skip
    assert evidence.status_code == 302
    assert client.get(f"/plan-actions/{action}/edit").status_code == 403
    assert client.get(f"/action-plans/{plan}/edit").status_code == 403
    page = text_of(client.get(f"/plan-actions/{action}"))
    assert "Agenda item added" in page and "Team meeting minutes" in page
    assert "Edit" not in page.split("Updates")[0]


def test_senior_leaders_read_plans_and_change_nothing(client, signed_in, make_plan,
                                                      make_plan_action):  # fmt: skip
    user = signed_in("senior")
    plan = make_plan()
    action = make_plan_action(plan, owner_id=user.id)
    assert client.get(f"/action-plans/{plan}").status_code == 200
    assert client.get(f"/plan-actions/{action}").status_code == 200
    assert client.post(f"/plan-actions/{action}/updates",
                       data=update_body(TODAY, "on_track", "Note")).status_code == 403
    page = text_of(client.get(f"/plan-actions/{action}"))
    assert "Give an update" not in page and "Add evidence" not in page


def test_an_edit_over_someone_elses_change_is_refused(client, signed_in, make_plan,
                                                      make_plan_action):  # fmt: skip
    signed_in("lead")
    plan = make_plan()
    action = make_plan_action(plan, what="Map the boroughs")
    for path in (f"/action-plans/{plan}/edit", f"/plan-actions/{action}/edit"):
        body = post_form(client.get(path).get_data(as_text=True), path)
        client.post(path, data=body | {"title": "First change", "what": "First change"})
        response = client.post(path, data=body | {"title": "Second", "what": "Second"})
        assert response.status_code == 200
        assert "Someone else changed this record" in text_of(response)


def test_an_archived_action_leaves_the_plan_and_stays_on_record(
    app, client, signed_in, make_plan, make_plan_action
):
    signed_in("lead")
    plan = make_plan()
    action = make_plan_action(plan, what="Run a stall at Pride",
                              updates=[(date(2026, 9, 1), "on_track", "Stall booked")])
    assert client.post(f"/plan-actions/{action}/archive").status_code == 302
    assert "Run a stall at Pride" not in text_of(client.get(f"/action-plans/{plan}"))
    with app.app_context():
        kept = db.session.get(PlanAction, action)
        assert kept.archived_at is not None and kept.updates[0].note == "Stall booked"


# --- Objectives at a glance ---------------------------------------------------------------


def test_the_objectives_page_counts_each_objectives_actions_and_evidence(
    app, client, signed_in, make_objective, make_plan, make_plan_action, make_engagement
):
    objective = make_objective(title="Confidence among disabled people")
    plan = make_plan()
    other_area = make_plan("West Midlands", title="Walsall plan")
    for status in ("on_track", "on_track", "at_risk", "off_track", "done"):
        make_plan_action(plan, objective_ids=[objective], due_kind="ongoing", due_on=None,
                         updates=[(date(2026, 10, 1), status, "Progress")])
    make_plan_action(plan, objective_ids=[objective])  # due October 2026: overdue
    make_plan_action(other_area, objective_ids=[objective])  # not the lead's to see
    engagement = make_engagement(title="Disability forum", held_on=date(2026, 10, 20))
    with app.app_context():
        db.session.add_all([
            Evidence(objective_id=objective, engagement_id=engagement, added_on=date(2026, 10, 20)),
            Evidence(objective_id=objective, title="Last year", added_on=date(2026, 9, 30)),
        ])  # fmt: skip
        db.session.commit()
    signed_in("lead", areas=("Mersey-Cheshire",))
    html = client.get("/objectives").get_data(as_text=True)
    row = re.search(rf'<tr[^>]*id="objective-{objective}".*?</tr>', html, re.S).group(0)
    cells = {label: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", value)).strip()
             for label, value in re.findall(r'data-label="([^"]+)">(.*?)</td>', row, re.S)}
    assert cells == {"Objective": "Confidence among disabled people Mersey-Cheshire, 2026 to 2027; "
                                  "6 actions",
                     "On track": "2", "At risk": "1", "Off track": "1", "Done": "1", "Overdue": "1",
                     "Evidence this quarter": "1"}, cells  # fmt: skip
    page = text_of(client.get(f"/objectives/{objective}"))
    assert "Disability forum" in page and "Walsall plan" not in page


def test_editing_an_objective_keeps_the_key_activities_its_actions_serve(
    app, client, signed_in, make_objective, make_plan, make_plan_action
):
    """Plan actions point at the key activity they serve: saving the objective (unchanged
    activities, or one reworded in its place) keeps that link; removing one an action
    still serves is refused, naming the action, and nothing is saved."""
    objective = make_objective()  # its one key activity: 2026-27, Map the communities
    plan = make_plan(title="Mersey plan")
    with app.app_context():
        activity = db.session.get(Objective, objective).activities[0].id
    action = make_plan_action(plan, objective_ids=[objective], key_activity_id=activity)
    signed_in("lead")
    path = f"/objectives/{objective}/edit"
    body = post_form(client.get(path).get_data(as_text=True), path)
    assert client.post(path, data=body | {"title": "Trust in Mersey"}).status_code == 302
    assert "Map the communities" in text_of(client.get(f"/plan-actions/{action}"))

    body = post_form(client.get(path).get_data(as_text=True), path)
    reworded = "2026-27: Map every community\n2027-28: Hold a forum"
    assert client.post(path, data=body | {"activities": reworded}).status_code == 302
    assert "Map every community" in text_of(client.get(f"/plan-actions/{action}"))

    body = post_form(client.get(path).get_data(as_text=True), path)
    gone = {"title": "Gone", "activities": "2027-28: Hold a forum"}
    response = client.post(path, data=body | gone)
    assert response.status_code == 200
    assert ("Keep the key activity “2026-27: Map every community”: action 1.a of Mersey plan "
            "serves it") in text_of(response)
    with app.app_context():
        kept = db.session.get(Objective, objective)
        assert kept.title == "Trust in Mersey"
        assert [a.text for a in kept.activities] == ["Map every community", "Hold a forum"]
        assert db.session.get(PlanAction, action).key_activity_id == activity


# --- Evidence from engagements and feedback ---------------------------------------------


def test_an_engagement_names_what_it_served_and_it_becomes_evidence(
    app, client, signed_in, make_plan, make_plan_action
):
    signed_in("lead")
    plan = make_plan()
    action = make_plan_action(plan, what="Hold drop-ins in each borough")
    with app.app_context():
        objective = db.session.scalar(select(Objective.id).where(
            Objective.area_id.is_(None), Objective.title == "Public confidence"))  # fmt: skip
    path = "/engagements/new"
    body = post_form(client.get(path).get_data(as_text=True), path)
    body |= {"title": "Drop-in at Birkenhead library", "type": "meeting", "area_id": "",
             "location_kind": "online", "serves_objective_ids": [str(objective)],
             "serves_action_ids": [str(action)]}  # fmt: skip
    with app.app_context():
        body["area_id"] = str(db.session.scalar(select(Area.id).where(
            Area.name == "Mersey-Cheshire")))  # fmt: skip
    response = client.post(path, data=body)
    assert response.status_code == 302, text_of(response)
    engagement_page = text_of(client.get(response.headers["Location"]))
    assert "What it served" in engagement_page
    assert "Public confidence" in engagement_page and "Hold drop-ins" in engagement_page
    assert "Drop-in at Birkenhead library" in text_of(client.get(f"/plan-actions/{action}"))
    assert "Drop-in at Birkenhead library" in text_of(client.get(f"/objectives/{objective}"))
    # Unticking the action on the engagement takes it off the action's evidence (kept, archived).
    edit = response.headers["Location"] + "/edit"
    body = post_form(client.get(edit).get_data(as_text=True), edit)
    assert body.get("serves_action_ids") == [str(action)] or body.get("serves_action_ids") == str(
        action)
    body.pop("serves_action_ids")
    assert client.post(edit, data=body, follow_redirects=True).status_code == 200
    evidence = text_of(client.get(f"/plan-actions/{action}")).split("Change history")[0]
    assert "Drop-in at Birkenhead library" not in evidence
    with app.app_context():
        archived = db.session.scalar(select(func.count()).select_from(Evidence).where(
            Evidence.action_id == action, Evidence.archived_at.is_not(None)))  # fmt: skip
        assert archived == 1


def test_evidence_cannot_name_a_record_the_user_may_not_see(
    app, client, signed_in, make_plan, make_plan_action, make_engagement
):
    signed_in("lead", areas=("Mersey-Cheshire",))
    action = make_plan_action(make_plan())
    hidden = make_engagement("West Midlands", title="Walsall conversation")
    before = count(app, Evidence)
    response = client.post(f"/plan-actions/{action}/evidence",
                           data={"kind": "engagement", "engagement_id": str(hidden)})
    assert response.status_code == 200
    assert count(app, Evidence) == before
    assert "Walsall conversation" not in response.get_data(as_text=True)


def test_a_document_link_must_be_a_web_address(client, signed_in, make_plan, make_plan_action):
    signed_in("lead")
    action = make_plan_action(make_plan())
    response = client.post(f"/plan-actions/{action}/evidence", data={
        "kind": "document", "title": "Minutes", "url": "javascript:alert(1)"})  # fmt: skip
    assert "Enter a link that starts with https://" in text_of(response)


# --- The home page and the list of what is due -------------------------------------------


def test_owners_see_updates_due_from_them_on_the_home_page(client, signed_in, make_plan,
                                                           make_plan_action):  # fmt: skip
    user = signed_in("lead")
    plan = make_plan()
    make_plan_action(plan, what="Overdue and mine", owner_id=user.id)  # due October 2026
    make_plan_action(plan, what="Updated this quarter", owner_id=user.id, due_kind="ongoing",
                     due_on=None, updates=[(date(2026, 11, 2), "on_track", "Fine")])
    make_plan_action(plan, what="No update this quarter", owner_id=user.id, due_kind="ongoing",
                     due_on=None, updates=[(date(2026, 9, 2), "on_track", "Fine")])
    make_plan_action(plan, what="Another person")  # all managers: not the user's
    home = text_of(client.get("/"))
    assert "Action plan updates due from you 2 actions of yours overdue or due an update, " \
           "1 overdue" in home  # fmt: skip
    due = text_of(client.get("/action-plans/due?scope=mine"))
    assert "Overdue and mine" in due and "No update this quarter" in due
    assert "Updated this quarter" not in due and "Another person" not in due
    assert "Another person" in text_of(client.get("/action-plans/due"))


# --- A plan goes out to a meeting and comes back ------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_exported_plan_reads_back_as_the_same_plan(
    app, client, signed_in, make_plan, make_plan_action, kind
):
    signed_in("lead")
    plan = make_plan(title="Merseyside equality plan")
    make_plan_action(plan, what="Map the stakeholders, = in each borough", by_whom="All managers",
                     updates=[(date(2026, 9, 1), "on_track", "Halfway")])  # fmt: skip
    make_plan_action(plan, what="Review the £ budget for interpreters", due_kind="ongoing",
                     due_on=None, by_whom="Area Business Manager")  # fmt: skip
    response = client.get(f"/action-plans/{plan}/export.{kind}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    parsed = plan_sheets.read_plan(plan_sheets.read_table(response.data, f"plan.{kind}"))
    assert parsed.ok, parsed.problems
    assert parsed.themes == [("1", "Engagement with communities")]
    assert [(a.letter, a.what, a.by_whom, a.due.kind) for a in parsed.actions] == [
        ("a", "Map the stakeholders, = in each borough", "All managers", "month"),
        ("b", "Review the £ budget for interpreters", "Area Business Manager", "ongoing"),
    ]
    assert parsed.actions[0].due.on == date(2026, 10, 1)
    assert "Halfway" in parsed.actions[0].by_when_text


def test_the_export_of_a_plan_in_another_area_is_not_found(client, signed_in, make_plan):
    signed_in("lead", areas=("Mersey-Cheshire",))
    plan = make_plan("West Midlands")
    assert client.get(f"/action-plans/{plan}/export.csv").status_code == 404
    assert client.get(f"/action-plans/{plan}/export.pdf").status_code == 404


def test_a_spreadsheet_formula_in_a_plan_is_exported_as_text(client, signed_in, make_plan,
                                                             make_plan_action):  # fmt: skip
    signed_in("lead")
    plan = make_plan()
    make_plan_action(plan, what='=HYPERLINK("http://evil.example","Click")')
    csv_text = client.get(f"/action-plans/{plan}/export.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text or "a. =HYPERLINK" in csv_text
    xlsx = client.get(f"/action-plans/{plan}/export.xlsx").data
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)


def test_the_same_record_is_evidence_of_an_action_once(
    app, make_user, make_plan, make_plan_action, make_engagement
):
    user = make_user("lead")
    action_id = make_plan_action(make_plan())
    engagement = make_engagement()
    with app.app_context():
        from crm.models import User
        from crm.services.records import InvalidValue

        lead, action = db.session.get(User, user.id), db.session.get(PlanAction, action_id)
        action_plans.add_evidence(lead, action, "engagement", engagement)
        with pytest.raises(InvalidValue, match="already evidence of this"):
            action_plans.add_evidence(lead, action, "engagement", engagement)


def test_an_ongoing_action_reviewed_yearly_is_due_once_a_year(app, client, signed_in, make_plan,
                                                              make_plan_action):  # fmt: skip
    """The plan's actions are updated each quarter; an ongoing action reviewed each year
    (its own cadence) updated in May is not due again until April."""
    user = signed_in("lead")
    plan = make_plan()
    may = [(date(2026, 5, 1), "on_track", "Annual assessment done")]
    yearly = make_plan_action(plan, what="Assess training needs", due_kind="ongoing",
                              due_on=None, review_months=12, owner_id=user.id, updates=may)
    make_plan_action(plan, what="Keep the stakeholder map current", due_kind="ongoing",
                     due_on=None, owner_id=user.id, updates=may)  # fmt: skip
    due = text_of(client.get("/action-plans/due?scope=mine"))
    assert "Keep the stakeholder map current" in due and "Assess training needs" not in due
    assert "Ongoing, reviewed every year" in text_of(client.get(f"/plan-actions/{yearly}"))
    # Only an ongoing action keeps its own cadence.
    path = f"/plan-actions/{yearly}/edit"
    body = post_form(client.get(path).get_data(as_text=True), path)
    assert body["review_months"] in ("12", ["12"])
    body |= {"due_kind": "month", "due_on": ["1", "3", "2027"]}
    assert client.post(path, data=body).status_code == 302
    with app.app_context():
        assert db.session.get(PlanAction, yearly).review_months is None
