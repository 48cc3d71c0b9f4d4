"""The contacts register: people, their organisations, consent and history."""

from sqlalchemy import select

from crm.extensions import db
from crm.models import AuditEvent, Contact, User
from crm.services.audit import shown
from tests.conftest import area


def _form(app, **overrides):
    with app.app_context():
        data = {
            "name": "Nia Mensah",
            "job_title": "Coordinator",
            "area_id": str(area("Mersey-Cheshire").id),
            "email": "Nia.Mensah@example.org",
            "preferred_contact_method": "email",
            "accessibility_needs": "Large print",
        }
    data.update(overrides)
    return data


def test_adding_a_contact_at_a_stakeholder_links_them_with_their_role(
    app, client, signed_in, make_stakeholder
):
    signed_in("panels")
    s = make_stakeholder(name="Chester Deaf Club")
    response = client.post(
        f"/contacts/new?stakeholder={s}", data=_form(app, role_at_stakeholder="Chair")
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nia Mensah has been added" in page
    assert "Chester Deaf Club" in page and "Chair" in page
    stakeholder_page = client.get(f"/stakeholders/{s}").get_data(as_text=True)
    assert "Nia Mensah" in stakeholder_page


def test_contact_needs_a_name(app, client, signed_in):
    signed_in("lead")
    html = client.post("/contacts/new", data=_form(app, name="")).get_data(as_text=True)
    assert "Enter the contact&#39;s full name" in html
    assert "<title>Error: Add a contact - Engage</title>" in html


def test_same_email_is_pointed_out(app, client, signed_in, make_contact):
    signed_in("lead")
    make_contact(name="Someone Else", email="nia.mensah@example.org")
    html = client.post("/contacts/new", data=_form(app)).get_data(as_text=True)
    assert "This may already be on Engage" in html
    assert client.post("/contacts/new", data=_form(app, confirm_duplicate="y")).status_code == 302


def test_link_and_unlink_an_organisation(app, client, signed_in, make_stakeholder, make_contact):
    lead = signed_in("lead")
    c = make_contact()
    s = make_stakeholder(name="Liverpool Refugee Welcome")
    make_stakeholder("West Midlands", name="Coventry Refugee Welcome")
    search = client.get(f"/contacts/{c}/organisations?q=refugee").get_data(as_text=True)
    assert "Liverpool Refugee Welcome" in search
    assert "Coventry Refugee Welcome" not in search  # another Area
    assert (
        client.post(
            f"/contacts/{c}/organisations", data={"stakeholder_id": s, "role": "Trustee"}
        ).status_code
        == 302
    )
    assert "Trustee" in client.get(f"/contacts/{c}").get_data(as_text=True)
    assert client.post(f"/contacts/{c}/organisations/{s}/remove").status_code == 302
    page = client.get(f"/contacts/{c}").get_data(as_text=True)
    assert "Not linked to any organisation" in page
    with app.app_context():
        changes = db.session.scalars(
            select(AuditEvent.changes)
            .filter_by(record_type="contact", record_id=c)
            .order_by(AuditEvent.id)
        ).all()
        reader = db.session.get(User, lead.id)
        linked, unlinked = ([shown(v, reader) for v in c["Organisations"]] for c in changes)
        assert linked == ["", "Liverpool Refugee Welcome (Trustee)"]
        assert unlinked == ["Liverpool Refugee Welcome (Trustee)", ""]


def test_cannot_link_to_a_stakeholder_in_another_area(
    client, signed_in, make_stakeholder, make_contact
):
    signed_in("lead")
    c = make_contact()
    other = make_stakeholder("West Midlands")
    response = client.post(
        f"/contacts/{c}/organisations", data={"stakeholder_id": other, "role": ""}
    )
    assert response.status_code == 404


def test_contact_edit_conflict_keeps_both(app, client, signed_in, make_contact):
    signed_in("lead")
    c = make_contact()
    assert (
        client.post(f"/contacts/{c}/edit", data=_form(app, version="1", phone="0151")).status_code
        == 302
    )
    html = client.post(f"/contacts/{c}/edit", data=_form(app, version="1", phone="0999")).get_data(
        as_text=True
    )
    assert "Someone else changed this record" in html
    with app.app_context():
        assert db.session.get(Contact, c).phone == "0151"


def test_archived_contacts_leave_the_list(client, signed_in, make_contact):
    signed_in("lead")
    c = make_contact(name="Gone Person")
    client.post(f"/contacts/{c}/archive")
    client.get("/contacts")
    assert "Gone Person" not in client.get("/contacts").get_data(as_text=True)
    assert client.get(f"/contacts/{c}").status_code == 404


def test_hostile_contact_names_are_escaped(app, client, signed_in, make_stakeholder):
    signed_in("lead")
    s = make_stakeholder(name='"><img src=x onerror=alert(1)>')
    client.post(f"/contacts/new?stakeholder={s}", data=_form(app, name="<script>alert(1)</script>"))
    for url in ("/contacts", "/contacts?q=script", f"/stakeholders/{s}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
