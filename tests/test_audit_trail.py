"""The change history is true: editing any one field of any audited record records exactly
that change, and saving with nothing changed records nothing.

The table below names, for every field label each record's describe() gives, how to
change that field alone. A label without an entry fails the test, so a new field
cannot join a record without joining this check.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import (
    AuditEvent,
    Contact,
    Engagement,
    Feedback,
    Membership,
    Panel,
    PanelMeeting,
    Stakeholder,
    User,
)
from crm.services import (
    contacts,
    engagements,
    feedback,
    memberships,
    panel_meetings,
    panels,
    stakeholders,
)
from tests.conftest import area, community, priority

OLDER, DEAF = "Older people", "Deaf and hard of hearing people"


def _ids(records) -> list[int]:
    return [r.id for r in records]


# kind: (model, service describe, how to read the current data, how to save data)
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


def _panel_data(p):
    return {f: getattr(p, f) for f in panels.FIELDS} | {
        "targets": {t.community_id: t.minimum for t in p.targets}}


def _membership_data(m):
    return {f: getattr(m, f) for f in memberships.FIELDS} | {"community_ids": _ids(m.communities)}


def _meeting_data(g):
    return {f: getattr(g, f) for f in panel_meetings.FIELDS} | {
        "attendance": {a.membership_id: a.status for a in g.attendance}}


def _save(kind, user, record, data):
    data = dict(data)
    if kind == "stakeholder":
        return stakeholders.update_stakeholder(user, record, data, record.version)
    if kind == "contact":
        return contacts.update_contact(user, record, data, record.version)
    if kind == "engagement":
        return engagements.update_engagement(user, record, data, record.version)
    if kind == "feedback":
        return feedback.update_feedback(
            user, record, data, data.pop("priority_ids"), data.pop("community_ids"),
            record.version, data.pop("restricted_detail"),
        )  # fmt: skip
    if kind == "panel":
        return panels.update_panel(user, record, data, data.pop("targets"), record.version)
    if kind == "membership":
        return memberships.update_membership(
            user, record, data, data.pop("community_ids"), record.version
        )
    return panel_meetings.update_meeting(user, record, data, data.pop("attendance"),
                                         record.version)  # fmt: skip


READ = {"stakeholder": _stakeholder_data, "contact": lambda c: {f: getattr(c, f) for f in
        contacts.FIELDS}, "engagement": _engagement_data, "feedback": _feedback_data,
        "panel": _panel_data, "membership": _membership_data,
        "panel_meeting": _meeting_data}  # fmt: skip
MODELS = {"stakeholder": Stakeholder, "contact": Contact, "engagement": Engagement,
          "feedback": Feedback, "panel": Panel, "membership": Membership,
          "panel_meeting": PanelMeeting}  # fmt: skip
DESCRIBE = {"stakeholder": stakeholders.describe, "contact": contacts.describe,
            "engagement": engagements.describe, "feedback": feedback.describe,
            "panel": panels.describe, "membership": memberships.describe,
            "panel_meeting": panel_meetings.describe}  # fmt: skip

# label -> (changes to the data, the labels expected to change). A callable gets the
# world's ids. Some fields move together by design (coordinates and where they came from).
EDITS = {
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
        "Consent given": {"consent_given": True},
        "Consent date": {"consent_on": date(2026, 1, 5)},
        "Consent basis": {"consent_basis": "public_task"},
        "How consent was obtained": {"consent_method": "Signed form"},
        "Do not contact": {"do_not_contact": True}, "Notes": {"notes": "Prefers mornings"},
        "Organisations": None,  # changed by linking an organisation: see its own test
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
        "Status": None, "Response": None, "Reason for no action": None,  # move_status: below
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
        "Notes": {"notes": "Good attendance"}, "Quorum": None,  # copied from the panel once
        "Cases reviewed": {"cases_reviewed": 4}, "Case themes": {"case_themes": "Hate crime"},
        "Present": lambda w: ({"attendance": {w["membership"]: "present"}},
                              {"Present", "Absent"}),
        "Apologies": lambda w: ({"attendance": {w["membership"]: "apologies"}},
                                {"Apologies", "Absent"}),
        "Absent": lambda w: ({"attendance": {w["membership"]: "apologies"}},
                             {"Apologies", "Absent"}),
    },
}


@pytest.fixture
def world(app, make_user, make_stakeholder, make_contact, make_engagement, make_panel,
          make_membership, make_meeting, make_feedback):  # fmt: skip
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
    with app.app_context():
        return {
            "admin": admin.id, "other_user": other.id, "stakeholder": s, "contact": c,
            "engagement": e, "panel": p, "membership": m, "meeting": g, "panel_meeting": g,
            "feedback": f, "second_stakeholder": s2,
            "north_west": area("North West").id, "older": community(OLDER).id,
            "deaf": community(DEAF).id, "hate_crime": priority("Hate crime").id,
            "vawg": priority("Violence against women and girls").id,
        }  # fmt: skip


CASES = [(kind, label) for kind, labels in EDITS.items() for label, edit in labels.items()
         if edit is not None]  # fmt: skip


def test_every_described_field_has_an_edit_in_the_table(app, world):
    with app.app_context():
        for kind, model in MODELS.items():
            record = db.session.get(model, world[kind])
            assert set(DESCRIBE[kind](record)) == set(EDITS[kind]), kind


@pytest.mark.parametrize("kind, label", CASES)
def test_editing_one_field_records_exactly_that_change(app, world, kind, label):
    edit = EDITS[kind][label]
    edit = edit(world) if callable(edit) else edit
    changes, expected = edit if isinstance(edit, tuple) else (edit, {label})
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        record = db.session.get(MODELS[kind], world[kind])
        _save(kind, admin, record, READ[kind](record) | changes)
        db.session.commit()
        event = _latest(kind, world[kind])
        assert event.action == "updated"
        assert set(event.changes) == expected
        # Saving again with nothing changed records nothing new.
        record = db.session.get(MODELS[kind], world[kind])
        _save(kind, admin, record, READ[kind](record))
        db.session.commit()
        assert _latest(kind, world[kind]).id == event.id


def test_status_moves_and_organisations_are_recorded_by_their_own_actions(app, world):
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        f = db.session.get(Feedback, world["feedback"])
        feedback.move_status(admin, f, "closed", date(2026, 2, 5), response="We wrote back")
        db.session.commit()
        assert set(_latest("feedback", f.id).changes) == {"Status", "Response"}
        c = db.session.get(Contact, world["contact"])
        other = db.session.get(Stakeholder, world["stakeholder"])
        contacts.link_stakeholder(admin, c, other, "Trustee")
        db.session.commit()
        assert set(_latest("contact", c.id).changes) == {"Organisations"}


def _latest(kind: str, record_id: int) -> AuditEvent:
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.record_type == kind, AuditEvent.record_id == record_id)
        .order_by(AuditEvent.id.desc())
    ).first()
