"""Single sign-on with OpenID Connect (Authlib's Flask client), when it is configured.

Configured by CRM_OIDC_ISSUER (or CRM_OIDC_DISCOVERY_URL), CRM_OIDC_CLIENT_ID and
CRM_OIDC_CLIENT_SECRET; the provider's metadata and signing keys (JWKS) are fetched from
its discovery document. The authorisation code flow with PKCE: Authlib keeps the state,
nonce and code verifier in the session, refuses a callback whose state is not the one it
sent, and checks the ID token's signature against the provider's keys, its issuer (the
one configured), audience (our client id), expiry and nonce. Only the ID token's claims
are used, never the unsigned userinfo answer. Which account they open is
services/sso.py's rule; the second factor is asked for as after a password unless
CRM_OIDC_TRUSTS_MFA says the provider already asked for one.
"""

from __future__ import annotations

import logging

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from joserfc.errors import JoseError

from crm.auth.session import begin_sign_in
from crm.services import sso
from crm.views_common import safe_next, save

bp = Blueprint("sso", __name__)
log = logging.getLogger(__name__)
NEXT = "sso_next"
FAILED = sso.SsoRefused(
    _l("Single sign-on did not work"),
    _l("Your organisation's sign-in did not confirm who you are. Try again, or sign in with "
       "your email address and password."),
)


def discovery_url(config) -> str:
    """The provider's discovery document: as configured, or the issuer's standard one."""
    issuer = config["OIDC_ISSUER"].rstrip("/")
    return config["OIDC_DISCOVERY_URL"] or f"{issuer}/.well-known/openid-configuration"


def init_sso(app: Flask) -> None:
    """Register this app's own OpenID Connect client, when configured (an Authlib registry
    per app, as every test app may point at a provider of its own)."""
    c = app.config
    if not (c["OIDC_CLIENT_ID"] and c["OIDC_CLIENT_SECRET"]
            and (c["OIDC_ISSUER"] or c["OIDC_DISCOVERY_URL"])):  # fmt: skip
        return
    client = OAuth(app).register(
        "engage_oidc",
        client_id=c["OIDC_CLIENT_ID"],
        client_secret=c["OIDC_CLIENT_SECRET"],
        server_metadata_url=discovery_url(c),
        client_kwargs={
            "scope": "openid email profile",  # i18n: not interface (OpenID Connect scopes)
            "code_challenge_method": "S256",
            "default_timeout": 10,
        },
    )
    app.extensions["sso_client"] = client


def _client():
    client = current_app.extensions.get("sso_client")
    if client is None:
        abort(404)
    return client


@bp.route("/sign-in/sso")
def start():
    """Go to the organisation's sign-in page (single sign-on)."""
    client = _client()
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    session[NEXT] = safe_next(request.args.get("next"))
    try:
        return client.authorize_redirect(url_for(".callback", _external=True))
    except requests.RequestException as problem:
        return _refused(_unreachable(problem), 502)


@bp.route("/sign-in/sso/callback")
def callback():
    """Where the organisation's sign-in sends people back: check its answer, sign in."""
    client = _client()
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    issuer = current_app.config["OIDC_ISSUER"]
    options = {"iss": {"essential": True, "values": [issuer]}} if issuer else None
    try:
        claims = client.authorize_access_token(claims_options=options).get("userinfo")
    except requests.RequestException as problem:
        return _refused(_unreachable(problem), 502)
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as problem:
        # No claims, no email: only the kind of failure is logged.
        log.warning("single sign-on refused: %s", type(problem).__name__)
        return _refused(FAILED, 400)
    if not claims:  # no ID token in the answer
        log.warning("single sign-on refused: no ID token")
        return _refused(FAILED, 400)
    try:
        user = save(lambda: sso.account_for(claims, current_app.config["OIDC_TRUST_EMAIL"]))
    except sso.SsoRefused as refusal:
        return _refused(refusal, 403)
    next_url = session.pop(NEXT, None) or url_for("main.home")
    return begin_sign_in(user, next_url, provider_mfa=current_app.config["OIDC_TRUSTS_MFA"])


def _unreachable(problem: Exception) -> sso.SsoRefused:
    log.warning("single sign-on provider unreachable: %s", type(problem).__name__)
    return sso.SsoRefused(
        _("Single sign-on is not working at the moment"),
        _("Engage could not reach your organisation's sign-in. Try again later, or sign in "
          "with your email address and password."),
    )


def _refused(refusal: sso.SsoRefused, status: int):
    return render_template("auth/sso_refused.html", refusal=refusal), status
