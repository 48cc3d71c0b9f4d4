"""Erasure and retention: what UK GDPR asks Engage to forget, and the record that it did.

An erasure removes what identifies a person and keeps what is not personal (their
attendance, their terms on panels), so the figures stay true. Its row is the record
the law asks for (who, when, why, under which request) and holds no personal data:
the email is kept only as a one-way fingerprint, so a returning address is noticed.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.common import UTCDateTime, utcnow
from crm.models.user import User

# The kinds of retention rule, with what each does to a record past its limit.
RETENTION_KINDS: dict[str, str] = {
    "inactive_contacts": _l("Contacts with no engagement, consent or membership"),
    "ended_memberships": _l("Ended panel memberships (after the Freedom of Information period)"),
    "closed_feedback": _l("Closed feedback"),
}
RETENTION_ACTIONS: dict[str, str] = {
    "inactive_contacts": _l("Erase the person"),
    "ended_memberships": (_l("Anonymise the membership's notes and declarations; delete the "
                          "person's equality answers once they hold no membership")),
    "closed_feedback": _l("Anonymise the feedback's free text"),
}
# What a new rule starts at, in years.
DEFAULT_YEARS = {"inactive_contacts": 6, "ended_memberships": 6, "closed_feedback": 6}


class Erasure(db.Model):
    """One person erased: their contact row stays, as "Erased person <id>"."""

    __tablename__ = "erasures"
    __table_args__ = (Index("ix_erasures_fingerprint", "email_fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), unique=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None: a retention rule, applied by a job or a command.
    erased_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    request_reference: Mapped[str] = mapped_column(String(100), default="")
    # HMAC-SHA256 of the normalised email, or "" when the person had none.
    email_fingerprint: Mapped[str] = mapped_column(String(64), default="")
    retention_rule: Mapped[str] = mapped_column(String(30), default="")

    erased_by: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        return erased_label(self.id)


def erased_label(erasure_id: int) -> str:
    """How an erased person is named everywhere: pages, history, exports."""
    return f"Erased person {erasure_id}"  # i18n: not interface (written into the records)


class LegalHold(db.Model):
    """A record that must be kept (litigation, an inquiry): retention skips it."""

    __tablename__ = "legal_holds"
    __table_args__ = (UniqueConstraint("record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    placed_by: Mapped[User | None] = relationship()


class RetentionRule(db.Model):
    """How long one kind of record is kept once it has gone quiet."""

    __tablename__ = "retention_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), unique=True)
    years: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def kind_label(self) -> str:
        return RETENTION_KINDS.get(self.kind, self.kind)

    @property
    def action_label(self) -> str:
        return RETENTION_ACTIONS.get(self.kind, "")


class RetentionRun(db.Model):
    """One application of the retention rules, and what it did."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # "3 contacts erased, 1 membership anonymised, 0 feedback anonymised; 1 on legal hold"
    summary: Mapped[str] = mapped_column(Text, default="")

    started_by: Mapped[User | None] = relationship()
    actions: Mapped[list[RetentionAction]] = relationship(
        back_populates="run", order_by="RetentionAction.id"
    )


class RetentionAction(db.Model):
    """One record a run erased or anonymised (by kind and number: never a name)."""

    __tablename__ = "retention_actions"
    __table_args__ = (Index("ix_retention_actions_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("retention_runs.id"))
    rule_kind: Mapped[str] = mapped_column(String(30))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))

    run: Mapped[RetentionRun] = relationship(back_populates="actions")
