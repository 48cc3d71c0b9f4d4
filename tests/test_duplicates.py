"""Likely duplicates: how names, phones, emails and websites are compared, why a pair is
offered and how sure, and a pair dismissed as not the same staying dismissed."""

from __future__ import annotations

import re

import pytest

from crm.services import duplicates
from crm.services.duplicates import (
    normalise_email,
    normalise_name,
    normalise_person,
    normalise_phone,
    website_domain,
)
from tests.conftest import area

SAME_NAMES = [
    ("Toxteth Women's Network", "toxteth womens network"),
    ("The Toxteth Womens Network Ltd", "toxteth womens network"),
    ("Toxteth Women’s Network CIC", "toxteth womens network"),
    ("Friends & Family", "friends family"),
    ("Friends and Family", "friends family"),
    ("St. Helens Assoc.", "saint helens association"),
    ("TOXTETH  women's   network.", "toxteth womens network"),
    ("Wirral Community Ctr", "wirral community centre"),
    ("Wirral Community Center", "wirral community centre"),
    ("Café Élan Limited", "cafe elan"),
    ("", ""),
]


@pytest.mark.parametrize(("name", "normalised"), SAME_NAMES)
def test_organisation_names_are_normalised(name, normalised):
    assert normalise_name(name) == normalised


@pytest.mark.parametrize(("name", "normalised"), [
    ("Ms Dana Okafor", "dana okafor"), ("DANA O'KAFOR", "dana okafor"),
    ("Dr. Dana Okafor", "dana okafor"), ("Dana Okafor", "dana okafor"),
])  # fmt: skip
def test_person_names_lose_case_punctuation_and_titles(name, normalised):
    assert normalise_person(name) == normalised


@pytest.mark.parametrize(("phone", "normalised"), [
    ("0151 496 0000", "01514960000"), ("+44 151 496 0000", "01514960000"),
    ("+44 (0)151 496 0000", "01514960000"), ("(0151) 496-0000", "01514960000"),
    ("496 0000", ""), ("", ""),
])  # fmt: skip
def test_phone_numbers_are_compared_as_dialled(phone, normalised):
    assert normalise_phone(phone) == normalised


@pytest.mark.parametrize(("website", "domain"), [
    ("https://www.Example.org/about", "example.org"), ("example.org", "example.org"),
    ("http://example.org:8080/x?y=1", "example.org"), ("www.example.org/", "example.org"),
    ("https://www.facebook.com/toxtethwomen", ""), ("https://sites.google.com/view/x", ""),
    ("https://liverpool.gov.uk/x", "liverpool.gov.uk"), ("https://www.gov.uk/x", ""),
    ("not a website", ""), ("", ""),
])  # fmt: skip
def test_website_domains_leave_out_sites_everyone_shares(website, domain):
    assert website_domain(website) == domain


def test_emails_compare_without_case():
    assert normalise_email(" Dana@Example.ORG ") == "dana@example.org"
    assert normalise_email("not an email") == ""


# (first record, second record, the reasons the pair is offered for; none: not offered)
STAKEHOLDER_CASES = [
    ({"name": "Alpha", "email": "hi@alpha.org"}, {"name": "Beta", "email": "HI@alpha.org"},
     ["Same email address"]),
    ({"name": "Alpha", "phone": "0151 496 0000"}, {"name": "Beta", "phone": "+44 151 4960000"},
     ["Same phone number"]),
    ({"name": "Alpha", "website": "https://alpha.org"}, {"name": "Beta", "website": "alpha.org/x"},
     ["Same website domain"]),
    ({"name": "Toxteth Women's Network", "postcode": "L8 1AA"},
     {"name": "Toxteth Womens Network Group", "postcode": "L81AA"},
     ["Same postcode and a similar name"]),
    ({"name": "The Alpha Trust Ltd", "postcode": "L8 1AA"}, {"name": "Alpha Trust", "postcode": ""},
     ["Same name"]),
    ({"name": "The Alpha Trust Ltd", "postcode": "L8 1AA"},
     {"name": "Alpha Trust", "postcode": "L8 1AA", "email": "a@alpha.org"},
     ["Same name", "Same postcode and a similar name"]),
    ({"name": "Alpha Trust", "postcode": "L8 1AA"}, {"name": "Beta Club", "postcode": "L8 1AA"},
     None),
    ({"name": "Alpha", "website": "https://facebook.com/a"},
     {"name": "Beta", "website": "https://facebook.com/b"}, None),
]  # fmt: skip


@pytest.mark.parametrize(("first", "second", "reasons"), STAKEHOLDER_CASES)
def test_why_two_stakeholders_are_offered(app, make_user, make_stakeholder, first, second,
                                          reasons):  # fmt: skip
    a, b = make_stakeholder(**first), make_stakeholder(**second)
    make_stakeholder(name="Unrelated Group", postcode="CH1 1AA")
    with app.app_context():
        user = make_user("lead")
        from crm.extensions import db
        from crm.models import User

        found = duplicates.likely_duplicates(db.session.get(User, user.id), "stakeholder")
    if reasons is None:
        assert found == []
        return
    assert [(p.first_id, p.second_id, p.reasons) for p in found] == [(a, b, reasons)]
    weights = {b.reason: b.weight for b in duplicates.STAKEHOLDER_BLOCKERS}
    assert found[0].score == min(100, sum(weights[r] for r in reasons))


def test_contacts_pair_by_email_phone_and_name(app, make_user, make_contact):
    a = make_contact(name="Dana Okafor", email="dana@example.org")
    b = make_contact(name="Ms Dana Okafor", email="DANA@example.org", phone="0151 496 0000")
    c = make_contact(name="Sam Other", phone="+44 151 496 0000")
    make_contact("North West", name="Dana Okafor")  # another Area: not the user's
    with app.app_context():
        from crm.extensions import db
        from crm.models import User

        user = db.session.get(User, make_user("lead").id)
        found = duplicates.likely_duplicates(user, "contact")
    assert [(p.first_id, p.second_id, p.reasons) for p in found] == [
        (a, b, ["Same email address", "Same name"]), (b, c, ["Same phone number"])]


def test_a_pair_dismissed_as_not_the_same_stays_dismissed(client, signed_in, make_stakeholder):
    signed_in("lead")
    a = make_stakeholder(name="Alpha Trust", email="a@alpha.org")
    b = make_stakeholder(name="Alpha Trust Ltd", email="a@alpha.org")
    c = make_stakeholder(name="The Alpha Trust")
    page = client.get("/stakeholders/duplicates").get_data(as_text=True)
    assert "3</strong> pairs" in page
    assert "Same email address; Same name" in page
    response = client.post("/stakeholders/duplicates/not-the-same",
                           data={"first_id": b, "second_id": a})  # fmt: skip
    assert response.status_code == 302
    # Again (a second click): still one dismissal, no error.
    client.post("/stakeholders/duplicates/not-the-same", data={"first_id": a, "second_id": b})
    page = client.get("/stakeholders/duplicates").get_data(as_text=True)
    assert "2</strong> pairs" in page
    pairs = set(re.findall(r"merge\?ids=(\d+)&amp;ids=(\d+)", page))
    assert pairs == {(str(a), str(c)), (str(b), str(c))}
    history = client.get(f"/stakeholders/{a}").get_data(as_text=True)
    assert "Not a duplicate" in history


def test_a_pair_in_another_area_cannot_be_dismissed(client, signed_in, make_stakeholder, app):
    signed_in("lead")
    a = make_stakeholder(name="Alpha Trust")
    hidden = make_stakeholder("North West", name="Alpha Trust")
    response = client.post("/stakeholders/duplicates/not-the-same",
                           data={"first_id": a, "second_id": hidden})  # fmt: skip
    assert response.status_code == 404
    with app.app_context():
        assert duplicates.dismissed_pairs("stakeholder") == set()


def test_the_list_is_paged(client, signed_in, make_stakeholder, app):
    signed_in("lead")
    app.config["PAGE_SIZE"], size = 2, app.config["PAGE_SIZE"]
    try:
        for n in range(4):
            make_stakeholder(name=f"Group {n}", email=f"group{n}@example.org")
            make_stakeholder(name=f"Other {n}", email=f"group{n}@example.org")
        first = client.get("/stakeholders/duplicates").get_data(as_text=True)
        second = client.get("/stakeholders/duplicates?page=2").get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = size
    assert "4</strong> pairs, page 1 of 2" in first and "page 2 of 2" in second
    assert "Group 0" in first and "Group 3" in second and "Group 3" not in first


def test_someone_with_several_areas_chooses_one_or_all(client, signed_in, make_stakeholder):
    """One Area's pairs at a time (quick), or all their Areas with pairs across them."""
    signed_in("lead", areas=("Mersey-Cheshire", "West Midlands"))
    make_stakeholder(name="Alpha Trust", email="alpha@example.org")
    make_stakeholder("West Midlands", name="Alpha Trust", email="alpha@example.org")
    make_stakeholder("West Midlands", name="Beta Group", email="beta@example.org")
    make_stakeholder("West Midlands", name="Beta Group Ltd", email="beta@example.org")
    page = client.get("/stakeholders/duplicates").get_data(as_text=True)
    assert "All your Areas" in page and "2</strong> pairs" in page
    with client.application.app_context():
        west = area("West Midlands").id
    west_only = client.get(f"/stakeholders/duplicates?area={west}").get_data(as_text=True)
    assert "1</strong> pair" in west_only and "Beta Group" in west_only
    assert "Alpha Trust" not in west_only


def test_dismissing_a_pair_returns_to_the_area_and_page_shown(client, signed_in,
                                                              make_stakeholder):  # fmt: skip
    signed_in("lead", areas=("Mersey-Cheshire", "West Midlands"))
    first = make_stakeholder("West Midlands", name="Beta Group", email="beta@example.org")
    second = make_stakeholder("West Midlands", name="Beta Group Ltd", email="beta@example.org")
    with client.application.app_context():
        west = area("West Midlands").id
    response = client.post(f"/stakeholders/duplicates/not-the-same?area={west}&page=2",
                           data={"first_id": first, "second_id": second})
    assert response.location == f"/stakeholders/duplicates?area={west}&page=2"
