"""Engagements (meetings, Community Conversations, forums, events) and their follow-ups."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.common import UTCDateTime, live_indexes, restricted, trigram_indexes, utcnow
from crm.models.reference import Area, Community
from crm.models.stakeholder import Contact, Stakeholder
from crm.models.user import User

ENGAGEMENT_TYPES: dict[str, str] = {
    "meeting": _l("Meeting"),
    "community_conversation": _l("Community Conversation"),
    "forum": _l("Forum or network meeting"),
    "external_forum": _l("Representing the service at an external forum"),
    "outreach": _l("Outreach event"),
    "training": _l("Training or awareness session"),
    "consultation": _l("Consultation"),
    "correspondence": _l("Correspondence"),
    "other": _l("Other"),
}

ENGAGEMENT_STATUSES: dict[str, str] = {
    "held": _l("Held"),
    "planned": _l("Planned"),
    "cancelled": _l("Cancelled"),
}

LOCATION_KINDS: dict[str, str] = {
    "stakeholder": _l("At a stakeholder's premises"),
    "address": _l("At an address"),
    "online": _l("Online or by phone"),
}

ACTION_STATUSES: dict[str, str] = {
    "open": _l("Open"), "done": _l("Done"), "cancelled": _l("Cancelled"),
}

engagement_staff = Table(
    "engagement_staff",
    db.metadata,
    Column("engagement_id", ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
)

engagement_contacts = Table(
    "engagement_contacts",
    db.metadata,
    Column("engagement_id", ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", ForeignKey("contacts.id"), primary_key=True),
    Index("ix_engagement_contacts_contact", "contact_id", "engagement_id"),
)


def _dated_link(name: str, column: str, target: str) -> Table:
    """A link from engagements to stakeholders or communities.

    It carries a copy of the engagement's date, Area, whether it is live (not
    archived) and whether it counts (held and live), so a list filtered by the
    linked record, and the coverage figures, are read from one index, newest first,
    instead of joining a million engagements.
    """
    return Table(
        name,
        db.metadata,
        Column("engagement_id", ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True),
        Column(column, ForeignKey(f"{target}.id"), primary_key=True),
        Column("held_on", Date, nullable=False),
        Column("area_id", Integer, nullable=False),
        Column("counts", Integer, nullable=False, default=1),
        Column("live", Integer, nullable=False, default=1),
        Index(
            f"ix_{name}_timeline",
            *(column, "held_on", "engagement_id", "area_id", "counts", "live"),
        ),
    )


engagement_stakeholders = _dated_link("engagement_stakeholders", "stakeholder_id", "stakeholders")
engagement_communities = _dated_link("engagement_communities", "community_id", "communities")


class CommunityReach(db.Model):
    """How many held, live engagements reached a community in an Area on a day.

    Kept up to date whenever an engagement's links change, so coverage over a
    million engagements reads a few thousand rows instead.
    """

    __tablename__ = "community_reach"
    __table_args__ = (
        # Coverage and the dashboards ask for one Area's days in a period, by community:
        # a covering index in Area and date order reads only those rows (the primary
        # key, community first, made PostgreSQL read every row of it: 7 ms; 11 with the
        # parallel scan it chose instead).
        Index("ix_community_reach_area_held_on", "area_id", "held_on", "community_id",
              "engagements"),
    )

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, primary_key=True)
    engagements: Mapped[int] = mapped_column(Integer)


class EngagementPlace(db.Model):
    """How many held, live engagements took place in a map cell (0.1 degrees square)
    in an Area in a month. Kept up to date by the engagement service for the cells a
    save touches, so the map's engagements layer over a million reads a few thousand."""

    __tablename__ = "engagement_places"

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    cell_lat: Mapped[int] = mapped_column(Integer, primary_key=True)
    cell_lng: Mapped[int] = mapped_column(Integer, primary_key=True)
    engagements: Mapped[int] = mapped_column(Integer)


class EngagementDay(db.Model):
    """How many held, live engagements of a type took place in an Area on a day.

    Kept up to date by every save (services.engagement_figures), so the home pages'
    "engagements held" figures over a million engagements add up a few thousand rows
    instead of counting 200,000 (SQLite: 400 ms).
    """

    __tablename__ = "engagement_days"
    __table_args__ = (
        # A national reader asks for every Area's days in a period: a covering index in
        # date order reads only those rows.
        Index("ix_engagement_days_held_on", "held_on", "area_id", "type", "engagements"),
    )

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, primary_key=True)
    type: Mapped[str] = mapped_column(String(30), primary_key=True)
    engagements: Mapped[int] = mapped_column(Integer)


class Engagement(db.Model):
    """Something that happened between the service and a community."""

    __tablename__ = "engagements"
    __table_args__ = (
        *live_indexes("engagements", ("held_on", "id"), ("area_id", "held_on", "id"),
                      # The list filtered by Area and type (or status): counted and paged
                      # in this index alone, not by reading every engagement of the Area.
                      ("area_id", "type", "held_on", "id"),
                      # The search walks titles in this index alone (SQLite: half the
                      # reading of a walk through the table).
                      ("title", "area_id")),
        # A lead's engagements by date, covering what their home page counts (held, live,
        # by Area and type), so the count is read from the index alone.
        Index("ix_engagements_lead", "lead_id", "held_on", "status", "area_id", "type",
              "archived_at"),
        Index("ix_engagements_area", "area_id"),
        *trigram_indexes("engagements", "title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="held")
    held_on: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    location_kind: Mapped[str] = mapped_column(String(20), default="address")
    location_stakeholder_id: Mapped[int | None] = mapped_column(ForeignKey("stakeholders.id"))
    location_address: Mapped[str] = mapped_column(String(300), default="")
    location_postcode: Mapped[str] = mapped_column(String(8), default="")
    # Where it took place on the map: the premises' coordinates, or the postcode's.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    geocode_status: Mapped[str] = mapped_column(String(20), default="")
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attendance: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")
    issues_raised: Mapped[str] = mapped_column(Text, default="")
    outcomes: Mapped[str] = mapped_column(Text, default="")
    restricted_notes: Mapped[str] = mapped_column(
        Text, default="", info=restricted("Restricted notes")
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    area: Mapped[Area] = relationship()
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])
    location_stakeholder: Mapped[Stakeholder | None] = relationship(
        foreign_keys=[location_stakeholder_id]
    )
    staff: Mapped[list[User]] = relationship(secondary=engagement_staff, order_by=User.name)
    stakeholders: Mapped[list[Stakeholder]] = relationship(
        secondary=engagement_stakeholders, order_by=Stakeholder.name, viewonly=True
    )
    contacts: Mapped[list[Contact]] = relationship(
        secondary=engagement_contacts, order_by=Contact.name
    )
    communities: Mapped[list[Community]] = relationship(
        secondary=engagement_communities, order_by=Community.name, viewonly=True
    )
    actions: Mapped[list[FollowUpAction]] = relationship(
        back_populates="engagement", order_by="FollowUpAction.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    # Whose restricted notes these are: the lead reads them (see access.may_see_restricted).
    __restricted_owner__ = "lead_id"

    @property
    def type_label(self) -> str:
        return ENGAGEMENT_TYPES.get(self.type, self.type)

    @property
    def status_label(self) -> str:
        return ENGAGEMENT_STATUSES.get(self.status, self.status)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @hybrid_property
    def counts(self) -> bool:
        """Whether it counts towards coverage, the map and "last engaged": held and not
        archived. The one definition of the rule, in Python here and in SQL below."""
        return self.status == "held" and self.archived_at is None

    @counts.inplace.expression
    @classmethod
    def _counts_expression(cls):
        return and_(cls.status == "held", cls.archived_at.is_(None))


class FollowUpAction(db.Model):
    """Something to do after an engagement, by whom and by when."""

    __tablename__ = "follow_up_actions"
    __access_parent__ = "engagement"  # seen and changed through its engagement
    __table_args__ = (
        Index("ix_follow_up_actions_owner", "owner_id", "status", "due_on"),
        Index("ix_follow_up_actions_engagement", "engagement_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    engagement: Mapped[Engagement] = relationship(back_populates="actions")
    owner: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return ACTION_STATUSES.get(self.status, self.status)

    def is_overdue(self, today: date) -> bool:
        return self.status == "open" and self.due_on is not None and self.due_on < today
