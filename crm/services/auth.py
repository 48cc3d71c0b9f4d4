"""Passwords, sign-in with throttling, and ending sessions.

Throttling is counted from rows in the database, so it holds across app
restarts and across every worker process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from crm.extensions import db
from crm.models import Area, SignInAttempt, User
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
    return _hashers[memory].hash("not a real password")

WRONG_DETAILS = "Enter a correct email address and password"
MIN_PASSWORD_LENGTH = 12


class SignInRefused(Exception):
    """Sign-in did not succeed; the message is safe to show."""


@dataclass(frozen=True)
class ThrottleRules:
    window_minutes: int = 15
    slow_after: int = 3
    lock_after: int = 10
    lock_after_per_address: int = 50


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return (email or "").replace("\x00", "").strip().lower()


def _failures(column, value: str, since: datetime) -> tuple[int, datetime | None]:
    stmt = select(func.count(), func.max(SignInAttempt.attempted_at)).where(
        column == value, SignInAttempt.attempted_at >= since
    )
    count, latest = db.session.execute(stmt).one()
    if latest is not None and latest.tzinfo is None:
        latest = latest.replace(tzinfo=utcnow().tzinfo)
    return count, latest


def _check_throttle(email: str, address: str, rules: ThrottleRules, now: datetime) -> None:
    since = now - timedelta(minutes=rules.window_minutes)
    by_email, last_failure = _failures(SignInAttempt.email, email, since)
    by_address, _ = _failures(SignInAttempt.address, address, since)
    if by_email >= rules.lock_after or by_address >= rules.lock_after_per_address:
        raise SignInRefused(
            "There have been too many attempts to sign in. "
            f"Wait {rules.window_minutes} minutes and try again"
        )
    if by_email >= rules.slow_after and last_failure is not None:
        wait = min(2 ** (by_email - rules.slow_after + 1), 60)
        remaining = wait - (now - last_failure).total_seconds()
        if remaining > 0:
            raise SignInRefused(
                f"You have tried to sign in several times. Wait {int(remaining) + 1} "
                "seconds and try again"
            )


def authenticate(
    email: str, password: str, address: str, rules: ThrottleRules | None = None
) -> User:
    """Return the user these details belong to, or raise SignInRefused.

    An unknown email, a wrong password and a deactivated account get the same
    message, and take about the same time, so none can be told apart.
    """
    rules = rules or ThrottleRules()
    email = normalise_email(email)
    now = utcnow()
    _check_throttle(email, address, rules, now)
    user = db.session.scalars(select(User).where(User.email == email)).first()
    # An unknown email costs a real verification too, so it takes as long as a known one.
    known_hash = user.password_hash if user else _dummy_hash(_hasher().memory_cost)
    matches = _password_matches(known_hash, password or "")
    if user is None or not matches or not user.active:
        db.session.add(SignInAttempt(email=email, address=address, attempted_at=now))
        raise SignInRefused(WRONG_DETAILS)
    db.session.execute(delete(SignInAttempt).where(SignInAttempt.email == email))
    return user


def end_all_sessions(user: User) -> None:
    """Make every session cookie this user holds worthless, copies included."""
    user.session_token = new_session_token()


def validate_new_password(password: str) -> str | None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    return None


def change_password(user: User, current: str, new: str) -> None:
    if not _password_matches(user.password_hash, current):
        raise ValueError("Your current password is not correct")
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
        raise ValueError(f"Role must be one of: {', '.join(ROLES)}")
    problem = validate_new_password(password)
    if problem:
        raise ValueError(problem)
    if db.session.scalars(select(User).where(User.email == email)).first():
        raise ValueError(f"There is already an account for {email}")
    areas = []
    for area_name in area_names or []:
        area = db.session.scalars(select(Area).where(Area.name == area_name)).first()
        if area is None:
            raise ValueError(f"There is no Area called {area_name}")
        areas.append(area)
    if not national and not areas:
        raise ValueError("Give the user at least one Area, or make them national")
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


def set_role(user: User, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"Role must be one of: {', '.join(ROLES)}")
    user.role = role
    end_all_sessions(user)
