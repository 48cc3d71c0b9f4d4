"""Signing in and out, and changing one's own password."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from crm.auth.forms import ButtonForm, ChangePasswordForm, SignInForm
from crm.auth.session import begin_sign_in, end_pending, pending_user
from crm.services import auth
from crm.views_common import safe_next, save

bp = Blueprint("auth", __name__)


def throttle_rules() -> auth.ThrottleRules:
    c = current_app.config
    return auth.ThrottleRules(
        window_minutes=c["SIGNIN_WINDOW_MINUTES"],
        slow_after=c["SIGNIN_SLOW_AFTER"],
        lock_after=c["SIGNIN_LOCK_AFTER"],
        slow_after_per_address=c["SIGNIN_SLOW_AFTER_PER_ADDRESS"],
    )


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Sign in with an email address and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = SignInForm()
    if form.validate_on_submit():
        refused = (auth.SignInRefused,)  # a failed attempt stays counted
        try:
            # Counted by every worker (committed) before the password is checked.
            email = save(lambda: auth.begin_attempt(
                form.email.data, request.remote_addr or "", throttle_rules()), keep=refused)
            user = save(lambda: auth.check_password(email, form.password.data), keep=refused)
        except auth.SignInRefused as refusal:
            form.email.errors.append(str(refusal))
        else:
            # Signed in now, or once the second factor passes (crm/auth/session.py).
            return begin_sign_in(user, safe_next(request.args.get("next")))
    sso = current_app.extensions.get("sso_client") and current_app.config["OIDC_LABEL"]
    return render_template("auth/sign_in.html", form=form, sso_label=sso)


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    """Sign out everywhere: every session of this user ends, copied cookies included.
    A sign-in still waiting for its second factor is simply dropped."""
    if ButtonForm().validate_on_submit():
        if current_user.is_authenticated:
            save(lambda: auth.end_all_sessions(current_user))
            logout_user()
            flash(_("You have signed out"), "success")
        elif pending_user() is not None:
            flash(_("You have signed out"), "success")
        end_pending()
    return redirect(url_for("auth.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change your own password; other sessions are signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            save(lambda: auth.change_password(
                current_user, form.current_password.data, form.new_password.data))
        except ValueError as problem:
            target = form.current_password if "current" in str(problem) else form.new_password
            target.errors.append(str(problem))
        else:
            # This session carries the new token. The user, not the current_user proxy:
            # Flask-Login keeps what it is given, and the proxy would then point at itself.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed"), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)
