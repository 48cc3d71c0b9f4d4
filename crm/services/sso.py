"""Single sign-on: which Engage account an OpenID Connect identity opens, if any.

The provider proves who someone is; Engage still decides whether they may come in and
what they may do. Only an account an administrator created is ever used (matched by the
email the provider vouches for), never one made on the fly, and roles and Areas stay
Engage's own. The claims given here come from an ID token whose signature, issuer,
audience, expiry and nonce were already checked (crm/auth/sso.py).

Email is trusted only when the provider says it verified it (`email_verified` true). Some
providers never send that claim (Microsoft Entra ID does not by default); for them,
CRM_OIDC_TRUST_EMAIL accepts the email as given. That is safe only when the issuer is one
organisation's own directory (Entra: the tenant's issuer URL, never `common`), whose
administrators alone set its users' addresses: any other tenant's tokens fail the issuer
check. At the first sign-in the identity (issuer and subject) is linked to the account;
from then on that account opens only for that identity, so an address reused for someone
else at the provider does not open the earlier person's account.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm.extensions import db
from crm.models import SsoIdentity, User
from crm.services.auth import normalise_email


class SsoRefused(Exception):
    """The identity opens no account; `title` and the message are safe to show."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(message)
        self.title = title


NO_EMAIL = (
    _l("Your account did not give an email address"),
    _l("Engage finds your account by your email address, and your organisation's sign-in "
       "did not give one. Sign in with your email address and password, or ask an Engage "
       "administrator."),
)


def _email_verified(claims: Mapping, trust_email: bool) -> bool:
    verified = claims.get("email_verified")
    # Some providers send the claim as the string "true".
    return trust_email or verified is True or str(verified).lower() == "true"


def account_for(claims: Mapping, trust_email: bool = False) -> User:
    """The active account these verified claims belong to, linked to the identity at its
    first sign-in; SsoRefused (with what to do) otherwise. The caller commits."""
    email = normalise_email(str(claims.get("email") or ""))
    if not email:
        raise SsoRefused(*NO_EMAIL)
    if not _email_verified(claims, trust_email):
        raise SsoRefused(
            _("Your email address is not verified"),
            _("Your organisation's sign-in has not verified %(email)s, so Engage cannot use "
              "it to find your account. Sign in with your email address and password, or "
              "ask an Engage administrator.", email=email),
        )
    user = db.session.scalars(select(User).where(User.email == email)).first()
    if user is None:
        raise SsoRefused(
            _("There is no Engage account for you"),
            _("There is no Engage account for %(email)s. An Engage administrator has to "
              "create one before you can sign in.", email=email),
        )
    if not user.active:
        raise SsoRefused(
            _("Your Engage account has been closed"),
            _("Your Engage account has been deactivated. If you still need it, ask an Engage "
              "administrator to reactivate it."),
        )
    _link(user, str(claims["iss"]), str(claims["sub"]))
    return user


def _link(user: User, issuer: str, subject: str) -> None:
    """Link the identity at the first sign-in; refuse a different one afterwards."""
    mine = db.session.scalars(select(SsoIdentity).where(
        SsoIdentity.user_id == user.id, SsoIdentity.issuer == issuer)).first()  # fmt: skip
    theirs = db.session.scalars(select(SsoIdentity).where(
        SsoIdentity.issuer == issuer, SsoIdentity.subject == subject)).first()  # fmt: skip
    if (mine and mine.subject != subject) or (theirs and theirs.user_id != user.id):
        raise SsoRefused(
            _("Your account is linked to someone else"),
            _("This Engage account is linked to a different account at your organisation's "
              "sign-in. Ask an Engage administrator."),
        )
    if mine is None:
        db.session.add(SsoIdentity(user_id=user.id, issuer=issuer, subject=subject))
        db.session.flush()
