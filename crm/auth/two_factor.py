"""Two-factor sign-in pages: entering a code, setting up an app, and recovery codes."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from crm import clock
from crm.auth.forms import ButtonForm, SecurityCodeForm
from crm.auth.routes import throttle_rules
from crm.auth.session import complete_sign_in, pending_user
from crm.models import User
from crm.services import auth, two_factor
from crm.views_common import save

bp = Blueprint("two_factor", __name__)

# The secret offered on the set-up page, kept until a code from it is entered, so the
# QR code a person scanned stays right if the page is reloaded or a code is mistyped.
SETUP_SECRET = "two_factor_setup_secret"  # noqa: S105 - a session key's name


def _check_code(user: User, code: str) -> str:
    """Count the attempt (refused while throttled), then check the code, once."""
    refused = (auth.SignInRefused,)  # a wrong code stays counted
    save(lambda: two_factor.begin_code_attempt(
        user, request.remote_addr or "", throttle_rules()), keep=refused)  # fmt: skip
    return save(lambda: two_factor.check_code(user, code, clock.now()), keep=refused)


@bp.route("/two-factor", methods=["GET", "POST"])
def verify():
    """Finish signing in with a code from your authenticator app, or a recovery code."""
    user = pending_user()
    if user is None:
        return redirect(url_for("main.home"))
    if two_factor.enrolment_of(user) is None:
        return redirect(url_for(".set_up"))
    form = SecurityCodeForm()
    if form.validate_on_submit():
        try:
            kind = _check_code(user, form.code.data)
        except auth.SignInRefused as refusal:
            form.code.errors.append(str(refusal))
        else:
            if kind == "recovery":
                left = two_factor.recovery_codes_left(user)
                flash(_("You signed in with a recovery code. You have %(left)d left: you can get "
                        "new ones from your account's two-factor page", left=left), "info")
            return redirect(complete_sign_in(user, "code"))
    return render_template("auth/two_factor.html", form=form, sign_out_form=ButtonForm())


@bp.route("/two-factor/set-up", methods=["GET", "POST"])
def set_up():
    """Set up an authenticator app: scan the QR code or type the key, then enter a code."""
    pending = pending_user()
    user = pending or (current_user._get_current_object() if current_user.is_authenticated
                       else None)  # fmt: skip
    if user is None:
        return redirect(url_for("auth.sign_in"))
    if two_factor.enrolment_of(user) is not None:
        return redirect(url_for(".verify" if pending else ".account"))
    secret = session.setdefault(SETUP_SECRET, two_factor.new_secret())
    form = SecurityCodeForm()
    if form.validate_on_submit():
        try:
            codes = save(lambda: two_factor.enrol(user, secret, form.code.data, clock.now()))
        except auth.SignInRefused as refusal:
            form.code.errors.append(str(refusal))
        else:
            session.pop(SETUP_SECRET, None)
            # Enrolling ended every session; this one signs in again with the new token.
            next_url = complete_sign_in(user, "code")
            if pending is None:
                next_url = url_for(".account")
            return render_template("auth/recovery_codes.html", codes=codes, next_url=next_url,
                                   first_time=True)  # fmt: skip
    uri = two_factor.setup_uri(user, secret)
    return render_template(
        "auth/two_factor_set_up.html", form=form, qr_code=two_factor.qr_code_svg(uri),
        secret=two_factor.spaced(secret), pending=pending is not None,
        required=two_factor.is_required(user, current_app.config),
        sign_out_form=ButtonForm(),
    )  # fmt: skip


@bp.route("/account/two-factor")
def account():
    """Your two-factor sign-in: whether it is on, and your recovery codes."""
    return _account_page(SecurityCodeForm())


def _account_page(form: SecurityCodeForm):
    user = current_user
    enrolment = two_factor.enrolment_of(user)
    return render_template(
        "auth/two_factor_account.html", form=form, enrolment=enrolment,
        codes_left=two_factor.recovery_codes_left(user) if enrolment else 0,
        required=two_factor.is_required(user, current_app.config),
    )  # fmt: skip


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
def new_recovery_codes():
    """Replace your recovery codes with ten new ones, after entering a security code."""
    if two_factor.enrolment_of(current_user) is None:
        return redirect(url_for(".account"))
    form = SecurityCodeForm()
    if form.validate_on_submit():
        try:
            _check_code(current_user, form.code.data)
        except auth.SignInRefused as refusal:
            form.code.errors.append(str(refusal))
        else:
            codes = save(lambda: two_factor.new_recovery_codes(current_user))
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=url_for(".account"), first_time=False)  # fmt: skip
    return _account_page(form)
