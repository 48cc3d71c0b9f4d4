"""WCAG checks with axe-core (from npm) in headless Chromium.

A public-sector service must meet WCAG 2.2 AA; axe finds the machine-checkable part
(labels, contrast, landmarks, ARIA). It does not replace testing with people.
tests/test_accessibility_every_page.py runs it on every page of the route table as every
role; this module holds the checker and the pages that table does not list: signed out,
the error pages, and the answers to a POST.
"""

from datetime import date
from pathlib import Path

import pytest
from flask import render_template
from flask_babel import force_locale
from playwright.sync_api import expect

from crm.extensions import db
from crm.services import invitations
from tests.browser_fixtures import CHROMIUM
from tests.conftest import area
from tests.full_pages import sign_in
from tests.route_table import OPEN_TO_ALL

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"

# Skipped only for a missing browser. A missing axe-core fails (see axe_script): `make
# setup` installs it, so its absence is a broken set-up, not a reason to pass unchecked.
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="Accessibility checks skipped: Debian's chromium is not installed",
)

LANGUAGES = ("en", "cy")
# Phone first: a check leaves the page at desktop width, the size the tests click at. The
# phone is 320 px wide, the width WCAG 1.4.10 (Reflow) asks a page to work at, narrower
# than most phones.
WIDTHS = {"phone": {"width": 320, "height": 844}, "desktop": {"width": 1280, "height": 900}}

# Every WCAG 2.2 A and AA rule, violations of any impact. Only violations are gathered:
# axe's passes and incomplete results take as long again.
RUN_AXE = """async () => {
    if (typeof axe === 'undefined') return null;
    const options = {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'],
                     resultTypes: ['violations']};
    const result = await axe.run(document, options);
    return result.violations.map(
        v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target).join(' ')})`);
}"""


def axe_script() -> str:
    """axe-core's script, or the test fails saying how to install it."""
    if not AXE.exists():
        pytest.fail(
            f"axe-core is not installed ({AXE} is missing): run `make setup` (which runs "
            "npm ci). Accessibility checks fail rather than skip without it.",
            pytrace=False,
        )
    return AXE.read_text(encoding="utf-8")


def axe_violations(browser_page) -> list[str]:
    """axe's violations on the page as it is now (axe is added to it unless a sweep has
    added it to every page already, with `context.add_init_script`)."""
    found = browser_page.evaluate(RUN_AXE)
    if found is None:
        browser_page.evaluate(axe_script())
        found = browser_page.evaluate(RUN_AXE)
    return found


def resize(browser_page, width: str) -> None:
    """The page at a width, once its scripts have answered the change (GOV.UK's header
    and tabs listen for it) and it has been drawn again."""
    browser_page.set_viewport_size(WIDTHS[width])
    browser_page.evaluate("() => new Promise(done => requestAnimationFrame("
                          "() => requestAnimationFrame(() => setTimeout(done))))")  # fmt: skip


def violations_at_both_widths(browser_page, where: str) -> dict[str, list[str]]:
    """axe's violations at phone width and at desktop width, by where and which width;
    the page is left at desktop width."""
    found = {}
    for width in WIDTHS:
        resize(browser_page, width)
        if violations := axe_violations(browser_page):
            found[f"{where} at {width} width"] = violations
    return found


def switch_language(browser_page, language: str) -> None:
    """Choose the page's language with the switch every page has."""
    if browser_page.locator("html").get_attribute("lang") != language:
        browser_page.click(f"button[name=language][value={language}]")
    expect(browser_page.locator("html")).to_have_attribute("lang", language)


def test_a_missing_axe_core_fails_the_check_saying_how_to_install_it(monkeypatch):
    monkeypatch.setitem(globals(), "AXE", AXE.with_name("not-there.js"))
    with pytest.raises(pytest.fail.Exception, match=r"axe-core is not installed.*make setup"):
        axe_script()


@pytest.mark.parametrize("language", LANGUAGES)
def test_signed_out_pages_pass_axe(app, live_server, page, make_user, language):
    """The sign-in page and an invitation's page (each with its errors), the pages anyone
    may read, and the missing-page page, signed out; and every error page the app can
    answer with."""
    user = make_user("lead")
    page.goto(f"{live_server}/sign-in")
    switch_language(page, language)
    found = violations_at_both_widths(page, "/sign-in")
    page.fill("#email", user.email)
    page.locator("main form button.govuk-button").last.click()  # no password
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    found |= violations_at_both_widths(page, "/sign-in with errors")
    with app.test_request_context():
        paths = [rule.rule for rule in app.url_map.iter_rules()
                 if rule.endpoint in OPEN_TO_ALL and "GET" in rule.methods]  # fmt: skip
    with app.app_context():  # a newcomer's invitation, to set their password
        _newcomer, token = invitations.invite(None, "Nia Evans", "nia.evans@engage.test", "lead",
                                              [area("Mersey-Cheshire").id], False)  # fmt: skip
        db.session.commit()
    page.goto(f"{live_server}/invitation?token={token}")
    assert page.locator("html").get_attribute("lang") == language
    found |= violations_at_both_widths(page, "the invitation")
    page.locator("main form button.govuk-button").last.click()  # no password
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    found |= violations_at_both_widths(page, "the invitation with errors")
    for path in [*paths, "/no-such-page"]:
        page.goto(f"{live_server}{path}")
        assert page.locator("html").get_attribute("lang") == language, path
        found |= violations_at_both_widths(page, path)
    # The error pages a person meets rarely (a clash, a file too large, too many tries, the
    # server's fault, a busy database, an expired form), as the app renders them.
    with app.test_request_context(headers={"Accept-Language": language}), force_locale(language):
        errors = {name: render_template(f"errors/{name}.html")
                  for name in ("403", "409", "413", "429", "500", "503", "csrf")}  # fmt: skip
    page.goto(f"{live_server}/healthz")  # the site's address, for the pages' styles
    for name, html in errors.items():
        page.set_content(html, wait_until="load")
        assert page.locator("html").get_attribute("lang") == language
        found |= violations_at_both_widths(page, f"the {name} error page")
    assert not found, found


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_that_answer_a_post_pass_axe(
    live_server, page, make_user, make_panel, make_membership, language
):
    """The panel refresh's plan preview, the edit-conflict answer and the search results:
    pages reached by sending a form, not by a link."""
    user = make_user("admin", national=True)
    p = make_panel(targets={"Older people": 1})
    m = make_membership(p, name="Asha Patel", term_end=date(2026, 11, 30))
    make_membership(p, name="Ben Hughes", status="applicant", term_start=None, term_end=None,
                    applied_on=date(2026, 1, 5))  # fmt: skip
    sign_in(page, live_server, user)
    switch_language(page, language)
    page.goto(f"{live_server}/panels/{p}/refresh")
    page.check(f"#decision-{m}-2")  # renew
    page.check("input[name=appoint]")
    page.click("button[name=action][value=preview]")
    page.wait_for_selector("#plan-summary")
    found = violations_at_both_widths(page, "the refresh plan's preview")
    for path in ("/map?layer=gaps&recency=never", "/search?q=asha",
                 "/reports/quarterly?quarter=2026-Q1&area=all", "/reports/quarterly?public=1"):
        page.goto(f"{live_server}{path}")
        found |= violations_at_both_widths(page, path)
    assert not found, found
