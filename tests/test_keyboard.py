"""Keyboard alone, in Chromium: every task possible without a mouse, with the focus always
visible (WCAG 2.1.1 Keyboard, 2.4.7 Focus visible). Pages are opened by their address, as
a keyboard user would type it; everything on a page is done with Tab, the arrow keys,
Space, Enter and Escape."""

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import CHROMIUM
from tests.conftest import PASSWORD

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="Keyboard tests skipped: Debian's chromium is not installed",
)

# Whether the focused element's focus can be seen: "" when it looks different focused
# than not (its outline, shadow, colours or border; or, for a checkbox or radio, the ring
# drawn on its label), else the element. A GOV.UK button always has a shadow, so only a
# change shows focus; the element is blurred to compare, then focused again.
FOCUS_SEEN = """async () => {
  const el = document.activeElement;
  if (!el || el === document.body) return "nothing has focus";
  if (el.tagName === "IFRAME") return "";  // the map: its own document shows its focus
  const label = el.labels && el.labels[0];
  const styles = () => [getComputedStyle(el)].concat(label ? [getComputedStyle(label),
      getComputedStyle(label, "::before"), getComputedStyle(label, "::after")] : []);
  const look = () => styles().map(s => [s.outlineStyle, s.outlineWidth, s.outlineColor,
      s.boxShadow, s.backgroundColor, s.color, s.textDecorationLine, s.borderColor,
      s.borderWidth].join(" ")).join(" / ");
  const focused = look();
  el.blur();  // then a moment for scripts that restyle on blur (the type-ahead does)
  await new Promise(done => requestAnimationFrame(() => setTimeout(done)));
  const plain = look();
  el.focus({preventScroll: true});
  if (document.activeElement !== el) return "focus not given back to " + el.outerHTML.slice(0, 200);
  return focused !== plain ? "" : el.outerHTML.slice(0, 200);
}"""


def tab_to(page, selector: str, limit: int = 120, frame=None, text: str = "") -> None:
    """Press Tab until the element matching `selector` (and saying `text`, if given; in
    `frame`, the map's document, if given) has focus, checking at every stop that the focus
    can be seen."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        inside = frame is not None and page.evaluate(
            "() => document.activeElement?.tagName === 'IFRAME'")
        where = frame if inside else page
        if (frame is None or inside) and where.evaluate(
                "([s, t]) => { const e = document.activeElement;"
                " return !!e?.matches(s) && (!t || e.innerText.trim() === t); }",
                [selector, text]):  # fmt: skip
            assert where.evaluate(FOCUS_SEEN) == "", f"focus not visible on {selector}"
            return
        unseen = where.evaluate(FOCUS_SEEN)
        if unseen == "nothing has focus":
            unseen = ""  # past the page's last control (Tab goes on from the top), or the
            # map's document itself, on the way to its first control
        assert unseen == "", f"focus not visible on {unseen}"
    pytest.fail(f"{selector} was not reached with Tab")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def test_sign_in_log_an_engagement_record_feedback_and_refresh_a_panel_by_keyboard(
    live_server, page, make_user, make_stakeholder, make_panel, make_membership
):
    admin = make_user("admin", areas=("Mersey-Cheshire",))
    s = make_stakeholder(name="Toxteth Women's Network")
    panel = make_panel(name="Merseyside LSIP")
    member = make_membership(panel, name="Asha Patel", term_end=date(2026, 12, 31))

    page.goto(f"{live_server}/sign-in")
    type_into(page, "#email", admin.email)
    type_into(page, "#password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page).not_to_have_title("Sign in - Engage")

    # An engagement, its stakeholder chosen in the type-ahead with the arrow keys.
    page.goto(f"{live_server}/engagements/new")
    expect(page.locator("[data-picker-button]")).to_have_count(0)  # the type-ahead is on
    type_into(page, "#title", "Keyboard drop-in")
    tab_to(page, "#type")
    page.keyboard.type("Meeting")
    tab_to(page, "#area_id")
    page.keyboard.type("Mersey")
    tab_to(page, "input[name=location_kind]")
    while not page.evaluate("() => document.activeElement.labels[0].innerText.includes('Online')"):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    # Each key asks the server; the list is read once it shows the answer to the whole word.
    type_into(page, "#stakeholders-search", "toxteth")
    answered = "[data-answered=toxteth] #stakeholders-search__listbox"
    page.wait_for_selector(f"{answered} li:has-text('Women')")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator(f"#stakeholder_ids-{s}")).to_be_checked()
    tab_to(page, "button", text="Save engagement")
    page.keyboard.press("Enter")
    expect(page).to_have_title("Keyboard drop-in - Engage")
    assert "Toxteth Women's Network" in page.inner_text("main")

    # Feedback: where it came from (a select), text, a checkbox for its priority.
    page.goto(f"{live_server}/feedback/new")
    tab_to(page, "#source")
    page.keyboard.type("Other")
    assert page.evaluate("() => document.activeElement.value") == "other"
    type_into(page, "#summary", "Victims want updates by text")
    tab_to(page, "#area_id")
    page.keyboard.type("Mersey")
    tab_to(page, "input[name=priority_ids]")
    page.keyboard.press("Space")
    tab_to(page, "button", text="Save feedback")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Victims want updates by text")

    # The panel's refresh: renew the member, preview the plan, then apply it.
    page.goto(f"{live_server}/panels/{panel}/refresh")
    tab_to(page, f"input[name='decision-{member}']")
    while page.evaluate("() => document.activeElement.value") != "renew":
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    tab_to(page, "button", text="Preview the plan")
    page.keyboard.press("Enter")
    page.wait_for_selector("#plan-summary")
    tab_to(page, "button[value=apply]")
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    assert page.errors == [], page.errors


def test_every_stakeholder_in_view_on_the_map_is_reached_by_keyboard(
    live_server, page, make_user, make_stakeholder
):
    """Points are drawn on canvas; each in view has a focusable marker over it: Tab reaches
    it, Enter opens its popup (focus moves in), Escape closes it (focus comes back)."""
    user = make_user("lead", areas=("Mersey-Cheshire",))
    for n in range(3):
        make_stakeholder(name=f"Group {n}", latitude=53.40 + n / 50, longitude=-2.99)
    page.set_viewport_size({"width": 1280, "height": 1100})
    page.goto(f"{live_server}/sign-in?next=/map")
    type_into(page, "#email", user.email)
    type_into(page, "#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/map")
    frame = page.frame_locator("iframe.app-map-frame")
    frame.locator("body[data-map-ready='true']").wait_for(timeout=10_000)
    map_frame = next(f for f in page.frames if "/map/frame" in f.url)
    map_frame.evaluate("() => engageMap.setView([53.42, -2.99], 12, {animate: false})")
    expect(frame.locator(".engage-point")).to_have_count(3)
    opened = set()
    for _ in range(3):
        tab_to(page, ".engage-point", frame=map_frame)
        label = map_frame.evaluate("() => document.activeElement.getAttribute('aria-label')")
        assert label.startswith("Community group: ")
        unseen = map_frame.evaluate(FOCUS_SEEN)
        assert unseen == "", unseen
        page.keyboard.press("Enter")
        popup = frame.locator(".leaflet-popup-content")
        popup.locator("strong").wait_for(timeout=5_000)
        opened.add(popup.locator("strong").inner_text())
        assert map_frame.evaluate(
            "() => document.activeElement.classList.contains('leaflet-popup-content')")
        page.keyboard.press("Escape")
        expect(popup).to_have_count(0)
        assert map_frame.evaluate("() => document.activeElement.classList.contains('engage-point')")
    assert opened == {"Group 0", "Group 1", "Group 2"}
    assert page.errors == [], page.errors
