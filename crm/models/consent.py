"""Consent and contact preferences: the purposes personal data is used for, each contact's
dated consent history per purpose, their do-not-contact history, and subject access
requests.

Nothing here is overwritten: a change of consent, or of do-not-contact, is a new row, so
the record shows what was agreed, when, how and by whom, and what changed since.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.common import UTCDateTime, utcnow
from crm.models.job import Job
from crm.models.stakeholder import CONSENT_BASES, Contact
from crm.models.user import User

# The lawful bases (UK GDPR Article 6) a purpose may rest on.
LAWFUL_BASES = CONSENT_BASES

CONSENT_STATUSES: dict[str, str] = {"given": "Given", "withdrawn": "Withdrawn"}


class Purpose(db.Model):
    """A purpose Engage uses contacts' details for (reference data an administrator keeps).
    Never deleted: a retired purpose stays on the consent history that names it."""

    __tablename__ = "purposes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    lawful_basis: Mapped[str] = mapped_column(String(30))
    # For consent: the words the person is shown and agrees to.
    wording: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def basis_label(self) -> str:
        return LAWFUL_BASES.get(self.lawful_basis, self.lawful_basis)


class ConsentRecord(db.Model):
    """One dated change of a contact's consent for one purpose."""

    __tablename__ = "consent_records"
    __table_args__ = (Index("ix_consent_records_contact", "contact_id", "purpose_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    purpose_id: Mapped[int] = mapped_column(ForeignKey("purposes.id"))
    basis: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))  # CONSENT_STATUSES
    changed_on: Mapped[date] = mapped_column(Date)
    # How it was obtained ("signed form at the panel induction") and by whom.
    method: Mapped[str] = mapped_column(String(300), default="")
    obtained_by: Mapped[str] = mapped_column(String(200), default="")
    # The words the person was shown, as they were that day (a purpose may be reworded).
    wording: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact: Mapped[Contact] = relationship()
    purpose: Mapped[Purpose] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return CONSENT_STATUSES.get(self.status, self.status)

    @property
    def basis_label(self) -> str:
        return LAWFUL_BASES.get(self.basis, self.basis)


class DoNotContactChange(db.Model):
    """One dated change of a contact's do-not-contact flag, with its reason. The contact's
    own `do_not_contact` column holds the latest, for lists and exports to filter on."""

    __tablename__ = "do_not_contact_changes"
    __table_args__ = (Index("ix_do_not_contact_changes_contact", "contact_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    do_not_contact: Mapped[bool] = mapped_column(Boolean)
    changed_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact: Mapped[Contact] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class SubjectAccessRequest(db.Model):
    """A subject access request answered for a contact: who made the export, when, and the
    request's own reference (the ZIP is named by it, never by the person)."""

    __tablename__ = "subject_access_requests"
    __table_args__ = (Index("ix_subject_access_requests_contact", "contact_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    reference: Mapped[str] = mapped_column(String(40))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))

    contact: Mapped[Contact] = relationship()
    requested_by: Mapped[User | None] = relationship()
    job: Mapped[Job | None] = relationship()
