"""A user's second factor: their authenticator app (TOTP) and one-time recovery codes.

Kept apart from the users table: most users have none, and a user's row is read on
every request without needing them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.models.common import UTCDateTime, utcnow


class TwoFactorEnrolment(db.Model):
    """The authenticator app a user set up: its shared secret, and the last time step a
    code was accepted for, so no code (nor an older one) is accepted twice."""

    __tablename__ = "two_factor_enrolments"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(64))  # base32, as pyotp makes it
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_step: Mapped[int | None] = mapped_column(Integer)  # unix time // 30


class RecoveryCode(db.Model):
    """A one-time recovery code, kept only as a salted SHA-256 hash (see
    services/two_factor.py for why not argon2)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
