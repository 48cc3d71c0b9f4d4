"""The home page's figures are the lists they link to: for every demo account, each
count equals the number of rows the linked list shows."""

from __future__ import annotations

import re

import pytest

from crm.extensions import db
from crm.services import seeding

DEMO_ACCOUNTS = [email for email, *_ in seeding.DEMO_USERS]


@pytest.fixture
def demo(app):
    with app.app_context():
        seeding.load_demo_data()
        db.session.commit()


@pytest.mark.parametrize("email", DEMO_ACCOUNTS)
def test_every_home_figure_is_the_count_of_the_list_it_links_to(client, demo, email):
    signed = client.post("/sign-in", data={"email": email, "password": seeding.DEMO_PASSWORD})
    assert signed.status_code == 302
    home = client.get("/").get_data(as_text=True)
    figures = re.findall(r'href="([^"]+)" data-count="(\d+)"', home)
    assert len(figures) >= 5, figures  # stakeholders, contacts, engagements, actions...
    for href, count in figures:
        page = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
        shown = re.search(r'id="result-count"[^>]*>\s*<strong>(?:More than )?([\d,]+)', page)
        assert shown, href
        assert int(shown.group(1).replace(",", "")) == int(count), (email, href)
