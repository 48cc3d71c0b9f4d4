"""The stakeholder and community mapping exercise: a dated snapshot of where each of an
Area's stakeholders stands on influence and interest, and who ran it.

Positions are never changed once recorded: comparing two exercises is the point. The
register's own scores (Stakeholder.influence and .interest) are the latest exercise's.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm import i18n
from crm.extensions import db
from crm.models.common import UTCDateTime, utcnow
from crm.models.reference import Area
from crm.models.stakeholder import Stakeholder
from crm.models.user import User


class MappingExercise(db.Model):
    """One Area's mapping exercise, held on a day, run by a member of staff."""

    __tablename__ = "mapping_exercises"
    # The Area's exercises newest first, and its latest one, from the index alone.
    __table_args__ = (Index("ix_mapping_exercises_area", "area_id", "held_on", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    held_on: Mapped[date] = mapped_column(Date)
    run_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    area: Mapped[Area] = relationship()
    run_by: Mapped[User | None] = relationship()
    positions: Mapped[list[MappingPosition]] = relationship(
        back_populates="exercise", cascade="all, delete-orphan", order_by="MappingPosition.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def name(self) -> str:
        """What lists and links call it: its title, or the Area and the day."""
        return self.title or gettext("%(area)s mapping, %(day)s", area=self.area.name,
                                     day=i18n.day_month_year(self.held_on))

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class MappingPosition(db.Model):
    """Where one stakeholder stood in an exercise: influence and interest, 1 low to 5 high
    (both blank: not yet assessed), and why."""

    __tablename__ = "mapping_positions"
    __table_args__ = (
        Index("ix_mapping_positions_exercise", "exercise_id", "stakeholder_id", unique=True),
        Index("ix_mapping_positions_stakeholder", "stakeholder_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("mapping_exercises.id", ondelete="CASCADE"))
    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("stakeholders.id"))
    influence: Mapped[int | None] = mapped_column(Integer)
    interest: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")

    exercise: Mapped[MappingExercise] = relationship(back_populates="positions")
    stakeholder: Mapped[Stakeholder] = relationship()
