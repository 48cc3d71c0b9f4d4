"""Which single sign-on identity (an OpenID Connect issuer and subject) is a user's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.models.common import UTCDateTime, utcnow


class SsoIdentity(db.Model):
    """Recorded at a user's first single sign-on (matched by verified email). Later
    sign-ins from that issuer must carry the same subject: a mailbox handed to someone
    else at the provider does not open the first person's Engage account."""

    __tablename__ = "sso_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"), UniqueConstraint("user_id", "issuer"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
