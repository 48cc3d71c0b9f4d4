"""Two-factor sign-in: an authenticator app's time-based codes (TOTP) and recovery codes.

A code is accepted for the 30-second step it names, the one before or the one after (a
phone's clock may be a little out), and only for a step later than the last one accepted:
a code, or an older one still in the window, is never accepted twice.

Recovery codes are kept as a SHA-256 hash with a random salt of their own, not argon2:
each is 50 random bits made by the server, not a password a person chose, so a slow hash
adds little against guessing, while a sign-in would have to run argon2 once per unused
code (ten of them, 28 ms each at production's settings). The salt keeps two users' equal
codes (or a table of precomputed hashes) from being matched. Wrong codes are throttled
like passwords (services/auth.py), under a key of their own per user.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime

import pyotp
import segno
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import delete, func, or_, select, update

from crm.extensions import db
from crm.models import RecoveryCode, SignInAttempt, TwoFactorEnrolment, User
from crm.services import access, auth

ISSUER = "Engage"
RECOVERY_CODE_COUNT = 10
# Recovery codes: ten characters of Crockford's base32 (digits and letters but I, L, O
# and U; 50 bits a code), written as two groups of five. Typed, O is read as 0 and I or
# L as 1, as Crockford's decoding does.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})

ENTER_CODE = _l("Enter the security code")
WRONG_CODE = _l("Enter a correct security code")
USED_CODE = _l(
    "That security code has already been used. Wait for your app to show a new code, then enter it"
)


class CodeRefused(auth.SignInRefused):
    """A security code was not accepted; the message is safe to show."""


def is_required(user: User, config: Mapping) -> bool:
    """Whether this user must sign in with a second factor (their role, or everyone)."""
    return access.two_factor_required(
        user, bool(config.get("REQUIRE_2FA")), config.get("TWO_FACTOR_ROLES", ())
    )


def enrolment_of(user: User) -> TwoFactorEnrolment | None:
    return db.session.get(TwoFactorEnrolment, user.id)


def new_secret() -> str:
    """A new shared secret: 32 base32 characters, 160 bits (RFC 4226's recommendation)."""
    return pyotp.random_base32()


def setup_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> Markup:
    """The QR code as inline SVG, drawn here: the secret never goes to an image service."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, dark="#0b0c0c", light="#ffffff", svgclass="app-qr-code", lineclass=None,
        title=_("QR code for your authenticator app"),
    )  # fmt: skip
    svg = svg.replace("<svg ", '<svg role="img" focusable="false" ', 1)  # i18n: not interface
    return Markup(svg)  # noqa: S704 - made here from the app's own otpauth address


def spaced(secret: str) -> str:
    """The secret in groups of four, easier to type into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (the one now, before or after) whose code this is, or None."""
    totp = pyotp.TOTP(secret)
    here = totp.timecode(now)
    for step in (here - 1, here, here + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _typed(code: str | None) -> str:
    """What a person typed, without the spaces and dashes they may add."""
    return "".join(ch for ch in (code or "") if ch not in " -\t").upper().translate(_LOOK_ALIKES)


def enrol(user: User, secret: str, code: str, now: datetime) -> list[str]:
    """Turn on two-factor sign-in with the secret the user's app was given, once a code from
    it proves the app has it. Returns the new recovery codes, to show once. Every other
    session of the user ends (they were signed in with less). CodeRefused if wrong."""
    typed = _typed(code)
    if not typed:
        raise CodeRefused(ENTER_CODE)
    step = _matching_step(secret, typed, now) if typed.isdigit() and len(typed) == 6 else None
    if step is None:
        raise CodeRefused(WRONG_CODE)
    db.session.execute(delete(TwoFactorEnrolment).where(TwoFactorEnrolment.user_id == user.id))
    db.session.add(TwoFactorEnrolment(user_id=user.id, secret=secret, enrolled_at=now,
                                      last_step=step))  # fmt: skip
    auth.end_all_sessions(user)
    return new_recovery_codes(user)


def new_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes in place of any the user had; only their hashes are kept."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _code in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _char in range(10))
        salt = secrets.token_hex(16)
        db.session.add(RecoveryCode(user_id=user.id, salt=salt, code_hash=_hash(salt, raw)))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    db.session.flush()
    return codes


def _hash(salt: str, raw: str) -> str:
    return hashlib.sha256(f"{salt}:{raw}".encode()).hexdigest()


def recovery_codes_left(user: User) -> int:
    stmt = select(func.count()).where(RecoveryCode.user_id == user.id,
                                      RecoveryCode.used_at.is_(None))  # fmt: skip
    return db.session.scalar(stmt) or 0


def attempt_key(user: User) -> str:
    """Wrong codes are counted in the sign-in attempts under this key, apart from the
    account's password failures (a right password clears those, never these)."""
    return f"two-factor:{user.id}"


def check_code(user: User, code: str, now: datetime) -> str:
    """Accept a code from the user's app or one of their recovery codes, once: "app" or
    "recovery". CodeRefused (the attempt stays counted) if it is wrong or already used;
    a right one clears the user's count of wrong codes."""
    enrolment = enrolment_of(user)
    typed = _typed(code)
    if not typed:
        raise CodeRefused(ENTER_CODE)
    if enrolment is None:
        raise CodeRefused(WRONG_CODE)
    if typed.isdigit() and len(typed) == 6:
        kind = "app"
        step = _matching_step(enrolment.secret, typed, now)
        if step is None:
            raise CodeRefused(WRONG_CODE)
        if not _claim_step(user, step):
            raise CodeRefused(USED_CODE)
    elif not _use_recovery_code(user, typed, now):
        raise CodeRefused(WRONG_CODE)
    else:
        kind = "recovery"
    db.session.execute(delete(SignInAttempt).where(SignInAttempt.email == attempt_key(user)))
    return kind


def _claim_step(user: User, step: int) -> bool:
    """Record the step as used, unless it (or a later one) already was. One UPDATE, so two
    requests with the same code at the same moment cannot both succeed: PostgreSQL makes
    the second wait for the first and re-check the condition; on SQLite every POST holds
    the write lock."""
    result = db.session.execute(
        update(TwoFactorEnrolment)
        .where(TwoFactorEnrolment.user_id == user.id,
               or_(TwoFactorEnrolment.last_step.is_(None), TwoFactorEnrolment.last_step < step))
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return result.rowcount == 1


def _use_recovery_code(user: User, typed: str, now: datetime) -> bool:
    """Mark the matching unused recovery code used (once, as _claim_step), or False."""
    unused = db.session.execute(
        select(RecoveryCode.id, RecoveryCode.salt, RecoveryCode.code_hash)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()  # fmt: skip
    for code_id, salt, code_hash in unused:
        if hmac.compare_digest(_hash(salt, typed), code_hash):
            result = db.session.execute(
                update(RecoveryCode).where(RecoveryCode.id == code_id,
                                           RecoveryCode.used_at.is_(None))
                .values(used_at=now).execution_options(synchronize_session=False)
            )  # fmt: skip
            return result.rowcount == 1
    return False


def begin_code_attempt(user: User, address: str, rules: auth.ThrottleRules) -> None:
    """Count a code attempt before it is checked, or refuse it (SignInRefused): the same
    throttle as passwords, under the user's own key. The caller commits."""
    auth.begin_attempt(attempt_key(user), address, rules)
