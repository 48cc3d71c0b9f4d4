"""The probe: general sweeps over every route, so a new route or field is covered by default.

- Restricted text (every restricted field of every model) reaches nobody who may not
  read it, on any page, export, JSON, history or edit-conflict notice.
- Names of records in other Areas reach nobody through links, and a filter by such a
  record answers exactly as a filter by a missing one.
- No route answers 500 to a hostile query (huge ids, url_for's own argument names,
  dates out of the calendar, NUL), and no form to a hostile date or id; a button with
  fields (a POST route with no form page) refuses a hostile id with nothing saved.
"""

from __future__ import annotations

import difflib
import io
import itertools
import re
import zipfile

import pytest
from sqlalchemy import select
from werkzeug.routing import AnyConverter, IntegerConverter

from crm.extensions import db
from crm.models import Engagement
from crm.models.common import restricted_fields
from tests.conftest import sign_in
from tests.formscrape import post_form
from tests.route_table import POSTS, SAME, fill
from tests.world import HIDDEN_NAMES, build, models_with_restricted_fields

ROLES = ("admin", "lead", "senior", "panels")


@pytest.fixture
def world(app, make_user, make_panel, make_membership, make_meeting):
    return build(app, make_user, make_panel, make_membership, make_meeting)


# Which world record fills each kind of path argument.
ARGUMENTS = {
    "stakeholder_id": ["s"], "contact_id": ["c"], "engagement_id": ["e"], "action_id": ["a"],
    "feedback_id": ["f", "f2", "fn"], "panel_id": ["p"], "membership_id": ["m"],
    "meeting_id": ["g"], "priority_id": ["r"], "objective_id": ["o", "on"], "plan_id": ["pl"],
    "plan_action_id": ["pa"], "exercise_id": ["x"], "job_id": ["j"], "user_id": ["u"],
    "community_id": ["cm"], "area_id": ["ar"], "purpose_id": ["pu"], "import_id": ["im"],
}  # fmt: skip
QUERIES = ("", "?q=Secret", "?q=RESTRICTED", "?q=Dana")


def _values(rule, name: str, ids: dict, every_record: bool = True) -> list[str]:
    """What each path argument may be: a record's id (each record it may name, or only the
    first), or each of an any(...) choice."""
    converter = rule._converters[name]
    if isinstance(converter, AnyConverter):  # each choice (or, for a page once, the first)
        return sorted(converter.items)[: None if every_record else 1]
    if isinstance(converter, IntegerConverter):
        return [str(ids[key]) for key in ARGUMENTS[name][: None if every_record else 1]]
    return []  # a free-text argument (an upload's token): nothing in the world to name


def get_urls(app, ids: dict, every_record: bool = True) -> list[str]:
    """Every GET page the app has, for each world record its arguments can name and with
    each search that finds world records; or, with every_record=False, each page once."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if not rule.arguments:
            urls += [rule.rule + q for q in (QUERIES if every_record else QUERIES[:1])]
            continue
        if set(rule.arguments) == {"kind"} and rule.endpoint.endswith("lookup.search"):
            urls += [f"/lookup/{kind}?q=" + q for kind in ("stakeholders", "contacts")
                     for q in ("Se", "Da", "RESTRICTED")[: None if every_record else 1]]
            continue
        names = sorted(rule.arguments)
        values = (_values(rule, n, ids, every_record) for n in names)
        for combination in itertools.product(*values):
            urls.append(rule.build(dict(zip(names, combination, strict=True)))[1])
    return sorted(set(urls))


def _text(response) -> str:
    """What a response says: a page's HTML, the XML inside an Excel file, or a PDF's text."""
    data = response.get_data()
    if data.startswith(b"%PDF"):
        return pdf_text(data)
    if not data.startswith(b"PK"):
        return data.decode()
    with zipfile.ZipFile(io.BytesIO(data)) as workbook:
        return "".join(workbook.read(n).decode() for n in workbook.namelist() if n.endswith(".xml"))


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def crawl(client, urls) -> dict[str, str]:
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        pages[url] = _text(response)
    return pages


def unfilled_restricted_fields(world) -> list[str]:
    """Model.field for each field declared restricted (on any model) that no record in
    tests/world.py fills with its marker: the sweeps below could not see that field leak."""
    unfilled = []
    for model in models_with_restricted_fields():
        records = world.restricted.get(model, [])
        for name in restricted_fields(model):
            values = [(getattr(db.session.get(model, record_id), name) or "", marker)
                      for record_id, marker in records]  # fmt: skip
            if not any(marker in value for value, marker in values):
                unfilled.append(f"{model.__name__}.{name}")
    return unfilled


def test_every_restricted_field_is_covered_by_the_world(app, world, monkeypatch):
    """Every field declared restricted, on every model, holds a marker in some record of
    tests/world.py, so the sweeps below look for its text: a second restricted field on a
    model the world already has fails here until the world fills it."""
    assert models_with_restricted_fields(), "no model declares a restricted field"
    with app.app_context():
        assert unfilled_restricted_fields(world) == []
        # The check is per field: a newly restricted column nobody filled is caught.
        monkeypatch.setitem(Engagement.__table__.c.issues_raised.info, "restricted", "Issues")
        assert unfilled_restricted_fields(world) == ["Engagement.issues_raised"]


# Whose restricted text each role (working in Mersey-Cheshire, owning none of it) may read:
# administrators all of it, senior leaders their own Area's, the others none.
MAY_READ = {"admin": {"RESTRICTED"}, "senior": {"RESTRICTED-ENGAGEMENT", "RESTRICTED-FEEDBACK"},
            "lead": set(), "panels": set()}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_restricted_text_and_other_areas_names_reach_nobody(app, client, make_user, world,
                                                            role):  # fmt: skip
    """One crawl of every page, as each role working in Mersey-Cheshire (owning none of
    the restricted text): restricted text reaches nobody who may not read it, and names of
    records in other Areas reach nobody through links."""
    sign_in(client, make_user(role, areas=("Mersey-Cheshire",)))
    pages = crawl(client, get_urls(app, world.ids))
    markers = {marker for records in world.restricted.values() for _, marker in records}
    hidden = {m for m in markers if not any(m.startswith(ok) for ok in MAY_READ[role])}
    for url, html in pages.items():
        for marker in hidden:
            assert marker not in html, f"{marker} shown to a {role} at {url}"
        for name in HIDDEN_NAMES:
            assert name not in html, f"{name} shown to a Mersey-Cheshire {role} at {url}"
    # The history says the restricted text changed, without saying what it was.
    engagement = pages[f"/engagements/{world.ids['e']}"]
    assert "Restricted notes" in engagement and "(changed, not shown)" in engagement
    assert "a stakeholder in another Area" in engagement
    assert "a contact in another Area" in engagement


@pytest.mark.parametrize("model", models_with_restricted_fields(), ids=lambda m: m.__name__)
def test_the_edit_conflict_notice_keeps_restricted_text_back(app, client, make_user, world,
                                                             model):  # fmt: skip
    """Someone who may edit but not read the restricted text saves over a later change."""
    sign_in(client, make_user("lead"))
    edit = {"Engagement": "/engagements/{}/edit", "Feedback": "/feedback/{}/edit"}
    assert set(restricted_fields(model)), model
    for record_id, marker in world.restricted[model]:
        if marker == "RESTRICTED-NATIONAL":
            continue  # a national record: a lead may not edit it at all
        path = edit[model.__name__].format(record_id)
        page = client.get(path)
        assert page.status_code == 200
        body = post_form(page.get_data(as_text=True), path) | {"version": "0"}
        html = client.post(path, data=body).get_data(as_text=True)
        assert "Someone else changed this record" in html
        assert marker not in html


def normalise(html: str, record_id: int) -> str:
    """A page without what differs from request to request (nonces; CSRF tokens, which
    are signed with the time to the second), with the id asked for written as ID."""
    html = re.sub(r'nonce="[^"]+"', "", html)
    html = re.sub(r'(<input[^>]*name="csrf_token"[^>]*value=")[^"]+', r"\1", html)
    return re.sub(rf'(stakeholder=|panel=|name="(?:stakeholder|panel)" value="){record_id}\b',
                  r"\1ID", html)  # fmt: skip


FILTERS = (("/contacts?stakeholder={}", "hidden_stakeholder"),
           ("/engagements?stakeholder={}", "hidden_stakeholder"),
           ("/engagements/export.csv?stakeholder={}", "hidden_stakeholder"),
           ("/feedback?panel={}", "hidden_panel"))  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_a_filter_by_a_hidden_record_answers_as_a_missing_one(client, make_user, world, role):
    sign_in(client, make_user(role, areas=("Mersey-Cheshire",)))
    for template, which in FILTERS:
        hidden_id = getattr(world, which)
        hidden = client.get(template.format(hidden_id)).get_data(as_text=True)
        missing = client.get(template.format(999_999)).get_data(as_text=True)
        one, two = normalise(hidden, hidden_id), normalise(missing, 999_999)
        assert one == two, (template, [d for d in difflib.unified_diff(
            one.splitlines(), two.splitlines(), lineterm="", n=0)][:12])  # fmt: skip


HOSTILE_QUERIES = (
    "?endpoint=x&_anchor=y&_method=POST&_scheme=javascript&_external=1&page=2",
    "?area=18446744073709551616&community=9223372036854775808&stakeholder=9223372036854775808"
    "&panel=2147483648&owner=-9223372036854775809&lead=1e308&priority=99999999999999999999"
    "&page=99999999999999999999999&months=99999999999999999&meeting=9223372036854775808"
    "&engagement=9223372036854775808&contact=9223372036854775808",
    "?from=0001-01-01&to=0001-01-01", "?from=9999-12-31&to=9999-12-31", "?to=0001-01-01",
    "?from=1066-10-14&to=1066-10-14", "?q=%00&from=2026-01-01%00", "?q=" + "x" * 5000,
    # Years of five and of thirty digits, in each date and quarter argument, and in the
    # GOV.UK date input's form (day, month and year under one name) should a filter use it.
    f"?from=10000-01-01&to={30 * '9'}-01-01&quarter=10000-Q1&year=10000",
    f"?from={30 * '9'}-01-01&to=10000-12-31&quarter={30 * '9'}-Q4&year={30 * '9'}",
    f"?from=1&from=1&from={30 * '9'}&to=31&to=12&to=10000",
    "?layer=gaps&layer=engagements&layer=boundaries&shade=per_stakeholder&months=0&kind=gaps",
)


def test_no_route_answers_500_to_a_hostile_query(app, client, make_user, world):
    sign_in(client, make_user("admin", national=True))
    # What a query string does depends on the page, not on which record it shows.
    for url in get_urls(app, world.ids, every_record=False):
        for query in HOSTILE_QUERIES:
            target = url + ("&" + query[1:] if "?" in url else query)
            response = client.get(target)
            assert response.status_code < 500, target
            response.close()  # a streamed export ends here, in its request's context


def test_ids_too_large_for_the_database_are_not_found(app, client, make_user):
    sign_in(client, make_user("admin", national=True))
    for rule in app.url_map.iter_rules():
        ids = [n for n in rule.arguments if isinstance(rule._converters[n], IntegerConverter)]
        if not ids or rule.endpoint == "static":
            continue
        for huge in (2**31, 2**63, 2**64):
            values = {n: str(huge) if n in ids else _values(rule, n, {})[0]
                      for n in rule.arguments}  # fmt: skip
            url = rule.build(values)[1]
            method = "GET" if "GET" in rule.methods else "POST"
            assert client.open(url, method=method).status_code == 404, url


HOSTILE_YEARS = ("999999999999999999999999999999", "0", "1066", "10000", "-1", "2026.5")
# Ids no record could have: past a 64-bit integer, far past it, negative, not a number.
HOSTILE_IDS = (str(2**63), str(10**30), "-1", "abc")
# A record's id in a route table template: {s}, decision-{m}.
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _id_like(name: str, template=None) -> bool:
    """A field that names a record: by its name (stakeholder_id, priority_ids), by a
    record's id in its name (decision-{m}), or by a record's id as its value ({s})."""
    value = template if isinstance(template, str) else ""
    return (name.endswith(("_id", "_ids")) or bool(PLACEHOLDER.search(name))
            or bool(PLACEHOLDER.fullmatch(value)))  # fmt: skip


# POST routes with no form page of their own (buttons) that have fields.
BUTTONS = sorted(e for e, (_, page, values) in POSTS.items() if page is None and values)


def snapshot(app) -> dict[str, list]:
    """Every row of every table, to show a refused submission saved nothing."""
    with app.app_context():
        return {t.name: sorted(map(repr, db.session.execute(select(t)).all()))
                for t in db.metadata.sorted_tables}  # fmt: skip


@pytest.mark.parametrize("endpoint", sorted(e for e, (_, page, _) in POSTS.items() if page == SAME))
def test_no_form_answers_500_to_a_hostile_date_or_id(app, client, make_user, world, endpoint):
    """Each date field (day, month, year boxes) given each hostile year, and each choice of
    a record given an id no record could have: a message, nothing saved."""
    sign_in(client, make_user("admin", national=True))
    ids = world.ids | {"area": ""}
    path_template, _, values = POSTS[endpoint]
    path = fill(path_template, ids)
    page = client.get(path)
    assert page.status_code == 200, endpoint
    body = post_form(page.get_data(as_text=True), path)
    body.update({fill(k, ids): fill(v, ids) for k, v in values.items()})
    dates = [name for name, value in body.items() if isinstance(value, list) and len(value) == 3]
    choices = [name for name in body if _id_like(name)]
    tries = [{name: ["1", "2", year]} for name in dates for year in HOSTILE_YEARS]
    tries += [{name: hostile} for name in choices for hostile in HOSTILE_IDS]
    uploads = {k: v for k, v in values.items() if callable(v)}  # read once: fresh each post
    for change in tries:
        response = client.post(path, data=body | change | {k: v() for k, v in uploads.items()})
        assert response.status_code < 500, (endpoint, change)


@pytest.mark.parametrize("endpoint", BUTTONS)
def test_no_button_answers_500_to_a_hostile_id(app, client, make_user, world, endpoint):
    """A POST route with no form page of its own (a button with fields): each field given
    each hostile id answers below 500, and one that names a record (stakeholder_id,
    decision-<membership id>) refuses it with nothing saved."""
    sign_in(client, make_user("admin", national=True))
    ids = world.ids | {"area": ""}
    path_template, _, values = POSTS[endpoint]
    path = fill(path_template, ids)
    valid = {fill(k, ids): fill(v, ids) for k, v in values.items()}
    before = snapshot(app)
    for key, template in values.items():
        rest = {k: v for k, v in valid.items() if k != fill(key, ids)}
        for hostile in HOSTILE_IDS:
            if _id_like(key, template):
                hostile_ids = dict.fromkeys(ids, hostile)
                body = rest | {fill(key, hostile_ids): fill(template, hostile_ids)}
            else:  # a status or a theme's number: whatever it does, no 500
                body = rest | {key: hostile}
            response = client.post(path, data=body)
            assert response.status_code < 500, (endpoint, body)
            if _id_like(key, template):
                assert snapshot(app) == before, (endpoint, body)
            before = snapshot(app)
    if any(_id_like(k, v) for k, v in values.items()):
        # The body with the records' own ids is saved: it was the hostile id that was refused.
        assert client.post(path, data=valid).status_code < 400, endpoint
        assert snapshot(app) != before, endpoint
