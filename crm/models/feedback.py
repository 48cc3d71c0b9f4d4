"""Feedback from panels and communities, and the casework priorities it concerns.

Feedback has a life (received, under review, action agreed, closed) whose every
move is dated and kept, so "you said, we did" can be told with dates.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.common import UTCDateTime, live_indexes, restricted, trigram_indexes, utcnow
from crm.models.engagement import Engagement
from crm.models.panel import Panel, PanelMeeting
from crm.models.reference import Area, Community
from crm.models.stakeholder import Stakeholder
from crm.models.user import User

FEEDBACK_SOURCES: dict[str, str] = {
    "case_review": _l("A panel's case review"),
    "panel_meeting": _l("A panel meeting"),
    "engagement": _l("A Community Conversation or other engagement"),
    "correspondence": _l("A stakeholder's correspondence"),
    "survey": _l("A survey"),
    "other": _l("Other"),
}

ASSESSMENTS: dict[str, str] = {
    "handled_well": _l("Handled well"),
    "observations": _l("Handled appropriately, with observations"),
    "not_appropriate": _l("Not handled appropriately"),
    "no_conclusion": _l("No conclusion, to revisit"),
}

TONES: dict[str, str] = {
    "positive": _l("Positive"),
    "negative": _l("Negative"),
    "mixed": _l("Mixed"),
    "neutral": _l("Neutral"),
}

FEEDBACK_STATUSES: dict[str, str] = {
    "received": _l("Received"),
    "under_review": _l("Under review"),
    "action_agreed": _l("Action agreed"),
    "closed": _l("Closed"),
    "closed_no_action": _l("Closed with no action"),
}
# Each status as a clause about the feedback (whole, for word order: "mae’r adborth...").
STATUS_PHRASES: dict[str, str] = {
    "received": _l("the feedback is received, not yet reviewed"),
    "under_review": _l("the feedback is under review"),
    "action_agreed": _l("the feedback has action agreed"),
    "closed": _l("the feedback is closed"),
    "closed_no_action": _l("the feedback is closed with no action"),
}
CLOSED_STATUSES = frozenset({"closed", "closed_no_action"})
# Where each status stands in the feedback's life: a move to an earlier stage is a
# step back and needs a reason.
STATUS_STAGE = {
    "received": 0,
    "under_review": 1,
    "action_agreed": 2,
    "closed": 3,
    "closed_no_action": 3,
}

feedback_priorities = Table(
    "feedback_priorities",
    db.metadata,
    Column("feedback_id", ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True),
    Column("priority_id", ForeignKey("casework_priorities.id"), primary_key=True),
    Index("ix_feedback_priorities_priority", "priority_id", "feedback_id"),
)

feedback_communities = Table(
    "feedback_communities",
    db.metadata,
    Column("feedback_id", ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True),
    Column("community_id", ForeignKey("communities.id"), primary_key=True),
    Index("ix_feedback_communities_community", "community_id", "feedback_id"),
)


class CaseworkPriority(db.Model):
    """A casework priority (violence against women and girls) or one of its strands
    (domestic abuse). Retired ones keep their feedback but are not offered for new."""

    __tablename__ = "casework_priorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("casework_priorities.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    parent: Mapped[CaseworkPriority | None] = relationship(
        remote_side=[id], back_populates="children"
    )
    children: Mapped[list[CaseworkPriority]] = relationship(
        back_populates="parent", order_by="(CaseworkPriority.position, CaseworkPriority.name)"
    )

    @property
    def label(self) -> str:
        """The name as a choice list shows it: "Hate crime: disability"."""
        return f"{self.parent.name}: {self.name}" if self.parent else self.name

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class Feedback(db.Model):
    """What a panel, a community or a stakeholder told the service, and what was done."""

    __tablename__ = "feedback"
    __table_args__ = (
        *live_indexes("feedback", ("received_on", "id"), ("area_id", "received_on", "id")),
        Index("ix_feedback_meeting", "panel_meeting_id"),
        Index("ix_feedback_panel", "panel_id", "status"),
        Index("ix_feedback_engagement", "engagement_id"),
        Index("ix_feedback_stakeholder", "stakeholder_id"),
        *trigram_indexes("feedback", "summary", "case_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(30))
    received_on: Mapped[date] = mapped_column(Date)
    # None for national feedback (from the Community Accountability Forum), seen by all.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("panels.id"))
    panel_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("panel_meetings.id"))
    engagement_id: Mapped[int | None] = mapped_column(ForeignKey("engagements.id"))
    stakeholder_id: Mapped[int | None] = mapped_column(ForeignKey("stakeholders.id"))
    summary: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text, default="")
    restricted_detail: Mapped[str] = mapped_column(
        Text, default="", info=restricted("Restricted detail")
    )
    case_reference: Mapped[str] = mapped_column(String(40), default="")
    assessment: Mapped[str] = mapped_column(String(30), default="")
    learning_points: Mapped[str] = mapped_column(Text, default="")
    tone: Mapped[str] = mapped_column(String(20), default="neutral")
    # Set when the summary or response names or could identify a person: the
    # public "you said, we did" leaves such feedback out.
    names_person: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    response_due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="received")
    status_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    response: Mapped[str] = mapped_column(Text, default="")
    no_action_reason: Mapped[str] = mapped_column(Text, default="")
    referred_to_qa_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    area: Mapped[Area | None] = relationship()
    panel: Mapped[Panel | None] = relationship()
    panel_meeting: Mapped[PanelMeeting | None] = relationship()
    engagement: Mapped[Engagement | None] = relationship()
    stakeholder: Mapped[Stakeholder | None] = relationship()
    owner: Mapped[User | None] = relationship()
    priorities: Mapped[list[CaseworkPriority]] = relationship(
        secondary=feedback_priorities, order_by=CaseworkPriority.name
    )
    communities: Mapped[list[Community]] = relationship(
        secondary=feedback_communities, order_by=Community.name
    )
    moves: Mapped[list[FeedbackMove]] = relationship(
        back_populates="feedback", order_by="(FeedbackMove.moved_on, FeedbackMove.id)"
    )

    __mapper_args__ = {"version_id_col": version}
    # Whose restricted detail this is: the owner reads it (see access.may_see_restricted).
    __restricted_owner__ = "owner_id"

    @property
    def source_label(self) -> str:
        return FEEDBACK_SOURCES.get(self.source, self.source)

    @property
    def status_label(self) -> str:
        return FEEDBACK_STATUSES.get(self.status, self.status)

    @property
    def status_phrase(self) -> str:
        """Where the feedback stands, as a clause: "the feedback is under review"."""
        return STATUS_PHRASES.get(self.status, self.status_label)

    @property
    def assessment_label(self) -> str:
        return ASSESSMENTS.get(self.assessment, "")

    @property
    def tone_label(self) -> str:
        return TONES.get(self.tone, self.tone)

    @property
    def area_name(self) -> str:
        return self.area.name if self.area else "National"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class FeedbackMove(db.Model):
    """One dated step in a piece of feedback's life, with who made it and why."""

    __tablename__ = "feedback_moves"
    __table_args__ = (Index("ix_feedback_moves_feedback", "feedback_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20))
    moved_on: Mapped[date] = mapped_column(Date)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    feedback: Mapped[Feedback] = relationship(back_populates="moves")
    user: Mapped[User | None] = relationship()

    @property
    def to_label(self) -> str:
        return FEEDBACK_STATUSES.get(self.to_status, self.to_status)
