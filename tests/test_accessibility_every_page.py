"""axe-core on every page of every role, in English and in Welsh, at desktop and phone widths.

WCAG 2.2 AA asks it of every page, and each of these changes what a page shows: a role
its links and buttons, a language every word's length, a width the layout (the header's
menu folds away, tables stack). Each page is loaded once per role and language and checked
at both widths; at phone width it must also fit (no sideways scrolling; a stacked table's
cells labelled with their column's heading). A form that can be sent is sent empty too,
to check its error summary.
"""

import os

import pytest

from crm.extensions import db
from crm.models import User
from crm.models.user import RIGHTS, ROLES
from tests.browser_fixtures import CHROMIUM
from tests.full_pages import page_paths, right_only_paths, sign_in
from tests.test_accessibility import WIDTHS, axe_script, axe_violations, resize, switch_language
from tests.test_phone_layout import MISLABELLED, too_wide

# Also the Welsh file's marks.
MARKS = [
    # Its markup and styles, the same on any database engine: CI runs it once (on SQLite).
    pytest.mark.every_page_axe,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason="Browser tests skipped: Debian's chromium is not installed (apt-get install "
        "chromium)",
    ),
]
pytestmark = MARKS

# The button that sends a page's main form (not a picker's Search), if it has one.
SEND = "main form[method=post] button.govuk-button:not([name=find]):not(.govuk-button--warning)"
# Forms that are whole when sent empty: their answers are filled in for you (a mapping
# exercise is held today, by you). Every other /new form must show its errors.
WHOLE_WHEN_EMPTY = {"/mapping/exercises/new"}


def check(page, where: str, found: dict) -> None:
    """axe at phone width (the width the page was loaded at) and then at desktop width,
    and whether the page fits a phone."""
    for width in WIDTHS:
        resize(page, width)
        if width == "phone":
            if wide := too_wide(page):
                found[f"{where} is wider than a phone"] = [wide]
            if mislabelled := page.evaluate(MISLABELLED):
                found[f"{where} has stacked cells mislabelled"] = mislabelled
        if violations := axe_violations(page):
            found[f"{where} at {width} width"] = violations


def sweep(page, live_server, paths, language: str, found: dict, may_refuse: set) -> None:
    """Every page in `paths`, loaded at phone width (as a phone opens it), and each /new
    form sent empty."""
    for path in paths:
        page.set_viewport_size(WIDTHS["phone"])
        response = page.goto(f"{live_server}{path}")
        if response.status == 403 and path in may_refuse:
            continue
        assert response.status == 200, (language, path, response.status)
        assert response.request.redirected_from is None, (path, page.url)  # this page
        assert page.locator("html").get_attribute("lang") == language, path
        if page.locator("iframe.app-map-frame").count():  # its points drawn
            map_frame = page.frame_locator("iframe.app-map-frame")
            map_frame.locator("body[data-map-ready='true']").wait_for()
        check(page, f"{path} in {language}", found)
        if path.endswith("/new") and page.locator(SEND).count():
            page.locator(SEND).last.click()
            page.wait_for_load_state()
            if path in WHOLE_WHEN_EMPTY:
                continue
            assert page.locator(".govuk-error-summary").count(), f"{path} sent empty: no errors"
            check(page, f"{path} sent empty in {language}", found)


def sweep_as(role: str, language: str, app, live_server, page, every_record, make_user) -> None:
    """Every page `role` may open, in `language`, as a person with every right."""
    admin, ids = every_record
    if role == "admin":
        user = admin
    else:
        user = make_user(role, name="Gwenllian Pritchard-Hughes")
        with app.app_context():
            db.session.get(User, user.id).set_rights(RIGHTS)
            db.session.commit()
    page.context.add_init_script(script=axe_script())
    sign_in(page, live_server, user)
    switch_language(page, language)
    found: dict[str, list[str]] = {}
    # Pages only a right opens: an administrator, who has every right, opens them all.
    may_refuse = set() if role == "admin" else right_only_paths(ids)
    sweep(page, live_server, page_paths(ids, role), language, found, may_refuse)
    assert not found, "\n".join(f"{where}: {v}" for where, v in found.items())


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_page_of_every_role_passes_axe_and_fits_a_phone_in_english(
    role, app, live_server, page, every_record, make_user
):
    """(In Welsh: tests/test_accessibility_every_page_welsh.py, a file of its own so that
    the two languages can run in two processes at once.)"""
    sweep_as(role, "en", app, live_server, page, every_record, make_user)
