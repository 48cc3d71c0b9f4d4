"""Single sign-on against a real OpenID Connect provider on a local port (oidc-provider-mock,
in a thread): the whole authorisation code flow, with the provider's own signed ID tokens,
its discovery document and its keys, and nothing from outside this machine.

The person's part at the provider (choosing who to sign in as) is one POST to its
authorisation page; the app's part runs through the test client.
"""

from __future__ import annotations

import base64
import json
import socket
import warnings
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select

from crm.extensions import db
from crm.models import SsoIdentity, User
from crm.services import auth
from tests.conftest import make_app

CLIENT = {"OIDC_CLIENT_ID": "engage-test", "OIDC_CLIENT_SECRET": "not-a-real-secret"}
# The provider uses Authlib's older server interfaces; their notices are its own.
pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config")


@pytest.fixture(scope="module")
def provider() -> str:
    """The provider's issuer URL, for every test in this module."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # its imports of older Authlib
        from oidc_provider_mock import run_server_in_thread
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def sso_app(database_url, provider):
    return make_app(database_url, OIDC_ISSUER=provider, OIDC_LABEL="Microsoft", **CLIENT)


@pytest.fixture
def sso_client(app, sso_app):
    """A browser on the single sign-on app (`app` too, so the database is emptied after)."""
    return sso_app.test_client()


def provider_user(provider: str, sub: str, **claims) -> None:
    """Create or change a user at the provider (its own API)."""
    answer = requests.put(f"{provider}/users/{sub}", json=claims, timeout=10)
    assert answer.status_code == 204, answer.text


def to_provider_and_back(client, sub: str, start: str = "/sign-in/sso", change_query=None):
    """Start single sign-on, sign in at the provider as `sub`, and give the app the
    provider's answer (its query changed by change_query, if given)."""
    started = client.get(start)
    assert started.status_code == 302, started.get_data(as_text=True)
    at_provider = requests.post(started.headers["Location"], data={"sub": sub},
                                allow_redirects=False, timeout=10)  # fmt: skip
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/sign-in/sso/callback"
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    if change_query:
        query = change_query(query)
    return client.get(f"{back.path}?{urlencode(query)}")


def signed_in_as(client) -> bool:
    return client.get("/stakeholders").status_code == 200


def test_the_button_shows_only_when_single_sign_on_is_configured(client, sso_client):
    assert "Sign in with" not in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/sign-in/sso").status_code == 404
    assert client.get("/sign-in/sso/callback?code=x&state=y").status_code == 404
    page = sso_client.get("/sign-in?next=/contacts").get_data(as_text=True)
    assert "Sign in with Microsoft" in page and 'href="/sign-in/sso?next=/contacts"' in page


def test_a_known_user_signs_in(sso_app, sso_client, make_user, provider):
    lead = make_user("lead", email="dana.lead@engage.test")
    provider_user(provider, "subject-dana", email="Dana.Lead@engage.test", email_verified=True)
    answer = to_provider_and_back(sso_client, "subject-dana", "/sign-in/sso?next=/contacts")
    assert answer.status_code == 302 and answer.headers["Location"] == "/contacts"
    assert signed_in_as(sso_client)
    assert lead.name in sso_client.get("/").get_data(as_text=True)
    with sso_app.app_context():
        linked = db.session.scalars(select(SsoIdentity)).one()
        assert (linked.user_id, linked.issuer, linked.subject) == (lead.id, provider,
                                                                    "subject-dana")  # fmt: skip
    # Signing out ends the session as for anyone else.
    sso_client.post("/sign-out")
    assert not signed_in_as(sso_client)


def test_an_unknown_user_is_refused(sso_client, provider):
    provider_user(provider, "subject-stranger", email="stranger@engage.test", email_verified=True)
    answer = to_provider_and_back(sso_client, "subject-stranger")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 403
    assert "There is no Engage account for you" in html
    assert "An Engage administrator has to create one" in html
    assert not signed_in_as(sso_client)


def test_a_deactivated_user_is_refused(sso_app, sso_client, make_user, provider):
    lead = make_user("lead", email="gone@engage.test")
    with sso_app.app_context():
        auth.set_active(db.session.get(User, lead.id), False)
        db.session.commit()
    provider_user(provider, "subject-gone", email="gone@engage.test", email_verified=True)
    answer = to_provider_and_back(sso_client, "subject-gone")
    assert answer.status_code == 403
    assert "Your Engage account has been deactivated" in answer.get_data(as_text=True)
    assert not signed_in_as(sso_client)


def test_an_unverified_email_is_refused_unless_the_provider_is_trusted(
    sso_app, sso_client, make_user, provider, monkeypatch
):
    make_user("lead", email="unverified@engage.test")
    provider_user(provider, "subject-unverified", email="unverified@engage.test",
                  email_verified=False)  # fmt: skip
    refused = to_provider_and_back(sso_client, "subject-unverified")
    assert refused.status_code == 403
    assert "Your email address is not verified" in refused.get_data(as_text=True)
    provider_user(provider, "subject-unverified", email="unverified@engage.test")
    assert to_provider_and_back(sso_client, "subject-unverified").status_code == 403
    # A provider like Entra ID, which never sends email_verified, when trusted to.
    monkeypatch.setitem(sso_app.config, "OIDC_TRUST_EMAIL", True)
    assert to_provider_and_back(sso_client, "subject-unverified").status_code == 302
    assert signed_in_as(sso_client)


def test_an_account_opens_only_for_the_identity_it_was_first_linked_to(
    sso_client, make_user, provider
):
    make_user("lead", email="reused@engage.test")
    provider_user(provider, "subject-first", email="reused@engage.test", email_verified=True)
    assert to_provider_and_back(sso_client, "subject-first").status_code == 302
    sso_client.post("/sign-out")
    # The address given to someone else at the provider.
    provider_user(provider, "subject-second", email="reused@engage.test", email_verified=True)
    answer = to_provider_and_back(sso_client, "subject-second")
    assert answer.status_code == 403
    assert "linked to a different account" in answer.get_data(as_text=True)
    assert not signed_in_as(sso_client)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _changed_payload(id_token: str, **claims) -> str:
    """The token with its claims changed and the provider's signature left as it was."""
    header, payload, signature = id_token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return ".".join((header, _b64(json.dumps(decoded | claims).encode()), signature))


def _signed_by_another_key(id_token: str, **claims) -> str:
    """The same claims (and the provider's key id), signed with a key that is not its."""
    header, payload, _ = id_token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    kid = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))).get("kid")
    key = RSAKey.generate_key(2048, parameters={"kid": kid} if kid else None)
    return jwt.encode({"alg": "RS256", **({"kid": kid} if kid else {})}, decoded | claims, key)


@pytest.mark.parametrize("tamper", [_changed_payload, _signed_by_another_key])
def test_a_tampered_id_token_is_refused(sso_app, sso_client, make_user, provider, monkeypatch,
                                        tamper):  # fmt: skip
    """The provider's answer is changed on its way: its ID token now names an
    administrator, but the signature does not match the provider's keys."""
    make_user("lead", email="lead.tamper@engage.test")
    make_user("admin", national=True, email="boss@engage.test")
    provider_user(provider, "subject-tamper", email="lead.tamper@engage.test",
                  email_verified=True)  # fmt: skip
    client = sso_app.extensions["sso_client"]
    real = client.fetch_access_token

    def tampered(**kwargs):
        token = real(**kwargs)
        return token | {"id_token": tamper(token["id_token"], email="boss@engage.test")}

    monkeypatch.setattr(client, "fetch_access_token", tampered)
    answer = to_provider_and_back(sso_client, "subject-tamper")
    assert answer.status_code == 400
    assert "Single sign-on did not work" in answer.get_data(as_text=True)
    assert not signed_in_as(sso_client)


def test_a_state_that_is_not_the_one_sent_is_refused(sso_client, make_user, provider):
    make_user("lead", email="state@engage.test")
    provider_user(provider, "subject-state", email="state@engage.test", email_verified=True)
    answer = to_provider_and_back(
        sso_client, "subject-state", change_query=lambda q: q | {"state": "forged-state"}
    )
    assert answer.status_code == 400
    assert "Single sign-on did not work" in answer.get_data(as_text=True)
    assert not signed_in_as(sso_client)


def test_an_answer_meant_for_another_browser_is_refused(sso_app, sso_client, make_user,
                                                        provider):  # fmt: skip
    """A provider's answer (code and state) replayed in a browser that never started the
    sign-in: its session holds no such state."""
    make_user("lead", email="victim@engage.test")
    provider_user(provider, "subject-victim", email="victim@engage.test", email_verified=True)
    captured = {}

    def capture(query):
        captured.update(query)
        return query | {"state": "x"}  # the first browser never completes

    to_provider_and_back(sso_client, "subject-victim", change_query=capture)
    other = sso_app.test_client()
    answer = other.get(f"/sign-in/sso/callback?{urlencode(captured)}")
    assert answer.status_code == 400 and not signed_in_as(other)


def test_a_nonce_that_is_not_the_one_sent_is_refused(sso_client, make_user, provider):
    make_user("lead", email="nonce@engage.test")
    provider_user(provider, "subject-nonce", email="nonce@engage.test", email_verified=True)
    started = sso_client.get("/sign-in/sso")
    with sso_client.session_transaction() as session:
        for key, value in session.items():
            if key.startswith("_state_"):
                value["data"]["nonce"] = "a-different-nonce"
                session[key] = value
    at_provider = requests.post(started.headers["Location"], data={"sub": "subject-nonce"},
                                allow_redirects=False, timeout=10)  # fmt: skip
    back = urlsplit(at_provider.headers["Location"])
    answer = sso_client.get(f"{back.path}?{back.query}")
    assert answer.status_code == 400 and not signed_in_as(sso_client)


def test_an_administrator_still_gives_a_code_unless_the_provider_is_trusted(
    sso_app, sso_client, make_user, provider, monkeypatch
):
    monkeypatch.setitem(sso_app.config, "TWO_FACTOR_ROLES", ("admin",))
    make_user("admin", national=True, email="admin.sso@engage.test")
    provider_user(provider, "subject-admin", email="admin.sso@engage.test", email_verified=True)
    answer = to_provider_and_back(sso_client, "subject-admin")
    assert answer.headers["Location"] == "/two-factor/set-up"
    assert not signed_in_as(sso_client)
    sso_client.post("/sign-out")
    monkeypatch.setitem(sso_app.config, "OIDC_TRUSTS_MFA", True)
    assert to_provider_and_back(sso_client, "subject-admin").headers["Location"] == "/"
    assert signed_in_as(sso_client)


def test_a_provider_that_does_not_answer_gets_a_page_not_an_error(app, database_url):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    down = make_app(database_url, OIDC_ISSUER=f"http://127.0.0.1:{port}", **CLIENT)
    answer = down.test_client().get("/sign-in/sso")
    assert answer.status_code == 502
    assert "Single sign-on is not working at the moment" in answer.get_data(as_text=True)


ENTRA = "https://login.microsoftonline.com/0b0c0c00-1d70-4a4b-9f00-000000000000/v2.0"


@pytest.mark.parametrize("config, expected", [
    ({}, None),
    ({"OIDC_ISSUER": ENTRA, "OIDC_TRUST_EMAIL": True} | CLIENT, None),
    ({"OIDC_ISSUER": ENTRA, "OIDC_CLIENT_ID": "engage"}, "Single sign-on is half set up"),
    ({"OIDC_ISSUER": "http://sso.example.org"} | CLIENT, "must be reached over https://"),
    ({"OIDC_ISSUER": "https://login.microsoftonline.com/common/v2.0", "OIDC_TRUST_EMAIL": True}
     | CLIENT, "this issuer admits other organisations"),
    ({"OIDC_DISCOVERY_URL": "https://login.microsoftonline.com/organizations/v2.0/.well-known/"
      "openid-configuration", "OIDC_TRUST_EMAIL": True} | CLIENT, "admits other organisations"),
])  # fmt: skip
def test_check_deploy_refuses_single_sign_on_set_up_unsafely(config, expected):
    from crm.services import deploy_check

    found = deploy_check._single_sign_on(config)
    assert found == [] if expected is None else (len(found) == 1 and expected in found[0])
