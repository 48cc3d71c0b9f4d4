"""Passwords, sign-in with throttling, and ending sessions.

Throttling is counted from rows in the database, so it holds across app
restarts and across every worker process.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from crm.extensions import db
from crm.models import Area, RecoveryCode, SignInAttempt, TwoFactorEnrolment, User
from crm.models.common import utcnow
from crm.models.user import ROLES, new_session_token

# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). The test
# configuration may ask for a cheaper one (ARGON2_MEMORY_KIB), never production's.
_hashers: dict[int, PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    from flask import current_app, has_app_context

    memory = 19 * 1024
    if has_app_context() and current_app.config.get("TESTING"):
        memory = current_app.config.get("ARGON2_MEMORY_KIB", memory)
    if memory not in _hashers:
        _hashers[memory] = PasswordHasher(time_cost=2, memory_cost=memory, parallelism=1)
    return _hashers[memory]


@lru_cache(maxsize=4)
def _dummy_hash(memory: int) -> str:
    """A hash to verify against when the email is unknown, so it takes as long."""
    return _hashers[memory].hash("not a real password")  # i18n: not interface (hashed only)

WRONG_DETAILS = _l("Enter a correct email address and password")
MIN_PASSWORD_LENGTH = 12


class SignInRefused(Exception):
    """Sign-in did not succeed; the message is safe to show."""


@dataclass(frozen=True)
class ThrottleRules:
    window_minutes: int = 15
    slow_after: int = 3
    lock_after: int = 10
    slow_after_per_address: int = 50


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return (email or "").replace("\x00", "").strip().lower()


def _failures(column, value: str, since: datetime, before_id: int) -> tuple[int, datetime | None]:
    """Failed attempts (and the latest one's time) counted before attempt `before_id`."""
    stmt = select(func.count(), func.max(SignInAttempt.attempted_at)).where(
        column == value, SignInAttempt.attempted_at >= since, SignInAttempt.id < before_id
    )
    count, latest = db.session.execute(stmt).one()
    if latest is not None and latest.tzinfo is None:
        latest = latest.replace(tzinfo=utcnow().tzinfo)
    return count, latest


def _seconds(n: int) -> str:
    return ngettext("%(num)d second", "%(num)d seconds", n)


def _refusal(attempt: SignInAttempt, rules: ThrottleRules, now: datetime) -> str | None:
    """Why this attempt must wait, or None. Counts only attempts made before it.

    One account: after slow_after failures each try waits longer (2, 4, 8 ... 60 s);
    after lock_after it is refused until the window passes. One network address:
    after slow_after_per_address failures across accounts each try from it waits
    ADDRESS_WAIT seconds after the one before. An address is slowed, never locked, so
    a flood of made-up emails cannot lock real people out.
    """
    since = now - timedelta(minutes=rules.window_minutes)
    by_email, last_email = _failures(SignInAttempt.email, attempt.email, since, attempt.id)
    if by_email >= rules.lock_after:
        return gettext("There have been too many attempts to sign in to this account. Wait "
                       "%(minutes)d minutes and try again", minutes=rules.window_minutes)
    waits = []
    if by_email >= rules.slow_after and last_email is not None:
        waits.append((min(2 ** (by_email - rules.slow_after + 1), 60), last_email))
    by_address, last_address = _failures(
        SignInAttempt.address, attempt.address, since, attempt.id
    )
    if by_address >= rules.slow_after_per_address and last_address is not None:
        waits.append((ADDRESS_WAIT, last_address))
    remaining = max((wait - (now - last).total_seconds() for wait, last in waits), default=0)
    if remaining > 0:
        return gettext("You have tried to sign in several times. Wait %(wait)s and try again",
                       wait=_seconds(int(remaining) + 1))
    return None


# How long each try from a busy address waits after the one before it.
ADDRESS_WAIT = 5


def begin_attempt(email: str, address: str, rules: ThrottleRules | None = None) -> str:
    """Count a sign-in attempt before its password is checked, or refuse it (SignInRefused).

    The attempt is recorded first and only earlier attempts are counted, under a lock
    on the email, so attempts made at the same moment are counted one after another:
    forty at once for one account get exactly as many password checks as allowed.
    The caller commits, so other workers count it, then calls check_password with the
    email this returns (normalised). Not the attempt itself: a sign-in to the same account
    succeeding meanwhile clears the account's attempts, this one included.
    """
    rules = rules or ThrottleRules()
    email = normalise_email(email)
    _lock(email)
    now = utcnow()
    attempt = SignInAttempt(email=email, address=address[:64], attempted_at=now)
    db.session.add(attempt)
    db.session.flush()
    refusal = _refusal(attempt, rules, now)
    if refusal:
        db.session.delete(attempt)  # a refused try is not checked, so not counted
        db.session.flush()
        raise SignInRefused(refusal)
    return email


def _lock(email: str) -> None:
    """Serialise attempts for one email. SQLite: the write lock every POST begins with.
    PostgreSQL: an advisory lock on the email, held until the transaction ends."""
    if db.engine.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(email.encode()).digest()[:8], "big", signed=True)
        db.session.execute(select(func.pg_advisory_xact_lock(key)))


def check_password(email: str, password: str) -> User:
    """The user the attempt's email belongs to if the password is right, or SignInRefused.

    An unknown email, a wrong password and a deactivated account get the same
    message, and take about the same time, so none can be told apart. A failed attempt
    stays counted; a success clears the account's count.
    """
    user = db.session.scalars(select(User).where(User.email == email)).first()
    # An unknown email costs a real verification too, so it takes as long as a known one.
    known_hash = user.password_hash if user else _dummy_hash(_hasher().memory_cost)
    matches = _password_matches(known_hash, password or "")
    if user is None or not matches or not user.active:
        raise SignInRefused(WRONG_DETAILS)
    db.session.execute(delete(SignInAttempt).where(SignInAttempt.email == email))
    return user


def record_sign_in(user: User) -> None:
    """The moment sign-in completed (every factor passed, by password or single sign-on),
    shown to administrators at /admin/users."""
    from crm import clock

    user.last_signed_in_at = clock.now()
    db.session.flush()


def authenticate(
    email: str, password: str, address: str, rules: ThrottleRules | None = None
) -> User:
    """begin_attempt and check_password in one transaction (scripts and tests; the sign-in
    page commits between the two, so other workers count the attempt at once)."""
    return check_password(begin_attempt(email, address, rules), password)


def end_all_sessions(user: User) -> None:
    """Make every session cookie this user holds worthless, copies included."""
    user.session_token = new_session_token()


def validate_new_password(password: str) -> str | None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return gettext("Password must be %(num)d characters or more", num=MIN_PASSWORD_LENGTH)
    return None


def change_password(user: User, current: str, new: str) -> None:
    if not _password_matches(user.password_hash, current):
        raise ValueError(gettext("Your current password is not correct"))
    problem = validate_new_password(new)
    if problem:
        raise ValueError(problem)
    user.password_hash = hash_password(new)
    end_all_sessions(user)


def create_user(
    email: str,
    name: str,
    password: str,
    role: str,
    area_names: list[str] | None = None,
    national: bool = False,
) -> User:
    """Create a staff account. Raises ValueError with a message a person can act on."""
    email = normalise_email(email)
    if role not in ROLES:
        raise ValueError(gettext("Role must be one of: %(roles)s", roles=", ".join(ROLES)))
    problem = validate_new_password(password)
    if problem:
        raise ValueError(problem)
    if db.session.scalars(select(User).where(User.email == email)).first():
        raise ValueError(gettext("There is already an account for %(email)s", email=email))
    areas = []
    for area_name in area_names or []:
        area = db.session.scalars(select(Area).where(Area.name == area_name)).first()
        if area is None:
            raise ValueError(gettext("There is no Area called %(name)s", name=area_name))
        areas.append(area)
    if not national and not areas:
        raise ValueError(gettext("Give the user at least one Area, or make them national"))
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=role,
        is_national=national,
        areas=areas,
    )
    db.session.add(user)
    db.session.flush()
    return user


def set_active(user: User, active: bool) -> None:
    """Deactivate or reactivate an account; deactivating ends its sessions at once."""
    user.active = active
    if not active:
        end_all_sessions(user)


def set_language(user: User, language: str) -> None:
    """The interface language the user chose, on every device from now on."""
    user.language = language


def set_role(user: User, role: str) -> None:
    if role not in ROLES:
        raise ValueError(gettext("Role must be one of: %(roles)s", roles=", ".join(ROLES)))
    user.role = role
    end_all_sessions(user)


def reset_two_factor(user: User) -> None:
    """Take away a user's authenticator app and recovery codes (they lost their phone) and
    end their sessions. If two-factor sign-in is required of them, they set it up again
    at their next sign-in; otherwise they sign in with their password alone until they do."""
    db.session.execute(delete(TwoFactorEnrolment).where(TwoFactorEnrolment.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_all_sessions(user)
