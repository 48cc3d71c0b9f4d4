"""The audit trail: who changed which record, when, and each field's old and new value."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.common import UTCDateTime, utcnow
from crm.models.user import User


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_record", "record_type", "record_id", "id"),
        # The administrators' audit trail filtered by who made the changes, newest first.
        Index("ix_audit_events_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    # The record's version after this change, so an edit conflict can list the
    # changes made since the version the editor opened.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # {field label: [old, new]} as display text.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship(lazy="joined")
