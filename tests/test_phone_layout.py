"""Every page fits a phone: headless Chromium at 390 x 844 never scrolls sideways.

Wide tables stack below the tablet breakpoint (each row a block, each cell with its
column heading) or scroll inside a focusable region; long unbroken text (URLs, emails,
hostile names) wraps. The records have long, realistic names so the tables are full.
"""

import os

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import CHROMIUM
from tests.full_pages import sign_in

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason="Browser tests skipped: Debian's chromium is not installed (apt-get install chromium)",
)

PHONE = {"width": 390, "height": 844}

# Reports what is wider than the viewport: the page's width and the innermost elements
# whose box or text reaches past the right edge (so a failure says what to fix).
MEASURE = """() => {
    const width = window.innerWidth;
    const wide = [];  // [element, how far right it reaches]
    for (const el of document.querySelectorAll('body *')) {
        const box = el.getBoundingClientRect();
        const clips = getComputedStyle(el).overflowX !== 'visible';
        const reach = clips ? box.right : Math.max(box.right, box.left + el.scrollWidth);
        if (box.width === 0 || reach <= width + 0.5) continue;
        let hidden = false;  // inside a region that scrolls or clips
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== 'visible') { hidden = true; break; }
        }
        if (!hidden) wide.push([el, reach]);
    }
    const describe = ([el, reach]) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className.trim()
            ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
        ' reaches ' + Math.round(reach);
    const innermost = wide.filter(([el]) => !wide.some(([o]) => o !== el && el.contains(o)));
    return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: width,
        wide: innermost.slice(0, 5).map(describe),
    };
}"""

# A stacked table's cells are labelled with their column's heading (a cell under a
# heading only screen readers see, such as a button's, needs none).
MISLABELLED = """() => {
    const text = el => el.textContent.replace(/\\s+/g, ' ').trim();
    const problems = [];
    for (const table of document.querySelectorAll('table.app-table--stacked')) {
        const headings = Array.from(table.querySelectorAll('thead th')).map(th => ({
            text: text(th), shown: text(th) !== '' && !th.querySelector('.govuk-visually-hidden'),
        }));
        for (const row of table.querySelectorAll('tbody tr')) {
            Array.from(row.children).forEach((cell, i) => {
                const heading = headings[i];
                if (cell.tagName !== 'TD' || !heading || !heading.shown) return;
                const label = cell.dataset.label || '';
                if (!label.toLowerCase().includes(heading.text.toLowerCase())) {
                    problems.push(`${table.id || 'table'}: "${label}" under "${heading.text}"`);
                }
            });
        }
    }
    return problems;
}"""


def too_wide(page) -> str:
    """What on the page reaches past a phone's screen, or "" if it fits."""
    measured = page.evaluate(MEASURE)
    if measured["scrollWidth"] <= measured["innerWidth"]:
        return ""
    return f"{measured['scrollWidth']}px, {', '.join(measured['wide'])}"


def test_the_answers_a_phone_user_acts_on_fit_in_welsh(live_server, page, every_record):
    """In Welsh, whose words run longer than English ones. Every page of every role is
    checked at this width in tests/test_accessibility_every_page.py; here, the refresh
    plan's preview (the answer to a POST) fits, and Mark done is on screen."""
    user, ids = every_record
    p, m = ids["p"], ids["m"]
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, user)
    page.click("button[name=language][value=cy]")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    # The refresh plan's preview (the answer to a POST).
    page.goto(f"{live_server}/panels/{p}/refresh")
    page.check(f"#decision-{m}-2")  # renew
    page.click("button[name=action][value=preview]")
    page.wait_for_selector("#plan-summary")
    assert not too_wide(page), too_wide(page)

    # The actions people act on from a phone: Mark done is on screen, not off to the right.
    for path in ("/actions", "/actions?scope=area"):
        page.goto(f"{live_server}{path}")
        buttons = page.locator("button[name=status][value=done]")
        assert buttons.count() == 2, path
        for i in range(buttons.count()):
            box = buttons.nth(i).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (path, box)
