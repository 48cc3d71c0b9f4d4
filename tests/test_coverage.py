"""Community coverage against a hand-computed fixture, boundaries included."""

from datetime import date

import pytest

from crm.extensions import db
from crm.models import User
from crm.services.access import RecordNotFound
from crm.services.coverage import community_coverage, months_before

TODAY = date(2026, 8, 31)


def test_months_before_counts_calendar_months():
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2024, 8, 29), 6) == date(2024, 2, 29)
    assert months_before(date(2026, 1, 15), 12) == date(2025, 1, 15)
    assert months_before(date(2026, 2, 10), 3) == date(2025, 11, 10)


@pytest.fixture
def fixture_data(app, make_user, make_stakeholder, make_engagement):
    lead = make_user("lead", areas=("Mersey-Cheshire",))
    s1 = make_stakeholder(name="Elders 1", communities=["Older people"])
    s2 = make_stakeholder(name="Elders 2", communities=["Older people"])
    make_stakeholder(
        name="Elders archived", communities=["Older people"], archived_at=db.func.now()
    )
    make_stakeholder("West Midlands", name="Elders elsewhere", communities=["Older people"])
    older = ["Older people"]
    make_engagement(held_on=date(2026, 8, 31), communities=older)
    make_engagement(held_on=date(2026, 5, 31), communities=older)  # 3-month boundary: in
    make_engagement(held_on=date(2026, 5, 30), communities=older, stakeholder_ids=[s1])
    make_engagement(held_on=date(2025, 8, 31), communities=older)  # 12-month boundary: in
    make_engagement(held_on=date(2025, 8, 30), communities=older, stakeholder_ids=[s2])
    make_engagement(held_on=date(2026, 8, 1), communities=older, status="planned")
    make_engagement(held_on=date(2026, 8, 2), communities=older, archived_at=db.func.now())
    make_engagement("West Midlands", held_on=date(2026, 8, 3), communities=older)
    make_engagement(held_on=date(2026, 2, 28), communities=["Sex workers"])  # 6-month boundary
    make_engagement(held_on=date(2026, 2, 27), communities=["Migrants"])  # a day too early
    make_engagement("West Midlands", held_on=date(2026, 8, 1), communities=["Migrants"])
    return lead


def _rows(app, user_id, **kw):
    with app.app_context():
        user = db.session.get(User, user_id)
        return {r.community.name: r for r in community_coverage(user, TODAY, **kw)}


def test_coverage_matches_the_hand_computed_figures(app, fixture_data):
    rows = _rows(app, fixture_data.id)
    older = rows["Older people"]
    assert older.last_engaged_on == date(2026, 8, 31)
    assert (older.last_3_months, older.last_6_months, older.last_12_months) == (2, 3, 4)
    assert (older.stakeholders_engaged, older.stakeholders_serving) == (1, 2)
    assert not older.flagged  # not a seldom-heard community


def test_seldom_heard_flag_at_its_boundary(app, fixture_data):
    rows = _rows(app, fixture_data.id)
    assert rows["Sex workers"].last_engaged_on == date(2026, 2, 28)
    assert not rows["Sex workers"].flagged  # reached exactly six months ago
    assert rows["Migrants"].flagged  # reached six months and a day ago (elsewhere does not count)
    assert rows["People experiencing homelessness"].flagged  # never reached
    assert rows["People experiencing homelessness"].last_engaged_on is None
    ordered = list(_rows(app, fixture_data.id))
    flagged = [name for name in ordered if rows[name].flagged]
    assert ordered[: len(flagged)] == flagged  # flagged communities come first


def test_coverage_filters_by_area_and_characteristic(app, fixture_data, make_user):
    national = make_user("senior", national=True)
    with app.app_context():
        from crm.models import Area

        west = db.session.query(Area).filter_by(name="West Midlands").one().id
    rows = _rows(app, national.id, area_id=west)
    assert rows["Older people"].last_3_months == 1
    assert not rows["Migrants"].flagged
    only_age = _rows(app, national.id, characteristic="age")
    assert set(only_age) == {"Older people", "Children and young people"}
    with pytest.raises(RecordNotFound):
        _rows(app, fixture_data.id, area_id=west)


def test_coverage_page(client, fixture_data, app):
    from tests.conftest import sign_in

    sign_in(client, fixture_data)
    html = client.get("/coverage").get_data(as_text=True)
    assert "not been reached since" in html
    warning = html[
        html.index('id="not-reached"') : html.index("</div>", html.index('id="not-reached"'))
    ]
    assert "Migrants" in warning and "Older people" not in warning
    assert client.get("/coverage?area=999999").status_code == 404
    # The two measures say what they count.
    assert "Engagements reaching it: last 3 months" in html
    assert "Its stakeholders engaged in the last 12 months" in html
    assert "What the two measures count" in html and "Never reached" in html
