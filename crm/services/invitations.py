"""Invitations: one-time links with which a person sets their own password.

An administrator invites someone (an account with a password nobody knows, and a link),
or makes a new link for an existing account (an invitation that expired, a forgotten
password). Only a SHA-256 hash of a link's token is kept; the token is shown once, to the
administrator, who sends it (Engage sends no email). A link works once, for INVITE_DAYS
days (CRM_INVITE_DAYS), and a newer link for the same person replaces it. Audited on the
person's account, never with the token or the password.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from crm import clock
from crm.extensions import db
from crm.models import User, UserInvite
from crm.services import audit, auth, users
from crm.services.records import InvalidValue

DEFAULT_INVITE_DAYS = 7


class InvitationUnusable(Exception):
    """The link cannot set a password: state is "expired", "used" or "unknown"."""

    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


@dataclass(frozen=True)
class Invitation:
    """A person's latest invitation link that has not been used, and whether it still works."""

    expires_at: datetime
    expired: bool


def pending(user_ids: list[int], now: datetime | None = None) -> dict[int, Invitation]:
    """Each person's unused invitation link, if they have one, and whether it has expired."""
    now = now or clock.now()
    stmt = select(UserInvite).where(UserInvite.user_id.in_(user_ids), UserInvite.used_at.is_(None))
    return {
        invite.user_id: Invitation(invite.expires_at, invite.expires_at <= now)
        for invite in db.session.scalars(stmt.order_by(UserInvite.id))
    }


def _when(moment: datetime) -> str:
    """A time as the audit trail keeps it (in its words): 7 December 2026 at 10:48 (UK time)."""
    local = moment.astimezone(clock.UK)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _invite_days() -> int:
    if has_app_context():
        return int(current_app.config.get("INVITE_DAYS", DEFAULT_INVITE_DAYS))
    return DEFAULT_INVITE_DAYS


def _issue_link(actor: User | None, user: User, now: datetime) -> str:
    """A new one-time token for the person (any earlier unused link stops working)."""
    db.session.execute(
        delete(UserInvite).where(UserInvite.user_id == user.id, UserInvite.used_at.is_(None))
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserInvite(
            user_id=user.id,
            token_hash=_token_hash(token),
            created_by_id=actor.id if actor else None,
            created_at=now,
            expires_at=now + timedelta(days=_invite_days()),
        )
    )
    db.session.flush()
    return token


def invite(
    actor: User | None,
    name: str,
    email: str,
    role: str,
    area_ids: list[int],
    national: bool,
    now: datetime | None = None,
) -> tuple[User, str]:
    """Make an account the person finishes by setting their own password through a link.

    Returns the account and the link's token, which is kept nowhere: show it once.
    Until the link is used the account has a random password nobody knows.
    """
    users.require_administrator(actor)
    now = now or clock.now()
    name, email = (name or "").strip(), auth.normalise_email(email)
    areas = [] if national else users.areas_by_ids(area_ids)
    users.check_access(actor, role, areas, national)
    users.check_new_account(name, email)
    unknown_password = secrets.token_urlsafe(32)
    user = auth.create_user(email, name, unknown_password, role, [a.name for a in areas], national)
    token = _issue_link(actor, user, now)
    expires = now + timedelta(days=_invite_days())
    audit.record_event(  # i18n: not interface (the trail's words)
        actor,
        users.KIND,
        user.id,
        "invited",
        None,
        users.describe(user) | {"Link works until": _when(expires)},
    )
    return user, token


def new_link(actor: User | None, user: User, now: datetime | None = None) -> str:
    """A new link for the person to set their password (an invitation that expired, or a
    forgotten password); their current password works until the link is used."""
    users.require_administrator(actor)
    if not user.active:
        raise InvalidValue("user", _("Reactivate the account first"))
    now = now or clock.now()
    token = _issue_link(actor, user, now)
    expires = now + timedelta(days=_invite_days())
    audit.record_event(  # i18n: not interface (the trail's words)
        actor,
        users.KIND,
        user.id,
        "link made",
        None,
        {"Link to set a password works until": _when(expires)},
    )
    return token


def find_invitation(token: str, now: datetime | None = None) -> tuple[UserInvite | None, str]:
    """The invitation a token opens and its state: "ok", "expired", "used" or "unknown"
    (a mistyped link, one replaced by a newer one, or a deactivated account's)."""
    now = now or clock.now()
    if not token or len(token) > 100:
        return None, "unknown"
    found = db.session.scalars(
        select(UserInvite).where(UserInvite.token_hash == _token_hash(token))
    ).first()
    if found is None or not found.user.active:
        return None, "unknown"
    if found.used_at is not None:
        return found, "used"
    if found.expires_at <= now:
        return found, "expired"
    return found, "ok"


def accept_invitation(token: str, password: str, now: datetime | None = None) -> User:
    """Set the person's password through their link, once; their other sessions end.

    InvitationUnusable if the link has expired, been used or is unknown; InvalidValue
    (field "password") if the password is not good enough.
    """
    now = now or clock.now()
    found, state = find_invitation(token, now)
    if found is None or state != "ok":
        raise InvitationUnusable(state)
    problem = auth.validate_new_password(password)
    if problem:
        raise InvalidValue("password", problem)
    # Used once: a second request with the same link, even at the same moment, finds it used.
    claimed = db.session.execute(
        update(UserInvite)
        .where(UserInvite.id == found.id, UserInvite.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise InvitationUnusable("used")
    user = found.user
    user.password_hash = auth.hash_password(password)
    auth.end_all_sessions(user)
    audit.record_event(  # i18n: not interface (the trail's words)
        user, users.KIND, user.id, "password set", None, {"Password": audit.NOT_SHOWN}
    )
    db.session.flush()
    return user
