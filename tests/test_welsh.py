"""English and Welsh: the language a page is in, the switch, the Welsh catalogue, and the
rule that interface text is written translatable (crm/i18n.py, docs/translation.md)."""

from __future__ import annotations

import ast
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import lazy_gettext
from sqlalchemy import select

from crm.config import PROJECT_ROOT
from crm.extensions import db
from crm.models import User
from crm.templating import format_date, format_datetime
from tests.conftest import sign_in
from tests.test_probe import get_urls
from tests.untranslated import untranslated_text
from tests.untranslated_python import NOT_INTERFACE, modules, report, unmarked
from tests.world import build

CATALOGUE = PROJECT_ROOT / "crm" / "translations" / "cy" / "LC_MESSAGES" / "messages.po"
WELSH = {"Accept-Language": "cy"}
# GOV.UK Frontend's own English, which must not be left on a Welsh page (each with the
# component's markup around it, so a record's name or a page's own text does not count).
GOVUK_ENGLISH = re.compile("|".join((
    ">Skip to main content<", "There is a problem", ">Menu<", r"back-link\">Back<",
    "licence-description\">All content", "Support links", 'aria-label="Pagination"',
    r"pagination__link-title\">\s*(Previous|Next)", ">Success<", ">Important<",
    "Error:</span>", r"date-input__label\"[^>]*>(Day|Month|Year)<", "Show password",
    "Warning</span>",
)))


def _lang(html: str) -> str:
    return html.split('<html lang="')[1].split('"')[0]


def test_a_browser_that_asks_for_welsh_gets_welsh_and_others_english(client):
    welsh = client.get("/sign-in", headers=WELSH).get_data(as_text=True)
    assert _lang(welsh) == "cy"
    assert "Mewngofnodi i Engage" in welsh and "Neidio i’r prif gynnwys" in welsh
    assert "Cyfeiriad e-bost" in welsh  # a form's label
    for header in ({}, {"Accept-Language": "fr, de;q=0.5"}, {"Accept-Language": "en-GB"}):
        english = client.get("/sign-in", headers=header).get_data(as_text=True)
        assert _lang(english) == "en" and "Sign in to Engage" in english
    # A form's errors, in Welsh, with GOV.UK's "There is a problem".
    refused = client.post("/sign-in", data={}, headers=WELSH).get_data(as_text=True)
    assert "Mae problem wedi codi" in refused and "Rhowch eich cyfeiriad e-bost" in refused
    assert "There is a problem" not in refused


def test_the_choice_is_remembered_for_the_person_on_every_device(app, client, make_user):
    user = make_user("lead")
    assert sign_in(client, user).status_code == 302
    response = client.post("/language", data={"language": "cy", "next": "/stakeholders"})
    assert response.status_code == 302 and response.headers["Location"] == "/stakeholders"
    page = client.get("/stakeholders").get_data(as_text=True)
    assert _lang(page) == "cy" and ">Rhanddeiliaid<" in page
    # Another browser, which asks for English: the person's choice wins once signed in.
    other = app.test_client()
    sign_in(other, user)
    assert _lang(other.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)) == "cy"
    other.post("/language", data={"language": "en", "next": "/"})
    assert _lang(client.get("/").get_data(as_text=True)) == "en"
    with app.app_context():
        assert db.session.get(User, user.id).language == "en"


def test_before_signing_in_the_choice_is_kept_for_the_browser(client):
    client.post("/language", data={"language": "cy", "next": "/sign-in"})
    assert _lang(client.get("/sign-in").get_data(as_text=True)) == "cy"
    assert _lang(client.get("/sign-in", headers={"Accept-Language": "en"}).get_data(
        as_text=True)) == "cy"


@pytest.mark.parametrize("body", [{"language": "fr"}, {"language": ""}, {},
                                  {"language": "cy" * 400}])  # fmt: skip
def test_a_language_not_offered_changes_nothing(app, client, make_user, body):
    user = make_user("lead")
    sign_in(client, user)
    response = client.post("/language", data=body | {"next": "/"})
    assert response.status_code == 302
    assert _lang(client.get("/").get_data(as_text=True)) == "en"
    with app.app_context():
        assert db.session.get(User, user.id).language is None


@pytest.mark.parametrize("target", ["https://example.org/", "//example.org/", "/\\example.org",
                                    "javascript:alert(1)", ""])  # fmt: skip
def test_the_switch_goes_back_only_to_a_page_of_this_site(client, target):
    response = client.post("/language", data={"language": "cy", "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_welsh_dates_use_welsh_month_names(app):
    moment = datetime(2026, 7, 5, 14, 4, tzinfo=UTC)
    with app.test_request_context(headers=WELSH):
        assert format_date(date(2026, 1, 5)) == "5 Ionawr 2026"
        assert format_datetime(moment) == "5 Gorffennaf 2026 am 3:04yh"
    with app.test_request_context():
        assert format_date(date(2026, 1, 5)) == "5 January 2026"
        assert format_datetime(moment) == "5 July 2026 at 3:04pm"


@pytest.mark.parametrize("path, english, welsh", [
    ("/accessibility", "Accessibility statement for Engage",
     "Datganiad hygyrchedd ar gyfer Engage"),
    ("/privacy-notice", "Privacy notice", "Hysbysiad preifatrwydd"),
    ("/cookies", "Essential cookie", "Cwci hanfodol"),
])  # fmt: skip
def test_the_statement_notice_and_cookies_pages_are_open_to_all_in_both_languages(
    client, signed_in, path, english, welsh
):
    for headers, heading in (({}, english), (WELSH, welsh)):
        page = client.get(path, headers=headers)
        assert page.status_code == 200, path
        assert heading in page.get_data(as_text=True)
    signed_in("panels")
    assert client.get(path).status_code == 200


def test_the_accessibility_statement_names_the_service_contact(app, client):
    app.config["SERVICE_CONTACT_EMAIL"] = "engage-help@cps.example"
    try:
        page = client.get("/accessibility").get_data(as_text=True)
        assert 'href="mailto:engage-help@cps.example"' in page
    finally:
        app.config["SERVICE_CONTACT_EMAIL"] = ""
    assert "IT service desk" in client.get("/accessibility").get_data(as_text=True)


@pytest.fixture
def world(app, make_user, make_panel, make_membership, make_meeting):
    return build(app, make_user, make_panel, make_membership, make_meeting)


def test_every_page_in_welsh_keeps_no_english_in_the_govuk_components(app, client, make_user,
                                                                      world):  # fmt: skip
    """Every GET page, as a national administrator who chose Welsh: lang="cy", the footer's
    links and the switch back to English, and none of GOV.UK Frontend's English."""
    user = make_user("admin", national=True)
    sign_in(client, user)
    client.post("/language", data={"language": "cy", "next": "/"})
    pages = get_urls(app, world.ids, every_record=False) + ["/sign-in"]
    checked = 0
    for url in pages:
        response = client.get(url)
        if not response.content_type.startswith("text/html") or response.status_code != 200:
            continue
        html = response.get_data(as_text=True)
        checked += 1
        assert _lang(html) == "cy", url
        english = GOVUK_ENGLISH.search(html)
        assert english is None, f"{english.group(0)!r} on {url}"
        if "govuk-template" not in html:
            continue  # a map's frame or its download: a document of its own, no footer
        for link in ("Datganiad hygyrchedd", "Hysbysiad preifatrwydd", "Cwcis",
                     "Hawlfraint y Goron", "Change the language to English"):
            assert link in html, f"{link!r} missing on {url}"
    assert checked > 100


def test_every_template_marks_its_text_for_translation(app):
    """Text left out of translation would stay English on a Welsh page."""
    unmarked = {}
    for path in sorted((PROJECT_ROOT / "templates").rglob("*.html")):
        found = untranslated_text(app.jinja_env, path.read_text(encoding="utf-8"))
        if found:
            unmarked[str(path.relative_to(PROJECT_ROOT / "templates"))] = found[:5]
    assert not unmarked, f"Mark this text for translation (docs/translation.md): {unmarked}"


def test_text_follows_the_language_in_force_as_it_changes_within_a_request(app):
    """The catalogue is found once per request and language (crm.i18n._Catalogues), so a
    text made for a record in English in the middle of a Welsh page is English, and the
    rest of the page is Welsh again, in Python and in templates alike."""
    from flask_babel import gettext, ngettext

    from crm.i18n import in_stored_language

    one, many = ("%(count)s action of yours overdue or due an update",
                 "%(count)s actions of yours overdue or due an update")
    page = app.jinja_env.from_string(
        "{{ _('Stakeholders') }}|{% trans count=2 %}{{ count }} action of yours overdue or "
        "due an update{% pluralize %}{{ count }} actions of yours overdue or due an "
        "update{% endtrans %}")  # fmt: skip

    def said():
        return gettext("Stakeholders"), ngettext(one, many, 2, count=2), page.render()

    with app.test_request_context(headers=WELSH):
        welsh = said()
        with in_stored_language():
            english = said()
        welsh_again = said()
    with app.test_request_context():
        assert said() == english
    assert welsh == welsh_again
    assert english == ("Stakeholders", many % {"count": 2}, "Stakeholders|" + many % {"count": 2})
    assert welsh == ("Rhanddeiliaid", "2 o’ch camau gweithredu yn hwyr neu angen diweddariad",
                     "Rhanddeiliaid|2 o’ch camau gweithredu yn hwyr neu angen diweddariad")


def test_a_lazy_message_is_escaped_as_text(app):
    """Form messages (lazy strings) are text: a record's name in one cannot become markup."""
    with app.test_request_context():
        message = lazy_gettext("Enter the stakeholder's name")
        html = app.jinja_env.from_string("{{ m }}|{{ n }}").render(
            m=message, n=lazy_gettext("%(name)s", name="<b>x</b>"))
    assert html == "Enter the stakeholder&#39;s name|&lt;b&gt;x&lt;/b&gt;"


def test_the_checker_finds_unmarked_text_and_passes_marked_text(app):
    env = app.jinja_env
    assert untranslated_text(env, "<p class='govuk-body'>Hello there</p>") == ["Hello there"]
    assert untranslated_text(env, '<a aria-label="Close the map">x</a>') == ["Close the map"]
    assert untranslated_text(env, "{{ govukButton({'text': 'Save'}) }}") == ["Save"]
    assert untranslated_text(env, "{% set title = 'Add a stakeholder' %}") == ["Add a stakeholder"]
    assert untranslated_text(env, "{{ n ~ ' of 10 left' }}") == [" of 10 left"]
    marked = ("<p class='govuk-body'>{{ _('Hello there') }}</p>"
              "<a aria-label=\"{{ _('Close the map') }}\">{{ name }}</a>"
              "{{ govukButton({'text': _('Save'), 'classes': 'govuk-button--secondary'}) }}"
              "{% trans n=3 %}{{ n }} of 10 left{% endtrans %}"
              "{{ url_for('stakeholders.index') }}{% from 'macros/x.html' import y %}")  # fmt: skip
    assert untranslated_text(env, marked) == []


def _extracted() -> set:
    """Every msgid pybabel extracts from the code, as `make translations` does."""
    with open(PROJECT_ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
                "_l": None}  # fmt: skip
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_marked_text_has_a_welsh_translation():
    """Extract and compare: text marked in the code but missing from the Welsh catalogue
    (or there with no translation) would show in English."""
    with open(CATALOGUE, "rb") as po:
        catalogue = read_po(po, locale="cy")
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue
                  if m.id and m.string and (not isinstance(m.string, tuple) or all(m.string))}
    missing = sorted(_extracted() - translated)
    assert not missing, f"Run `make translations` and translate in {CATALOGUE.name}: {missing}"


def test_the_welsh_catalogue_compiles_and_keeps_every_placeholder():
    with open(CATALOGUE, "rb") as po:
        catalogue = read_po(po, locale="cy")
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalogue.check()]
    assert not problems
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    assert len(compiled.getvalue()) > 1000
    assert catalogue.plural_forms.startswith("nplurals=6")


def test_a_new_user_has_no_language_until_they_choose(app, make_user):
    user = make_user("lead")
    with app.app_context():
        assert db.session.scalar(select(User.language).where(User.id == user.id)) is None


def test_the_glossary_names_the_domain_terms():
    glossary = (Path(PROJECT_ROOT) / "docs" / "welsh-glossary.md").read_text(encoding="utf-8")
    for term in ("Stakeholder", "Engagement", "Local Scrutiny Involvement Panel",
                 "Seldom heard", "Hate crime", "Violence against women and girls"):
        assert term in glossary, term


def test_no_module_that_translates_hides_its_underscore():
    """`saved, _ = ...` in a module whose `_` is gettext makes `_` local to the function:
    its `_("...")` then fails (UnboundLocalError) on a page no English test may reach."""
    hidden = []
    for path in sorted((PROJECT_ROOT / "crm").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        translates = any(isinstance(node, ast.ImportFrom) and any(
            a.asname == "_" for a in node.names) for node in tree.body)  # fmt: skip
        if not translates:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
                hidden.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert not hidden, f"Name it (_conflict, _rest), not _: {hidden}"


def test_every_python_interface_text_is_marked_for_translation():
    """Labels, messages, headers and headings written in Python go through gettext too
    (tests/untranslated_python.py says what is not interface, and why)."""
    found = report(modules())
    assert not found, ("Mark this text for translation, or say why it is not interface "
                       f"(docs/translation.md): {found[:20]} ... {len(found)} in all")


def test_the_python_checker_finds_unmarked_text_and_passes_the_rest():
    source = '''"""A module's docstring says many words."""
from flask_babel import gettext as _, lazy_gettext as _l
LABELS = {"community_group": "Community group", "other": _l("Another basis")}
def save(name):
    """A docstring is for programmers."""
    log.info("Saved a record for %s", name)
    if not name:
        raise ValueError("Enter the group's name")
    flash(_("Saved %(name)s", name=name))
    query = text("archived_at IS NULL")
    key = "engagement_type"  # one word: a key
    kept = "Erased person 3"  # i18n: not interface
    raise TypeError("a programmer passed the wrong thing")
'''
    assert unmarked(source) == [(3, "Community group"), (8, "Enter the group's name")]
    assert all((PROJECT_ROOT / "crm" / path).exists() for path in NOT_INTERFACE)


def test_a_job_speaks_the_language_of_whoever_asked(app, client, signed_in, make_stakeholder):
    """Its progress, its ending and the files it makes are in the asker's language."""
    make_stakeholder(postcode="ZZ9 9ZZ")
    signed_in("admin", national=True)
    client.post("/language", data={"language": "cy", "next": "/"})
    job_page = client.post("/map/postcodes/place").location
    page = client.get(job_page).get_data(as_text=True)
    assert "Lleolwyd 0 cofnod o’u cod post; 1 cod post heb eu canfod" in page


def test_a_panels_missing_chairs_are_named_in_welsh(client, signed_in, make_panel):
    """The panel coordinator's home and the quarterly report say which seats are empty in
    the page's language (the refresh report keeps them as codes)."""
    signed_in("panels")
    make_panel(name="Merseyside LSIP", wants_vice_chair=True)
    client.post("/language", data={"language": "cy", "next": "/"})
    home = client.get("/").get_data(as_text=True)
    assert "Dim cadeirydd, dim is-gadeirydd" in home and "vice chair" not in home
    report = client.get("/reports/quarterly?quarter=2026-Q4").get_data(as_text=True)
    assert "Dim is-gadeirydd" in report and "vice chair" not in report
