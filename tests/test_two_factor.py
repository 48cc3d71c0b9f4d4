"""Two-factor sign-in through the pages: setting up an app, codes (each accepted once),
recovery codes, the pending state between password and code, and who must use it.

Codes are computed here with pyotp for a moment the app is told is now (config NOW), so
nothing waits for a real 30-second step to pass.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import func, select

from crm.auth.session import PENDING_MINUTES
from crm.extensions import db
from crm.models import RecoveryCode, SignInAttempt, TwoFactorEnrolment, User
from crm.rate_limits import LIMITS, SIGN_IN
from crm.services import auth
from tests.browser_fixtures import CHROMIUM
from tests.conftest import PASSWORD, make_app, sign_in
from tests.route_table import MISSING, OPEN_TO_ALL, PUBLIC, ROUTES, SECOND_FACTOR
from tests.test_accessibility import LANGUAGES, switch_language, violations_at_both_widths
from tests.together import at_once

T0 = datetime(2026, 11, 30, 9, 0, 0, tzinfo=UTC)
STEP = timedelta(seconds=30)


@pytest.fixture
def clock(app, monkeypatch):
    """Set the app's time: clock(when)."""

    def set_now(when: datetime) -> datetime:
        monkeypatch.setitem(app.config, "NOW", when)
        return when

    set_now(T0)
    return set_now


@pytest.fixture
def admins_must(app, monkeypatch):
    """Production's rule: administrators must use two-factor sign-in."""
    monkeypatch.setitem(app.config, "TWO_FACTOR_ROLES", ("admin",))


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def secret_on(html: str) -> str:
    """The key the set-up page gives for typing into an app."""
    return re.search(r'id="secret-key">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")


def codes_on(html: str) -> list[str]:
    return re.findall(r"<li>([0-9A-Z]{5}-[0-9A-Z]{5})</li>", html)


def enrol(client, user, when: datetime = T0) -> tuple[str, list[str]]:
    """Sign in, set up an app when asked, and confirm it: (secret, recovery codes)."""
    assert sign_in(client, user).headers["Location"] == "/two-factor/set-up"
    secret = secret_on(client.get("/two-factor/set-up").get_data(as_text=True))
    page = client.post("/two-factor/set-up", data={"code": code_at(secret, when)})
    assert page.status_code == 200, page.get_data(as_text=True)
    codes = codes_on(page.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def signed_in_now(client) -> bool:
    return client.get("/stakeholders").status_code == 200


def test_an_administrator_sets_up_an_app_at_first_sign_in(client, make_user, admins_must, clock):
    admin = make_user("admin", national=True)
    response = sign_in(client, admin)
    assert response.headers["Location"] == "/two-factor/set-up"
    assert client.get("/").headers["Location"] == "/two-factor/set-up"
    page = client.get("/two-factor/set-up").get_data(as_text=True)
    assert "Set up an authenticator app" in page
    # The QR code is drawn here, inline: no image is fetched from anywhere.
    assert '<svg role="img"' in page and "app-qr-code" in page and "<img" not in page
    secret = secret_on(page)
    assert secret == secret_on(client.get("/two-factor/set-up").get_data(as_text=True))
    wrong = client.post("/two-factor/set-up", data={"code": "000000"}).get_data(as_text=True)
    assert "Enter a correct security code" in wrong and "There is a problem" in wrong
    empty = client.post("/two-factor/set-up", data={"code": ""}).get_data(as_text=True)
    assert "Enter the security code" in empty
    assert not signed_in_now(client)
    done = client.post("/two-factor/set-up", data={"code": code_at(secret, T0)})
    html = done.get_data(as_text=True)
    assert "Save your recovery codes" in html and "You will not be shown these codes again" in html
    assert len(set(codes_on(html))) == 10
    assert signed_in_now(client)
    with client.application.app_context():
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and not set(codes_on(html)) & set(stored)


def test_signing_in_asks_for_a_code_once_set_up(client, make_user, admins_must, clock):
    admin = make_user("admin", national=True)
    secret, _ = enrol(client, admin)
    client.post("/sign-out")
    response = client.post("/sign-in?next=/contacts",
                           data={"email": admin.email, "password": PASSWORD})  # fmt: skip
    assert response.headers["Location"] == "/two-factor"
    clock(T0 + 2 * STEP)
    wrong = client.post("/two-factor", data={"code": "123456"}).get_data(as_text=True)
    assert "Enter a correct security code" in wrong and not signed_in_now(client)
    assert _last_sign_in(client, admin) == T0  # the password alone is not a sign-in
    ok = client.post("/two-factor", data={"code": code_at(secret, T0 + 2 * STEP)})
    assert ok.headers["Location"] == "/contacts"
    assert signed_in_now(client)
    assert _last_sign_in(client, admin) == T0 + 2 * STEP


def _last_sign_in(client, user):
    with client.application.app_context():
        return db.session.get(User, user.id).last_signed_in_at


def test_a_code_is_accepted_once_and_an_earlier_one_never(client, make_user, admins_must,
                                                           clock):  # fmt: skip
    admin = make_user("admin", national=True)
    secret, _ = enrol(client, admin, T0)
    client.post("/sign-out")
    sign_in(client, admin)
    # The code that set up the app, still within its window: refused, as used.
    used = client.post("/two-factor", data={"code": code_at(secret, T0)}).get_data(as_text=True)
    assert "already been used" in used
    clock(T0 + STEP)
    assert client.post("/two-factor", data={"code": code_at(secret, T0 + STEP)}).status_code == 302
    client.post("/sign-out")
    sign_in(client, admin)
    # Now the same code again, and the one before it (both still in the window).
    for earlier in (T0 + STEP, T0):
        html = client.post("/two-factor", data={"code": code_at(secret, earlier)})
        assert "already been used" in html.get_data(as_text=True)
    clock(T0 + 2 * STEP)
    # A phone a step ahead is accepted (the window is one step either side).
    assert (
        client.post("/two-factor", data={"code": code_at(secret, T0 + 3 * STEP)}).status_code == 302
    )


def test_the_same_code_at_the_same_moment_signs_in_only_one(app, make_user, admins_must,
                                                             clock):  # fmt: skip
    admin = make_user("admin", national=True)
    secret, _ = enrol(app.test_client(), admin, T0)
    clients = [app.test_client() for _ in range(4)]
    for c in clients:
        sign_in(c, admin)
    clock(T0 + 4 * STEP)
    code = code_at(secret, T0 + 4 * STEP)
    answers = at_once(*[lambda c=c: c.post("/two-factor", data={"code": code}) for c in clients])
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 302]


def test_a_recovery_code_works_once(client, make_user, admins_must, clock):
    admin = make_user("admin", national=True)
    _, codes = enrol(client, admin)
    client.post("/sign-out")
    sign_in(client, admin)
    # Typed in lower case, without the dash: still the code.
    typed = codes[0].lower().replace("-", " ")
    response = client.post("/two-factor", data={"code": typed}, follow_redirects=True)
    assert "You signed in with a recovery code. You have 9 left" in response.get_data(as_text=True)
    assert signed_in_now(client)
    client.post("/sign-out")
    sign_in(client, admin)
    again = client.post("/two-factor", data={"code": codes[0]}).get_data(as_text=True)
    assert "Enter a correct security code" in again and not signed_in_now(client)
    assert client.post("/two-factor", data={"code": codes[1]}).status_code == 302


def test_a_session_waiting_for_its_code_opens_no_page(app, client, make_user, admins_must,
                                                       clock):  # fmt: skip
    """Every route, signed-out pages included, sends a pending sign-in to the code page;
    only that page, sign-out, the health check and static files answer."""
    admin = make_user("admin", national=True)
    enrol(app.test_client(), admin)
    sign_in(client, admin)
    with app.app_context():
        token = db.session.get(User, admin.id).session_token
    ids = MISSING
    endpoints = {e: ROUTES[e][:2] for e in ROUTES} | {
        "auth.sign_in": ("GET", "/sign-in"), "auth.sso.start": ("GET", "/sign-in/sso"),
        "auth.sso.callback": ("GET", "/sign-in/sso/callback?code=x&state=y"),
    }  # fmt: skip
    assert set(endpoints) >= PUBLIC - {"main.healthz", "static"} - OPEN_TO_ALL
    for endpoint, (method, path) in sorted(endpoints.items()):
        if endpoint in SECOND_FACTOR or endpoint == "auth.sign_out":
            continue
        response = client.open(path.format(**ids), method=method)
        assert response.status_code == 302, endpoint
        assert response.headers["Location"] == "/two-factor", endpoint
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/build/app.css").status_code == 200
    for page in ("/accessibility", "/privacy-notice", "/cookies"):
        assert client.get(page).status_code == 200, page
    assert client.get("/two-factor").status_code == 200
    with app.app_context():
        assert db.session.get(User, admin.id).session_token == token  # no request reached a view


def test_a_pending_sign_in_lapses(client, make_user, admins_must, clock):
    admin = make_user("admin", national=True)
    secret, _ = enrol(client, admin)
    client.post("/sign-out")
    sign_in(client, admin)
    later = clock(T0 + timedelta(minutes=PENDING_MINUTES, seconds=1))
    response = client.post("/two-factor", data={"code": code_at(secret, later)})
    assert response.headers["Location"].startswith("/sign-in")
    assert not signed_in_now(client)


def test_signing_out_drops_a_pending_sign_in(client, make_user, admins_must, clock):
    admin = make_user("admin", national=True)
    sign_in(client, admin)
    assert client.post("/sign-out").headers["Location"] == "/sign-in"
    assert client.get("/sign-in").status_code == 200
    assert client.get("/").headers["Location"].startswith("/sign-in")


def test_other_roles_need_no_code_unless_everyone_must(app, client, make_user, admins_must,
                                                        clock, monkeypatch):  # fmt: skip
    lead = make_user("lead")
    assert sign_in(client, lead).headers["Location"] == "/"
    client.post("/sign-out")
    monkeypatch.setitem(app.config, "REQUIRE_2FA", True)
    assert sign_in(client, lead).headers["Location"] == "/two-factor/set-up"


@pytest.mark.parametrize("value, required", [("1", True), ("yes", True), ("0", False),
                                             ("", False)])  # fmt: skip
def test_everyone_must_when_crm_require_2fa_says_so(database_url, make_user, monkeypatch,
                                                    value, required):  # fmt: skip
    monkeypatch.setenv("CRM_REQUIRE_2FA", value)
    client = make_app(database_url).test_client()
    expected = "/two-factor/set-up" if required else "/"
    assert sign_in(client, make_user("lead")).headers["Location"] == expected


def test_sessions_signed_in_before_the_rule_must_give_a_code(app, client, make_user, clock,
                                                             monkeypatch):  # fmt: skip
    lead = make_user("lead")
    sign_in(client, lead)
    assert signed_in_now(client)
    monkeypatch.setitem(app.config, "REQUIRE_2FA", True)
    assert client.get("/stakeholders").headers["Location"] == "/two-factor/set-up"
    assert client.get("/").headers["Location"] == "/two-factor/set-up"
    # Once an app is set up, the session carries on where it was sent away from.
    secret = secret_on(client.get("/two-factor/set-up").get_data(as_text=True))
    page = client.post("/two-factor/set-up", data={"code": code_at(secret, T0)})
    assert 'href="/stakeholders"' in page.get_data(as_text=True)
    assert signed_in_now(client)


def test_wrong_codes_are_throttled_and_a_password_does_not_clear_them(
    app, client, make_user, admins_must, clock
):
    admin = make_user("admin", national=True)
    secret, _ = enrol(client, admin)
    client.post("/sign-out")
    sign_in(client, admin)
    clock(T0 + STEP)
    for _ in range(3):
        client.post("/two-factor", data={"code": "000000"})
    # The right code now waits, and signing in with the password again changes nothing.
    client.post("/sign-out")
    sign_in(client, admin)
    html = client.post("/two-factor", data={"code": code_at(secret, T0 + STEP)})
    assert "Wait" in html.get_data(as_text=True) and not signed_in_now(client)
    with app.app_context():
        held = db.session.scalar(select(func.count()).where(
            SignInAttempt.email == f"two-factor:{admin.id}"))  # fmt: skip
        assert held == 3  # the refused try was not counted


def test_recovery_codes_are_replaced_after_a_code(client, make_user, admins_must, clock):
    admin = make_user("admin", national=True)
    secret, old = enrol(client, admin)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "10 of 10 left" in page and "Set up on 30 November 2026" in page
    empty = client.post("/account/two-factor/recovery-codes", data={"code": ""})
    assert "Enter the security code" in empty.get_data(as_text=True)
    wrong = client.post("/account/two-factor/recovery-codes", data={"code": "999999"})
    assert "Enter a correct security code" in wrong.get_data(as_text=True)
    clock(T0 + STEP)
    right = {"code": code_at(secret, T0 + STEP)}
    new_page = client.post("/account/two-factor/recovery-codes", data=right).get_data(as_text=True)
    assert "Your old recovery codes no longer work" in new_page
    new = codes_on(new_page)
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/sign-out")
    sign_in(client, admin)
    assert "Enter a correct security code" in client.post(
        "/two-factor", data={"code": old[0]}).get_data(as_text=True)  # fmt: skip
    assert client.post("/two-factor", data={"code": new[0]}).status_code == 302


def test_anyone_may_turn_it_on_which_ends_their_other_sessions(app, client, make_user, clock):
    lead = make_user("lead")
    other = app.test_client()
    sign_in(other, lead)
    sign_in(client, lead)
    assert "Two-factor sign-in is off" in client.get("/account/two-factor").get_data(as_text=True)
    secret = secret_on(client.get("/two-factor/set-up").get_data(as_text=True))
    done = client.post("/two-factor/set-up", data={"code": code_at(secret, T0)})
    assert len(codes_on(done.get_data(as_text=True))) == 10
    assert signed_in_now(client) and not signed_in_now(other)
    assert client.get("/two-factor/set-up").headers["Location"] == "/account/two-factor"
    client.post("/sign-out")
    assert sign_in(client, lead).headers["Location"] == "/two-factor"


def test_resetting_two_factor_ends_sessions_and_asks_for_a_new_app(
    app, client, make_user, admins_must, clock
):
    admin = make_user("admin", national=True)
    enrol(client, admin)
    assert signed_in_now(client)
    with app.app_context():
        auth.reset_two_factor(db.session.get(User, admin.id))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
        assert db.session.get(TwoFactorEnrolment, admin.id) is None
    assert not signed_in_now(client)
    assert sign_in(client, admin).headers["Location"] == "/two-factor/set-up"


def test_codes_share_the_sign_in_rate_limit(app, make_user, database_url, admins_must, clock):
    """Beyond the per-account throttle, the code page is limited per address as signing
    in is, in the same budget: the password and 29 codes in a minute, then 429."""
    assert LIMITS["auth.two_factor.verify"] is SIGN_IN
    admin = make_user("admin", national=True)
    enrol(app.test_client(), admin)
    limited = make_app(database_url, RATELIMIT_ENABLED=True, TWO_FACTOR_ROLES=("admin",),
                       RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")  # fmt: skip
    client = limited.test_client()
    assert sign_in(client, admin).headers["Location"] == "/two-factor"
    answers = [client.post("/two-factor", data={"code": "000000"}).status_code
               for _ in range(30)]  # fmt: skip
    assert answers == [200] * 29 + [429]


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_in_a_browser_with_axe(live_server, page, make_user, admins_must, clock,
                                          language):  # fmt: skip
    """Set up, recovery codes, sign out, and a code at the next sign-in, in Chromium (CSP
    and all), in each language: each page, an error on it included, has no axe violations
    at desktop or phone width."""
    admin = make_user("admin", national=True)

    def send():  # the form's main button (the sign-in page's first hides the password)
        page.locator("main form[method=post] button.govuk-button").last.click()

    page.goto(f"{live_server}/sign-in")
    switch_language(page, language)  # kept through the sign-in, waiting for the code

    def signs_in():
        page.fill("#email", admin.email)
        page.fill("#password", PASSWORD)
        send()

    signs_in()
    page.wait_for_url(f"{live_server}/two-factor/set-up")
    found = violations_at_both_widths(page, "set up")
    page.fill("#code", "000000")
    send()
    page.wait_for_selector(".govuk-error-summary")
    found |= violations_at_both_widths(page, "set up, a wrong code")
    page.click("main details summary")  # I cannot scan the QR code
    secret = page.inner_text("#secret-key").replace(" ", "")
    page.fill("#code", code_at(secret, T0))
    send()
    page.wait_for_selector("main ul.app-code-list")
    found |= violations_at_both_widths(page, "the recovery codes")
    page.click("main a.govuk-button")  # I have saved my recovery codes
    page.wait_for_url(f"{live_server}/")
    assert page.locator("html").get_attribute("lang") == language
    page.click(".app-sign-out button")
    signs_in()
    page.wait_for_url(f"{live_server}/two-factor")
    assert page.locator("html").get_attribute("lang") == language
    page.fill("#code", "111111")
    send()
    page.wait_for_selector(".govuk-error-summary")
    found |= violations_at_both_widths(page, "a wrong code at sign-in")
    clock(T0 + STEP)
    page.fill("#code", code_at(secret, T0 + STEP))
    send()
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/account/two-factor")
    found |= violations_at_both_widths(page, "the account's two-factor page")
    assert not found, found
