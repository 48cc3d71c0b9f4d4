"""Consent per purpose, do not contact, and the contact list for contacting people.

Consent and do-not-contact are dated histories: a change is a new row, the old stays.
Someone marked do not contact is warned of, and needs a ticked box, wherever they would be
invited (a planned engagement, a panel application); the contact list leaves them out and
says how many were left out.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import (
    AuditEvent,
    ConsentRecord,
    Contact,
    DoNotContactChange,
    Engagement,
    Membership,
    Purpose,
)
from crm.models.engagement import engagement_contacts
from tests.conftest import TODAY, area
from tests.formscrape import post_form


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def purpose_id(name: str) -> int:
    return db.session.scalar(select(Purpose.id).where(Purpose.name == name))


def consent_rows(contact_id: int) -> list[tuple]:
    rows = db.session.scalars(select(ConsentRecord).where(ConsentRecord.contact_id == contact_id)
                              .order_by(ConsentRecord.id))  # fmt: skip
    return [(r.purpose.name, r.status, r.changed_on, r.method, r.obtained_by) for r in rows]


def test_the_list_filters_and_shows_consent_as_it_stands_now(app, client, signed_in,
                                                            make_contact):  # fmt: skip
    """One consent record per person: the list's filter and column read the latest entry of
    each purpose's history (by the day it took effect), as the contact's page does."""
    signed_in("lead")
    ids = {name: make_contact(name=name) for name in ("Ayo Given", "Bea Withdrawn", "Cy None")}
    with app.app_context():
        news, panel = purpose_id("Newsletters and updates"), purpose_id("Panel membership")

    def record(name, purpose, status, when):
        assert client.post(f"/contacts/{ids[name]}/consent", data={
            "purpose_id": purpose, "status": status, "changed_on": day(when),
            "method": "Phone call"}).status_code == 302

    record("Ayo Given", news, "given", date(2026, 1, 5))
    record("Ayo Given", panel, "given", date(2026, 2, 5))
    record("Bea Withdrawn", news, "withdrawn", date(2026, 6, 1))
    record("Bea Withdrawn", news, "given", date(2026, 1, 5))  # recorded later, took effect before
    client.get("/")  # the last confirmation is shown there
    page = client.get(f"/contacts?consent={news}").get_data(as_text=True)
    assert "Ayo Given" in page and "Bea Withdrawn" not in page and "Cy None" not in page
    everyone = client.get("/contacts").get_data(as_text=True)
    assert "Newsletters and updates, Panel membership" in everyone
    row = everyone[everyone.index("Bea Withdrawn"):]
    assert row[:row.index("</tr>")].count("None recorded") == 1
    # The contact form no longer has consent fields of its own: consent is the history.
    form = client.get(f"/contacts/{ids['Cy None']}/edit").get_data(as_text=True)
    assert "consent_given" not in form and "Lawful basis" not in form


def test_a_withdrawal_after_consent_keeps_both(app, client, signed_in, make_contact):
    signed_in("lead")
    c = make_contact()
    with app.app_context():
        news = purpose_id("Newsletters and updates")
    given = client.post(f"/contacts/{c}/consent", data={
        "purpose_id": news, "status": "given", "changed_on": day(date(2026, 3, 2)),
        "method": "Signed form at the drop-in", "obtained_by": "Lee at the library"})
    assert given.status_code == 302
    withdrawn = client.post(f"/contacts/{c}/consent", data={
        "purpose_id": news, "status": "withdrawn", "changed_on": day(date(2026, 9, 14)),
        "method": "Phone call"})
    assert withdrawn.status_code == 302
    with app.app_context():
        assert consent_rows(c) == [
            ("Newsletters and updates", "given", date(2026, 3, 2), "Signed form at the drop-in",
             "Lee at the library"),
            ("Newsletters and updates", "withdrawn", date(2026, 9, 14), "Phone call", ""),
        ]
        basis = {r.basis for r in db.session.scalars(select(ConsentRecord))}
        assert basis == {"consent"}
        changes = [e.changes for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.record_type == "contact", AuditEvent.record_id == c,
            AuditEvent.action == "consent recorded").order_by(AuditEvent.id))]
    assert changes[-1]["Consent: Newsletters and updates"] == [
        "Given on 2026-03-02 (Consent)", "Withdrawn on 2026-09-14 (Consent)"]
    page = client.get(f"/contacts/{c}").get_data(as_text=True)
    consent_part = page[page.index('id="consent"'):]
    assert "Withdrawn on 14 September 2026" in consent_part
    assert "Signed form at the drop-in" in consent_part and "Phone call" in consent_part
    # Purposes not recorded for say so, with their own basis.
    assert "Not recorded" in consent_part and "Public task" in consent_part


@pytest.mark.parametrize("change, field_error", [
    ({"purpose_id": ""}, "Select the purpose"),
    ({"status": ""}, "Select whether consent was given or withdrawn"),
    ({"changed_on": day(date(2026, 12, 25))}, "must be today or in the past"),
    ({"changed_on": ["31", "2", "2026"]}, "date"),
    ({"method": ""}, "Enter how it was obtained"),
    ({"method": "x" * 301}, "300 characters or fewer"),
    ({"purpose_id": "retired"}, "Select the purpose"),
    ({"purpose_id": "99999999999999999999"}, "Select the purpose"),
])  # fmt: skip
def test_bad_consent_is_refused_with_a_message_and_saves_nothing(
        app, client, signed_in, make_contact, change, field_error):  # fmt: skip
    admin = signed_in("admin", national=True)
    c = make_contact()
    with app.app_context():
        retired = db.session.get(Purpose, purpose_id("Equality monitoring"))
        retired.retired_at = retired.created_at
        db.session.commit()
        values = {"purpose_id": purpose_id("Newsletters and updates"), "status": "given",
                  "changed_on": day(TODAY), "method": "Email"} | change  # fmt: skip
        if values["purpose_id"] == "retired":
            values["purpose_id"] = retired.id
    assert admin
    response = client.post(f"/contacts/{c}/consent", data=values)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and field_error in html
    with app.app_context():
        assert consent_rows(c) == []


def test_do_not_contact_is_a_dated_history_with_reasons(app, client, signed_in, make_contact):
    signed_in("panels")
    c = make_contact()
    refused = client.post(f"/contacts/{c}/do-not-contact", data={
        "do_not_contact": "yes", "changed_on": day(TODAY)})
    assert "Enter why they are not to be contacted" in refused.get_data(as_text=True)
    assert client.post(f"/contacts/{c}/do-not-contact", data={
        "do_not_contact": "yes", "changed_on": day(date(2026, 5, 1)),
        "reason": "Asked by phone not to be contacted"}).status_code == 302
    with app.app_context():
        assert db.session.get(Contact, c).do_not_contact is True
    page = client.get(f"/contacts/{c}").get_data(as_text=True)
    assert "since 1 May 2026 (Asked by phone not to be contacted)" in page
    assert client.post(f"/contacts/{c}/do-not-contact", data={
        "do_not_contact": "no", "changed_on": day(date(2026, 10, 1)),
        "reason": "Came back to the forum"}).status_code == 302
    with app.app_context():
        assert db.session.get(Contact, c).do_not_contact is False
        rows = db.session.scalars(select(DoNotContactChange).order_by(DoNotContactChange.id))
        assert [(r.do_not_contact, r.changed_on, r.reason) for r in rows] == [
            (True, date(2026, 5, 1), "Asked by phone not to be contacted"),
            (False, date(2026, 10, 1), "Came back to the forum")]
        audited = db.session.scalars(select(AuditEvent).where(
            AuditEvent.record_type == "contact", AuditEvent.record_id == c)
            .order_by(AuditEvent.id))
        assert [e.changes.get("Do not contact") for e in audited if e.changes.get(
            "Do not contact")] == [["No", "Yes"], ["Yes", "No"]]


def test_the_contact_form_no_longer_sets_do_not_contact(app, client, signed_in, make_contact):
    """Only the recorded form (with its date and reason) changes it."""
    signed_in("lead")
    c = make_contact(do_not_contact=True)
    body = post_form(client.get(f"/contacts/{c}/edit").get_data(as_text=True),
                     f"/contacts/{c}/edit")
    assert "do_not_contact" not in body
    assert client.post(f"/contacts/{c}/edit", data=body | {"phone": "0151 496 0001"}
                       ).status_code == 302  # fmt: skip
    with app.app_context():
        assert db.session.get(Contact, c).do_not_contact is True


def test_senior_leaders_cannot_record_consent(app, client, signed_in, make_contact):
    signed_in("senior")
    c = make_contact()
    with app.app_context():
        news = purpose_id("Newsletters and updates")
    response = client.post(f"/contacts/{c}/consent", data={
        "purpose_id": news, "status": "given", "changed_on": day(TODAY), "method": "Email"})
    assert response.status_code == 403
    assert "Record consent" not in client.get(f"/contacts/{c}").get_data(as_text=True)
    with app.app_context():
        assert consent_rows(c) == []


# Do not contact, enforced -----------------------------------------------------------


def _engagement_new(app, client, c: int, status: str, confirm: bool) -> tuple:
    with app.app_context():
        mc = area("Mersey-Cheshire").id
    body = post_form(client.get("/engagements/new").get_data(as_text=True), "/engagements/new")
    body |= {"title": "Invitation to the forum", "type": "meeting", "area_id": str(mc),
             "status": status, "held_on": day(date(2026, 12, 10) if status == "planned"
                                              else TODAY),
             "location_address": "Town Hall", "contact_ids": [str(c)]}  # fmt: skip
    if confirm:
        body["confirm_do_not_contact"] = "y"
    response = client.post("/engagements/new", data=body)
    with app.app_context():
        saved = db.session.scalar(select(Engagement.id).where(
            Engagement.title == "Invitation to the forum"))
    return response, saved


def _engagement_edit(app, client, c: int, status: str, confirm: bool, make_engagement) -> tuple:
    e = make_engagement(title="Planned forum", status="planned", held_on=date(2026, 12, 10))
    path = f"/engagements/{e}/edit"
    body = post_form(client.get(path).get_data(as_text=True), path)
    body |= {"contact_ids": [str(c)], "status": status, "location_address": "Town Hall"}
    if status == "held":
        body["held_on"] = day(TODAY)
    if confirm:
        body["confirm_do_not_contact"] = "y"
    response = client.post(path, data=body)
    with app.app_context():
        saved = [x.id for x in db.session.get(Engagement, e).contacts] == [c]
    return response, saved or None


def _membership_new(app, client, c: int, status: str, confirm: bool, make_panel) -> tuple:
    p = make_panel()
    path = f"/panels/{p}/members/new?contact={c}"
    page = client.get(path).get_data(as_text=True)
    assert "marked do not contact" in page  # warned before anything is typed
    body = post_form(page, path) | {"status": "applicant", "role": "member",
                                    "applied_on": day(TODAY)}  # fmt: skip
    if confirm:
        body["confirm_do_not_contact"] = "y"
    response = client.post(path, data=body)
    with app.app_context():
        saved = db.session.scalar(select(Membership.id).where(Membership.contact_id == c))
    return response, saved


FORMS = ["engagement_new", "engagement_edit", "membership_new"]


@pytest.mark.parametrize("form", FORMS)
def test_adding_someone_marked_do_not_contact_warns_and_needs_confirming(
        app, client, signed_in, make_contact, make_engagement, make_panel, form):  # fmt: skip
    signed_in("admin", national=True)
    c = make_contact(name="Morgan Quiet", do_not_contact=True)
    add = {"engagement_new": lambda confirm: _engagement_new(app, client, c, "planned", confirm),
           "engagement_edit": lambda confirm: _engagement_edit(app, client, c, "planned",
                                                               confirm, make_engagement),
           "membership_new": lambda confirm: _membership_new(app, client, c, "", confirm,
                                                             make_panel)}[form]  # fmt: skip
    response, saved = add(False)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and saved is None
    assert "govuk-warning-text" in html
    assert "Morgan Quiet is marked do not contact" in html
    assert "govuk-error-summary" in html and "asked not to be contacted" in html
    response, saved = add(True)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert saved


@pytest.mark.parametrize("form", ["engagement_new", "engagement_edit"])
def test_recording_who_came_to_a_held_engagement_needs_no_confirming(
        app, client, signed_in, make_contact, make_engagement, form):  # fmt: skip
    """Do not contact is about inviting them: that they came is a fact to record."""
    signed_in("lead")
    c = make_contact(name="Morgan Quiet", do_not_contact=True)
    if form == "engagement_new":
        response, saved = _engagement_new(app, client, c, "held", False)
    else:
        response, saved = _engagement_edit(app, client, c, "held", False, make_engagement)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert saved


def test_people_already_on_a_planned_engagement_are_not_asked_about_again(
        app, client, signed_in, make_contact, make_engagement):  # fmt: skip
    signed_in("lead")
    c = make_contact(name="Morgan Quiet", do_not_contact=True)
    e = make_engagement(title="Planned forum", status="planned", held_on=date(2026, 12, 10),
                        contact_ids=[c])  # fmt: skip
    path = f"/engagements/{e}/edit"
    body = post_form(client.get(path).get_data(as_text=True), path) | {
        "title": "Renamed", "location_address": "Town Hall"}
    assert client.post(path, data=body).status_code == 302


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_contact_list_leaves_out_do_not_contact_and_says_how_many(
        app, client, signed_in, make_contact):  # fmt: skip
    signed_in("lead", areas=("Mersey-Cheshire", "North West"))
    make_contact(name="Ada Reachable", email="ada@example.org")
    make_contact(name="Ben Quiet", do_not_contact=True)
    make_contact(name="Cal Quiet", do_not_contact=True)
    make_contact("North West", name="Dee Reachable")
    make_contact("North West", name="Eve Quiet", do_not_contact=True)
    make_contact("West Midlands", name="Fay Elsewhere")
    rows = _csv_rows(client.get("/contacts/export.csv"))
    assert rows[0][0] == "Name"
    names = [r[0] for r in rows[1:-1]]
    assert names == ["Ada Reachable", "Dee Reachable"]
    assert rows[1][4] == "ada@example.org"
    assert rows[-1] == ["3 people marked do not contact were left out"]
    page = client.get("/contacts").get_data(as_text=True)
    assert "Download contact list to contact people (CSV)" in page
    assert "3 people marked do not contact are left out" in page
    # The list's filters apply to the file, and to the count.
    with app.app_context():
        mc = area("Mersey-Cheshire").id
    rows = _csv_rows(client.get(f"/contacts/export.csv?area={mc}"))
    assert [r[0] for r in rows[1:-1]] == ["Ada Reachable"]
    assert rows[-1] == ["2 people marked do not contact were left out"]
    rows = _csv_rows(client.get("/contacts/export.csv?q=Dee"))
    assert [r[0] for r in rows[1:-1]] == ["Dee Reachable"]
    assert rows[-1] == ["0 people marked do not contact were left out"]
    assert "Nobody here is marked do not contact" in client.get("/contacts?q=Dee").get_data(
        as_text=True)


# Purposes, administered -------------------------------------------------------------


def test_administrators_add_reword_and_retire_purposes_never_deleting(
        app, client, signed_in, make_contact):  # fmt: skip
    signed_in("admin", national=True)
    refused = client.post("/admin/purposes", data={"name": "Research", "lawful_basis": "consent"})
    assert "Enter the wording people are shown when they consent" in refused.get_data(
        as_text=True)
    assert client.post("/admin/purposes", data={
        "name": "Research interviews", "lawful_basis": "consent",
        "wording": "I agree to be asked to take part in research."}).status_code == 302
    duplicate = client.post("/admin/purposes", data={"name": "research  INTERVIEWS",
                                                     "lawful_basis": "public_task"})
    assert "There is already a purpose called" in duplicate.get_data(as_text=True)
    with app.app_context():
        pid = purpose_id("Research interviews")
    assert client.post(f"/admin/purposes/{pid}", data={
        "name": "Research interviews", "lawful_basis": "consent",
        "wording": "I agree to be asked, by the Area team, to take part in research."}
    ).status_code == 302  # fmt: skip
    c = make_contact()
    form = client.get(f"/contacts/{c}/consent").get_data(as_text=True)
    assert "I agree to be asked, by the Area team" in form
    assert client.post(f"/contacts/{c}/consent", data={
        "purpose_id": pid, "status": "given", "changed_on": day(TODAY),
        "method": "Email"}).status_code == 302
    assert client.post(f"/admin/purposes/{pid}/retire", follow_redirects=True).status_code == 200
    form = client.get(f"/contacts/{c}/consent").get_data(as_text=True)
    assert "Research interviews" not in form
    detail = client.get(f"/contacts/{c}").get_data(as_text=True)
    assert "Research interviews (retired)" in detail  # the history keeps it
    with app.app_context():
        assert db.session.get(Purpose, pid) is not None
        actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.record_type == "purpose", AuditEvent.record_id == pid)
            .order_by(AuditEvent.id))]
    assert actions == ["created", "updated", "retired"]
    assert client.post(f"/admin/purposes/{pid}/restore").status_code == 302
    assert "Research interviews" in client.get(f"/contacts/{c}/consent").get_data(as_text=True)


def test_purposes_are_seeded_with_their_basis(app):
    with app.app_context():
        seeded = {p.name: p.lawful_basis for p in db.session.scalars(select(Purpose))}
    assert seeded == {"Engagement and invitations": "public_task",
                      "Panel membership": "public_task",
                      "Newsletters and updates": "consent",
                      "Equality monitoring": "consent"}  # fmt: skip


@pytest.mark.parametrize("form", ["engagement_new", "engagement_edit"])
@pytest.mark.parametrize("confirm", [False, True])
def test_the_do_not_contact_warning_names_no_one_from_another_area(
        app, client, signed_in, make_contact, make_engagement, form, confirm):  # fmt: skip
    """A contact id posted from another Area is neither named in the warning nor saved: it
    is refused as any hidden id is, whether or not the box is ticked."""
    far = make_contact("West Midlands", name="Wendy Faraway", do_not_contact=True)
    signed_in("lead")
    assert client.get(f"/contacts/{far}").status_code == 404
    if form == "engagement_new":
        response, saved = _engagement_new(app, client, far, "planned", confirm)
    else:
        response, saved = _engagement_edit(app, client, far, "planned", confirm,
                                           make_engagement)  # fmt: skip
    assert "Wendy Faraway" not in response.get_data(as_text=True)
    assert response.status_code in (200, 404) and saved is None
    with app.app_context():
        linked = select(engagement_contacts.c.engagement_id).where(
            engagement_contacts.c.contact_id == far)
        assert db.session.scalars(linked).all() == []


def test_a_back_dated_change_does_not_overturn_a_later_one(app, client, signed_in, make_contact):
    """The flag is the latest change by the date it took effect (then the order entered),
    and the page shows that same change."""
    from datetime import timedelta

    signed_in("admin", national=True)
    c = make_contact(name="Pat Flip")
    assert client.post(f"/contacts/{c}/do-not-contact", data={
        "do_not_contact": "yes", "changed_on": day(TODAY),
        "reason": "Asked by phone"}).status_code == 302  # fmt: skip
    assert client.post(f"/contacts/{c}/do-not-contact", data={
        "do_not_contact": "no", "changed_on": day(TODAY - timedelta(days=300)),
        "reason": ""}).status_code == 302  # fmt: skip
    with app.app_context():
        assert db.session.get(Contact, c).do_not_contact is True
    page = client.get(f"/contacts/{c}").get_data(as_text=True)
    assert (f"Do not contact: <strong>Yes</strong>, since {TODAY.day} "
            f"{TODAY.strftime('%B %Y')} (Asked by phone).") in page  # fmt: skip
    # A later change on the same day as the latest one is the later of the two.
    assert client.post(f"/contacts/{c}/do-not-contact", data={
        "do_not_contact": "no", "changed_on": day(TODAY), "reason": ""}).status_code == 302
    with app.app_context():
        assert db.session.get(Contact, c).do_not_contact is False
    assert "Do not contact: No, since" in client.get(f"/contacts/{c}").get_data(as_text=True)


def test_the_history_readers_check_access_themselves(app, make_user, make_contact):
    """Called by anyone, not only through the contact's page: a contact in another Area
    is not found, as a missing one."""
    from crm.models import User
    from crm.services import access, consent

    far = make_contact("West Midlands", name="Wendy Faraway", do_not_contact=True)
    near = make_contact()
    lead = make_user("lead")
    with app.app_context():
        user = db.session.get(User, lead.id)
        for read in (consent.consent_history, consent.current_consent,
                     consent.do_not_contact_history):  # fmt: skip
            with pytest.raises(access.RecordNotFound):
                read(user, far)
            with pytest.raises(access.RecordNotFound):
                read(user, 999_999)
            assert isinstance(read(user, near), list)


def test_each_consent_keeps_the_words_shown_that_day(app, client, signed_in, make_user,
                                                     make_contact):  # fmt: skip
    """The purpose reworded later: the consent given before keeps the words agreed to."""
    signed_in("lead")
    c = make_contact()
    with app.app_context():
        news = purpose_id("Newsletters and updates")
        before = db.session.get(Purpose, news).wording
    assert client.post(f"/contacts/{c}/consent", data={
        "purpose_id": news, "status": "given", "changed_on": day(date(2026, 3, 2)),
        "method": "Signed form"}).status_code == 302
    with app.app_context():
        db.session.get(Purpose, news).wording = "New words from next year"
        db.session.commit()
        (row,) = db.session.scalars(select(ConsentRecord).where(ConsentRecord.contact_id == c))
        assert row.wording == before
    page = client.get(f"/contacts/{c}").get_data(as_text=True)
    assert "Words they agreed to" in page and before[:60].replace("'", "&#39;") in page
