"""The engagement log: recording, editing, filtering, exporting, following up."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import AuditEvent, Engagement, FollowUpAction
from tests.conftest import TODAY, area, community, sign_in
from tests.formscrape import post_form


def _form(app, **overrides):
    with app.app_context():
        data = {
            "title": "Community Conversation in Toxteth",
            "type": "community_conversation",
            "status": "held",
            "held_on": ["3", "11", "2026"],
            "start_time": "18:00",
            "end_time": "19:30",
            "area_id": str(area("Mersey-Cheshire").id),
            "location_kind": "address",
            "location_address": "Toxteth Town Hall",
            "location_postcode": "l8 1aa",
            "attendance": "20",
            "summary": "Talked about reporting hate crime.",
            "community_ids": [str(community("Black Caribbean people").id)],
        }
    data.update(overrides)
    return data


def _only(app) -> Engagement:
    with app.app_context():
        e = db.session.scalars(select(Engagement)).one()
        return e.id


def test_lead_logs_an_engagement_with_stakeholders_contacts_and_actions(
    app, client, signed_in, make_stakeholder, make_contact
):
    user = signed_in("lead")
    s = make_stakeholder(name="Toxteth Women's Network")
    c = make_contact(name="Amara Okafor", stakeholder_id=s)
    data = _form(app, stakeholder_ids=[str(s)], contact_ids=[str(c)], lead_id=str(user.id))
    data |= {"actions-0-what": "Send easy-read leaflets", "actions-0-owner_id": str(user.id),
             "actions-0-due_on": ["1", "12", "2026"], "actions-1-what": "",
             "actions-1-due_on": ["", "", ""]}  # fmt: skip
    response = client.post("/engagements/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for text in ("has been recorded", "Toxteth Women&#39;s Network", "Amara Okafor",
                 "Black Caribbean people", "3 November 2026, 18:00 to 19:30",
                 "Toxteth Town Hall, L8 1AA", "Send easy-read leaflets"):  # fmt: skip
        assert text in page, text
    with app.app_context():
        actions = db.session.scalars(select(FollowUpAction)).all()
        assert [(a.description, a.due_on) for a in actions] == [
            ("Send easy-read leaflets", date(2026, 12, 1))
        ]
        events = db.session.scalars(select(AuditEvent.action).filter_by(record_type="engagement")
                                    .order_by(AuditEvent.id))  # fmt: skip
        assert list(events) == ["created", "action added"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Enter a title for the engagement"),
        ({"end_time": "17:00"}, "End time must be after the start time"),
        ({"start_time": "25:99"}, "Start time must be a time, like 14:30 or 2:30pm"),
        ({"held_on": ["1", "1", "2999"]}, "The date must be today or in the past"),
        ({"held_on": ["31", "2", "2026"]}, "Date must be a real date"),
        ({"attendance": "lots"}, "How many people attended must be a whole number"),
        ({"location_address": "", "location_postcode": ""}, "Enter the address or postcode"),
        ({"location_kind": "stakeholder"}, "Select which stakeholder&#39;s premises"),
    ],
)
def test_bad_engagement_input_gets_a_specific_message(app, client, signed_in, overrides, message):
    signed_in("lead")
    html = client.post("/engagements/new", data=_form(app, **overrides)).get_data(as_text=True)
    assert message in html
    assert "<title>Error: Log an engagement - Engage</title>" in html
    assert "Talked about reporting hate crime." in html  # nothing typed is lost
    with app.app_context():
        assert db.session.scalars(select(Engagement)).first() is None


def test_a_planned_engagement_may_be_in_the_future(app, client, signed_in):
    signed_in("lead")
    future = TODAY + timedelta(days=30)
    data = _form(
        app, status="planned", held_on=[str(future.day), str(future.month), str(future.year)]
    )
    assert client.post("/engagements/new", data=data).status_code == 302


def test_attendance_cannot_be_below_the_named_contacts(app, client, signed_in, make_contact):
    signed_in("lead")
    contacts = [str(make_contact(name=f"Person {n}")) for n in range(3)]
    html = client.post(
        "/engagements/new", data=_form(app, attendance="2", contact_ids=contacts)
    ).get_data(as_text=True)
    assert "Attendance cannot be fewer than the 3 contacts named as attending" in html


def test_searching_without_javascript_keeps_the_form_and_saves_nothing(
    app, client, signed_in, make_stakeholder
):
    signed_in("lead")
    make_stakeholder(name="Toxteth Women's Network")
    make_stakeholder("West Midlands", name="Toxteth Elsewhere")
    html = client.post(
        "/engagements/new", data=_form(app, find="stakeholders", stakeholder_search="toxteth")
    ).get_data(as_text=True)
    assert "Tick to add" in html and "Toxteth Women&#39;s Network" in html
    assert "Toxteth Elsewhere" not in html
    assert "Talked about reporting hate crime." in html
    assert "There is a problem" not in html
    with app.app_context():
        assert db.session.scalars(select(Engagement)).first() is None


def test_choosing_a_record_from_another_area_is_refused(app, client, signed_in, make_stakeholder):
    signed_in("lead")
    other = make_stakeholder("West Midlands")
    html = client.post("/engagements/new", data=_form(app, stakeholder_ids=[str(other)])).get_data(
        as_text=True
    )
    assert "Select stakeholders from the search results" in html


def test_type_ahead_lookups_stay_in_the_users_areas(
    client, signed_in, make_stakeholder, make_contact
):
    signed_in("lead", areas=("Mersey-Cheshire",))
    make_stakeholder(name="Wirral Deaf Club", town="Birkenhead")
    make_stakeholder("West Midlands", name="Walsall Deaf Club")
    make_stakeholder(name="Archived Deaf Club", archived_at=db.func.now())
    make_contact(name="Deaf Liaison Officer")
    make_contact("West Midlands", name="Deaf Elsewhere")
    found = client.get("/lookup/stakeholders?q=deaf").json["results"]
    assert [r["label"] for r in found] == ["Wirral Deaf Club (Birkenhead)"]
    found = client.get("/lookup/contacts?q=deaf").json["results"]
    assert [r["label"] for r in found] == ["Deaf Liaison Officer"]
    assert client.get("/lookup/stakeholders?q=d").json["results"] == []
    assert client.get("/lookup/nothing?q=deaf").status_code == 404


def test_restricted_notes_only_for_the_lead_admins_and_area_senior_leaders(
    app, client, make_user, make_engagement
):
    lead = make_user("lead")
    e = make_engagement(lead_id=lead.id, restricted_notes="Named a suspect: keep private",
                        summary="Public summary")  # fmt: skip
    readers = {"lead": lead, "admin": make_user("admin", national=True),
               "senior": make_user("senior")}  # fmt: skip
    others = {"other lead": make_user("lead"), "panels": make_user("panels")}
    for who, user in {**readers, **others}.items():
        browser = app.test_client()
        sign_in(browser, user)
        page = browser.get(f"/engagements/{e}").get_data(as_text=True)
        exported = browser.get("/engagements/export.csv").get_data(as_text=True)
        assert "Public summary" in page and "Public summary" in exported, who
        assert ("Named a suspect" in page) == (who in readers), who
        assert "Named a suspect" not in exported, who
        if user.role in ("lead", "admin"):
            edit = browser.get(f"/engagements/{e}/edit").get_data(as_text=True)
            assert ("Named a suspect" in edit) == (who in readers), who


def test_restricted_notes_are_kept_when_someone_who_cannot_see_them_edits(
    app, client, signed_in, make_user, make_engagement
):
    author = make_user("lead")
    e = make_engagement(lead_id=author.id, restricted_notes="Private detail",
                        location_address="Hall")  # fmt: skip
    signed_in("lead")
    data = _form(app, version="1", title="Renamed", restricted_notes="")
    assert client.post(f"/engagements/{e}/edit", data=data).status_code == 302
    with app.app_context():
        saved = db.session.get(Engagement, e)
        assert saved.title == "Renamed" and saved.restricted_notes == "Private detail"


def test_the_audit_records_that_restricted_notes_changed_but_not_the_text(app, client, signed_in):
    signed_in("lead")
    client.post("/engagements/new", data=_form(app, restricted_notes="Secret words"))
    with app.app_context():
        changes = db.session.scalars(select(AuditEvent.changes)).one()
        assert changes["Restricted notes"] == ["", "(changed, not shown)"]
        assert "Secret words" not in str(changes)


def test_csv_export_follows_the_filters_and_neutralises_formulas(
    client, signed_in, make_engagement
):
    signed_in("lead")
    make_engagement(title="=HYPERLINK(\"http://evil\")", summary="+1 -2 @SUM(A1)",
                    held_on=date(2026, 3, 1))  # fmt: skip
    make_engagement(title="Outside the dates", held_on=date(2025, 1, 1))
    make_engagement("West Midlands", title="Another Area", held_on=date(2026, 3, 2))
    response = client.get("/engagements/export.csv?from=2026-01-01&to=2026-12-31")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["Date", "Title", "Type"]
    assert len(rows) == 2
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    assert rows[1][10] == "'+1 -2 @SUM(A1)"
    for cell in (c for row in rows for c in row):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_list_filters(app, client, signed_in, make_engagement, make_stakeholder, make_user):
    lead = signed_in("lead")
    s = make_stakeholder()
    make_engagement(title="Alpha", type="meeting", held_on=date(2026, 2, 1), stakeholder_ids=[s],
                    communities=["Older people"], lead_id=lead.id)  # fmt: skip
    make_engagement(title="Beta", type="outreach", held_on=date(2025, 6, 1),
                    communities=["Women and girls"])  # fmt: skip
    with app.app_context():
        older = community("Older people").id

    def titles(**args):
        html = client.get("/engagements", query_string=args).get_data(as_text=True)
        return {t for t in ("Alpha", "Beta") if f">{t}</a>" in html}

    assert titles() == {"Alpha", "Beta"}
    assert titles(type="outreach") == {"Beta"}
    assert titles(**{"from": "2026-01-01"}) == {"Alpha"}
    assert titles(to="2025-12-31") == {"Beta"}
    assert titles(community=older) == {"Alpha"}
    assert titles(stakeholder=s) == {"Alpha"}
    assert titles(lead=lead.id) == {"Alpha"}
    assert titles(**{"from": "not a date"}) == {"Alpha", "Beta"}


def test_log_another_like_this_starts_from_the_earlier_one(
    client, signed_in, make_engagement, make_stakeholder
):
    signed_in("lead")
    s = make_stakeholder(name="Chester Interfaith Council")
    e = make_engagement(type="forum", stakeholder_ids=[s], communities=["Sikh communities"],
                        summary="Old summary")  # fmt: skip
    html = client.get(f"/engagements/new?from={e}").get_data(as_text=True)
    assert 'value="forum" selected' in html
    assert "Chester Interfaith Council" in html
    assert "Old summary" not in html


def test_timelines_and_last_engaged_dates(
    client, signed_in, make_engagement, make_stakeholder, make_contact
):
    signed_in("lead")
    s = make_stakeholder()
    c = make_contact(stakeholder_id=s)
    make_engagement(title="Earlier", held_on=date(2025, 5, 1), stakeholder_ids=[s], contact_ids=[c])
    make_engagement(title="Later", held_on=date(2026, 2, 3), stakeholder_ids=[s], contact_ids=[c])
    make_engagement(
        title="Planned", held_on=date(2026, 12, 1), status="planned", stakeholder_ids=[s]
    )
    for url in (f"/stakeholders/{s}", f"/contacts/{c}"):
        html = client.get(url).get_data(as_text=True)
        assert "Last engaged: <strong>3 February 2026</strong>" in html, url
        assert html.index(">Later</a>") < html.index(">Earlier</a>"), url


def test_my_actions_overdue_first_and_marking_done(
    app, client, signed_in, make_engagement, make_user
):
    me = signed_in("lead")
    today = TODAY
    make_engagement(actions=[
        {"description": "Due later", "owner_id": me.id, "due_on": today + timedelta(days=9)},
        {"description": "Overdue one", "owner_id": me.id, "due_on": today - timedelta(days=2)},
        {"description": "Someone else's", "owner_id": make_user("lead").id, "due_on": today},
    ])  # fmt: skip
    html = client.get("/actions").get_data(as_text=True)
    assert html.index("Overdue one") < html.index("Due later")
    assert "Someone else" not in html and "Overdue" in html
    with app.app_context():
        overdue = db.session.scalars(
            select(FollowUpAction).filter_by(description="Overdue one")
        ).one()
    assert (
        client.post(
            f"/actions/{overdue.id}/status", data={"status": "done", "back": "actions"}
        ).status_code
        == 302
    )
    assert "Overdue one" not in client.get("/actions").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(FollowUpAction, overdue.id).closed_on == today


def test_senior_leader_sees_the_areas_actions(client, signed_in, make_engagement, make_user):
    signed_in("senior")
    make_engagement(actions=[{"description": "A lead's action", "owner_id": make_user("lead").id}])
    make_engagement("West Midlands", actions=[{"description": "Elsewhere"}])
    html = client.get("/actions").get_data(as_text=True)
    assert "A lead&#39;s action" in html and "Elsewhere" not in html
    assert "A lead&#39;s action" not in client.get("/actions?scope=mine").get_data(as_text=True)


def test_engagement_edit_conflict_keeps_both(app, client, signed_in, make_engagement, make_user):
    signed_in("lead")
    e = make_engagement(location_address="Hall")
    other = app.test_client()
    sign_in(other, make_user("lead", name="Other Lead"))
    assert (
        other.post(
            f"/engagements/{e}/edit", data=_form(app, version="1", outcomes="Theirs")
        ).status_code
        == 302
    )
    html = client.post(
        f"/engagements/{e}/edit", data=_form(app, version="1", outcomes="Mine")
    ).get_data(as_text=True)
    assert "Someone else changed this record" in html and "Other Lead" in html and "Mine" in html
    with app.app_context():
        assert db.session.get(Engagement, e).outcomes == "Theirs"


def test_archived_engagements_leave_the_log_timeline_and_coverage(
    app, client, signed_in, make_engagement, make_stakeholder
):
    signed_in("lead")
    s = make_stakeholder()
    e = make_engagement(title="To archive", held_on=TODAY, stakeholder_ids=[s],
                        communities=["Sex workers"])  # fmt: skip
    assert "Sex workers" not in _flagged(client)
    client.post(f"/engagements/{e}/archive")
    client.get("/engagements")
    assert ">To archive</a>" not in client.get("/engagements").get_data(as_text=True)
    assert "Last engaged: <strong>never</strong>" in client.get(f"/stakeholders/{s}").get_data(
        as_text=True
    )
    assert "Sex workers" in _flagged(client)


def _flagged(client) -> str:
    html = client.get("/coverage").get_data(as_text=True)
    start = html.find('id="not-reached"')
    return html[start : html.find("</div>", start)] if start >= 0 else ""


def test_derived_figures_follow_edits_and_leave_the_stakeholder_version_alone(
    app, client, signed_in, make_stakeholder
):
    from crm.models import CommunityReach, Stakeholder

    signed_in("lead")
    s = make_stakeholder()
    data = _form(app, stakeholder_ids=[str(s)])
    client.post("/engagements/new", data=data)
    e = _only(app)
    with app.app_context():
        assert db.session.get(Stakeholder, s).last_engaged_on == date(2026, 11, 3)
        assert db.session.get(Stakeholder, s).version == 1
        reach = db.session.scalars(select(CommunityReach)).all()
        caribbean = community("Black Caribbean people").id
        assert [(r.community_id, r.held_on, r.engagements) for r in reach] == [
            (caribbean, date(2026, 11, 3), 1)
        ]
        older = community("Older people").id
    moved = _form(app, version="1", held_on=["1", "10", "2026"], community_ids=[str(older)],
                  stakeholder_ids=[str(s)])  # fmt: skip
    assert client.post(f"/engagements/{e}/edit", data=moved).status_code == 302
    with app.app_context():
        reach = db.session.scalars(select(CommunityReach)).all()
        assert [(r.community_id, r.held_on) for r in reach] == [(older, date(2026, 10, 1))]
        assert db.session.get(Stakeholder, s).last_engaged_on == date(2026, 10, 1)
    client.post(f"/engagements/{e}/archive")
    with app.app_context():
        assert db.session.scalars(select(CommunityReach)).all() == []
        assert db.session.get(Stakeholder, s).last_engaged_on is None
        assert db.session.get(Stakeholder, s).version == 1


def test_a_very_long_log_says_more_than_and_still_pages(
    client, signed_in, make_engagement, monkeypatch
):
    from crm.services import engagements

    monkeypatch.setattr(engagements, "COUNT_CAP", 2)
    signed_in("lead")
    for n in range(4):
        make_engagement(title=f"Number {n}", held_on=date(2026, 1, 1 + n))
    html = client.get("/engagements").get_data(as_text=True)
    assert "More than 2</strong> engagements" in html


def test_export_follows_the_community_and_stakeholder_filters(
    app, client, signed_in, make_engagement, make_stakeholder
):
    signed_in("lead")
    s = make_stakeholder()
    make_engagement(title="Reached elders", communities=["Older people"], stakeholder_ids=[s])
    make_engagement(title="Reached elders elsewhere", communities=["Older people"])
    make_engagement(title="Reached youth", communities=["Children and young people"])
    make_engagement("West Midlands", title="Other Area elders", communities=["Older people"])
    with app.app_context():
        older = community("Older people").id
    listed = client.get(f"/engagements?community={older}").get_data(as_text=True)
    assert ">Reached elders</a>" in listed and "Other Area" not in listed
    assert "<strong>2</strong> engagements" in listed
    exported = client.get(f"/engagements/export.csv?community={older}").get_data(as_text=True)
    assert "Reached elders" in exported and "Reached youth" not in exported
    both = client.get(f"/engagements/export.csv?community={older}&stakeholder={s}")
    assert "Reached elders elsewhere" not in both.get_data(as_text=True)
    listed = client.get(f"/engagements?community={older}&stakeholder={s}").get_data(as_text=True)
    assert ">Reached elders</a>" in listed and "elsewhere" not in listed


def test_home_page_shows_recent_engagements_and_my_actions(client, signed_in, make_engagement):
    me = signed_in("lead")
    today = TODAY
    make_engagement(held_on=today - timedelta(days=10), actions=[
        {"description": "Late", "owner_id": me.id, "due_on": today - timedelta(days=1)},
        {"description": "Soon", "owner_id": me.id, "due_on": today + timedelta(days=1)},
    ])  # fmt: skip
    make_engagement(held_on=today - timedelta(days=200))
    html = client.get("/").get_data(as_text=True)
    assert ">1</span><br>held in the last 3 months" in html
    assert "2 open" in html and "1 overdue" in html


def test_community_list_with_type_lead_dates_and_archived(
    app, client, signed_in, make_engagement, make_user
):
    lead = signed_in("lead")
    other = make_user("lead")
    older = ["Older people"]
    make_engagement(title="Match", type="meeting", lead_id=lead.id, communities=older,
                    held_on=date(2026, 3, 1))  # fmt: skip
    make_engagement(title="Wrong type", type="outreach", lead_id=lead.id, communities=older,
                    held_on=date(2026, 3, 2))  # fmt: skip
    make_engagement(title="Wrong lead", type="meeting", lead_id=other.id, communities=older,
                    held_on=date(2026, 3, 3))  # fmt: skip
    make_engagement(title="Too early", type="meeting", lead_id=lead.id, communities=older,
                    held_on=date(2025, 3, 3))  # fmt: skip
    gone = make_engagement(title="Archived one", type="meeting", lead_id=lead.id,
                           communities=older, held_on=date(2026, 3, 4))  # fmt: skip
    client.post(f"/engagements/{gone}/archive")
    with app.app_context():
        older_id = community("Older people").id
    html = client.get(
        "/engagements",
        query_string={
            "community": older_id,
            "type": "meeting",
            "lead": lead.id,
            "from": "2026-01-01",
        },  # fmt: skip
    ).get_data(as_text=True)
    shown = {t for t in ("Match", "Wrong type", "Wrong lead", "Too early", "Archived one")
             if f">{t}</a>" in html}  # fmt: skip
    assert shown == {"Match"}


def test_editing_keeps_links_to_since_archived_records_and_departed_staff(
    app, client, signed_in, make_engagement, make_stakeholder, make_contact, make_user
):
    signed_in("lead")
    moved_on = make_user("lead", areas=("Wessex",), name="Moved On Lead")
    s = make_stakeholder(name="Closed Group")
    c = make_contact(name="Former Member")
    e = make_engagement(stakeholder_ids=[s], contact_ids=[c], lead_id=moved_on.id,
                        location_address="Hall")  # fmt: skip
    for url in (f"/stakeholders/{s}/archive", f"/contacts/{c}/archive"):
        client.post(url)
    form = client.get(f"/engagements/{e}/edit").get_data(as_text=True)
    assert "Closed Group" in form and "Former Member" in form
    # Not the editor's to change (the lead reads the restricted notes): shown, kept.
    assert 'id="lead_id">Moved On Lead.' in form
    data = _form(app, version="1", title="Renamed", stakeholder_ids=[str(s)],
                 contact_ids=[str(c)], lead_id=str(moved_on.id), attendance="")  # fmt: skip
    assert client.post(f"/engagements/{e}/edit", data=data).status_code == 302
    with app.app_context():
        saved = db.session.get(Engagement, e)
        assert [x.id for x in saved.stakeholders] == [s]
        assert [x.id for x in saved.contacts] == [c]
        assert saved.lead_id == moved_on.id


def test_stakeholder_edit_keeps_an_owner_outside_the_editors_areas(
    app, client, signed_in, make_stakeholder, make_user
):
    signed_in("lead")
    owner = make_user("lead", areas=("Wessex",), name="Faraway Owner")
    s = make_stakeholder(owner_id=owner.id)
    form = client.get(f"/stakeholders/{s}/edit").get_data(as_text=True)
    assert "Faraway Owner" in form


def test_premises_default_to_the_only_stakeholder_chosen(app, client, signed_in, make_stakeholder):
    signed_in("lead")
    s = make_stakeholder(name="Host Group")
    data = _form(app, location_kind="stakeholder", stakeholder_ids=[str(s)])
    assert client.post("/engagements/new", data=data).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Engagement)).one().location_stakeholder_id == s


def test_an_export_too_large_is_refused_not_cut_short(
    client, signed_in, make_engagement, monkeypatch
):
    from crm.services import engagements

    monkeypatch.setattr(engagements, "EXPORT_LIMIT", 2)
    signed_in("lead")
    for n in range(3):
        make_engagement(title=f"Number {n}")
    response = client.get("/engagements/export.csv")
    assert response.status_code == 400
    assert "Too many engagements to download at once" in response.get_data(as_text=True)
    assert client.get("/engagements/export.csv?type=outreach").mimetype == "text/csv"


def test_every_problem_on_the_form_is_reported_at_once(app, client, signed_in):
    """An unreadable start time does not hide the other checks: one round of errors."""
    signed_in("lead")
    html = client.post("/engagements/new", data=_form(
        app, start_time="half six", attendance="lots", location_address="",
        location_postcode="")).get_data(as_text=True)  # fmt: skip
    summary = html.split("govuk-error-summary__list")[1].split("</ul>")[0]
    for message in ("Start time must be a time, like 14:30 or 2:30pm",
                    "How many people attended must be a whole number, like 12",
                    "Enter the address or postcode where it took place"):  # fmt: skip
        assert message in summary, message


def test_whose_premises_is_asked_on_the_first_screen(app, client, signed_in):
    signed_in("lead")
    html = client.get("/engagements/new").get_data(as_text=True)
    assert 'id="location_stakeholder_id"' in html
    assert 'data-mirror-field="stakeholder_ids"' in html


def _options(html: str, select_id: str) -> dict[str, str]:
    """A select's options as the page offers them: {value: text}."""
    block = html.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    return {value: text.strip() for value, text in
            re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', block)}  # fmt: skip


def _tick_boxes(html: str, name: str) -> dict[str, str]:
    """The checkboxes named `name` the page offers (ticked or not): {value: label}."""
    found = re.findall(rf'<input[^>]*name="{name}"[^>]*value="(\d+)"[^>]*>\s*<label[^>]*>([^<]*)',
                       html)  # fmt: skip
    return {value: label.strip() for value, label in found}


def test_whose_premises_is_chosen_without_javascript_in_one_submission(
    app, client, signed_in, make_stakeholder
):
    """Without JavaScript the picker finds stakeholders by sending the form back (its
    Search button); the page it returns offers them to tick and, on the same screen,
    as the choices of "whose premises". Ticking two and choosing the second's premises
    saves the engagement on the first real submission, held at that stakeholder's."""
    signed_in("lead")
    first = make_stakeholder(name="Toxteth Women's Network")
    host = make_stakeholder(name="Toxteth Mosque")
    make_stakeholder(name="Wirral Youth Forum")
    path = "/engagements/new"
    body = post_form(client.get(path).get_data(as_text=True), path)
    body |= _form(app, location_kind="stakeholder", location_address="",
                  location_postcode="")  # fmt: skip
    # The Search button: the form comes back with what matched "Toxteth" to tick.
    searched = client.post(path, data=body | {"stakeholder_search": "Toxteth",
                                              "find": "stakeholders"})  # fmt: skip
    assert searched.status_code == 200
    html = searched.get_data(as_text=True)
    assert _tick_boxes(html, "stakeholder_ids") == {
        str(first): "Toxteth Women&#39;s Network", str(host): "Toxteth Mosque"}
    premises = _options(html, "location_stakeholder_id")
    assert premises.get(str(host)) == "Toxteth Mosque", premises
    assert "Wirral Youth Forum" not in premises.values()
    # Tick both, choose whose premises, save: the browser sends the page's form as it is.
    body = post_form(html, path)
    assert "find" not in body  # a real save, not another search
    body |= {"stakeholder_ids": [str(first), str(host)], "location_stakeholder_id": str(host)}
    response = client.post(path, data=body)
    assert response.status_code == 302, _errors(response)
    with app.app_context():
        saved = db.session.scalars(select(Engagement)).one()
        assert saved.location_kind == "stakeholder"
        assert saved.location_stakeholder_id == host
        assert sorted(s.id for s in saved.stakeholders) == sorted([first, host])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "At Toxteth Mosque" in page


def _errors(response) -> str:
    html = response.get_data(as_text=True)
    return html.split("govuk-error-summary__list")[1].split("</ul>")[0] if (
        "govuk-error-summary__list" in html) else html[:300]
