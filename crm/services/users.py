"""Staff accounts as administrators keep them: invitations, role and Areas, deactivating
and reactivating, resetting two-factor sign-in. The pages (crm/admin/users.py) and the
commands (crm/cli.py) both use these functions.

Every change is audited (who, when, what changed); a password, an invitation's token and
its hash never reach the trail. A change of role or Areas, a deactivation, a reactivation
or a reset ends every session the person has (auth.end_all_sessions). Engage always keeps
one active administrator: the last cannot be demoted or deactivated.

An invitation is a one-time link the new person opens to set their own password. Only a
SHA-256 hash of its token is kept; it works once, and for INVITE_DAYS days. Engage sends
no email: the administrator is shown the link, once, to send themselves.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from crm import clock
from crm.extensions import db
from crm.models import Area, User, UserInvite
from crm.models.user import ROLES
from crm.services import access, audit, auth
from crm.services.records import InvalidValue, yes_no

KIND = "user"
DEFAULT_INVITE_DAYS = 7
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class KeepOneAdministrator(InvalidValue):
    """The change would leave Engage with no active administrator."""

    def __init__(self) -> None:
        super().__init__(
            "role",
            "Engage must keep at least one active administrator: make someone else an "
            "administrator first",
        )


class TwoFactorUnavailable(Exception):
    """Two-factor sign-in is not part of this Engage yet: there is nothing to reset."""


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


def describe(user: User) -> dict[str, str]:
    return {
        "Name": user.name,
        "Email": user.email,
        "Role": user.role_label,
        "Areas": user.area_names,
        "Active": yes_no(user.active),
    }


def _require(actor: User | None) -> None:
    """Administrators only; no actor is a command run on the server (the system)."""
    if actor is not None:
        access.require(actor, "administer", "users")


def list_users(actor: User | None) -> list[User]:
    _require(actor)
    stmt = select(User).options(selectinload(User.areas)).order_by(User.name, User.id)
    return list(db.session.scalars(stmt))


def get_user(actor: User | None, user_id: int) -> User:
    _require(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise access.RecordNotFound()
    return user


def by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == auth.normalise_email(email))).first()


def invitations(user_ids: list[int], now: datetime | None = None) -> dict[int, Invitation]:
    """Each person's unused invitation link, if they have one, and whether it has expired."""
    now = now or clock.now()
    stmt = select(UserInvite).where(UserInvite.user_id.in_(user_ids), UserInvite.used_at.is_(None))
    return {
        invite.user_id: Invitation(invite.expires_at, invite.expires_at <= now)
        for invite in db.session.scalars(stmt.order_by(UserInvite.id))
    }


# Checking what an administrator typed: each problem names its form field.


def _areas(area_ids: list[int]) -> list[Area]:
    wanted = set(area_ids)
    found = list(db.session.scalars(select(Area).where(Area.id.in_(wanted)).order_by(Area.name)))
    if len(found) != len(wanted):
        raise InvalidValue("area_ids", "Select Areas from the list")
    return found


def _check_access(role: str, areas: list[Area], national: bool) -> None:
    if role not in ROLES:
        raise InvalidValue("role", "Select a role")
    if not national and not areas:
        raise InvalidValue("area_ids", "Select the Areas they work in, or all Areas")


def _check_new(name: str, email: str) -> None:
    if not name:
        raise InvalidValue("name", "Enter their name")
    if not EMAIL.fullmatch(email):
        raise InvalidValue("email", "Enter an email address in the correct format, like "
                                    "name@example.com")  # fmt: skip
    if by_email(email) is not None:
        raise InvalidValue("email", "There is already an account with this email address")


def _keep_an_administrator(user: User, role: str, active: bool) -> None:
    """Refuse a change that leaves no active administrator. The active administrators are
    locked first (PostgreSQL), so two of them demoting each other at once cannot both win."""
    if not (user.active and access.is_administrator_role(user.role)):
        return
    if active and access.is_administrator_role(role):
        return
    others = select(User.id).where(
        User.active.is_(True),
        User.role.in_(access.ADMINISTRATOR_ROLES),
        User.id != user.id,
    )
    if not db.session.scalars(others.with_for_update()).all():
        raise KeepOneAdministrator()


# Invitations


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
    _require(actor)
    now = now or clock.now()
    name, email = (name or "").strip(), auth.normalise_email(email)
    areas = [] if national else _areas(area_ids)
    _check_access(role, areas, national)
    _check_new(name, email)
    unknown_password = secrets.token_urlsafe(32)
    user = auth.create_user(email, name, unknown_password, role, [a.name for a in areas], national)
    token = _issue_link(actor, user, now)
    expires = (now + timedelta(days=_invite_days())).astimezone(clock.UK)
    audit.record_event(
        actor,
        KIND,
        user.id,
        "invited",
        None,
        describe(user) | {"Link works until": f"{expires:%d %B %Y %H:%M}"},
    )
    return user, token


def new_link(actor: User | None, user: User, now: datetime | None = None) -> str:
    """A new link for the person to set their password (an invitation that expired, or a
    forgotten password); their current password works until the link is used."""
    _require(actor)
    if not user.active:
        raise InvalidValue("user", "Reactivate the account first")
    now = now or clock.now()
    token = _issue_link(actor, user, now)
    expires = (now + timedelta(days=_invite_days())).astimezone(clock.UK)
    audit.record_event(
        actor,
        KIND,
        user.id,
        "link made",
        None,
        {"Link to set a password works until": f"{expires:%d %B %Y %H:%M}"},
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
    audit.record_event(user, KIND, user.id, "password set", None, {"Password": audit.NOT_SHOWN})
    db.session.flush()
    return user


# Changes to an account


def change_access(
    actor: User | None, user: User, role: str, area_ids: list[int], national: bool
) -> bool:
    """Give the person a role and Areas (or all Areas); any change ends their sessions.
    Returns whether anything changed."""
    _require(actor)
    areas = [] if national else _areas(area_ids)
    _check_access(role, areas, national)
    _keep_an_administrator(user, role, user.active)
    before = describe(user)
    user.role, user.is_national, user.areas = role, national, areas
    db.session.flush()
    after = describe(user)
    if after == before:
        return False
    auth.end_all_sessions(user)
    audit.record_event(actor, KIND, user.id, "updated", before, after)
    return True


def set_active(actor: User | None, user: User, active: bool) -> bool:
    """Deactivate (the person can no longer sign in) or reactivate an account; either ends
    their sessions. Returns whether anything changed."""
    _require(actor)
    if user.active == active:
        return False
    if not active:
        _keep_an_administrator(user, user.role, active=False)
    auth.set_active(user, active)
    auth.end_all_sessions(user)
    audit.record_event(actor, KIND, user.id, "reactivated" if active else "deactivated",
                       {"Active": yes_no(not active)}, {"Active": yes_no(active)})  # fmt: skip
    return True


def two_factor_reset_available() -> bool:
    """Whether Engage has two-factor sign-in to reset (auth.reset_two_factor, when the
    two-factor work has landed). Until then the page offers no reset."""
    return callable(getattr(auth, "reset_two_factor", None))


def reset_two_factor(actor: User | None, user: User) -> None:
    """Clear the person's two-factor set-up (a lost phone): their authenticator app and
    recovery codes go, and their sessions end."""
    _require(actor)
    if not two_factor_reset_available():
        raise TwoFactorUnavailable()
    auth.reset_two_factor(user)  # type: ignore[attr-defined]
    auth.end_all_sessions(user)
    audit.record_event(actor, KIND, user.id, "two-factor reset", None,
                       {"Two-factor sign-in": "Reset"})  # fmt: skip


# For the commands, which run on the server as the system (no actor)


def create_account(
    email: str, name: str, password: str, role: str, area_names: list[str], national: bool
) -> User:
    """An account with a password given on the server (flask crm create-user)."""
    user = auth.create_user(email, name, password, role, area_names, national)
    audit.record_event(None, KIND, user.id, "created", None, describe(user))
    return user


def set_password(user: User, password: str) -> None:
    """Set a password on the server (flask crm set-password); the person's sessions end."""
    problem = auth.validate_new_password(password)
    if problem:
        raise ValueError(problem)
    user.password_hash = auth.hash_password(password)
    auth.end_all_sessions(user)
    audit.record_event(None, KIND, user.id, "password set", None, {"Password": audit.NOT_SHOWN})
