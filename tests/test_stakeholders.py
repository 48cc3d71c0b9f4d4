"""The stakeholder register, through the pages and through the service."""

import re

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import AuditEvent, Stakeholder
from tests.conftest import area, community, page_title

HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def _form(**overrides):
    """A complete, valid stakeholder form for the Mersey-Cheshire Area."""
    with db.session.no_autoflush:
        data = {
            "name": "Wirral Women's Centre",
            "type": "vcs",
            "description": "Support and advice",
            "address_line1": "1 Market Street",
            "town": "Birkenhead",
            "postcode": "ch41 5aa",
            "latitude": "53.3934",
            "longitude": "-3.0148",
            "area_id": str(area("Mersey-Cheshire").id),
            "owner_id": "",
            "status": "active",
            "influence": "3",
            "interest": "5",
            "email": "Info@WirralWomen.example.org",
            "community_ids": [str(community("Women and girls").id)],
        }
    data.update(overrides)
    return data


def _new(client, app, **overrides):
    with app.app_context():
        data = _form(**overrides)
    return client.post("/stakeholders/new", data=data)


def _only(app, **filters) -> Stakeholder:
    with app.app_context():
        s = db.session.scalars(select(Stakeholder).filter_by(**filters)).one()
        db.session.expunge(s)
        return s


def test_lead_adds_a_stakeholder_with_a_normalised_postcode(app, client, signed_in):
    signed_in("lead")
    response = _new(client, app)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Wirral Women&#39;s Centre has been added" in page
    assert "CH41 5AA" in page
    assert "Women and girls" in page
    s = _only(app, name="Wirral Women's Centre")
    assert s.postcode == "CH41 5AA"
    assert s.email == "info@wirralwomen.example.org"
    assert (s.latitude, s.longitude) == (53.3934, -3.0148)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Enter the stakeholder&#39;s name"),
        ({"type": ""}, "Select the type of stakeholder"),
        ({"postcode": "NOT A CODE"}, "Enter a real UK postcode, like CH1 2AB"),
        ({"latitude": "north"}, "Latitude must be a number"),
        ({"latitude": "40.1"}, "Latitude must be in the UK, between 49.8 and 60.9"),
        ({"longitude": "12"}, "Longitude must be in the UK, between -8.7 and 1.8"),
        ({"longitude": ""}, "Enter both latitude and longitude, or neither"),
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"area_id": ""}, "Select the Area"),
        ({"website": "not a site"}, "Enter a website address"),
        ({"email": "a" * 250 + "@example.org"}, "Email address must be 254 characters or fewer"),
        ({"website": "example.org/" + "a" * 290}, "Website must be 300 characters or fewer"),
        ({"town": "x" * 101}, "Town or city must be 100 characters or fewer"),
    ],
)
def test_bad_input_gets_a_specific_message_and_saves_nothing(
    app, client, signed_in, overrides, message
):
    signed_in("lead")
    response = _new(client, app, **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert page_title(html).startswith("Error: ")
    assert 'class="govuk-error-summary' in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Stakeholder)) == 0
    # What the user typed is still in the form.
    assert "1 Market Street" in html


def test_cannot_put_a_stakeholder_in_an_area_you_do_not_work_in(app, client, signed_in):
    signed_in("lead", areas=("Mersey-Cheshire",))
    with app.app_context():
        other = str(area("West Midlands").id)
    html = _new(client, app, area_id=other).get_data(as_text=True)
    assert "Select an Area you work in" in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Stakeholder)) == 0


def test_list_searches_by_name_town_and_postcode(client, signed_in, make_stakeholder):
    signed_in("lead")
    make_stakeholder(name="Chester Interfaith Council", town="Chester", postcode="CH1 2AB")
    make_stakeholder(name="Crewe Youth Voice", town="Crewe", postcode="CW1 3XY")
    for q, expected in (
        ("interfaith", "Chester Interfaith"),
        ("crewe", "Crewe Youth"),
        ("ch12ab", "Chester Interfaith"),
        ("CW1", "Crewe Youth"),
    ):
        html = client.get("/stakeholders", query_string={"q": q}).get_data(as_text=True)
        assert expected in html, q
        assert "<strong>1</strong> stakeholder" in html, q


def test_list_filters_by_type_community_seldom_heard_status_and_owner(
    client, signed_in, make_stakeholder
):
    user = signed_in("lead")
    make_stakeholder(
        name="Traveller Group",
        type="community_group",
        communities=["Gypsy, Roma and Traveller communities"],
        owner_id=user.id,
    )
    make_stakeholder(
        name="Police Unit", type="cj_partner", communities=["Older people"], status="dormant"
    )

    def names(**args):
        html = client.get("/stakeholders", query_string=args).get_data(as_text=True)
        return set(re.findall(r'class="govuk-link" href="/stakeholders/\d+">([^<]+)<', html))

    assert names(type="cj_partner") == {"Police Unit"}
    assert names(seldom_heard="1") == {"Traveller Group"}
    assert names(status="dormant") == {"Police Unit"}
    assert names(owner=user.id) == {"Traveller Group"}
    assert names() == {"Traveller Group", "Police Unit"}


def test_list_community_filter(app, client, signed_in, make_stakeholder):
    signed_in("lead")
    make_stakeholder(name="Older People's Forum", communities=["Older people"])
    make_stakeholder(name="Youth Club", communities=["Children and young people"])
    with app.app_context():
        older = community("Older people").id
    html = client.get("/stakeholders", query_string={"community": older}).get_data(as_text=True)
    assert "Older People&#39;s Forum" in html and "Youth Club" not in html


def test_list_pages_and_shows_the_total(app, client, signed_in, make_stakeholder):
    signed_in("lead")
    for n in range(30):
        make_stakeholder(name=f"Group {n:02d}")
    first = client.get("/stakeholders").get_data(as_text=True)
    assert "<strong>30</strong> stakeholders, page 1 of 2" in first
    assert "Group 00" in first and "Group 25" not in first
    second = client.get("/stakeholders?page=2").get_data(as_text=True)
    assert "Group 25" in second and "Group 00" not in second
    # Nonsense paging never breaks the page.
    assert client.get("/stakeholders?page=abc").status_code == 200
    assert "page 2 of 2" in client.get("/stakeholders?page=99").get_data(as_text=True)


def test_list_only_shows_and_counts_the_users_areas(client, signed_in, make_stakeholder):
    signed_in("lead", areas=("Mersey-Cheshire",))
    make_stakeholder("Mersey-Cheshire", name="Liverpool Group")
    make_stakeholder("West Midlands", name="Coventry Group")
    html = client.get("/stakeholders?q=group").get_data(as_text=True)
    assert "Liverpool Group" in html and "Coventry Group" not in html
    assert "<strong>1</strong> stakeholder" in html


def test_edit_records_each_changed_field_in_the_audit(app, client, signed_in):
    user = signed_in("lead")
    _new(client, app)
    s = _only(app)
    response = client.post(
        f"/stakeholders/{s.id}/edit",
        data=_form_for(app, status="dormant", postcode="CH41 5AB", version=s.version),
    )
    assert response.status_code == 302
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent)
            .filter_by(record_id=s.id, record_type="stakeholder")
            .order_by(AuditEvent.id)
        ).all()
        assert [e.action for e in events] == ["created", "updated"]
        assert events[1].user_id == user.id
        assert events[1].changes == {
            "Status": ["Active", "Dormant"],
            "Postcode": ["CH41 5AA", "CH41 5AB"],
        }
    page = client.get(f"/stakeholders/{s.id}").get_data(as_text=True)
    assert "Change history" in page and "Dormant" in page


def _form_for(app, version, **overrides):
    with app.app_context():
        return _form(version=str(version), **overrides)


def test_second_save_over_someone_elses_change_is_refused(app, client, signed_in, make_user):
    from tests.conftest import sign_in

    signed_in("lead")
    _new(client, app)
    s = _only(app)
    opened_version = s.version
    other = app.test_client()
    sign_in(other, make_user("lead", name="Other Editor"))
    # The other person saves first.
    assert (
        other.post(
            f"/stakeholders/{s.id}/edit", data=_form_for(app, opened_version, phone="0151 496 0000")
        ).status_code
        == 302
    )
    # This person's save, from the same opened version, is refused with what changed.
    response = client.post(
        f"/stakeholders/{s.id}/edit",
        data=_form_for(app, opened_version, description="My new description"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else changed this record while you were editing it" in html
    assert "Other Editor" in html and "0151 496 0000" in html
    assert "My new description" in html  # their own work is still in the form
    kept = _only(app, id=s.id)
    assert kept.phone == "0151 496 0000" and kept.description == "Support and advice"
    # Saving again, having seen the change, goes through.
    new_version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    assert (
        client.post(
            f"/stakeholders/{s.id}/edit",
            data=_form_for(
                app, new_version, description="My new description", phone="0151 496 0000"
            ),
        ).status_code
        == 302
    )
    assert _only(app, id=s.id).description == "My new description"


def test_possible_duplicate_is_pointed_out_before_saving(app, client, signed_in, make_stakeholder):
    signed_in("lead")
    make_stakeholder(name="Wirral Women's Centre", postcode="CH41 5AA")
    html = _new(client, app).get_data(as_text=True)
    assert "This may already be on Engage" in html
    assert "possible-duplicates" in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Stakeholder)) == 1
    assert _new(client, app, confirm_duplicate="y").status_code == 302


def test_same_email_is_a_possible_duplicate(app, client, signed_in, make_stakeholder):
    signed_in("lead")
    make_stakeholder(name="Another Name", email="info@wirralwomen.example.org")
    assert "This may already be on Engage" in _new(client, app).get_data(as_text=True)


def test_archive_removes_from_lists_and_counts_and_admin_restores(
    app, client, signed_in, make_stakeholder, make_user
):
    from tests.conftest import sign_in

    signed_in("lead")
    s = make_stakeholder(name="Soon Archived")
    assert client.post(f"/stakeholders/{s}/archive").status_code == 302
    assert "Soon Archived has been archived" in client.get("/stakeholders").get_data(as_text=True)
    assert "Soon Archived" not in client.get("/stakeholders").get_data(as_text=True)
    assert "Soon Archived" not in client.get("/stakeholders?q=soon").get_data(as_text=True)
    assert client.get(f"/stakeholders/{s}").status_code == 404
    assert client.post(f"/stakeholders/{s}/restore").status_code == 403
    home = client.get("/").get_data(as_text=True)
    assert ">0</span>" in home
    admin = app.test_client()
    sign_in(admin, make_user("admin", national=True))
    archived = admin.get("/stakeholders?archived=1").get_data(as_text=True)
    assert "Soon Archived" in archived
    assert admin.post(f"/stakeholders/{s}/restore").status_code == 302
    assert "Soon Archived" in client.get("/stakeholders").get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).filter_by(record_id=s).order_by(AuditEvent.id)
        ).all()
        assert actions == ["archived", "restored"]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_names_are_shown_as_text(app, client, signed_in, hostile):
    signed_in("lead")
    _new(client, app, name=hostile, notes=hostile, town=hostile)
    s = _only(app)
    client.post(f"/stakeholders/{s.id}/edit", data=_form_for(app, s.version, name=hostile + "!"))
    for url in (
        "/stakeholders",
        f"/stakeholders/{s.id}",
        f"/stakeholders/{s.id}/edit",
        "/stakeholders?q=" + hostile,
    ):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "&lt;" in html, url


def test_senior_leader_sees_but_has_no_edit_buttons(client, signed_in, make_stakeholder):
    signed_in("senior")
    s = make_stakeholder(name="Read Only Group")
    html = client.get(f"/stakeholders/{s}").get_data(as_text=True)
    assert "Read Only Group" in html
    assert "Archive" not in html and f"/stakeholders/{s}/edit" not in html
    assert "Add a stakeholder" not in client.get("/stakeholders").get_data(as_text=True)


def test_a_tampered_version_is_treated_as_stale_not_an_error(app, client, signed_in):
    signed_in("lead")
    _new(client, app)
    s = _only(app)
    html = client.post(f"/stakeholders/{s.id}/edit", data=_form_for(app, "abc")).get_data(
        as_text=True
    )
    assert "Someone else changed this record" in html


def test_nul_characters_never_break_a_page(app, client, signed_in):
    """PostgreSQL refuses NUL in text; a crafted request must get a normal answer."""
    assert client.post("/sign-in", data={"email": "a\x00@b.c", "password": "x"}).status_code == 200
    signed_in("lead")
    assert client.get("/stakeholders?q=wir\x00ral").status_code == 200
    assert client.get("/lookup/stakeholders?q=wir\x00ral").status_code == 200
    response = _new(client, app, name="Wirral\x00 Group", notes="a\x00b")
    assert response.status_code == 302
    assert _only(app).name == "Wirral Group"
