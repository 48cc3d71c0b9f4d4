"""WCAG checks with axe-core (from npm) in headless Chromium, on the pages people use most.

A public-sector service must meet WCAG 2.2 AA; axe finds the machine-checkable part
(labels, contrast, landmarks, ARIA). It does not replace testing with people.
"""

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import CHROMIUM
from tests.conftest import PASSWORD, TODAY

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"

# Skipped only for a missing browser. A missing axe-core fails (see axe_script): `make
# setup` installs it, so its absence is a broken set-up, not a reason to pass unchecked.
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="Accessibility checks skipped: Debian's chromium is not installed",
)


RUN_AXE = """async () => {
    const rules = {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']};
    const result = await axe.run(document, rules);
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


def _violations(browser_page) -> list[str]:
    script = axe_script()
    browser_page.evaluate(script)
    return browser_page.evaluate(RUN_AXE)


def test_a_missing_axe_core_fails_the_check_saying_how_to_install_it(monkeypatch):
    monkeypatch.setitem(globals(), "AXE", AXE.with_name("not-there.js"))
    with pytest.raises(pytest.fail.Exception, match=r"axe-core is not installed.*make setup"):
        _violations(None)


def test_main_pages_have_no_axe_violations(
    live_server, page, make_user, make_stakeholder, make_contact, make_engagement
):
    user = make_user("lead")
    s = make_stakeholder(name="Wirral Deaf Club", communities=["Deaf and hard of hearing people"])
    c = make_contact(stakeholder_id=s)
    e = make_engagement(stakeholder_ids=[s], communities=["Older people"], held_on=date(2026, 3, 1),
                        actions=[{"description": "Write back", "owner_id": user.id}])  # fmt: skip
    page.goto(f"{live_server}/sign-in")
    assert _violations(page) == []
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page).not_to_have_title("Sign in - Engage")  # signed in before moving on
    for path in ("/", "/stakeholders", f"/stakeholders/{s}", f"/stakeholders/{s}/edit",
                 "/contacts", f"/contacts/{c}", "/engagements", f"/engagements/{e}",
                 "/engagements/new", "/actions", "/coverage"):  # fmt: skip
        page.goto(f"{live_server}{path}")
        assert _violations(page) == [], path
    page.goto(f"{live_server}/stakeholders/new")
    page.click("button:has-text('Save stakeholder')")  # a page with errors
    page.wait_for_selector(".govuk-error-summary")
    assert _violations(page) == []


def test_panel_pages_have_no_axe_violations(
    live_server, page, make_user, make_panel, make_membership, make_meeting
):
    user = make_user("panels")
    p = make_panel(targets={"Older people": 1})
    m = make_membership(p, name="Asha Patel", term_end=TODAY)
    make_membership(p, name="Ben Hughes", status="applicant", term_start=None, term_end=None,
                    applied_on=date(2026, 1, 5))  # fmt: skip
    g = make_meeting(p, attendance={m: "present"})
    page.goto(f"{live_server}/sign-in")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page).not_to_have_title("Sign in - Engage")  # signed in before moving on
    for path in ("/panels", f"/panels/{p}", f"/panels/{p}/refresh", f"/memberships/{m}",
                 f"/memberships/{m}/edit", f"/meetings/{g}", f"/meetings/{g}/edit",
                 f"/panels/{p}/edit", f"/panels/{p}/history?from=2025-01-01&to=2026-12-31",
                 ):  # fmt: skip
        page.goto(f"{live_server}{path}")
        assert _violations(page) == [], path
    page.goto(f"{live_server}/panels/{p}/refresh")
    page.check(f"#decision-{m}-2")  # renew
    page.check("input[name=appoint]")
    page.click("button:has-text('Preview the plan')")
    page.wait_for_selector("#plan-summary")
    assert "Check the membership changes" in page.content()
    assert _violations(page) == []
    page.goto(f"{live_server}/panels/{p}/meetings/new")
    page.click("button:has-text('Save meeting')")  # a page with errors
    page.wait_for_selector(".govuk-error-summary")
    assert "Select whether Asha Patel was present" in page.content()
    assert _violations(page) == []


def test_feedback_pages_have_no_axe_violations(
    live_server, page, make_user, make_panel, make_meeting, make_feedback
):
    user = make_user("panels")
    p = make_panel()
    g = make_meeting(p)
    f = make_feedback(panel_id=p, panel_meeting_id=g, status="closed", response="Done",
                      closed_on=date(2026, 3, 1), status_on=date(2026, 3, 1))  # fmt: skip
    page.goto(f"{live_server}/sign-in")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page).not_to_have_title("Sign in - Engage")  # signed in before moving on
    for path in ("/feedback", f"/feedback/{f}", f"/feedback/{f}/edit", f"/feedback/{f}/status",
                 "/feedback/new", "/priorities?from=2026-01-01&to=2026-12-31",
                 "/priorities?view=quarters", f"/meetings/{g}", f"/meetings/{g}/case-reviews",
                 "/reports/you-said-we-did?from=2026-01-01&to=2026-12-31"):  # fmt: skip
        page.goto(f"{live_server}{path}")
        assert _violations(page) == [], path
    page.goto(f"{live_server}/feedback/new")
    page.click("button:has-text('Save feedback')")  # a page with errors
    page.wait_for_selector(".govuk-error-summary")
    assert "Select where the feedback came from" in page.content()
    assert _violations(page) == []


def test_map_pages_have_no_axe_violations(live_server, page, make_user, make_stakeholder):
    user = make_user("admin", national=True)
    make_stakeholder(name="Mapped", latitude=53.4, longitude=-2.9, communities=["Older people"])
    make_stakeholder(name="Unplaced")
    page.goto(f"{live_server}/sign-in")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page).not_to_have_title("Sign in - Engage")  # signed in before moving on
    for path in ("/map", "/map?layer=gaps&recency=never", "/map/boundaries", "/map/postcodes"):
        page.goto(f"{live_server}{path}")
        assert _violations(page) == [], path


def test_dashboards_reports_and_mapping_have_no_axe_violations(
    live_server, page, make_user, make_stakeholder, make_engagement, make_panel,
    make_membership, make_meeting, make_feedback, make_plan, make_plan_action,
):
    """The home page as each role, the quarterly and annual reports (the Area's, the public
    version, every Area side by side), and the stakeholder mapping grid."""
    s = make_stakeholder(name="Wirral Deaf Club", influence=4, interest=2, latitude=53.4,
                         longitude=-3.0, communities=["Deaf and hard of hearing people"])
    make_engagement(stakeholder_ids=[s], communities=["Older people"], held_on=date(2026, 5, 1))
    make_engagement(communities=["Migrants"], held_on=date(2026, 10, 1), type="meeting")
    panel = make_panel()
    member = make_membership(panel, name="Asha Patel")
    make_meeting(panel, held_on=date(2026, 6, 1), attendance={member: "present"})
    make_feedback(received_on=date(2026, 5, 2))
    plan = make_plan()
    make_plan_action(plan, updates=[(date(2026, 5, 3), "on_track", "Begun")])
    pages = {
        "senior": ("/", "/reports/quarterly?quarter=2026-Q1", "/reports/quarterly?public=1",
                   "/reports/annual?year=2026", "/mapping"),
        "lead": ("/",),
        "panels": ("/",),
        "admin": ("/", "/reports/quarterly?quarter=2026-Q1&area=all"),
    }  # fmt: skip
    for role, paths in pages.items():
        user = make_user(role, national=role == "admin")
        page.context.clear_cookies()
        page.goto(f"{live_server}/sign-in")
        page.fill("#email", user.email)
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Sign in')")
        expect(page).not_to_have_title("Sign in - Engage")  # signed in before moving on
        for path in paths:
            page.goto(f"{live_server}{path}")
            assert _violations(page) == [], (role, path)
