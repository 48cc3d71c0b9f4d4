"""Spreadsheet imports: an uploaded file, how its columns were read, what applying it did.

An import is one person's: its file (kept in the database, so the worker applying it on
another machine reads the same bytes), the kind of record its rows are, the column
mapping chosen, and the choices made for possible duplicates. Applying it records each
row's outcome (ImportRow: the record created, or updated with its values before), so an
undo puts back exactly what the import changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from crm.extensions import db
from crm.models.common import UTCDateTime, utcnow

# draft: uploaded, being mapped and previewed; queued/applying: handed to a job;
# applied; failed (nothing of it was kept); undoing: its undo handed to a job; undone.
IMPORT_STATUSES = ("draft", "queued", "applied", "failed", "undoing", "undone")


class SpreadsheetImport(db.Model):
    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_started_by", "started_by_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    # The header row as read, and {field: column index} as chosen.
    headers: Mapped[list] = mapped_column(JSON, default=list)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    # {row number: "create" | "skip" | "update:<id>"} for rows with possible duplicates,
    # and for returning erased people ("create" imports them anyway).
    choices: Mapped[dict] = mapped_column(JSON, default=dict)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)

    started_by = relationship("User", foreign_keys=[started_by_id])


class ImportRow(db.Model):
    """One record an applied import created or updated, with its values before."""

    __tablename__ = "import_rows"
    __table_args__ = (Index("ix_import_rows_import", "import_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"))
    row_number: Mapped[int] = mapped_column(Integer)
    record_type: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))  # "created" or "updated"
    # {column: value before} for an update (dates as ISO text); {} for a creation.
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    # The record's version once imported: undo refuses if it has moved on since; and
    # before (an update), so undoing a later import hands this one's turn back.
    version_after: Mapped[int] = mapped_column(Integer, default=1)
    version_before: Mapped[int | None] = mapped_column(Integer)


class ImportMapping(db.Model):
    """The column mapping last chosen for a kind of file with these headers."""

    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("kind", "headers_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    # SHA-256 of the headers, lower-cased and tidied, joined.
    headers_key: Mapped[str] = mapped_column(String(64))
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
