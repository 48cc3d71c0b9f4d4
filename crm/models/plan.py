"""Equality objectives, and the action plans that turn them into work.

The statutory objectives (public confidence, equality as everyone's business, high
quality casework, ...) are national or an Area's, with measures of success and key
activities for each year. An action plan (an Area's, a team's within it, or national)
has numbered themes and lettered actions: what will be done, by whom, by when, and a
status moved only by dated updates, so its history is never overwritten. Evidence links
an objective or an action to the engagements, feedback, panel meetings and documents
that show the work.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, Date, Float, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.common import UTCDateTime, utcnow
from crm.models.engagement import Engagement
from crm.models.feedback import Feedback
from crm.models.panel import PanelMeeting
from crm.models.reference import PROTECTED_CHARACTERISTICS, Area, Community
from crm.models.user import User

ACTION_STATUSES: dict[str, str] = {
    "not_started": _l("Not started"),
    "on_track": _l("On track"),
    "at_risk": _l("At risk"),
    "off_track": _l("Off track"),
    "done": _l("Done"),
    "dropped": _l("Dropped"),
}
# Red, amber, green: shown as a coloured tag that always carries its words too.
STATUS_COLOURS: dict[str, str] = {
    "not_started": "grey",
    "on_track": "green",
    "at_risk": "yellow",
    "off_track": "red",
    "done": "blue",
    "dropped": "grey",
}
CLOSED_ACTION_STATUSES = frozenset({"done", "dropped"})
DUE_KINDS: dict[str, str] = {
    "date": _l("By a date"),
    "month": _l("By the end of a month"),
    "ongoing": _l("Ongoing, reviewed regularly"),
}
# How often each open action is due an update (in months, from April).
UPDATE_CADENCES: dict[int, str] = {
    1: _l("Every month"), 3: _l("Every quarter"), 6: _l("Every six months"),
}
# How often an ongoing action is reviewed, when not as often as its plan's updates.
REVIEW_CADENCES: dict[int, str] = UPDATE_CADENCES | {12: _l("Every year")}

objective_communities = Table(
    "objective_communities",
    db.metadata,
    Column("objective_id", ForeignKey("objectives.id", ondelete="CASCADE"), primary_key=True),
    Column("community_id", ForeignKey("communities.id"), primary_key=True),
)

action_objectives = Table(
    "plan_action_objectives",
    db.metadata,
    Column("action_id", ForeignKey("plan_actions.id", ondelete="CASCADE"), primary_key=True),
    Column("objective_id", ForeignKey("objectives.id"), primary_key=True),
    Index("ix_plan_action_objectives_objective", "objective_id", "action_id"),
)


class Objective(db.Model):
    """A statutory equality objective, national (no Area) or an Area's own."""

    __tablename__ = "objectives"
    __table_args__ = (Index("ix_objectives_area", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text, default="")
    starts_in: Mapped[int] = mapped_column(Integer)  # the first year, e.g. 2019
    ends_in: Mapped[int] = mapped_column(Integer)  # the last year, e.g. 2022
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    # Keys of PROTECTED_CHARACTERISTICS the objective concerns.
    characteristics: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    area: Mapped[Area | None] = relationship()
    communities: Mapped[list[Community]] = relationship(
        secondary=objective_communities, order_by=Community.name
    )
    measures: Mapped[list[ObjectiveMeasure]] = relationship(
        back_populates="objective", order_by="ObjectiveMeasure.position",
        cascade="all, delete-orphan",
    )  # fmt: skip
    activities: Mapped[list[KeyActivity]] = relationship(
        back_populates="objective", order_by="(KeyActivity.year, KeyActivity.position)",
        cascade="all, delete-orphan",
    )  # fmt: skip

    __mapper_args__ = {"version_id_col": version}

    @property
    def period_label(self) -> str:
        return f"{self.starts_in} to {self.ends_in}"

    @property
    def area_name(self) -> str:
        return self.area.name if self.area else "National"

    @property
    def characteristic_labels(self) -> list[str]:
        return [PROTECTED_CHARACTERISTICS.get(c, c) for c in self.characteristics or []]

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class ObjectiveMeasure(db.Model):
    """How success is measured: words, and optionally a number with a baseline and target."""

    __tablename__ = "objective_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("objectives.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(40), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    objective: Mapped[Objective] = relationship(back_populates="measures")


class KeyActivity(db.Model):
    """One of an objective's key activities for a year (2019 means 2019-20)."""

    __tablename__ = "key_activities"
    __table_args__ = (Index("ix_key_activities_objective", "objective_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("objectives.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    objective: Mapped[Objective] = relationship(back_populates="activities")

    @property
    def year_label(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}"


class ActionPlan(db.Model):
    """An Area's action plan (or a team's within an Area, or a national one)."""

    __tablename__ = "action_plans"
    __table_args__ = (Index("ix_action_plans_area", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    team: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # How often each open action is due an update, in months counted from April.
    update_months: Mapped[int] = mapped_column(Integer, default=3)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    area: Mapped[Area | None] = relationship()
    owner: Mapped[User | None] = relationship()
    themes: Mapped[list[PlanTheme]] = relationship(
        back_populates="plan", order_by="PlanTheme.position", cascade="all, delete-orphan"
    )
    actions: Mapped[list[PlanAction]] = relationship(
        back_populates="plan", order_by="PlanAction.position"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def area_name(self) -> str:
        return self.area.name if self.area else "National"

    @property
    def whose(self) -> str:
        return f"{self.team}, {self.area_name}" if self.team else self.area_name

    @property
    def cadence_label(self) -> str:
        return UPDATE_CADENCES.get(self.update_months, "").lower()

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class PlanTheme(db.Model):
    """A numbered theme of a plan ("1  Engagement in consultation ...")."""

    __tablename__ = "plan_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    plan: Mapped[ActionPlan] = relationship(back_populates="themes")


class PlanAction(db.Model):
    """A lettered action: what will be done, by whom, by when, and where it stands."""

    __tablename__ = "plan_actions"
    __table_args__ = (
        Index("ix_plan_actions_plan", "plan_id", "position"),
        Index("ix_plan_actions_owner", "owner_id", "status"),
    )
    # Seen and changed through its plan (see access.home_area_id).
    __access_parent__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("plan_themes.id"))
    reference: Mapped[str] = mapped_column(String(20))  # "2.c"
    position: Mapped[int] = mapped_column(Integer, default=0)
    what: Mapped[str] = mapped_column(Text)
    # Who does it: a user, or a named role or team as the plan says ("All managers").
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_whom: Mapped[str] = mapped_column(String(200), default="")
    due_kind: Mapped[str] = mapped_column(String(10), default="")
    due_on: Mapped[date | None] = mapped_column(Date)  # the day, or the month's first day
    # An ongoing action's review cadence in months (None: as often as the plan's updates).
    review_months: Mapped[int | None] = mapped_column(Integer)
    key_activity_id: Mapped[int | None] = mapped_column(ForeignKey("key_activities.id"))
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    status_on: Mapped[date | None] = mapped_column(Date)
    # The day it joined the plan (an imported plan's actions: the plan's start), so the
    # monitoring of an earlier quarter does not list it.
    added_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[ActionPlan] = relationship(back_populates="actions")
    theme: Mapped[PlanTheme | None] = relationship()
    owner: Mapped[User | None] = relationship()
    key_activity: Mapped[KeyActivity | None] = relationship()
    objectives: Mapped[list[Objective]] = relationship(
        secondary=action_objectives, order_by=Objective.position
    )
    updates: Mapped[list[ActionUpdate]] = relationship(
        back_populates="action", order_by="(ActionUpdate.updated_on, ActionUpdate.id)"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return ACTION_STATUSES.get(self.status, self.status)

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "grey")

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_ACTION_STATUSES

    @property
    def who(self) -> str:
        return self.owner.name if self.owner else (self.by_whom or _l("Not given"))

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class ActionUpdate(db.Model):
    """A dated update: progress, and the status it moved the action to. Never changed."""

    __tablename__ = "action_updates"
    __table_args__ = (Index("ix_action_updates_action", "action_id", "updated_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("plan_actions.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    action: Mapped[PlanAction] = relationship(back_populates="updates")
    user: Mapped[User | None] = relationship()

    @property
    def to_label(self) -> str:
        return ACTION_STATUSES.get(self.to_status, self.to_status)

    @property
    def colour(self) -> str:
        return STATUS_COLOURS.get(self.to_status, "grey")


class Evidence(db.Model):
    """What shows progress on an objective or an action: an engagement, feedback, a panel
    meeting, or a document (a title and a link)."""

    __tablename__ = "evidence"
    __table_args__ = (
        Index("ix_evidence_objective", "objective_id"),
        Index("ix_evidence_action", "action_id"),
        Index("ix_evidence_engagement", "engagement_id"),
        Index("ix_evidence_feedback", "feedback_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int | None] = mapped_column(ForeignKey("objectives.id"))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("plan_actions.id"))
    engagement_id: Mapped[int | None] = mapped_column(ForeignKey("engagements.id"))
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id"))
    panel_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("panel_meetings.id"))
    title: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    added_on: Mapped[date] = mapped_column(Date)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    objective: Mapped[Objective | None] = relationship()
    action: Mapped[PlanAction | None] = relationship()
    engagement: Mapped[Engagement | None] = relationship()
    feedback: Mapped[Feedback | None] = relationship()
    panel_meeting: Mapped[PanelMeeting | None] = relationship()
    added_by: Mapped[User | None] = relationship()

    @property
    def kind(self) -> str:
        for kind in ("engagement", "feedback", "panel_meeting"):
            if getattr(self, f"{kind}_id"):
                return kind
        return "document"
