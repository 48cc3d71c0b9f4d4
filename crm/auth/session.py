"""Signed-in sessions: which user a session belongs to, which pages need one, and the
state between a password (or single sign-on) and the second factor.

After the first factor a session is not signed in: it holds only a pending sign-in (the
user's session token and when it began), which opens the second-factor pages and sign-out
and nothing else, and lapses after PENDING_MINUTES or when the token changes (sign-out
everywhere, deactivation, a reset of the user's two-factor sign-in). Flask-Login signs the
session in only once the second factor passes, and the session notes how it did
(SECOND_FACTOR: "code", "provider" when the single sign-on provider is trusted to have
asked for one, or "none" when none was needed). A signed-in session that owes a second
factor it never gave (two-factor sign-in became required of its user after it signed in)
is sent back to the pending state.
"""

from __future__ import annotations

from flask import Flask, current_app, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm import clock
from crm.extensions import db, login_manager
from crm.models import User
from crm.services import auth, two_factor
from crm.views_common import save

# The only endpoints a signed-out person may reach.
PUBLIC_ENDPOINTS = frozenset({"auth.sign_in", "auth.sso.start", "auth.sso.callback",
                              "admin.invitations.accept", "main.healthz", "static",
                              "info.switch_language", "info.accessibility", "info.privacy_notice",
                              "info.cookies"})  # fmt: skip
# The only endpoints a session waiting for its second factor may reach.
PENDING_ENDPOINTS = frozenset({"auth.two_factor.verify", "auth.two_factor.set_up",
                               "auth.sign_out", "main.healthz", "static", "info.switch_language",
                               "info.accessibility", "info.privacy_notice",
                               "info.cookies"})  # fmt: skip
PENDING = "second_factor_pending"
SECOND_FACTOR = "second_factor"
PASSED = frozenset({"code", "provider"})
PENDING_MINUTES = 10


def load_user_by_session_token(token: str) -> User | None:
    """Flask-Login keeps the user's session token, so a rotated token ends the session."""
    # One query for the user, their Areas and rights: every page asks for all three.
    user = db.session.scalars(
        select(User).where(User.session_token == token)
        .options(joinedload(User.areas), joinedload(User.right_rows))).unique().first()  # fmt: skip
    if user is None or not user.active:
        return None
    return user


def begin_sign_in(user: User, next_url: str, provider_mfa: bool = False):
    """After the first factor: sign in at once when no second factor is owed, otherwise
    hold the session pending it. Returns the redirect to follow."""
    if not provider_mfa and _owes_second_factor(user, None):
        logout_user()
        session[PENDING] = {"token": user.session_token, "next": next_url,
                            "since": clock.now().timestamp()}  # fmt: skip
        return redirect(url_for(second_factor_page(user)))
    complete_sign_in(user, "provider" if provider_mfa else "none")
    return redirect(next_url)


def complete_sign_in(user: User, how: str) -> str:
    """Sign the session in (how: "code", "provider" or "none"); the pending sign-in's next
    page, if there was one, is returned."""
    pending = session.pop(PENDING, None) or {}
    session.permanent = True  # so it ends after CRM_SESSION_HOURS without use
    save(lambda: auth.record_sign_in(user))
    login_user(user)
    session[SECOND_FACTOR] = how
    return pending.get("next") or url_for("main.home")


def end_pending() -> None:
    session.pop(PENDING, None)
    session.pop(SECOND_FACTOR, None)


def pending_user() -> User | None:
    """The user whose sign-in waits for its second factor, or None (a lapsed one is
    dropped)."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    age = clock.now().timestamp() - float(pending.get("since") or 0)
    user = load_user_by_session_token(str(pending.get("token") or ""))
    if user is None or not 0 <= age <= PENDING_MINUTES * 60:
        session.pop(PENDING, None)
        return None
    return user


def second_factor_page(user: User) -> str:
    """Set up an app first if the user has none, else enter a code."""
    if two_factor.enrolment_of(user) is None:
        return "auth.two_factor.set_up"
    return "auth.two_factor.verify"


def _owes_second_factor(user: User, how: str | None) -> bool:
    """Whether a sign-in completed `how` (None: not yet known) still owes a code: it
    is required of the user, or they set up an app (which ends sessions made before)."""
    if how in PASSED:
        return False
    if two_factor.is_required(user, current_app.config):
        return True
    return how is None and two_factor.enrolment_of(user) is not None


def require_sign_in() -> object | None:
    endpoint = request.endpoint
    if endpoint is None:
        return None
    if PENDING in session:
        user = pending_user()
        if user is not None:
            return None if endpoint in PENDING_ENDPOINTS else redirect(
                url_for(second_factor_page(user)))  # fmt: skip
    if endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    how = session.get(SECOND_FACTOR)
    if _owes_second_factor(current_user, how):
        back = request.full_path.rstrip("?") if request.method == "GET" else url_for("main.home")
        return begin_sign_in(current_user._get_current_object(), back)
    if how is None:
        session[SECOND_FACTOR] = "none"  # checked once; enrolling ends this session
    return None


def init_session_rules(app: Flask) -> None:
    app.before_request(require_sign_in)
