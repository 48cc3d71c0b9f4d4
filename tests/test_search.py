"""One search across every kind of record the user may see."""

from __future__ import annotations

from crm.extensions import db
from crm.models import Stakeholder
from crm.models.common import utcnow


def test_one_search_finds_each_kind_the_user_may_see(
    app, client, signed_in, make_stakeholder, make_contact, make_engagement, make_feedback,
    make_panel,
):  # fmt: skip
    signed_in("lead")
    make_stakeholder(name="Kirkby Refugee Welcome", town="Kirkby")
    make_contact(name="Rufus Kirkby")
    make_engagement(title="Kirkby drop-in")
    make_feedback(summary="Kirkby residents were not told", case_reference="05KB1234521")
    make_panel(name="Kirkby and Knowsley panel")
    make_stakeholder("West Midlands", name="Kirkby Lookalike Elsewhere")
    archived = make_stakeholder(name="Kirkby Closed Group")
    with app.app_context():
        db.session.get(Stakeholder, archived).archived_at = utcnow()
        db.session.commit()
    html = client.get("/search?q=kirkby").get_data(as_text=True)
    for name in ("Kirkby Refugee Welcome", "Rufus Kirkby", "Kirkby drop-in",
                 "Kirkby residents were not told", "Kirkby and Knowsley panel"):  # fmt: skip
        assert name in html, name
    assert "Elsewhere" not in html and "Closed Group" not in html
    # Case references are found too; the results link to the full lists.
    assert "Kirkby residents" in client.get("/search?q=05KB12").get_data(as_text=True)
    assert 'href="/stakeholders?q=kirkby"' not in html  # one stakeholder: no "see all"


def test_a_common_word_counts_up_to_a_cap_and_links_to_the_list(client, signed_in,
                                                                make_stakeholder):  # fmt: skip
    signed_in("lead")
    for n in range(7):
        make_stakeholder(name=f"Youth Forum {n}")
    html = client.get("/search?q=youth").get_data(as_text=True)
    assert "Stakeholders <span" in html and "(7)" in html
    assert 'href="/stakeholders?q=youth"' in html
    assert html.count("Youth Forum") == 5  # the first five


def test_a_search_too_short_says_so(client, signed_in):
    signed_in("senior")
    html = client.get("/search?q=a").get_data(as_text=True)
    assert "Enter at least 2 characters to search" in html
    assert "Enter at least" not in client.get("/search").get_data(as_text=True)


def test_every_page_has_the_search_box(client, signed_in):
    signed_in("panels")
    for path in ("/", "/stakeholders", "/panels", "/feedback"):
        assert 'id="header-search"' in client.get(path).get_data(as_text=True), path
