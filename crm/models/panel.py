"""Panels (LSIPs, the Community Accountability Forum, ...), their members and meetings.

Memberships are never deleted: who sat on a panel, when, and why they left is
the record a Freedom of Information request asks for. A renewed term is a new
membership row that follows the one before it.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.common import UTCDateTime, trigram_indexes, utcnow
from crm.models.reference import Area, Community
from crm.models.stakeholder import Contact
from crm.models.user import User

PANEL_TYPES: dict[str, str] = {
    "lsip": _l("Local Scrutiny Involvement Panel"),
    "caf": _l("Community Accountability Forum"),
    "hate_crime": _l("Hate crime scrutiny panel"),
    "vawg": _l("Violence against women and girls scrutiny panel"),
    "iag": _l("Independent advisory group"),
    "consultation": _l("External consultation group"),
    "other": _l("Other"),
}

MEETING_FREQUENCIES: dict[str, str] = {
    "monthly": _l("Monthly"),
    "bimonthly": _l("Every two months"),
    "quarterly": _l("Quarterly"),
    "twice_yearly": _l("Twice a year"),
    "annually": _l("Once a year"),
    "as_needed": _l("As needed"),
}

MEMBER_ROLES: dict[str, str] = {
    "chair": _l("Chair"),
    "vice_chair": _l("Vice chair"),
    "member": _l("Member"),
    "observer": _l("Observer"),
    "facilitator": _l("Independent facilitator"),
    "legal_adviser": _l("Legal adviser"),
}

MEMBERSHIP_STATUSES: dict[str, str] = {
    "applicant": _l("Applicant"),
    "shortlisted": _l("Shortlisted"),
    "active": _l("Active"),
    "ended": _l("Ended"),
}

END_REASONS: dict[str, str] = {
    "term_completed": _l("Term completed"),
    "renewed": _l("Renewed for another term"),
    "resigned": _l("Resigned"),
    "stood_down": _l("Stood down"),
    "removed": _l("Removed"),
    "not_appointed": _l("Not appointed"),
    "other": _l("Other"),
}

VETTING_STATUSES: dict[str, str] = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "cleared": _l("Cleared"),
    "refused": _l("Refused"),
    "not_required": _l("Not required"),
}

# The roles that take a seat: they count towards the target size, the
# communities the panel should reflect, and the quorum. Observers, facilitators
# and legal advisers attend but do not fill a seat.
SEAT_ROLES = frozenset({"chair", "vice_chair", "member"})

ATTENDANCE: dict[str, str] = {
    "present": _l("Present"), "apologies": _l("Apologies"), "absent": _l("Absent"),
}

membership_communities = Table(
    "membership_communities",
    db.metadata,
    Column("membership_id", ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True),
    Column("community_id", ForeignKey("communities.id"), primary_key=True),
)


class Panel(db.Model):
    """A standing group of community members that holds the service to account.

    A panel with no Area is national (the Community Accountability Forum) and
    is visible to everyone.
    """

    __tablename__ = "panels"
    __table_args__ = (Index("ix_panels_area", "area_id"), *trigram_indexes("panels", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(30))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    purpose: Mapped[str] = mapped_column(Text, default="")
    tor_review_due: Mapped[date | None] = mapped_column(Date)
    term_months: Mapped[int] = mapped_column(Integer, default=24)
    max_terms: Mapped[int] = mapped_column(Integer, default=2)
    target_size: Mapped[int] = mapped_column(Integer, default=10)
    quorum: Mapped[int] = mapped_column(Integer, default=4)
    meeting_frequency: Mapped[str] = mapped_column(String(20), default="quarterly")
    # The terms of reference ask for a vice chair (a chair is always wanted).
    wants_vice_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    area: Mapped[Area | None] = relationship()
    terms_of_reference: Mapped[list[TermsOfReference]] = relationship(
        back_populates="panel",
        order_by="(TermsOfReference.adopted_on.desc(), TermsOfReference.id.desc())",
    )
    targets: Mapped[list[PanelTarget]] = relationship(
        back_populates="panel", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def type_label(self) -> str:
        return PANEL_TYPES.get(self.type, self.type)

    @property
    def frequency_label(self) -> str:
        return MEETING_FREQUENCIES.get(self.meeting_frequency, self.meeting_frequency)

    @property
    def area_name(self) -> str:
        return self.area.name if self.area else "National"

    @property
    def current_terms(self) -> TermsOfReference | None:
        return self.terms_of_reference[0] if self.terms_of_reference else None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class TermsOfReference(db.Model):
    """One adopted version of a panel's terms of reference; earlier ones are kept."""

    __tablename__ = "terms_of_reference"
    __table_args__ = (Index("ix_terms_of_reference_panel", "panel_id", "adopted_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id"))
    text: Mapped[str] = mapped_column(Text)
    adopted_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    panel: Mapped[Panel] = relationship(back_populates="terms_of_reference")
    created_by: Mapped[User | None] = relationship()


class PanelTarget(db.Model):
    """A community the panel's membership should reflect, with its minimum members."""

    __tablename__ = "panel_targets"

    panel_id: Mapped[int] = mapped_column(
        ForeignKey("panels.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    minimum: Mapped[int] = mapped_column(Integer, default=1)

    panel: Mapped[Panel] = relationship(back_populates="targets")
    community: Mapped[Community] = relationship()


class Membership(db.Model):
    """One term (or application) of a contact on a panel."""

    __tablename__ = "memberships"
    __access_parent__ = "panel"  # seen and changed through its panel
    __table_args__ = (
        Index("ix_memberships_panel", "panel_id", "status"),
        Index("ix_memberships_contact", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))
    role: Mapped[str] = mapped_column(String(20), default="member")
    status: Mapped[str] = mapped_column(String(20), default="applicant")
    applied_on: Mapped[date | None] = mapped_column(Date)
    shortlisted_on: Mapped[date | None] = mapped_column(Date)
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    term_number: Mapped[int] = mapped_column(Integer, default=1)
    extra_term_reason: Mapped[str] = mapped_column(Text, default="")
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str] = mapped_column(String(20), default="")
    end_note: Mapped[str] = mapped_column(Text, default="")
    vetting_status: Mapped[str] = mapped_column(String(20), default="not_started")
    vetting_on: Mapped[date | None] = mapped_column(Date)
    vetting_expires_on: Mapped[date | None] = mapped_column(Date)
    confidentiality_signed_on: Mapped[date | None] = mapped_column(Date)
    induction_completed_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set when an import that added the membership is undone: it is then on no roster,
    # list or report (the subject access export still lists it). Never deleted.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    panel: Mapped[Panel] = relationship()
    contact: Mapped[Contact] = relationship()
    communities: Mapped[list[Community]] = relationship(
        secondary=membership_communities, order_by=Community.name
    )
    declarations: Mapped[list[Declaration]] = relationship(
        back_populates="membership", order_by="Declaration.declared_on.desc()"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def role_label(self) -> str:
        return MEMBER_ROLES.get(self.role, self.role)

    @property
    def status_label(self) -> str:
        return MEMBERSHIP_STATUSES.get(self.status, self.status)

    @property
    def end_reason_label(self) -> str:
        return END_REASONS.get(self.end_reason, self.end_reason)

    @property
    def vetting_label(self) -> str:
        return VETTING_STATUSES.get(self.vetting_status, self.vetting_status)

    def vetting_text(self, today: date) -> str:
        """Where the vetting stands on `today` (never "Cleared" once it has expired)."""
        from crm.services.panel_refresh import vetting_text

        return vetting_text(self.vetting_label, self.vetting_status, self.vetting_expires_on, today)


# Live memberships: one an undone import added is archived, and is on no roster, list,
# report or figure (the subject access export still lists it). Every query asks this.
LIVE_MEMBERSHIP = Membership.archived_at.is_(None)


class Declaration(db.Model):
    """A member's declaration of interest, dated."""

    __tablename__ = "declarations"
    __table_args__ = (Index("ix_declarations_membership", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))
    declared_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    membership: Mapped[Membership] = relationship(back_populates="declarations")


class PanelMeeting(db.Model):
    """A panel meeting. The quorum is copied from the panel when the meeting is
    recorded, so a later change to the panel does not rewrite whether it was quorate."""

    __tablename__ = "panel_meetings"
    __access_parent__ = "panel"  # seen and changed through its panel
    __table_args__ = (Index("ix_panel_meetings_panel", "panel_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id"))
    held_on: Mapped[date] = mapped_column(Date)
    online: Mapped[bool] = mapped_column(default=False)
    place: Mapped[str] = mapped_column(String(300), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    quorum: Mapped[int] = mapped_column(Integer)
    cases_reviewed: Mapped[int] = mapped_column(Integer, default=0)
    case_themes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    panel: Mapped[Panel] = relationship()
    attendance: Mapped[list[Attendance]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def present(self) -> int:
        """Members in a seat who were present (observers and advisers do not count)."""
        return sum(
            1 for a in self.attendance if a.status == "present" and a.membership.role in SEAT_ROLES
        )

    @property
    def is_quorate(self) -> bool:
        return self.present >= self.quorum


class Attendance(db.Model):
    """Whether a member came to a meeting: present, apologies or absent."""

    __tablename__ = "attendance"
    __table_args__ = (Index("ix_attendance_membership", "membership_id"),)

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("panel_meetings.id", ondelete="CASCADE"), primary_key=True
    )
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))

    meeting: Mapped[PanelMeeting] = relationship(back_populates="attendance")
    membership: Mapped[Membership] = relationship()

    @property
    def status_label(self) -> str:
        return ATTENDANCE.get(self.status, self.status)
