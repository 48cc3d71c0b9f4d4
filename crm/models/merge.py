"""Merging duplicate records: each merge with what it moved (so it can be undone), and
the pairs people said are not the same."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.common import UTCDateTime, utcnow
from crm.models.user import User


class Merge(db.Model):
    """Records of one kind joined into one that stays (the survivor)."""

    __tablename__ = "merges"
    __table_args__ = (Index("ix_merges_survivor", "record_type", "survivor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))
    survivor_id: Mapped[int] = mapped_column(Integer)
    # The ids of the records merged into the survivor (archived, pointing at it).
    merged_ids: Mapped[list] = mapped_column(JSON, default=list)
    # The survivor's own values of the fields the merge changed: {column: value}.
    survivor_before: Mapped[dict] = mapped_column(JSON, default=dict)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    merged_by: Mapped[User | None] = relationship(foreign_keys=[merged_by_id])
    moves: Mapped[list[MergeMove]] = relationship(
        back_populates="merge", order_by="MergeMove.id", cascade="all, delete-orphan"
    )

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class MergeMove(db.Model):
    """One row a merge re-pointed from a merged record to the survivor, or took away
    because the survivor already had its twin (a unique link): enough to put it back."""

    __tablename__ = "merge_moves"
    __table_args__ = (Index("ix_merge_moves_merge", "merge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merge_id: Mapped[int] = mapped_column(ForeignKey("merges.id"))
    table_name: Mapped[str] = mapped_column(String(60))
    column_name: Mapped[str] = mapped_column(String(60))
    from_id: Mapped[int] = mapped_column(Integer)
    # The row's primary key after the move ({column: value}), or, for a removed row,
    # every column of it as it was.
    row: Mapped[dict] = mapped_column(JSON, default=dict)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)

    merge: Mapped[Merge] = relationship(back_populates="moves")


class DuplicateDismissal(db.Model):
    """A pair of records someone said are not the same: never offered as duplicates again."""

    __tablename__ = "duplicate_dismissals"
    __table_args__ = (UniqueConstraint("record_type", "first_id", "second_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))
    # The pair in id order (first_id < second_id), so each pair is stored once.
    first_id: Mapped[int] = mapped_column(Integer)
    second_id: Mapped[int] = mapped_column(Integer)
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
