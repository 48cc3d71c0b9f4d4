"""Equality monitoring of panel members: special category data.

- Individual answers reach nobody without the equality data right, on any GET page of the
  app (pages, exports, history, searches, lookups) as any role; with the right they are
  shown and every view is logged, never the values; the audit keeps only that they changed.
- Reports are aggregates, each count suppressed below the threshold (9, 10, 11), with a
  second count withheld where one alone would be given away by the total.
- A member who objects leaves every report; the population profile sits beside the panel's.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import AuditEvent, EqualityAnswers, EqualityView, Membership, User
from crm.services.area_report import Withheld, withhold_second
from tests.conftest import TODAY, area, sign_in
from tests.test_probe import crawl, get_urls
from tests.world import build

ROLES = ("admin", "lead", "senior", "panels")
DAY = {"given_on": [str(TODAY.day), str(TODAY.month), str(TODAY.year)]}
# A distinctive combination. "White: Roma" (a category's full label) and the answers' and
# form's own words appear only where an individual's answers are shown (the history says
# only that each answer changed; reports count ethnicity by its 5 groups).
ANSWERS = {"age_band": "75_over", "ethnicity": "white_roma", "religion": "buddhist",
           "sexual_orientation": "bisexual", "sex": "female", "given_how": "interview"}
SHOWN_ONLY_AS_ANSWERS = ["White: Roma", "Who has seen or changed", "Giving it is voluntary"]


def give_right(app, user: User, right: str = "equality_data") -> User:
    with app.app_context():
        found = db.session.get(User, user.id)
        found.set_rights({*found.rights, right})
        db.session.commit()
    return user


@pytest.fixture
def world(app, make_user, make_panel, make_membership, make_meeting):
    return build(app, make_user, make_panel, make_membership, make_meeting)


@pytest.fixture
def holder(app, make_user):
    """Signs a client in as a national administrator with the equality data right."""

    def sign(client, role="admin", **kw):
        user = give_right(app, make_user(role, **kw))
        assert sign_in(client, user).status_code == 302
        return user

    return sign


def _views(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(EqualityView))


def _answer(client, membership_id: int, **answers) -> None:
    response = client.post(f"/memberships/{membership_id}/equality/edit",
                           data={**DAY, **answers})  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


@pytest.mark.parametrize("role", ROLES)
def test_answers_reach_nobody_without_the_right(app, client, make_user, world, holder, role):
    """Every GET page of the app (with each record and search the world has), as every role
    without the right: no answer, no answers' field, and nothing logged as seen."""
    m = world.ids["m"]
    writer = app.test_client()
    holder(writer, "admin", national=True)
    _answer(writer, m, **ANSWERS)
    assert "White: Roma" in writer.get(f"/memberships/{m}/equality").get_data(as_text=True)
    seen = _views(app)
    sign_in(client, make_user(role, national=role == "admin"))
    pages = crawl(client, get_urls(app, world.ids))
    assert any(f"/memberships/{m}/equality" in url for url in pages)
    for url, page in pages.items():
        for marker in SHOWN_ONLY_AS_ANSWERS:
            assert marker not in page, f"{marker!r} shown to a {role} without the right at {url}"
    for path in ("equality", "equality/edit", "equality/objection"):
        assert client.get(f"/memberships/{m}/{path}").status_code == 403
    assert _views(app) == seen, "a view was logged for someone who saw nothing"
    # The member's page does not even offer the answers.
    assert "Their equality monitoring answers" not in pages[f"/memberships/{m}"]


def test_with_the_right_answers_are_shown_and_each_view_logged_without_values(
    app, client, holder, make_panel, make_membership,
):  # fmt: skip
    m = make_membership(make_panel())
    user = holder(client, "panels")
    _answer(client, m, **ANSWERS)
    page = client.get(f"/memberships/{m}/equality").get_data(as_text=True)
    for label in ("White: Roma", "Buddhist", "75 or over", "Bisexual", "Interview"):
        assert label in page
    assert "Their equality monitoring answers" in client.get(f"/memberships/{m}").get_data(
        as_text=True)
    client.get(f"/memberships/{m}/equality/edit")
    with app.app_context():
        contact_id = db.session.get(Membership, m).contact_id
        log = db.session.scalars(select(EqualityView).order_by(EqualityView.id)).all()
        assert [(v.user_id, v.contact_id, v.action) for v in log] == [
            (user.id, contact_id, "changed"), (user.id, contact_id, "viewed"),
            (user.id, contact_id, "viewed")]
        # The log's table holds who, when, whose and what was done: no answer.
        assert set(EqualityView.__table__.columns.keys()) == {
            "id", "at", "user_id", "contact_id", "action"}
    log_page = client.get(f"/memberships/{m}/equality").get_data(as_text=True)
    assert "Viewed the answers" in log_page and user.name in log_page


def test_the_audit_keeps_only_that_answers_changed(app, client, holder, make_panel,
                                                   make_membership):  # fmt: skip
    m = make_membership(make_panel())
    holder(client)
    _answer(client, m, **ANSWERS)
    _answer(client, m, **(ANSWERS | {"religion": "jewish"}))
    with app.app_context():
        contact_id = db.session.get(Membership, m).contact_id
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        stored = json.dumps([e.changes for e in events])
        latest = [e for e in events if e.record_type == "contact"
                  and e.record_id == contact_id][-1]  # fmt: skip
    for value in ("buddhist", "Buddhist", "jewish", "Jewish", "white_roma", "Roma", "75_over",
                  "bisexual", "Bisexual", "interview", "Interview"):
        assert value not in stored
    assert latest.changes == {"Religion or belief": ["", "(changed, not shown)"]}
    history = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert "Religion or belief" in history and "(changed, not shown)" in history


def test_a_wrong_answer_is_refused_and_nothing_saved(app, client, holder, make_panel,
                                                     make_membership):  # fmt: skip
    m = make_membership(make_panel())
    holder(client)
    response = client.post(f"/memberships/{m}/equality/edit",
                           data={**DAY, "religion": "<script>x</script>"})  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Choose an answer from the list" in page
    assert "<script>x" not in page
    response = client.post(f"/memberships/{m}/equality/edit", data={"religion": "hindu"})
    assert "Enter the date the answers were given" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EqualityAnswers)) == 0


def test_a_senior_leader_with_the_right_sees_but_does_not_enter(app, client, holder,
                                                                make_panel, make_membership):
    m = make_membership(make_panel())
    holder(client, "senior")
    assert client.get(f"/memberships/{m}/equality").status_code == 200
    assert client.get(f"/memberships/{m}/equality/edit").status_code == 403
    assert client.post(f"/memberships/{m}/equality/edit",
                       data={**DAY, "sex": "male"}).status_code == 403  # fmt: skip


# Reports ------------------------------------------------------------------------------


def tables(page: str) -> dict[str, list[list[str]]]:
    """{table id: rows of cell texts (first the row's heading)} of a page's report tables."""
    found = {}
    for table_id, body in re.findall(r'<table[^>]*id="([^"]+)"[^>]*>(.*?)</table>', page, re.S):
        rows = re.findall(r'<th scope="row"[^>]*>(.*?)</th>(.*?)</tr>', body, re.S)
        found[table_id] = [[html_lib.unescape(head).strip(),
                            *(html_lib.unescape(c).strip()
                              for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S))]
                           for head, cells in rows]  # fmt: skip
    return found


def members(app, make_contact, panel_id: int, answers: list[dict], **kw) -> list[int]:
    """Active members of a panel, each with these answers ({} gives none)."""
    ids = []
    for n, given in enumerate(answers):
        contact_id = make_contact(name=f"Member {n}")
        with app.app_context():
            values = {"status": "active", "role": "member", "term_start": date(2025, 1, 1)}
            membership = Membership(panel_id=panel_id, contact_id=contact_id, **(values | kw))
            db.session.add(membership)
            if given:
                db.session.add(EqualityAnswers(contact_id=contact_id, given_on=TODAY, **given))
            db.session.commit()
            ids.append(membership.id)
    return ids


def row(table: list[list[str]], heading: str) -> list[str]:
    return next(r for r in table if r[0] == heading)


@pytest.mark.parametrize("n, shown", [(9, "fewer than 10"), (10, "10"), (11, "11")])
def test_counts_are_suppressed_below_the_threshold(app, client, signed_in, make_panel,
                                                   make_contact, n, shown):  # fmt: skip
    p = make_panel()
    members(app, make_contact, p, [{"sex": "female"}] * n)
    signed_in("lead")
    sex = tables(client.get(f"/panels/{p}/equality").get_data(as_text=True))["equality-sex"]
    assert row(sex, "Female")[1:3] == [shown, "100%" if n >= 10 else "not shown"]
    assert row(sex, "Male")[1:3] == ["fewer than 10", "not shown"]
    assert row(sex, "All members counted")[1] == shown


def test_one_suppressed_count_is_never_given_away_by_the_total(app, client, signed_in,
                                                               make_panel, make_contact,
                                                               monkeypatch):  # fmt: skip
    """With a threshold of 3: female 4, male 3, prefer not 3, not answered 1. The one count
    below 3 would be the total less the others: the smallest other is withheld too."""
    monkeypatch.setitem(app.config, "SUPPRESS_BELOW", 3)
    p = make_panel()
    members(app, make_contact, p, [{"sex": "female"}] * 4 + [{"sex": "male"}] * 3
            + [{"sex": "prefer_not"}] * 3 + [{}])  # fmt: skip
    signed_in("lead")
    found = tables(client.get(f"/panels/{p}/equality").get_data(as_text=True))
    sex = found["equality-sex"]
    assert [r[1] for r in sex] == ["4", "withheld", "3", "fewer than 3", "11"]
    assert row(sex, "Male")[2] == "not shown"
    # The general rule, over every table of the page: where the total is shown, no count
    # is the only one hidden.
    for table_id, rows in found.items():
        hidden = [r for r in rows[:-1] if not r[1].replace(",", "").isdigit()]
        assert len(hidden) != 1, table_id


SEXES = ("female", "male", "prefer_not", None)


def _hidden_given_away(above, below: list) -> list[str]:
    """Where a count shown in the table above, less the counts shown below, would give away
    what the tables below hide: only one of them hides it, or they hold fewer than the
    threshold between them. [] when nothing can be worked back."""
    found = []
    above_cells, below_cells = above.cells(), [t.cells() for t in below]
    for i, cells in enumerate(above_cells[:-1]):
        hidden = [b[i][1].value for b in below_cells if b[i][1].suppressed]
        if hidden and not cells[1].suppressed and (
                len(hidden) == 1 or sum(hidden) < above.threshold):
            found.append(f"{cells[0].value}: {cells[1].text} above, {hidden} hidden below")
    return found


@pytest.mark.parametrize("seed", range(6))
def test_no_hidden_count_can_be_worked_back_from_the_table_above_it(
        app, make_user, make_panel, make_contact, seed):  # fmt: skip
    """Panels in two Areas and a national one, with members (some on two panels) answering at
    random: the Area's table never gives away a count one of its panels hides, nor the
    national table one an Area or a national panel hides, and within each table no count is
    the only one hidden beside a total shown."""
    import random

    from crm.services import equality_report

    rng = random.Random(seed)
    threshold = rng.choice((3, 4, 5))
    panels = {"Mersey-Cheshire": [make_panel(), make_panel(name="MC Hate Crime Panel")],
              "London South": [make_panel("London South", name="LS LSIP"),
                               make_panel("London South", name="LS VAWG Panel")],
              None: [make_panel(None, name="Community Accountability Forum")]}
    for area_name, ids in panels.items():
        for panel in ids:
            answers = [{"sex": rng.choice(SEXES)} if rng.random() < 0.9 else {}
                       for _ in range(rng.randint(0, 14))]  # fmt: skip
            made = members(app, make_contact, panel, [a for a in answers if a.get("sex")])
            members(app, make_contact, panel, [{}] * (len(answers) - len(made)))
            if made and area_name and rng.random() < 0.5:  # someone sits on both panels
                with app.app_context():
                    person = db.session.get(Membership, made[0]).contact_id
                    other = ids[1] if panel == ids[0] else ids[0]
                    db.session.add(Membership(panel_id=other, contact_id=person, status="active"))
                    db.session.commit()
    user = make_user("admin", national=True)
    with app.app_context():
        user = db.session.get(User, user.id)

        def sex(profile):
            table = next(t for t in profile.tables if t.key == "sex")
            hidden = [c for c in table.cells()[:-1] if c[1].suppressed]
            assert len(hidden) != 1 or table.cells()[-1][1].suppressed, profile.title
            return table

        from crm.models import Panel

        def panel(panel_id):
            return sex(equality_report.panel_profile(user, db.session.get(Panel, panel_id),
                                                     threshold))  # fmt: skip

        areas = {}
        for name in ("Mersey-Cheshire", "London South"):
            areas[name] = sex(equality_report.area_profile(user, area(name).id, threshold))
            below = [panel(p) for p in panels[name]]
            assert _hidden_given_away(areas[name], below) == [], (name, threshold)
        national = sex(equality_report.area_profile(user, None, threshold))
        below = [*areas.values(), panel(panels[None][0])]
        assert _hidden_given_away(national, below) == [], threshold


def test_an_areas_count_is_withheld_where_one_panel_hides_it(app, client, signed_in,
                                                             make_panel, make_contact):  # fmt: skip
    """12 disabled on one panel, 4 on the other: the Area's 16 less the 12 would be the 4."""
    first, second = make_panel(), make_panel(name="Mersey-Cheshire Hate Crime Panel")
    members(app, make_contact, first, [{"disability": "yes"}] * 12)
    members(app, make_contact, second, [{"disability": "yes"}] * 4 + [{"disability": "no"}] * 11)
    signed_in("lead")
    mc = area_id(app, "Mersey-Cheshire")
    found = tables(client.get(f"/reports/equality?area={mc}").get_data(as_text=True))
    disabled = row(found["equality-disability"], "Disabled (Equality Act 2010)")
    assert disabled[1:3] == ["withheld", "not shown"]
    for url in (f"/panels/{first}/equality", f"/panels/{second}/equality"):
        page = tables(client.get(url).get_data(as_text=True))
        assert row(page["equality-disability"], "Disabled (Equality Act 2010)")[1] in (
            "12", "fewer than 10")


def test_withhold_second():
    assert withhold_second([12, 11, 10, 3], 10) == [12, 11, 10, 3]
    assert isinstance(withhold_second([12, 11, 10, 3], 10)[2], Withheld)
    # Two hidden (0 and 3) hold fewer than 10 between them: the total would give away 3.
    assert [isinstance(n, Withheld) for n in withhold_second([12, 0, 3], 10)] == [
        True, False, False]
    # One person among three empty answers: everything is withheld but the total.
    assert [isinstance(n, Withheld) for n in withhold_second([20, 1, 0, 0], 10)] == [
        True, False, False, False]
    # Only empty answers hidden: nothing about anyone is given away.
    assert not any(isinstance(n, Withheld) for n in withhold_second([12, 15, 0, 0], 10))
    assert not any(isinstance(n, Withheld) for n in withhold_second([12, 15], 10))
    assert not any(isinstance(n, Withheld) for n in withhold_second([2], 10))


def test_an_objection_takes_the_member_out_of_every_report(app, client, holder, make_panel,
                                                           make_contact):  # fmt: skip
    p = make_panel()
    ids = members(app, make_contact, p, [{"religion": "christian"}] * 10)
    holder(client)
    before = tables(client.get(f"/panels/{p}/equality").get_data(as_text=True))
    assert row(before["equality-religion"], "Christian")[1] == "10"
    response = client.post(f"/memberships/{ids[0]}/equality/objection",
                           data={"objected_on": DAY["given_on"]})  # fmt: skip
    assert response.status_code == 302
    mc = area_id(app, "Mersey-Cheshire")
    for url in (f"/panels/{p}/equality", f"/reports/equality?area={mc}",
                "/reports/equality?area=national"):
        after = tables(client.get(url).get_data(as_text=True))
        assert row(after["equality-religion"], "Christian")[1] == "fewer than 10", url
        assert row(after["equality-religion"], "All members counted")[1] == "fewer than 10"
    page = client.get(f"/memberships/{ids[0]}/equality").get_data(as_text=True)
    assert "objected" in page and "Christian" not in page
    # Withdrawn, they count again.
    assert client.post(f"/memberships/{ids[0]}/equality/withdraw-objection").status_code == 302
    again = tables(client.get(f"/panels/{p}/equality").get_data(as_text=True))
    assert row(again["equality-religion"], "Christian")[1] == "10"


def test_an_objection_stays_out_of_the_history_others_read(
        app, client, holder, signed_in, make_panel, make_contact):  # fmt: skip
    p = make_panel()
    (m,) = members(app, make_contact, p, [{"religion": "christian"}])
    holder(client)
    assert client.post(f"/memberships/{m}/equality/objection",
                       data={"objected_on": DAY["given_on"]}).status_code == 302
    with app.app_context():
        contact_id = db.session.get(Membership, m).contact_id
        changes = [e.changes for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.record_type == "contact", AuditEvent.record_id == contact_id))]
    assert {"Objected to equality monitoring": ["", "(changed, not shown)"]} in changes
    client.post("/sign-out")
    signed_in("lead")
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert f"{TODAY:%-d %B %Y}" not in page.split("Objected to equality monitoring")[-1][:300]


def area_id(app, name: str) -> int:
    with app.app_context():
        return area(name).id


def test_area_and_national_reports_count_each_person_once(app, client, signed_in, make_panel,
                                                          make_contact):  # fmt: skip
    mersey = make_panel()
    second = make_panel(name="Mersey-Cheshire Hate Crime Panel", type="hate_crime")
    west = make_panel("West Midlands", name="West Midlands LSIP")
    ids = members(app, make_contact, mersey, [{"disability": "yes"}] * 10)
    with app.app_context():  # the same people sit on a second panel of the Area
        for m in ids:
            contact_id = db.session.get(Membership, m).contact_id
            db.session.add(Membership(panel_id=second, contact_id=contact_id, status="active"))
        db.session.commit()
    members(app, make_contact, west, [{"disability": "yes"}] * 5)
    london = make_panel("London South", name="London South LSIP")
    members(app, make_contact, london, [{"disability": "yes"}] * 6)
    members(app, make_contact, mersey, [{"disability": "yes"}] * 3, status="ended")
    signed_in("lead")
    mc = area_id(app, "Mersey-Cheshire")
    area_page = client.get(f"/reports/equality?area={mc}").get_data(as_text=True)
    assert row(tables(area_page)["equality-disability"], "Disabled (Equality Act 2010)")[1] == "10"
    national = tables(client.get("/reports/equality?area=national").get_data(as_text=True))
    # Two Areas hide their count (5 and 6), 11 between them: the national count may show.
    assert row(national["equality-disability"], "Disabled (Equality Act 2010)")[1] == "21"
    # Another Area's panels are not reported to someone who does not work there.
    wm = area_id(app, "West Midlands")
    other = client.get(f"/reports/equality?area={wm}").get_data(as_text=True)
    assert "Choose an Area you work in" in other and "West Midlands" not in other


def test_the_population_profile_sits_beside_the_panel(app, client, signed_in, make_panel,
                                                      make_contact):  # fmt: skip
    p = make_panel()
    members(app, make_contact, p, [{"sex": "female"}] * 12)
    mc = area_id(app, "Mersey-Cheshire")
    signed_in("admin", national=True)
    path = f"/admin/areas/{mc}/population"
    assert client.get(path).status_code == 200
    for bad, message in (("abc", "Enter a percentage, like 12.5"),
                         ("101", "Enter a percentage from 0 to 100"),
                         ("60", "Sex: the percentages add up to more than 100")):
        response = client.post(path, data={"sex-female": bad, "sex-male": "48.8"})
        assert message in response.get_data(as_text=True), bad
    assert client.get(f"/panels/{p}/equality").get_data(as_text=True).count("Area population") == 0
    assert client.post(path, data={"sex-female": "51.2", "sex-male": "48.8"}).status_code == 302
    found = tables(client.get(f"/panels/{p}/equality").get_data(as_text=True))
    assert row(found["equality-sex"], "Female") == ["Female", "12", "100%", "51.2%"]
    assert row(found["equality-sex"], "Male") == ["Male", "fewer than 10", "not shown", "48.8%"]
    assert row(found["equality-religion"], "Christian")[3] == "Not entered"
    assert "51.2" in client.get(path).get_data(as_text=True)
    # The profile's changes are in the Area's history (the percentages are not personal).
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.record_type == "area", AuditEvent.record_id == mc)) == 1


def test_the_answers_file_is_for_the_right_and_each_member_exported_is_logged(
    app, client, holder, make_panel, make_contact,
):  # fmt: skip
    p = make_panel()
    ids = members(app, make_contact, p, [{"religion": "buddhist"}, {"religion": "sikh"}, {}])
    with app.app_context():
        answers = db.session.get(EqualityAnswers, db.session.get(Membership, ids[1]).contact_id)
        answers.objected_on = TODAY
        db.session.commit()
    user = holder(client, "panels")
    response = client.get(f"/panels/{p}/equality/answers.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert "Buddhist" in text and "Sikh" not in text  # an objector's answers are not given
    assert "Member 2" in text and "Not answered" in text
    with app.app_context():
        log = db.session.scalars(select(EqualityView)).all()
        assert sorted(v.action for v in log) == ["exported"] * 3
        assert {v.user_id for v in log} == {user.id}
    # A lead given the right reads the panel, so may export it too (and is logged).
    other = app.test_client()
    holder(other, "lead")
    assert other.get(f"/panels/{p}/equality/answers.csv").status_code == 200
    assert _views(app) == 6


def test_the_figures_file_is_suppressed_as_the_page(app, client, signed_in, make_panel,
                                                    make_contact):  # fmt: skip
    p = make_panel()
    members(app, make_contact, p, [{"sex": "female"}] * 9 + [{"sex": "male"}] * 12)
    signed_in("lead")
    mc = area_id(app, "Mersey-Cheshire")
    text = client.get(f"/reports/equality.csv?area={mc}").get_data(as_text=True)
    lines = text.splitlines()
    assert "Sex,Female,fewer than 10,not shown," in lines
    # The hidden answers (9, and two empty) hold fewer than 10: the 12 is withheld as well,
    # or the total less it would give the 9 away.
    assert "Sex,Male,withheld,not shown," in lines
    assert not any(line.startswith("Sex,Female,9") for line in lines)
