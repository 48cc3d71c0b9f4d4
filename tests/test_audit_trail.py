"""The change history is true: editing any one field of any audited record records exactly
that change, and saving with nothing changed records nothing.

The records audited are those the access rules file under an audit kind
(crm/services/access._kinds); each has a row in SPECS, so a newly audited record fails
`test_every_audited_record_is_in_the_table` until it is checked here. The table below
names, for every field label each record's describe() gives, how that field changes:
by saving the record with that field alone changed (a dict, or a callable given the
world's ids, or a tuple of the change and the labels expected to move with it), by an
action of its own (Own: a status move, a theme added), or never (Fixed, with why). A
label without an entry fails the test, so a new field cannot join a record without
joining this check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import pytest
from sqlalchemy import select

from crm import clock
from crm.extensions import db
from crm.models import (
    ActionPlan,
    AuditEvent,
    Contact,
    Engagement,
    Feedback,
    FollowUpAction,
    MappingExercise,
    Membership,
    Objective,
    Panel,
    PanelMeeting,
    PlanAction,
    Stakeholder,
    User,
)
from crm.services import (
    access,
    action_plans,
    actions,
    contacts,
    engagements,
    feedback,
    mapping,
    memberships,
    objectives,
    panel_meetings,
    panels,
    stakeholders,
)
from crm.services.records import InvalidValue
from tests.conftest import area, community, priority

OLDER, DEAF = "Older people", "Deaf and hard of hearing people"


def _ids(records) -> list[int]:
    return [r.id for r in records]


@dataclass(frozen=True)
class Own:
    """A field changed by an action of its own, not by saving the record's form:
    do(world, user, record), and the labels it is expected to change."""

    do: Callable[[dict, User, Any], Any]
    expected: frozenset[str]


@dataclass(frozen=True)
class Fixed:
    """A field nothing changes once the record exists, and why."""

    why: str


@dataclass(frozen=True)
class Spec:
    """How the test reads, saves and finds the history of one audited record."""

    model: type
    describe: Callable[[Any], dict]
    read: Callable[[Any], dict] | None = None  # the data a save takes; None: never saved
    save: Callable[[User, Any, dict], Any] | None = None
    updated: str = "updated"  # the history's word for a saved change
    # The record whose history holds the change (a follow-up action: its engagement's).
    trail_id: Callable[[Any], int] = lambda record: record.id


def _stakeholder_data(s):
    return {f: getattr(s, f) for f in stakeholders.FIELDS} | {"community_ids": _ids(s.communities)}


def _engagement_data(e):
    return {f: getattr(e, f) for f in engagements.FIELDS} | {
        "stakeholder_ids": _ids(e.stakeholders), "contact_ids": _ids(e.contacts),
        "community_ids": _ids(e.communities), "staff_ids": _ids(e.staff)}  # fmt: skip


def _feedback_data(f):
    return {name: getattr(f, name) for name in feedback.FIELDS} | {
        "priority_ids": _ids(f.priorities), "community_ids": _ids(f.communities),
        "restricted_detail": f.restricted_detail}  # fmt: skip


def _save_feedback(user, f, data):
    return feedback.update_feedback(
        user, f, data, data.pop("priority_ids"), data.pop("community_ids"), f.version,
        data.pop("restricted_detail"))  # fmt: skip


def _objective_data(o):
    return {f: getattr(o, f) for f in objectives.FIELDS} | {
        "community_ids": _ids(o.communities),
        "measures": [{"text": m.text, "baseline": m.baseline, "target": m.target,
                      "unit": m.unit} for m in o.measures],
        "activities": [{"year": a.year, "text": a.text} for a in o.activities]}  # fmt: skip


def _save_objective(user, o, data):
    return objectives.update_objective(
        user, o, data, data.pop("community_ids"), data.pop("measures"), data.pop("activities"),
        o.version)  # fmt: skip


SPECS: dict[str, Spec] = {
    "stakeholder": Spec(
        Stakeholder, stakeholders.describe, _stakeholder_data,
        lambda u, s, d: stakeholders.update_stakeholder(u, s, d, s.version)),
    "contact": Spec(
        Contact, contacts.describe, lambda c: {f: getattr(c, f) for f in contacts.FIELDS},
        lambda u, c, d: contacts.update_contact(u, c, d, c.version)),
    "engagement": Spec(
        Engagement, engagements.describe, _engagement_data,
        lambda u, e, d: engagements.update_engagement(u, e, d, e.version)),
    "follow_up_action": Spec(
        FollowUpAction, actions._describe,
        lambda a: {"description": a.description, "owner_id": a.owner_id, "due_on": a.due_on},
        lambda u, a, d: actions.update_action(u, a, d["description"], d["owner_id"],
                                              d["due_on"]),
        updated="action updated", trail_id=lambda a: a.engagement_id),
    "feedback": Spec(Feedback, feedback.describe, _feedback_data, _save_feedback),
    "panel": Spec(
        Panel, panels.describe,
        lambda p: {f: getattr(p, f) for f in panels.FIELDS} | {
            "targets": {t.community_id: t.minimum for t in p.targets}},
        lambda u, p, d: panels.update_panel(u, p, d, d.pop("targets"), p.version)),
    "membership": Spec(
        Membership, memberships.describe,
        lambda m: {f: getattr(m, f) for f in memberships.FIELDS} | {
            "community_ids": _ids(m.communities)},
        lambda u, m, d: memberships.update_membership(u, m, d, d.pop("community_ids"),
                                                      m.version)),
    "panel_meeting": Spec(
        PanelMeeting, panel_meetings.describe,
        lambda g: {f: getattr(g, f) for f in panel_meetings.FIELDS} | {
            "attendance": {a.membership_id: a.status for a in g.attendance}},
        lambda u, g, d: panel_meetings.update_meeting(u, g, d, d.pop("attendance"),
                                                      g.version)),
    "objective": Spec(Objective, objectives.describe, _objective_data, _save_objective),
    "action_plan": Spec(
        ActionPlan, action_plans.describe_plan,
        lambda p: {f: getattr(p, f) for f in action_plans.PLAN_FIELDS},
        lambda u, p, d: action_plans.update_plan(u, p, d, p.version)),
    "plan_action": Spec(
        PlanAction, action_plans.describe_action,
        lambda a: {f: getattr(a, f) for f in action_plans.ACTION_FIELDS} | {
            "objective_ids": _ids(a.objectives)},
        lambda u, a, d: action_plans.update_action(u, a, d, a.version)),
    # An exercise is a dated snapshot: never edited. One recorded in error is archived
    # and recorded again (tests/test_mapping.py); the scores it sets are audited on each
    # stakeholder, as "Influence" and "Interest" above.
    "mapping_exercise": Spec(MappingExercise, mapping.describe),
}  # fmt: skip


def _move(to_status: str, **kw):
    return lambda w, user, f: feedback.move_status(user, f, to_status, date(2026, 2, 5), **kw)


SNAPSHOT = Fixed("an exercise is a snapshot, never edited: archived and recorded again")

# label -> how it changes (see the module's docstring). Some fields move together by
# design (coordinates and where they came from).
EDITS: dict[str, dict[str, Any]] = {
    "stakeholder": {
        "Name": {"name": "Renamed Group"}, "Type": {"type": "faith"},
        "Description": {"description": "Runs a weekly drop-in"},
        "Communities served": lambda w: {"community_ids": [w["deaf"], w["older"]]},
        "Address line 1": {"address_line1": "1 High Street"},
        "Address line 2": {"address_line2": "Floor 2"}, "Town or city": {"town": "Wirral"},
        "Postcode": ({"postcode": "ZZ1 1ZZ"}, {"Postcode", "Location"}),
        "Latitude": ({"latitude": 53.41, "longitude": -2.98},
                     {"Latitude", "Longitude", "Location"}),
        "Location": ({"latitude": 53.41, "longitude": -2.98},
                     {"Latitude", "Longitude", "Location"}),
        "Longitude": ({"latitude": 53.41, "longitude": -2.98},
                      {"Latitude", "Longitude", "Location"}),
        "Area": lambda w: {"area_id": w["north_west"]},
        "Relationship owner": lambda w: {"owner_id": w["other_user"]},
        "Status": {"status": "dormant"}, "Influence": {"influence": 4},
        "Interest": {"interest": 5}, "Email": {"email": "hello@example.org"},
        "Phone": {"phone": "0151 496 0000"}, "Website": {"website": "https://example.org"},
        "Preferred language": {"preferred_language": "Welsh"},
        "Accessible formats": {"accessible_formats": "Large print"},
        "Notes": {"notes": "Met at the fair"},
    },
    "contact": {
        "Name": {"name": "Dana Okafor-Smith"}, "Job title": {"job_title": "Chair"},
        "Area": lambda w: {"area_id": w["north_west"]}, "Email": {"email": "dana@example.org"},
        "Phone": {"phone": "07700 900000"},
        "Preferred contact method": {"preferred_contact_method": "email"},
        "Accessibility needs": {"accessibility_needs": "Step-free access"},
        "Preferred language": {"preferred_language": "Polish"},
        "Do not contact": {"do_not_contact": True}, "Notes": {"notes": "Prefers mornings"},
        "Organisations": Own(lambda w, user, c: contacts.link_stakeholder(
            user, c, db.session.get(Stakeholder, w["second_stakeholder"]), "Trustee"),
            frozenset({"Organisations"})),
    },
    "engagement": {
        "Title": {"title": "Renamed"}, "Type": {"type": "forum"},
        "Status": {"status": "cancelled"}, "Date": {"held_on": date(2026, 2, 2)},
        "Start time": {"start_time": time(9, 30)},
        "End time": ({"start_time": time(9, 0), "end_time": time(11, 0)},
                     {"Start time", "End time"}),
        "Area": lambda w: {"area_id": w["north_west"]},
        "Where": ({"location_kind": "online", "location_address": ""},
                  {"Where", "Address"}),
        "Premises": lambda w: ({"location_kind": "stakeholder",
                                "location_stakeholder_id": w["stakeholder"],
                                "location_address": ""},
                               {"Where", "Premises", "Address"}),
        "Address": {"location_address": "Town Hall, Dale Street"},
        "Postcode": {"location_postcode": "ZZ1 1ZZ"},
        "Lead": lambda w: {"lead_id": w["other_user"]},
        "Other staff": lambda w: {"staff_ids": [w["other_user"]]},
        "Stakeholders": lambda w: {"stakeholder_ids": [w["stakeholder"],
                                                        w["second_stakeholder"]]},
        "Contacts": lambda w: {"contact_ids": [w["contact"]]},
        "Communities reached": lambda w: {"community_ids": [w["deaf"], w["older"]]},
        "Attendance": {"attendance": 12}, "Summary": {"summary": "Talked about court"},
        "Issues raised": {"issues_raised": "Waiting times"},
        "Outcomes": {"outcomes": "A visit"}, "Restricted notes": {"restricted_notes": "Secret"},
    },
    "follow_up_action": {
        "Follow-up action": {"description": "Write to the chair"},
        "Owner": lambda w: {"owner_id": w["other_user"]},
        "Due": {"due_on": date(2026, 12, 4)},
        "Action status": Own(lambda w, user, a: actions.set_action_status(
            user, a, "done", clock.today()), frozenset({"Action status"})),
    },
    "feedback": {
        "Source": {"source": "survey"}, "Received": {"received_on": date(2026, 2, 3)},
        "Area": lambda w: {"area_id": w["north_west"]},
        "Panel": lambda w: {"panel_id": w["panel"]},
        "Panel meeting": lambda w: ({"panel_id": w["panel"], "panel_meeting_id": w["meeting"]},
                                    {"Panel", "Panel meeting"}),
        "Engagement": lambda w: {"engagement_id": w["engagement"]},
        "Stakeholder": lambda w: {"stakeholder_id": w["stakeholder"]},
        "Summary": {"summary": "Changed"}, "Detail": {"detail": "More"},
        "Restricted detail": {"restricted_detail": "Secret"},
        "Case reference": {"case_reference": "05AB1234521"},
        "Assessment": {"assessment": "observations"},
        "Learning points": {"learning_points": "Call sooner"}, "Tone": {"tone": "mixed"},
        "Names a person": {"names_person": True},
        "Owner": lambda w: {"owner_id": w["other_user"]},
        "Response due": {"response_due_on": date(2026, 3, 1)},
        "Referred to casework quality assurance": {"referred_to_qa_on": date(2026, 2, 10)},
        "Status": Own(_move("under_review"), frozenset({"Status"})),
        "Response": Own(_move("closed", response="We wrote back"),
                        frozenset({"Status", "Response"})),
        "Reason for no action": Own(_move("closed_no_action", no_action_reason="Not ours"),
                                    frozenset({"Status", "Reason for no action"})),
        "Casework priorities": lambda w: {"priority_ids": [w["hate_crime"], w["vawg"]]},
        "Communities": lambda w: {"community_ids": [w["deaf"], w["older"]]},
    },
    "panel": {
        "Name": {"name": "Renamed Panel"}, "Type": {"type": "iag"},
        "Area": lambda w: {"area_id": w["north_west"]}, "Purpose": {"purpose": "Scrutiny"},
        "Terms of reference review due": {"tor_review_due": date(2028, 1, 1)},
        "Term length (months)": {"term_months": 36}, "Maximum consecutive terms": {"max_terms": 3},
        "Target size": {"target_size": 9}, "Quorum": {"quorum": 4},
        "Meets": {"meeting_frequency": "monthly"}, "Wants a vice chair": {"wants_vice_chair": True},
        "Target composition": lambda w: {"targets": {w["deaf"]: 1, w["older"]: 2}},
    },
    "membership": {
        "Role": {"role": "vice_chair"},
        "Status": ({"status": "ended", "ended_on": date(2026, 6, 1), "end_reason": "resigned"},
                   {"Status", "Ended", "Why it ended"}),
        "Applied": {"applied_on": date(2024, 11, 1)},
        "Shortlisted": {"shortlisted_on": date(2024, 12, 1)},
        "Term start": {"term_start": date(2025, 2, 1)},
        "Term end": {"term_end": date(2026, 12, 30)},
        "Term": ({"term_number": 3, "extra_term_reason": "Continuity"},
                 {"Term", "Why beyond the maximum terms"}),
        "Why beyond the maximum terms": {"extra_term_reason": "Continuity"},
        "Ended": ({"status": "ended", "ended_on": date(2026, 6, 1), "end_reason": "resigned"},
                  {"Status", "Ended", "Why it ended"}),
        "Why it ended": ({"status": "ended", "ended_on": date(2026, 6, 1),
                          "end_reason": "resigned"}, {"Status", "Ended", "Why it ended"}),
        "Ending note": {"end_note": "Moved away"},
        "Vetting": {"vetting_status": "in_progress"},
        "Vetting date": {"vetting_on": date(2025, 1, 10)},
        "Vetting expires": {"vetting_expires_on": date(2028, 1, 10)},
        "Confidentiality agreement signed": {"confidentiality_signed_on": date(2025, 1, 11)},
        "Induction completed": {"induction_completed_on": date(2025, 1, 12)},
        "Communities represented": lambda w: {"community_ids": [w["deaf"], w["older"]]},
    },
    "panel_meeting": {
        "Date": {"held_on": date(2026, 1, 21)},
        "Where": ({"online": True}, {"Where"}), "Agenda": {"agenda": "Case reviews"},
        "Notes": {"notes": "Good attendance"},
        "Quorum": Fixed("copied from the panel when the meeting is added"),
        "Cases reviewed": {"cases_reviewed": 4}, "Case themes": {"case_themes": "Hate crime"},
        "Present": lambda w: ({"attendance": {w["membership"]: "present"}},
                              {"Present", "Absent"}),
        "Apologies": lambda w: ({"attendance": {w["membership"]: "apologies"}},
                                {"Apologies", "Absent"}),
        "Absent": lambda w: ({"attendance": {w["membership"]: "apologies"}},
                             {"Apologies", "Absent"}),
    },
    "objective": {
        "Title": {"title": "Confidence in Mersey-Cheshire"},
        "Statement": {"statement": "Earn the trust of every community"},
        "Period": {"ends_in": 2028},
        "Area": lambda w: {"area_id": w["north_west"]},
        "Protected characteristics": {"characteristics": ["race", "religion_belief"]},
        "Communities": lambda w: {"community_ids": [w["deaf"], w["older"]]},
        "Measures of success": {"measures": [{"text": "Confidence survey", "baseline": 60.0,
                                              "target": 70.0, "unit": "%"}]},
        "Key activities": {"activities": [{"year": 2026, "text": "Map the communities"},
                                          {"year": 2027, "text": "Hold a forum"}]},
    },
    "action_plan": {
        "Title": {"title": "Renamed plan"}, "Area": lambda w: {"area_id": w["north_west"]},
        "Team": {"team": "Hate crime unit"}, "Period": {"ends_on": date(2027, 6, 30)},
        "Owner": lambda w: {"owner_id": w["other_user"]},
        "Updates due": {"update_months": 1},
        "Themes": Own(lambda w, user, p: action_plans.add_theme(user, p, "2", "Casework"),
                      frozenset({"Themes"})),
    },
    "plan_action": {
        "Reference": Fixed("given when the action is added (its theme's number and a letter)"),
        "Theme": Fixed("chosen when the action is added; the edit form does not offer it"),
        "What will be done": {"what": "Map the stakeholders in every borough"},
        "Owner": lambda w: {"owner_id": w["other_user"]},
        "By whom": {"by_whom": "Every manager"},
        "By when": {"due_on": date(2026, 12, 1)},
        "Objectives": lambda w: {"objective_ids": [w["objective"], w["national_objective"]]},
        "Key activity": lambda w: {"key_activity_id": w["national_activity"]},
        "Status": Own(lambda w, user, a: action_plans.add_update(
            user, a, date(2026, 11, 2), "Started with Wirral", "on_track"),
            frozenset({"Status"})),
    },
    "mapping_exercise": {label: SNAPSHOT for label in (
        "Area", "Date held", "Run by", "Title", "Notes", "Stakeholders placed")},
}  # fmt: skip


@pytest.fixture
def world(app, make_user, make_stakeholder, make_contact, make_engagement, make_panel,
          make_membership, make_meeting, make_feedback, make_objective, make_plan,
          make_plan_action, make_exercise):  # fmt: skip
    admin = make_user("admin", national=True)
    other = make_user("lead", name="Other Lead")
    s = make_stakeholder(communities=[OLDER])
    s2 = make_stakeholder(name="Second Group")
    c = make_contact(stakeholder_id=s)
    e = make_engagement(stakeholder_ids=[s], communities=[OLDER], location_address="Hall")
    p = make_panel(targets={OLDER: 1})
    m = make_membership(p, c, communities=[OLDER], term_start=date(2025, 1, 1),
                        applied_on=date(2024, 10, 1))  # fmt: skip
    g = make_meeting(p, attendance={m: "absent"})
    f = make_feedback(communities=[OLDER])
    o = make_objective()
    plan = make_plan()
    x = make_exercise(positions={s: (3, 4), s2: (None, None)})
    with app.app_context():
        activity = db.session.get(Objective, o).activities[0].id
        national = db.session.scalars(select(Objective).where(Objective.area_id.is_(None))
                                      .order_by(Objective.id)).first()  # fmt: skip
        follow_up = FollowUpAction(engagement_id=e, description="Send the minutes")
        db.session.add(follow_up)
        db.session.commit()
        world = {
            "admin": admin.id, "other_user": other.id, "stakeholder": s, "contact": c,
            "engagement": e, "panel": p, "membership": m, "meeting": g, "panel_meeting": g,
            "feedback": f, "second_stakeholder": s2, "objective": o, "action_plan": plan,
            "mapping_exercise": x, "follow_up_action": follow_up.id,
            "national_objective": national.id, "national_activity": national.activities[0].id,
            "north_west": area("North West").id, "older": community(OLDER).id,
            "deaf": community(DEAF).id, "hate_crime": priority("Hate crime").id,
            "vawg": priority("Violence against women and girls").id,
        }  # fmt: skip
    # The plan's action serves the objective's key activity, as a real plan's does: so
    # editing the objective must keep what the action points at.
    world["plan_action"] = make_plan_action(plan, objective_ids=[o], key_activity_id=activity)
    return world


def _cases(kind_of_edit) -> list[tuple[str, str]]:
    return [(kind, label) for kind, labels in EDITS.items() for label, edit in labels.items()
            if kind_of_edit(edit)]  # fmt: skip


SAVED = _cases(lambda edit: not isinstance(edit, Own | Fixed))
OWN = _cases(lambda edit: isinstance(edit, Own))


def test_every_audited_record_is_in_the_table():
    """Every model the access rules file under an audit kind has a row here, filed
    under that kind (a follow-up action on its engagement's history)."""
    declared = access._kinds()
    assert {spec.model for spec in SPECS.values()} == set(declared)
    assert set(EDITS) == set(SPECS)


def test_every_described_field_has_an_edit_in_the_table(app, world):
    with app.app_context():
        for kind, spec in SPECS.items():
            record = db.session.get(spec.model, world[kind])
            assert set(spec.describe(record)) == set(EDITS[kind]), kind
            saved = [label for label, edit in EDITS[kind].items()
                     if not isinstance(edit, Own | Fixed)]  # fmt: skip
            assert not saved or spec.save is not None, kind


@pytest.mark.parametrize("kind, label", SAVED)
def test_editing_one_field_records_exactly_that_change(app, world, kind, label):
    spec = SPECS[kind]
    edit = EDITS[kind][label]
    edit = edit(world) if callable(edit) else edit
    changes, expected = edit if isinstance(edit, tuple) else (edit, {label})
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        record = db.session.get(spec.model, world[kind])
        trail = _trail(kind, record)
        spec.save(admin, record, spec.read(record) | changes)
        db.session.commit()
        event = _latest(*trail)
        assert event.action == spec.updated
        assert set(event.changes) == expected
        # Saving again with nothing changed records nothing new.
        record = db.session.get(spec.model, world[kind])
        spec.save(admin, record, spec.read(record))
        db.session.commit()
        assert _latest(*trail).id == event.id


@pytest.mark.parametrize("kind, label", OWN)
def test_a_field_changed_by_its_own_action_records_exactly_that_change(app, world, kind,
                                                                       label):  # fmt: skip
    """Status moves, themes, organisations: the change they make is recorded, and doing
    the same again is refused or records nothing."""
    spec = SPECS[kind]
    own = EDITS[kind][label]
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        record = db.session.get(spec.model, world[kind])
        trail = _trail(kind, record)
        own.do(world, admin, record)
        db.session.commit()
        event = _latest(*trail)
        assert set(event.changes) == own.expected
        record = db.session.get(spec.model, world[kind])
        try:
            own.do(world, admin, record)
            db.session.commit()
        except InvalidValue:
            db.session.rollback()
        assert _latest(*trail).id == event.id


def _trail(kind: str, record: Any) -> tuple[str, int]:
    return access.kind_of(record), SPECS[kind].trail_id(record)


def _latest(record_type: str, record_id: int) -> AuditEvent:
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.record_type == record_type, AuditEvent.record_id == record_id)
        .order_by(AuditEvent.id.desc())
    ).first()
