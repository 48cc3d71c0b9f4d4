"""Panels through the pages and the services: settings, memberships, meetings, the
refresh plan applied all-or-nothing, and the roster and history exports."""

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import AuditEvent, Membership, Panel, PanelMeeting, User
from crm.services import audit, memberships, panels
from crm.services.panel_refresh import Plan
from tests.conftest import TODAY, area, community

DEAF = "Deaf and hard of hearing people"


def _d(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _panel_form(app, **overrides):
    with app.app_context():
        data = {
            "name": "Mersey-Cheshire LSIP",
            "type": "lsip",
            "area_id": str(area("Mersey-Cheshire").id),
            "purpose": "Reviews finalised VAWG and hate crime cases",
            "term_months": "24",
            "max_terms": "2",
            "target_size": "8",
            "quorum": "4",
            "meeting_frequency": "quarterly",
            "tor_review_due": ["1", "4", "2027"],
            "terms": "The panel reviews a sample of finalised cases each quarter.",
            "adopted_on": ["1", "4", "2025"],
            f"target-{community('Deaf and hard of hearing people').id}": "2",
        }
    return data | overrides


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_coordinator_adds_a_panel_with_terms_and_target_composition(app, client, signed_in):
    signed_in("panels")
    response = client.post("/panels/new", data=_panel_form(app))
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for text in ("Mersey-Cheshire LSIP", "Local Scrutiny Involvement Panel",
                 "The panel reviews a sample", "Adopted on 1 April 2025", "Review due 1 April 2027",
                 f"{DEAF}: 0 of at least 2 members", "8 vacancies"):  # fmt: skip
        assert text in page, text
    listing = client.get("/panels").get_data(as_text=True)
    assert "0 of 8" in listing and "Deaf and hard of hearing people" in listing


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"quorum": "9"}, "Quorum must not be more than the target size"),
        ({"target_size": "ten"}, "Target size must be a whole number, like 2"),
        ({"max_terms": "0"}, "Maximum consecutive terms must be between 1 and 10"),
        ({"name": ""}, "Enter the panel&#39;s name"),
        ({"area_id": ""}, "only national users add national panels"),
        ({"adopted_on": ["1", "1", "2999"]}, "Date adopted must be today or in the past"),
    ],
)
def test_panel_form_says_what_is_wrong_and_saves_nothing(
    app, client, signed_in, overrides, message
):
    signed_in("panels")
    response = client.post("/panels/new", data=_panel_form(app, **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(app, Panel) == 0


def test_a_bad_target_minimum_is_named_and_kept_in_the_form(app, client, signed_in):
    signed_in("panels")
    with app.app_context():
        roma = community("Gypsy, Roma and Traveller communities").id
    response = client.post("/panels/new", data=_panel_form(app, **{f"target-{roma}": "lots"}))
    html = response.get_data(as_text=True)
    assert "Minimum members for Gypsy, Roma and Traveller communities must be a whole" in html
    assert 'value="lots"' in html
    assert _count(app, Panel) == 0


def test_coordinator_cannot_place_a_panel_in_another_area(app, client, signed_in):
    signed_in("panels", areas=("Mersey-Cheshire",))
    with app.app_context():
        other = str(area("West Midlands").id)
    response = client.post("/panels/new", data=_panel_form(app, area_id=other))
    assert "Select an Area you work in" in response.get_data(as_text=True)
    assert _count(app, Panel) == 0


def test_national_panel_is_seen_by_everyone_and_changed_only_nationally(
    app, client, signed_in, make_panel
):
    p = make_panel(None, name="Community Accountability Forum", type="caf")
    signed_in("panels", areas=("West Midlands",))
    assert "Community Accountability Forum" in client.get("/panels").get_data(as_text=True)
    assert client.get(f"/panels/{p}").status_code == 200
    assert client.get(f"/panels/{p}/edit").status_code == 403
    assert client.get(f"/panels/{p}/members/new").status_code == 403


def test_area_panel_is_hidden_from_other_areas(app, client, signed_in, make_panel):
    make_panel("West Midlands", name="West Midlands LSIP")
    signed_in("senior", areas=("Mersey-Cheshire",))
    assert "West Midlands LSIP" not in client.get("/panels").get_data(as_text=True)


def test_new_terms_of_reference_keep_the_earlier_version(app, client, signed_in, make_panel):
    signed_in("panels")
    p = make_panel()
    for text, day in (("Version one", "2024"), ("Version two", "2025")):
        response = client.post(
            f"/panels/{p}/terms-of-reference",
            data={"text": text, "adopted_on": ["1", "1", day], "review_due": ["1", "1", "2027"]},
        )
        assert response.status_code == 302
    page = client.get(f"/panels/{p}").get_data(as_text=True)
    assert page.index("Version two") < page.index("Earlier versions (1)")
    assert page.index("Earlier versions (1)") < page.index("Version one")
    response = client.post(
        f"/panels/{p}/terms-of-reference",
        data={"text": "Three", "adopted_on": ["1", "1", "2026"], "review_due": ["1", "1", "2025"]},
    )
    assert "Next review date must be after the date adopted" in response.get_data(as_text=True)


# Memberships


def _membership_form(**overrides):
    return {
        "role": "member",
        "status": "active",
        "applied_on": ["", "", ""],
        "shortlisted_on": ["", "", ""],
        "term_start": ["1", "1", "2026"],
        "term_end": ["", "", ""],
        "term_number": "1",
        "vetting_status": "cleared",
        "vetting_on": ["1", "12", "2025"],
        "vetting_expires_on": ["1", "12", "2028"],
        "ended_on": ["", "", ""],
        "end_reason": "",
    } | overrides


def test_adding_a_member_finds_the_contact_and_fills_the_term_end(
    app, client, signed_in, make_panel, make_contact
):
    signed_in("panels")
    p = make_panel(term_months=36)
    c = make_contact(name="Grace Mensah")
    search = client.get(f"/panels/{p}/members/new?q=grace").get_data(as_text=True)
    assert f"/panels/{p}/members/new?contact={c}" in search
    with app.app_context():
        deaf = str(community("Deaf and hard of hearing people").id)
    response = client.post(
        f"/panels/{p}/members/new?contact={c}",
        data=_membership_form(community_ids=[deaf]),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/panels/{p}").get_data(as_text=True)
    assert "Grace Mensah" in page and "1 January 2026 to 31 December 2028" in page
    contact_page = client.get(f"/contacts/{c}").get_data(as_text=True)
    assert "Mersey-Cheshire LSIP" in contact_page and "Member" in contact_page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"term_end": ["31", "12", "2025"]}, "Term end must be after the term start"),
        ({"term_start": ["", "", ""]}, "Enter the date the term starts"),
        ({"status": "ended"}, "Enter the date the membership ended"),
        ({"status": "ended", "ended_on": ["1", "2", "2026"]}, "Select why the membership ended"),
        ({"status": "applicant", "term_start": ["", "", ""]}, "Enter the date they applied"),
        ({"term_number": "3"}, "beyond the panel&#39;s maximum of 2 consecutive terms"),
        ({"vetting_expires_on": ["1", "1", "2025"]}, "Vetting expiry must be after"),
    ],
)
def test_membership_rules_are_explained_and_nothing_is_saved(
    app, client, signed_in, make_panel, make_contact, overrides, message
):
    signed_in("panels")
    p, c = make_panel(), make_contact()
    response = client.post(
        f"/panels/{p}/members/new?contact={c}", data=_membership_form(**overrides)
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(app, Membership) == 0


def test_a_term_beyond_the_maximum_is_saved_with_a_reason(
    app, client, signed_in, make_panel, make_contact
):
    signed_in("panels")
    p, c = make_panel(), make_contact()
    response = client.post(
        f"/panels/{p}/members/new?contact={c}",
        data=_membership_form(term_number="3", extra_term_reason="Chair until recruitment ends"),
    )
    assert response.status_code == 302


def test_one_chair_and_one_active_membership_per_person(
    app, client, signed_in, make_panel, make_contact, make_membership
):
    signed_in("panels")
    p = make_panel()
    chair_contact = make_contact(name="Ruth Adeyemi")
    make_membership(p, chair_contact, role="chair")
    response = client.post(
        f"/panels/{p}/members/new?contact={make_contact(name='Sam Okoro')}",
        data=_membership_form(role="chair"),
    )
    assert "The panel already has a chair, Ruth Adeyemi" in response.get_data(as_text=True)
    response = client.post(
        f"/panels/{p}/members/new?contact={chair_contact}", data=_membership_form()
    )
    assert "Ruth Adeyemi is already an active member of this panel" in response.get_data(
        as_text=True
    )
    assert _count(app, Membership) == 1


def test_an_ended_membership_is_kept_and_cannot_be_reopened(
    app, client, signed_in, make_panel, make_membership
):
    signed_in("panels")
    p = make_panel()
    m = make_membership(p, name="Lena Kowalski")
    response = client.post(
        f"/memberships/{m}/edit",
        data=_membership_form(
            status="ended", ended_on=["1", "3", "2026"], end_reason="resigned", version="1"
        ),  # fmt: skip
    )
    assert response.status_code == 302
    page = client.get(f"/panels/{p}").get_data(as_text=True)
    assert "Past members (1)" in page and "Resigned" in page
    response = client.post(f"/memberships/{m}/edit", data=_membership_form(version="2"))
    assert "An ended membership cannot be reopened" in response.get_data(as_text=True)
    assert _count(app, Membership) == 1


def test_declarations_of_interest_are_dated_and_audited(
    app, client, signed_in, make_panel, make_membership
):
    signed_in("panels")
    m = make_membership(make_panel())
    response = client.post(
        f"/memberships/{m}/declarations",
        data={"declared_on": ["2", "2", "2026"], "text": "Trustee of a victims' charity"},
    )
    assert response.status_code == 302
    page = client.get(f"/memberships/{m}").get_data(as_text=True)
    assert "2 February 2026" in page and "Trustee of a victims&#39; charity" in page
    assert "Declared interest" in page


def test_senior_leader_reads_but_cannot_change_memberships(
    app, client, signed_in, make_panel, make_membership
):
    signed_in("senior")
    m = make_membership(make_panel(), name="Ivy Chen")
    assert "Ivy Chen" in client.get(f"/memberships/{m}").get_data(as_text=True)
    assert client.post(f"/memberships/{m}/edit", data=_membership_form()).status_code == 403


# Meetings, quorum and absence


def test_recording_a_meeting_asks_for_each_members_attendance_and_computes_quorum(
    app, client, signed_in, make_panel, make_membership
):
    signed_in("panels")
    p = make_panel(quorum=2)
    a = make_membership(p, name="Asha Patel", role="chair")
    b = make_membership(p, name="Ben Hughes")
    observer = make_membership(p, name="Olu Observer", role="observer")
    make_membership(p, name="Later Joiner", term_start=date(2026, 6, 1))
    data = {"held_on": ["20", "1", "2026"], "online": "no", "place": "Chester Town Hall",
            "cases_reviewed": "6", "case_themes": "Domestic abuse",
            f"attendance_{a}": "present", f"attendance_{observer}": "present"}  # fmt: skip
    response = client.post(f"/panels/{p}/meetings/new", data=data)
    html = response.get_data(as_text=True)
    assert "Select whether Ben Hughes was present, sent apologies or was absent" in html
    assert "Later Joiner" not in html  # not a member on that date
    response = client.post(f"/panels/{p}/meetings/new", data=data | {f"attendance_{b}": "absent"})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # The observer does not count towards the quorum of 2.
    assert "1 members in a seat present, quorum 2" in page and "Not quorate" in page
    with app.app_context():
        meeting = db.session.scalars(select(PanelMeeting)).one()
        assert meeting.quorum == 2 and not meeting.is_quorate


def test_attendance_cannot_be_recorded_for_a_future_meeting(
    app, client, signed_in, make_panel, make_membership
):
    signed_in("panels")
    p = make_panel()
    m = make_membership(p, term_end=TODAY + timedelta(days=400))
    future = TODAY + timedelta(days=10)
    response = client.post(
        f"/panels/{p}/meetings/new",
        data={
            "held_on": _d(future),
            "online": "yes",
            "cases_reviewed": "0",
            f"attendance_{m}": "present",
        },  # fmt: skip
    )
    assert "Attendance can only be recorded for a meeting that has taken place" in (
        response.get_data(as_text=True)
    )
    response = client.post(
        f"/panels/{p}/meetings/new",
        data={"held_on": _d(future), "online": "yes", "cases_reviewed": "0"},
    )
    assert response.status_code == 302


def test_absent_three_meetings_in_a_row_is_flagged_and_apologies_break_the_run(
    app, client, signed_in, make_panel, make_membership, make_meeting
):
    signed_in("senior")
    p = make_panel()
    absentee = make_membership(p, name="Tom Absent")
    sorry = make_membership(p, name="Sue Sorry")
    newest_first = [("absent", "absent"), ("absent", "apologies"), ("absent", "absent"),
                    ("present", "absent")]  # fmt: skip
    for months_ago, (tom, sue) in enumerate(newest_first):
        make_meeting(p, held_on=date(2026, 5 - months_ago, 10),
                     attendance={absentee: tom, sorry: sue})  # fmt: skip
    page = client.get(f"/panels/{p}").get_data(as_text=True)
    assert "Absent 3 meetings in a row" in page
    with app.app_context():
        streaks = panels.absence_streaks([p])
    assert streaks == {absentee: 3, sorry: 1}


# The membership refresh


@pytest.fixture
def refresh_panel(app, make_panel, make_membership):
    """A panel needing a refresh: a term ending, a member leaving, an applicant, a gap."""
    today = TODAY
    p = make_panel(targets={"Deaf and hard of hearing people": 1})
    ids = {
        "renew": make_membership(p, name="Rita Renew", term_start=today - timedelta(days=700),
                                 term_end=today + timedelta(days=30),
                                 communities=["Older people"]),
        "leave": make_membership(p, name="Leo Leave", term_start=today - timedelta(days=700),
                                 term_end=today + timedelta(days=60)),
        "apply": make_membership(p, name="Dee Deaf", status="shortlisted", term_start=None,
                                 term_end=None, applied_on=today - timedelta(days=30),
                                 shortlisted_on=today - timedelta(days=5),
                                 communities=["Deaf and hard of hearing people"]),
    }  # fmt: skip
    return p, ids


def test_refresh_page_lists_what_needs_doing(app, client, signed_in, refresh_panel):
    signed_in("senior")
    p, _ = refresh_panel
    page = client.get(f"/panels/{p}/refresh").get_data(as_text=True)
    for text in ("Rita Renew", "Leo Leave", "Yes: this is term 1 of 2", "2 of 6 seats filled",
                 f"{DEAF}: 0 active members, at least 1 wanted"):  # fmt: skip
        assert text in page, text
    assert "Preview the plan" not in page  # senior leaders read only


def test_refresh_plan_is_previewed_then_applied_in_one_audited_transaction(
    app, client, signed_in, refresh_panel
):
    signed_in("panels")
    p, ids = refresh_panel
    plan = {f"decision-{ids['renew']}": "renew", f"decision-{ids['leave']}": "end",
            f"end_reason-{ids['leave']}": "stood_down", "appoint": str(ids["apply"])}  # fmt: skip
    preview = client.post(f"/panels/{p}/refresh", data=plan | {"action": "preview"})
    html = preview.get_data(as_text=True)
    assert "Check the membership changes" in html
    assert "Renew Rita Renew for term 2" in html and "stood down" in html
    assert "Appoint Dee Deaf" in html
    assert _count(app, Membership) == 3  # nothing saved by the preview
    response = client.post(f"/panels/{p}/refresh", data=plan | {"action": "apply"})
    assert response.status_code == 302
    with app.app_context():
        rows = {(m.contact.name, m.term_number): m for m in db.session.scalars(select(Membership))}
        old, new = rows[("Rita Renew", 1)], rows[("Rita Renew", 2)]
        assert (old.status, old.end_reason, old.ended_on) == ("ended", "renewed", old.term_end)
        assert new.status == "active" and new.term_start == old.term_end + timedelta(days=1)
        assert new.previous_id == old.id and [c.name for c in new.communities] == ["Older people"]
        assert rows[("Leo Leave", 1)].end_reason == "stood_down"
        assert rows[("Leo Leave", 1)].ended_on == TODAY
        dee = rows[("Dee Deaf", 1)]
        assert dee.status == "active" and dee.term_start == TODAY
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 4
    page = client.get(f"/panels/{p}").get_data(as_text=True)
    assert "Current members (2)" in page and "Past members (1)" in page


@pytest.mark.parametrize("reason, typed, saved", [
    ("term_completed", None, date(2027, 1, 29)),  # the term's last day
    ("resigned", None, TODAY),  # the day the plan is applied
    ("term_completed", ["31", "12", "2026"], date(2026, 12, 31)),  # as the coordinator says
])  # fmt: skip
def test_an_ending_in_the_refresh_is_dated_when_it_takes_effect(
    app, client, signed_in, make_panel, make_membership, reason, typed, saved
):
    """A chair whose term ends on 29 January 2027, ended with "Term completed" on 30
    November 2026, ends on 29 January 2027 in the record and the FOI history."""
    signed_in("panels")
    p = make_panel()
    chair = make_membership(p, name="Cora Chair", role="chair", term_start=date(2025, 1, 30),
                            term_end=date(2027, 1, 29))  # fmt: skip
    plan = {f"decision-{chair}": "end", f"end_reason-{chair}": reason}
    if typed:
        plan[f"end_on-{chair}"] = typed
    preview = client.post(f"/panels/{p}/refresh", data=plan | {"action": "preview"})
    html = preview.get_data(as_text=True).replace("&#39;", "'")
    assert f"End Cora Chair's membership on {saved.day} {saved:%B %Y}" in html
    assert "No chair" in html.split('id="effect"')[1]  # the preview shows the gap it makes
    assert client.post(f"/panels/{p}/refresh", data=plan | {"action": "apply"}).status_code == 302
    with app.app_context():
        assert db.session.get(Membership, chair).ended_on == saved
    history = client.get(f"/panels/{p}/history.csv?from=2025-01-01&to=2027-12-31")
    assert saved.isoformat() in history.get_data(as_text=True)
    assert "No chair" in client.get("/panels").get_data(as_text=True)
    assert "The panel has no chair" in client.get(f"/panels/{p}").get_data(as_text=True)


def test_an_ending_dated_outside_the_term_is_refused(app, client, signed_in, make_panel,
                                                    make_membership):  # fmt: skip
    signed_in("panels")
    p = make_panel()
    m = make_membership(p, name="Cora Chair", role="chair", term_start=date(2025, 1, 30),
                        term_end=date(2027, 1, 29))  # fmt: skip
    for typed, message in (
        (["30", "1", "2027"], "must end on or before their term ends, on 29 January 2027"),
        (["31", "2", "2026"], "The date a membership ends must be a real date"),
    ):
        response = client.post(f"/panels/{p}/refresh", data={
            f"decision-{m}": "end", f"end_reason-{m}": "resigned", f"end_on-{m}": typed,
            "action": "apply"})  # fmt: skip
        assert message in response.get_data(as_text=True).replace("&#39;", "'")
    with app.app_context():
        assert db.session.get(Membership, m).status == "active"


def test_the_member_table_never_calls_expired_vetting_cleared(client, signed_in, make_panel,
                                                              make_membership):  # fmt: skip
    signed_in("panels")
    p = make_panel()
    make_membership(p, name="Eve Expired", vetting_expires_on=TODAY - timedelta(days=1))
    make_membership(p, name="Sam Soon", vetting_expires_on=TODAY + timedelta(days=10))
    page = client.get(f"/panels/{p}").get_data(as_text=True)
    members = page.split('id="members"')[1]
    assert "Expired on 29 November 2026" in members
    assert "Cleared, expires 10 December 2026 (within 90 days)" in members
    roster = client.get(f"/panels/{p}/roster.csv").get_data(as_text=True)
    assert "Expired on 29 November 2026" in roster


def test_a_panel_wanting_a_vice_chair_is_flagged_without_one(client, signed_in, make_panel,
                                                             make_membership):  # fmt: skip
    signed_in("panels")
    p = make_panel(wants_vice_chair=True)
    make_membership(p, name="Cora Chair", role="chair")
    for page in (f"/panels/{p}", f"/panels/{p}/refresh", "/panels", "/"):
        html = client.get(page).get_data(as_text=True)
        assert "no vice chair" in html.lower(), page


def test_a_refused_plan_saves_nothing_and_says_why(app, client, signed_in, refresh_panel):
    signed_in("panels")
    p, ids = refresh_panel
    response = client.post(
        f"/panels/{p}/refresh",
        data={f"decision-{ids['leave']}": "end", "appoint": str(ids["apply"]), "action": "apply"},
    )
    assert "Select why Leo Leave&#39;s membership is ending" in response.get_data(as_text=True)
    with app.app_context():
        statuses = sorted(m.status for m in db.session.scalars(select(Membership)))
    assert statuses == ["active", "active", "shortlisted"]


def test_a_failure_half_way_through_applying_leaves_nothing_done(
    app, refresh_panel, make_user, monkeypatch
):
    p, ids = refresh_panel
    user_id = make_user("panels").id
    real = audit.record_event
    calls = []

    def failing(*args, **kwargs):
        calls.append(args)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(audit, "record_event", failing)
    plan = Plan(renew={ids["renew"]: ""}, end={ids["leave"]: "resigned"},
                appoint=frozenset({ids["apply"]}))  # fmt: skip
    with app.app_context():
        user = db.session.get(User, user_id)
        panel = db.session.get(Panel, p)
        with pytest.raises(RuntimeError):
            memberships.apply_plan(user, panel, plan, TODAY)
        db.session.rollback()
        rows = db.session.scalars(select(Membership)).all()
        assert sorted(m.status for m in rows) == ["active", "active", "shortlisted"]
        assert len(rows) == 3
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


# Exports


def test_roster_export_lists_the_active_members(
    app, client, signed_in, make_panel, make_membership
):
    signed_in("senior")
    p = make_panel()
    make_membership(p, name="=Ann Chair", role="chair", communities=[DEAF])
    make_membership(p, name="Past Person", status="ended", ended_on=date(2025, 6, 1),
                    end_reason="resigned")  # fmt: skip
    response = client.get(f"/panels/{p}/roster.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["Name", "Role", "Term"]
    assert rows[1][:2] == ["'=Ann Chair", "Chair"] and DEAF in rows[1]
    assert len(rows) == 2


def test_history_export_matches_the_memberships_served_in_the_range(
    app, client, signed_in, make_panel, make_membership
):
    signed_in("senior")
    p = make_panel()
    make_membership(p, name="Left Before", term_start=date(2019, 1, 1), status="ended",
                    ended_on=date(2020, 12, 31), end_reason="term_completed")  # fmt: skip
    make_membership(p, name="Left On First Day", term_start=date(2019, 1, 1), status="ended",
                    ended_on=date(2021, 1, 1), end_reason="removed")  # fmt: skip
    make_membership(p, name="Started On Last Day", term_start=date(2021, 12, 31),
                    term_end=date(2023, 12, 30))  # fmt: skip
    make_membership(p, name="Started After", term_start=date(2022, 1, 1))
    make_membership(p, name="Never Appointed", status="ended", term_start=None, term_end=None,
                    applied_on=date(2021, 3, 1), ended_on=date(2021, 4, 1),
                    end_reason="not_appointed")  # fmt: skip
    page = client.get(f"/panels/{p}/history?from=2021-01-01&to=2021-12-31")
    html = page.get_data(as_text=True)
    assert "<strong>2</strong> terms served between 1 January 2021 and 31 December 2021" in html
    response = client.get(f"/panels/{p}/history.csv?from=2021-01-01&to=2021-12-31")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert [r[0] for r in rows[1:]] == ["Left On First Day", "Started On Last Day"]
    assert rows[1][6] == "Removed" and rows[2][6] == "Still serving"
    assert "attachment" in response.headers["Content-Disposition"]


def test_history_page_explains_a_bad_range(app, client, signed_in, make_panel):
    signed_in("senior")
    p = make_panel()
    html = client.get(f"/panels/{p}/history?from=2022-01-01&to=2021-01-01").get_data(as_text=True)
    assert "To date must be the same as or after the from date" in html
    html = client.get(f"/panels/{p}/history?from=2022-13-01&to=").get_data(as_text=True)
    assert "From date must be a real date" in html
    # No dates yet: the page says what to do; both boxes left empty: it says what is missing.
    assert "Enter a from date and a to date" in client.get(f"/panels/{p}/history").get_data(
        as_text=True)  # fmt: skip
    html = client.get(f"/panels/{p}/history?from=&to=").get_data(as_text=True)
    assert "Enter both a from date and a to date" in html


def test_panel_edit_conflict_keeps_the_editors_input(app, client, signed_in, make_panel):
    signed_in("panels")
    p = make_panel()
    first = client.post(f"/panels/{p}/edit", data=_panel_form(app, name="First", version="1"))
    assert first.status_code == 302
    second = client.post(f"/panels/{p}/edit", data=_panel_form(app, name="Second", version="1"))
    html = second.get_data(as_text=True)
    assert "Someone else changed this record" in html and 'value="Second"' in html


def test_home_page_lists_the_panels_needing_attention(app, client, signed_in, refresh_panel):
    signed_in("panels")
    html = client.get("/").get_data(as_text=True)
    section = html.split('id="panels-attention"')[1].split("</ul>")[0]
    assert "Mersey-Cheshire LSIP" in section
    assert "2 terms ending" in section and "4 vacancies" in section
    assert "1 representation gap" in section
