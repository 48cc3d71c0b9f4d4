"""Stakeholders (organisations and groups) and contacts (people), with their links."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    event,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.common import UTCDateTime, live_indexes, trigram_indexes, utcnow
from crm.models.reference import Area, Community
from crm.models.user import User

STAKEHOLDER_TYPES: dict[str, str] = {
    "community_group": _l("Community group"),
    "vcs": _l("Voluntary and community sector organisation"),
    "faith": _l("Faith organisation"),
    "statutory": _l("Statutory partner"),
    "cj_partner": _l("Criminal justice partner"),
    "victims_service": _l("Victims' and witness service"),
    "advocacy": _l("Advocacy or support service"),
    "academic": _l("Academic"),
    "elected": _l("Elected representative"),
    "media": _l("Media"),
    "other": _l("Other"),
}

STAKEHOLDER_STATUSES: dict[str, str] = {
    "active": _l("Active"),
    "dormant": _l("Dormant"),
    "closed": _l("Closed"),
}

CONTACT_METHODS: dict[str, str] = {
    "email": _l("Email"),
    "phone": _l("Phone"),
    "post": _l("Post"),
    "in_person": _l("In person"),
    "none": _l("No preference"),
}

CONSENT_BASES: dict[str, str] = {
    "consent": _l("Consent"),
    "public_task": _l("Public task"),
    "legitimate_interests": _l("Legitimate interests"),
}

stakeholder_communities = Table(
    "stakeholder_communities",
    db.metadata,
    Column("stakeholder_id", ForeignKey("stakeholders.id", ondelete="CASCADE"), primary_key=True),
    Column("community_id", ForeignKey("communities.id"), primary_key=True),
    Index("ix_stakeholder_communities_community", "community_id", "stakeholder_id"),
)


class Stakeholder(db.Model):
    """An organisation or group the Area works with."""

    __tablename__ = "stakeholders"
    __table_args__ = (
        # The list reads the page's ids from these partial indexes of live records
        # alone, in each sort order, without touching the table.
        *live_indexes(
            "stakeholders",
            ("name", "id"),
            ("area_id", "name", "id"),
            ("updated_at", "id"),
            ("postcode", "id"),
            # The map's gap list, in index order.
            ("serves_seldom_heard", "last_engaged_on", "id"),
        ),
        # One Area's gaps, in index order (named: PostgreSQL names stop at 63 characters).
        Index(
            "ix_stakeholders_live_area_gaps",
            *("area_id", "serves_seldom_heard", "last_engaged_on", "id"),
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),
        # The map's counts by Area and type, grouped in index order, its filters read
        # from the index too; and an Area's live stakeholders counted from it alone. (A
        # plain index on area_id drew SQLite's planner away from these partial ones, to
        # read every row: it is gone.)
        Index(
            "ix_stakeholders_live_map_counts",
            *("area_id", "type", "status", "last_engaged_on", "serves_seldom_heard"),
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),  # fmt: skip
        # The map reads its points, counts and gaps from this index alone.
        Index(
            "ix_stakeholders_live_map",
            *(
                "area_id",
                "latitude",
                "longitude",
                "type",
                "id",
                "last_engaged_on",
                "serves_seldom_heard",
                "status",
            ),
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),  # fmt: skip
        Index("ix_stakeholders_postcode", "postcode"),
        Index("ix_stakeholders_email", "email"),
        # Someone's stakeholders in their Areas (their home page counts them): from the index.
        Index("ix_stakeholders_owner", "owner_id", "area_id", "archived_at"),
        # The records merged into this one, which its page asks for (a few, of 100,000).
        Index("ix_stakeholders_merged_into", "merged_into_id",
              sqlite_where=text("merged_into_id IS NOT NULL"),
              postgresql_where=text("merged_into_id IS NOT NULL")),
        *trigram_indexes("stakeholders", "name", "town"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    town: Mapped[str] = mapped_column(String(100), default="")
    postcode: Mapped[str] = mapped_column(String(8), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # Where the coordinates came from: "postcode" (looked up), "manual" (typed, never
    # overwritten), "not_found" (a postcode the lookup does not know), or "" (none).
    geocode_status: Mapped[str] = mapped_column(String(20), default="")
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default="active")
    influence: Mapped[int | None] = mapped_column(Integer)
    interest: Mapped[int | None] = mapped_column(Integer)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    preferred_language: Mapped[str] = mapped_column(String(100), default="")
    accessible_formats: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # The date of the latest held engagement with it: kept by the engagement service.
    last_engaged_on: Mapped[date | None] = mapped_column(Date)
    # Whether any community it serves is seldom heard: kept by the stakeholder service
    # when its communities change, so the map's gap layer is one indexed condition.
    serves_seldom_heard: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when merged into another stakeholder (archived then): links to it lead there.
    merged_into_id: Mapped[int | None] = mapped_column(Integer)

    area: Mapped[Area] = relationship()
    owner: Mapped[User | None] = relationship()
    communities: Mapped[list[Community]] = relationship(
        secondary=stakeholder_communities, order_by=Community.name
    )
    affiliations: Mapped[list[Affiliation]] = relationship(back_populates="stakeholder")

    __mapper_args__ = {"version_id_col": version}

    @property
    def type_label(self) -> str:
        return STAKEHOLDER_TYPES.get(self.type, self.type)

    @property
    def status_label(self) -> str:
        return STAKEHOLDER_STATUSES.get(self.status, self.status)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Contact(db.Model):
    """A person, usually at a stakeholder. Personal data: their consent per purpose and
    do-not-contact history are kept beside it (crm/models/consent.py)."""

    __tablename__ = "contacts"
    __table_args__ = (
        *live_indexes("contacts", ("name", "id"), ("area_id", "name", "id"), ("updated_at", "id")),
        Index("ix_contacts_email", "email"),
        # Counts of an Area's live contacts (and those not to contact) from the index.
        Index("ix_contacts_area", "area_id", "archived_at", "do_not_contact"),
        Index("ix_contacts_merged_into", "merged_into_id",
              sqlite_where=text("merged_into_id IS NOT NULL"),
              postgresql_where=text("merged_into_id IS NOT NULL")),
        *trigram_indexes("contacts", "name", "email", "job_title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    preferred_contact_method: Mapped[str] = mapped_column(String(20), default="none")
    accessibility_needs: Mapped[str] = mapped_column(Text, default="")
    preferred_language: Mapped[str] = mapped_column(String(100), default="")
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when merged into another contact (archived then): links to them lead there.
    merged_into_id: Mapped[int | None] = mapped_column(Integer)

    area: Mapped[Area] = relationship()
    affiliations: Mapped[list[Affiliation]] = relationship(
        back_populates="contact", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def contact_method_label(self) -> str:
        return CONTACT_METHODS.get(self.preferred_contact_method, "")

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Affiliation(db.Model):
    """A contact's place at a stakeholder, and their role there."""

    __tablename__ = "affiliations"
    __table_args__ = (Index("ix_affiliations_stakeholder", "stakeholder_id"),)

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("stakeholders.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(200), default="")

    contact: Mapped[Contact] = relationship(back_populates="affiliations")
    stakeholder: Mapped[Stakeholder] = relationship(back_populates="affiliations")


def _seldom_heard_appended(target: Stakeholder, value: Community, initiator) -> Community:
    target.serves_seldom_heard = bool(target.serves_seldom_heard) or bool(value.seldom_heard)
    return value


def _seldom_heard_removed(target: Stakeholder, value: Community, initiator) -> None:
    target.serves_seldom_heard = any(c.seldom_heard for c in target.communities if c is not value)


def _seldom_heard_replaced(target: Stakeholder, values, initiator) -> None:
    target.serves_seldom_heard = any(c.seldom_heard for c in values)


# Whichever way a stakeholder's communities change, its seldom-heard flag follows.
event.listen(Stakeholder.communities, "append", _seldom_heard_appended, retval=True)
event.listen(Stakeholder.communities, "remove", _seldom_heard_removed)
event.listen(Stakeholder.communities, "bulk_replace", _seldom_heard_replaced)

# The duplicate checks compare names and emails whatever their case (a stakeholder's name
# and postcode, or email; a contact's email, or name on the erasure page): indexes on the
# lowered values answer them, where the plain ones could not (145 ms to under 1 ms on
# PostgreSQL at 100,000 stakeholders, walking an Area's names before).
Index("ix_stakeholders_lower_name_postcode", func.lower(Stakeholder.name), Stakeholder.postcode)
Index("ix_stakeholders_lower_email", func.lower(Stakeholder.email))
Index("ix_contacts_lower_email", func.lower(Contact.email))
Index("ix_contacts_lower_name", func.lower(Contact.name))
