"""The stakeholder mapping exercise: the quadrant rule, the register's grid and its filters,
recording an exercise (snapshot, register scores, history), comparing two, who may do
what, and the messages on bad input. Through the pages (plain form posts, no JavaScript)
and through the service."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import AuditEvent, MappingExercise, MappingPosition, Stakeholder, User
from crm.services import access, mapping, stakeholders
from crm.services.mapping import Position, cell_of
from crm.services.records import InvalidValue
from tests.conftest import TODAY, area, community
from tests.formscrape import post_form


@pytest.mark.parametrize("influence, interest, cell", [
    (3, 3, "manage_closely"), (5, 5, "manage_closely"), (4, 3, "manage_closely"),
    (3, 2, "keep_satisfied"), (5, 1, "keep_satisfied"),
    (2, 3, "keep_informed"), (1, 5, "keep_informed"),
    (2, 2, "monitor"), (1, 1, "monitor"),
    (None, None, "not_assessed"), (None, 4, "not_assessed"), (4, None, "not_assessed"),
])  # fmt: skip
def test_the_quadrant_rule(influence, interest, cell):
    assert cell_of(influence, interest) == cell


def _cells(html: str) -> dict[str, str]:
    """Each cell of a grid page: its key and what it shows."""
    cell = re.compile(r'<section class="govuk-summary-card" id="cell-(\w+)".*?</section>', re.S)
    return {found.group(1): found.group(0) for found in cell.finditer(html)}


def _count(html: str, key: str) -> int:
    return int(re.search(r'class="app-cell-count">(\d+)<', _cells(html)[key]).group(1))


@pytest.fixture
def mersey(make_stakeholder):
    """Mersey-Cheshire stakeholders, one for each cell and one unscored, and one in the
    West Midlands with scores that must never show to a Mersey-Cheshire user."""
    return {
        "manage_closely": make_stakeholder(name="Toxteth Women's Network", influence=3,
                                           interest=3, communities=["Women and girls"]),
        "keep_satisfied": make_stakeholder(name="Merseyside Police", type="cj_partner",
                                           influence=5, interest=2),
        "keep_informed": make_stakeholder(name="Wirral Deaf Club", influence=2, interest=4,
                                          communities=["Deaf and hard of hearing people"]),
        "monitor": make_stakeholder(name="Chester Chess Club", influence=1, interest=1),
        "not_assessed": make_stakeholder(name="Halton Faith Forum", type="faith"),
        "other_area": make_stakeholder("West Midlands", name="Walsall Hidden Group",
                                       influence=5, interest=5),
    }  # fmt: skip


NAMES = {"manage_closely": "Toxteth Women&#39;s Network", "keep_satisfied": "Merseyside Police",
         "keep_informed": "Wirral Deaf Club", "monitor": "Chester Chess Club",
         "not_assessed": "Halton Faith Forum"}  # fmt: skip


def test_the_grid_shows_each_stakeholder_in_its_cell_and_no_other_area(client, signed_in,
                                                                        mersey):  # fmt: skip
    signed_in("senior")
    html = client.get("/mapping").get_data(as_text=True)
    cells = _cells(html)
    assert set(cells) == set(mapping.CELLS)
    for key, name in NAMES.items():
        assert name in cells[key], key
        assert all(name not in text for other, text in cells.items() if other != key), key
        assert _count(html, key) == 1
    assert f'href="/stakeholders/{mersey["manage_closely"]}"' in cells["manage_closely"]
    assert "Influence 5, interest 2" in cells["keep_satisfied"]
    assert "Walsall Hidden Group" not in html
    # Asking for the other Area's stakeholders finds none.
    with client.application.app_context():
        walsall = area("West Midlands").id
    other = client.get(f"/mapping?area={walsall}").get_data(as_text=True)
    assert "Walsall Hidden Group" not in other and "<strong>0</strong> stakeholders" in other


def test_national_users_see_every_area_on_the_grid(client, signed_in, mersey):
    signed_in("admin", national=True)
    cells = _cells(client.get("/mapping").get_data(as_text=True))
    assert "Walsall Hidden Group" in cells["manage_closely"]


@pytest.mark.parametrize("query, expected", [
    ("type=faith", {"not_assessed": 1}),
    ("type=cj_partner", {"keep_satisfied": 1}),
    ("community={deaf}", {"keep_informed": 1}),
    ("q=club", {"keep_informed": 1, "monitor": 1}),
    ("seldom_heard=1&type=community_group", {"keep_informed": 1}),
    ("status=closed", {}),
])  # fmt: skip
def test_the_grid_is_filtered_as_the_register_is(app, client, signed_in, mersey, query,
                                                 expected):  # fmt: skip
    signed_in("lead")
    with app.app_context():
        query = query.format(deaf=community("Deaf and hard of hearing people").id)
    html = client.get(f"/mapping?{query}").get_data(as_text=True)
    assert {key: _count(html, key) for key in mapping.CELLS} == dict.fromkeys(
        mapping.CELLS, 0) | expected  # fmt: skip
    register = client.get(f"/stakeholders?{query}").get_data(as_text=True)
    total = re.search(r'id="result-count"[^>]*><strong>(\d+)', register).group(1)
    assert f"<strong>{total}</strong>" in html
    # The register links to the grid with its filters.
    assert f"/mapping?{query.replace('&', '&amp;')}" in register


def _scores(app, stakeholder_id: int) -> tuple:
    with app.app_context():
        return _register_scores(stakeholder_id)


def _register_scores(stakeholder_id: int) -> tuple:
    """A stakeholder's scores on the register, as the current session sees them."""
    s = db.session.get(Stakeholder, stakeholder_id)
    return s.influence, s.interest


def _count_rows(app, model) -> int:
    with app.app_context():
        return _rows(model)


def _rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _new_form(client, area_id=None) -> tuple[str, str, dict]:
    path = "/mapping/exercises/new" + (f"?area={area_id}" if area_id else "")
    html = client.get(path).get_data(as_text=True)
    return path, html, post_form(html, path)


def test_recording_an_exercise_snapshots_and_sets_the_register_scores(
    app, client, signed_in, make_stakeholder, mersey
):
    lead = signed_in("lead")
    archived = make_stakeholder(name="Closed Down Group", influence=2, interest=2)
    with app.app_context():
        stakeholders.archive_stakeholder(
            db.session.get(User, lead.id), db.session.get(Stakeholder, archived)
        )
        db.session.commit()
    path, html, body = _new_form(client)
    # Every live stakeholder of the Area, its scores from the register filled in.
    assert "Closed Down Group" not in html and "Walsall Hidden Group" not in html
    police = mersey["keep_satisfied"]
    assert body[f"influence_{police}"] == ["5"] and body[f"interest_{police}"] == ["2"]
    assert body[f"influence_{mersey['not_assessed']}"] == [""]
    assert body["run_by_id"] == [str(lead.id)] and body["held_on"] == ["30", "11", "2026"]
    assert "<script" not in html.split("<main")[1].split("</main>")[0]
    body |= {f"influence_{police}": "2", f"interest_{police}": "4",
             f"note_{police}": "New neighbourhood team <b>keen</b>", "title": "Autumn mapping",
             "held_on": ["1", "11", "2026"]}  # fmt: skip
    response = client.post(path, data=body)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "the register&#39;s scores are now this exercise&#39;s" in page
    assert "New neighbourhood team &lt;b&gt;keen&lt;/b&gt;" in page
    assert "Merseyside Police" in _cells(page)["keep_informed"]
    with app.app_context():
        exercise = db.session.scalars(select(MappingExercise)).one()
        assert (exercise.held_on, exercise.run_by_id, exercise.title) == (
            date(2026, 11, 1), lead.id, "Autumn mapping")  # fmt: skip
        placed = {p.stakeholder_id: (p.influence, p.interest) for p in exercise.positions}
    assert placed == {mersey[k]: v for k, v in (
        ("manage_closely", (3, 3)), ("keep_satisfied", (2, 4)), ("keep_informed", (2, 4)),
        ("monitor", (1, 1)), ("not_assessed", (None, None)))}  # fmt: skip
    assert _scores(app, police) == (2, 4)
    # The stakeholder's change history says so, and who did it.
    history = client.get(f"/stakeholders/{police}").get_data(as_text=True)
    assert re.search(r"Influence: <del>5</del> to <ins>2</ins>", history)
    assert re.search(r"Interest: <del>2</del> to <ins>4</ins>", history)
    with app.app_context():
        changes = db.session.scalars(select(AuditEvent).where(
            AuditEvent.record_type == "stakeholder", AuditEvent.record_id == police,
            AuditEvent.action == "updated")).one()  # fmt: skip
        assert changes.user_id == lead.id
    # Unchanged stakeholders are not written to.
    with app.app_context():
        assert db.session.get(Stakeholder, mersey["monitor"]).version == 1
    # The grid now shows the new scores.
    assert "Merseyside Police" in _cells(client.get("/mapping").get_data(as_text=True))[
        "keep_informed"]  # fmt: skip


def test_the_same_form_posted_twice_saves_one_exercise(app, client, signed_in, mersey):
    signed_in("lead")
    path, _, body = _new_form(client)
    assert client.post(path, data=body).status_code == 302
    again = client.post(path, data=body, follow_redirects=True)
    assert "This was already saved" in again.get_data(as_text=True)
    assert _count_rows(app, MappingExercise) == 1


def _user(make_user, role="lead", **kw) -> User:
    return db.session.get(User, make_user(role, **kw).id)


def test_an_earlier_exercise_does_not_overwrite_the_register(app, ctx, make_user, mersey):
    lead = _user(make_user)
    mc = area("Mersey-Cheshire").id
    police = mersey["keep_satisfied"]
    latest = mapping.record_exercise(lead, mc, date(2026, 10, 1),
                                     [Position(police, 4, 4)], lead.id)  # fmt: skip
    assert _register_scores(police) == (4, 4)
    older = mapping.record_exercise(lead, mc, date(2026, 6, 1),
                                    [Position(police, 1, 5)], lead.id)  # fmt: skip
    assert _register_scores(police) == (4, 4)
    assert [(p.influence, p.interest) for p in older.positions] == [(1, 5)]
    assert mapping.latest_exercise(mc).id == latest.id
    assert mapping.earlier_exercise(latest).id == older.id
    # A second exercise on the same day as the latest, recorded after it, is the latest.
    same_day = mapping.record_exercise(lead, mc, date(2026, 10, 1),
                                       [Position(police, 2, 2)], lead.id)  # fmt: skip
    assert mapping.latest_exercise(mc).id == same_day.id
    assert _register_scores(police) == (2, 2)


def test_the_page_says_when_an_earlier_exercise_leaves_the_register_alone(
    app, client, signed_in, make_exercise, mersey
):
    signed_in("lead")
    make_exercise(positions={mersey["keep_satisfied"]: (4, 4)}, held_on=date(2026, 10, 1))
    path, _, body = _new_form(client)
    body |= {"held_on": ["1", "6", "2026"], f"influence_{mersey['keep_satisfied']}": "1"}
    page = client.post(path, data=body, follow_redirects=True).get_data(as_text=True)
    assert "The register keeps the scores of the later exercise of 1 October 2026" in page
    assert "Come from a later exercise" in page
    assert _scores(app, mersey["keep_satisfied"]) == (5, 2)


@pytest.fixture
def two_exercises(app, make_user, make_stakeholder):
    """An earlier and a later Mersey-Cheshire exercise: one stakeholder moved cell, one
    stayed, one is new, one dropped out (archived between them)."""
    moved = make_stakeholder(name="Moving Group", influence=1, interest=1)
    stayed = make_stakeholder(name="Steady Group", influence=4, interest=4)
    gone = make_stakeholder(name="Gone Group", influence=2, interest=4)
    joined = make_stakeholder(name="Joining Group")
    with app.app_context():
        lead = _user(make_user)
        mc = area("Mersey-Cheshire").id
        a = mapping.record_exercise(
            lead,
            mc,
            date(2025, 11, 1),
            [Position(moved, 1, 1), Position(stayed, 4, 4), Position(gone, 2, 4)],
            lead.id,
        )
        stakeholders.archive_stakeholder(lead, db.session.get(Stakeholder, gone))
        b = mapping.record_exercise(
            lead,
            mc,
            date(2026, 11, 1),
            [Position(moved, 4, 3), Position(stayed, 5, 3), Position(joined, 2, 3)],
            lead.id,
        )
        db.session.commit()
        return {"a": a.id, "b": b.id, "moved": moved, "stayed": stayed, "gone": gone,
                "joined": joined}  # fmt: skip


def test_comparing_two_exercises_lists_who_moved_who_is_new_and_who_dropped_out(
    app, ctx, make_user, two_exercises
):
    made = make_user("lead"), make_user("admin")  # before this session takes the write lock
    lead, admin = (db.session.get(User, u.id) for u in made)
    a, b = (db.session.get(MappingExercise, two_exercises[k]) for k in "ab")
    found = mapping.compare(lead, a, b)
    assert [
        (m.after.name, m.before.cell, m.after.cell, m.before.scores, m.after.scores)
        for m in found.moved
    ] == [
        (
            "Moving Group",
            "monitor",
            "manage_closely",
            "Influence 1, interest 1",
            "Influence 4, interest 3",
        )
    ]
    assert [p.name for p in found.new] == ["Joining Group"]
    assert [(p.name, p.archived, p.opens) for p in found.dropped] == [("Gone Group", True,
                                                                        False)]  # fmt: skip
    assert found.stayed == 1
    # Whoever may open archived records (administrators) gets a link to it.
    assert mapping.compare(admin, a, b).dropped[0].opens


def test_the_comparison_page_as_a_panel_coordinator(client, signed_in, two_exercises):
    signed_in("panels")
    a, b = two_exercises["a"], two_exercises["b"]
    html = client.get(f"/mapping/exercises/compare?from={a}&to={b}").get_data(as_text=True)
    moved = html.split('id="moved"')[1].split('id="new"')[0]
    assert "Moving Group" in moved and "Monitor (influence 1, interest 1)" in moved
    assert "Manage closely (influence 4, interest 3)" in moved and "Steady Group" not in moved
    assert "Joining Group" in html.split('id="new"')[1].split('id="dropped"')[0]
    dropped = html.split('id="dropped"')[1]
    assert "Gone Group (archived)" in dropped
    assert f'href="/stakeholders/{two_exercises["gone"]}"' not in dropped
    assert "1 moved, 1 new, 1 dropped out, 1 stayed in the same cell" in html
    # With nothing chosen, the latest exercise and the one before it are offered.
    chooser = client.get("/mapping/exercises/compare").get_data(as_text=True)
    assert re.search(rf'<option value="{a}" selected>', chooser.split('id="to"')[0])
    assert re.search(rf'<option value="{b}" selected>', chooser.split('id="to"')[1])
    # The list links each exercise to a comparison with the one before it.
    listing = client.get("/mapping/exercises").get_data(as_text=True)
    assert f"/mapping/exercises/compare?from={a}&amp;to={b}" in listing
    assert "Record a mapping exercise" not in listing


def test_exercises_in_another_area_are_not_found(client, signed_in, make_exercise,
                                                 make_stakeholder, two_exercises):  # fmt: skip
    signed_in("lead")
    hidden = make_exercise(
        "West Midlands",
        title="Walsall mapping",
        positions={make_stakeholder("West Midlands"): (5, 5)},
    )
    mine = two_exercises["b"]
    for path in (
        f"/mapping/exercises/{hidden}",
        f"/mapping/exercises/compare?from={mine}&to={hidden}",
        f"/mapping/exercises/compare?from={hidden}&to={mine}",
    ):
        assert client.get(path).status_code == 404, path
    assert "Walsall mapping" not in client.get("/mapping/exercises").get_data(as_text=True)


def test_exercises_of_two_areas_are_not_compared(client, signed_in, make_exercise, mersey):
    signed_in("admin", national=True)
    one = make_exercise(positions={mersey["monitor"]: (1, 1)})
    other = make_exercise("West Midlands", positions={mersey["other_area"]: (5, 5)})
    html = client.get(f"/mapping/exercises/compare?from={one}&to={other}").get_data(as_text=True)
    assert "Choose two exercises from the same Area" in html
    assert "govuk-error-summary" in html and 'id="moved"' not in html


def test_senior_leaders_cannot_record_an_exercise(app, client, signed_in, make_user, mersey):
    signed_in("senior")
    assert client.get("/mapping/exercises/new").status_code == 403
    with app.app_context():
        mc = area("Mersey-Cheshire").id
    response = client.post(f"/mapping/exercises/new?area={mc}", data={
        "held_on": ["1", "11", "2026"], "run_by_id": "1"})  # fmt: skip
    assert response.status_code == 403
    assert "Record a mapping exercise" not in client.get("/mapping").get_data(as_text=True)
    with app.app_context():
        senior = _user(make_user, "senior")
        with pytest.raises(access.AccessDenied):
            mapping.record_exercise(senior, mc, date(2026, 11, 1),
                                    [Position(mersey["monitor"], 2, 2)], senior.id)  # fmt: skip
        db.session.rollback()
    assert _count_rows(app, MappingExercise) == 0
    assert _scores(app, mersey["monitor"]) == (1, 1)


def test_panel_coordinators_read_the_grid_and_the_exercises(client, signed_in, make_exercise,
                                                             mersey):  # fmt: skip
    signed_in("panels")
    x = make_exercise(positions={mersey["monitor"]: (1, 1), mersey["not_assessed"]: (None, None)},
                      notes="Held at the town hall")  # fmt: skip
    assert "Chester Chess Club" in _cells(client.get("/mapping").get_data(as_text=True))[
        "monitor"]  # fmt: skip
    page = client.get(f"/mapping/exercises/{x}").get_data(as_text=True)
    cells = _cells(page)
    assert "Chester Chess Club" in cells["monitor"] and "Halton Faith Forum" in cells[
        "not_assessed"]  # fmt: skip
    assert "Held at the town hall" in page and "Are this exercise&#39;s" in page
    assert client.get("/mapping/exercises/new").status_code == 403


def test_a_user_of_several_areas_chooses_the_area_first(app, client, signed_in, mersey):
    signed_in("lead", areas=("Mersey-Cheshire", "North West"))
    html = client.get("/mapping/exercises/new").get_data(as_text=True)
    assert "Which Area is the exercise for?" in html and 'id="positions"' not in html
    with app.app_context():
        mc, wm = area("Mersey-Cheshire").id, area("West Midlands").id
    assert "Chester Chess Club" in client.get(f"/mapping/exercises/new?area={mc}").get_data(
        as_text=True)  # fmt: skip
    # An Area they do not work in is not found, as a missing one is.
    assert client.get(f"/mapping/exercises/new?area={wm}").status_code == 404
    assert client.get("/mapping/exercises/new?area=999999").status_code == 404


@pytest.mark.parametrize("change, message", [
    ({"held_on": ["1", "12", "2026"]}, "Date of the exercise must be today or in the past"),
    ({"held_on": ["", "", ""]}, "Enter the date of the exercise"),
    ({"held_on": ["31", "2", "2026"]}, "Date of the exercise must be a real date"),
    ({"influence_{police}": "7"},
     "Select a score of 1 to 5 for the influence of Merseyside Police, or Not assessed"),
    ({"interest_{police}": "0"},
     "Select a score of 1 to 5 for the interest of Merseyside Police, or Not assessed"),
    ({"interest_{police}": ""}, "Enter both influence and interest for Merseyside Police, or "
                                "neither"),
    ({"run_by_id": "999999"}, "Select who ran the exercise from the list"),
    ({"title": "x" * 201}, "Title must be 200 characters or fewer"),
])  # fmt: skip
def test_bad_input_says_what_is_wrong_and_saves_nothing(app, client, signed_in, mersey, change,
                                                        message):  # fmt: skip
    signed_in("lead")
    police = mersey["keep_satisfied"]
    path, _, body = _new_form(client)
    body |= {f"influence_{police}": "1", f"interest_{police}": "1"}
    body |= {key.format(police=police): value for key, value in change.items()}
    response = client.post(path, data=body)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html
    assert _count_rows(app, MappingExercise) == 0 and _count_rows(app, MappingPosition) == 0
    assert _scores(app, police) == (5, 2)
    assert _count_rows(app, AuditEvent) == 0


def test_someone_from_another_area_cannot_be_named_as_running_it(app, client, signed_in,
                                                                  make_user, mersey):  # fmt: skip
    signed_in("lead", areas=("Mersey-Cheshire", "West Midlands"))
    elsewhere = make_user("lead", areas=("West Midlands",))
    with app.app_context():
        mc = area("Mersey-Cheshire").id
    path, html, body = _new_form(client, mc)
    assert elsewhere.name not in html
    response = client.post(path, data=body | {"run_by_id": str(elsewhere.id)})
    assert "Select who ran the exercise from the list" in response.get_data(as_text=True)
    assert _count_rows(app, MappingExercise) == 0


def test_the_service_refuses_what_the_form_would_catch(app, ctx, make_user, mersey):
    """A caller other than the form (the demo loader, a command) meets the same rules, and
    a refusal leaves nothing behind."""
    lead = _user(make_user)
    mc, wm = area("Mersey-Cheshire").id, area("West Midlands").id
    police, walsall = mersey["keep_satisfied"], mersey["other_area"]
    tries = [
        ((wm, date(2026, 11, 1), [Position(walsall, 1, 1)]), "area_id",
         "Select an Area you work in"),
        ((mc, date(2026, 12, 1), [Position(police, 1, 1)]), "held_on",
         "Date of the exercise must be today or in the past"),
        ((mc, None, [Position(police, 1, 1)]), "held_on", "Enter the date of the exercise"),
        ((mc, TODAY, [Position(police, 6, 1)]), f"influence_{police}",
         "Influence of Merseyside Police must be between 1 and 5"),
        ((mc, TODAY, [Position(police, 1, None)]), f"interest_{police}",
         "Enter both influence and interest for Merseyside Police, or neither"),
        ((mc, TODAY, [Position(walsall, 1, 1)]), "held_on",
         "Place each of the Area's stakeholders once"),
        ((mc, TODAY, [Position(police, 1, 1), Position(police, 2, 2)]), "held_on",
         "Place each of the Area's stakeholders once"),
        ((mc, TODAY, []), "held_on", "Add the Area's stakeholders to the register first"),
    ]  # fmt: skip
    for (area_id, held_on, positions), field, message in tries:
        with pytest.raises(InvalidValue) as refused:
            mapping.record_exercise(lead, area_id, held_on, positions, lead.id)
        assert (refused.value.field, refused.value.message) == (field, message)
        db.session.rollback()
    assert _rows(MappingExercise) == 0
    assert _register_scores(police) == (5, 2)


def test_archiving_the_latest_exercise_puts_back_the_scores_of_the_one_before(
    app, client, signed_in, make_user, two_exercises
):
    """An exercise recorded in error is archived (asked first); the register then holds
    the latest live exercise's scores again, each change in the stakeholder's history; an
    administrator restores it, and its scores with it."""
    moved, joined = two_exercises["moved"], two_exercises["joined"]
    assert _scores(app, moved) == (4, 3) and _scores(app, joined) == (2, 3)
    signed_in("lead")
    later = f"/mapping/exercises/{two_exercises['b']}"
    asked = client.get(f"{later}/archive").get_data(as_text=True)
    assert "Are you sure" in asked or "Archive" in asked
    assert _scores(app, moved) == (4, 3)  # nothing until confirmed
    client.post(f"{later}/archive")
    assert _scores(app, moved) == (1, 1)  # the earlier exercise's
    assert _scores(app, joined) == (2, 3)  # the earlier one did not place it: kept
    listed = client.get("/mapping/exercises").get_data(as_text=True)
    assert later not in listed
    assert client.get(later).status_code == 404  # archived: administrators only
    history = client.get(f"/stakeholders/{moved}").get_data(as_text=True)
    assert "Influence" in history
    client.post("/sign-out")
    signed_in("admin", national=True)
    page = client.get(later).get_data(as_text=True)
    assert "Archived on" in page and "Restore" in page
    client.post(f"{later}/restore")
    assert _scores(app, moved) == (4, 3)


def test_archiving_an_earlier_exercise_leaves_the_register_alone(
    app, make_user, two_exercises
):
    lead_id, senior_id = make_user("lead").id, make_user("senior").id
    with app.app_context():
        lead = db.session.get(User, lead_id)
        earlier = db.session.get(MappingExercise, two_exercises["a"])
        mapping.set_archived(lead, earlier, True)
        db.session.commit()
        assert _register_scores(two_exercises["moved"]) == (4, 3)
        senior = db.session.get(User, senior_id)
        later = db.session.get(MappingExercise, two_exercises["b"])
        with pytest.raises(access.AccessDenied):
            mapping.set_archived(senior, later, True)
