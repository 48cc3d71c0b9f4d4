"""Geography: postcode centroids imported from the ONS Postcode Directory, and Area
boundaries imported as GeoJSON."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.common import UTCDateTime, utcnow
from crm.models.reference import Area


class PostcodeSet(db.Model):
    """One import of the ONS Postcode Directory. Rows load into a new set; the set
    becomes current only when every row is in, so a lookup never sees half a file."""

    __tablename__ = "postcode_sets"
    __table_args__ = (
        # One import at a time: a second set cannot be "loading" beside the first.
        Index(
            "uq_postcode_sets_one_loading",
            "status",
            unique=True,
            sqlite_where=text("status = 'loading'"),
            postgresql_where=text("status = 'loading'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="loading")  # loading/ready/failed
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    # The directory's CSV is larger than 2 GB once unzipped.
    total_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_read: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moved on with each batch: an import whose process died stops moving, and after a
    # while another may start (see postcode_import.STALLED_AFTER).
    progress_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Postcode(db.Model):
    """A postcode's centroid, in WGS84, within one imported set."""

    __tablename__ = "postcodes"

    set_id: Mapped[int] = mapped_column(
        ForeignKey("postcode_sets.id", ondelete="CASCADE"), primary_key=True
    )
    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)  # no spaces, upper
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)


class AreaBoundary(db.Model):
    """An Area's boundary as a GeoJSON geometry (Polygon or MultiPolygon, WGS84)."""

    __tablename__ = "area_boundaries"

    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    geometry: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300), default="")
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area: Mapped[Area] = relationship()
