"""Background jobs: long work (a directory import, geocoding, a report's PDF) that runs
on the job queue, away from the request that asked for it.

The row is the job's record: what was asked, by whom, and how it ended, so its page
survives a reload, a restart and a worker that died. How far a running job has got
lives beside the queue (crm.jobs.progress), where a job that writes everything in one
transaction can still report it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from crm.extensions import db
from crm.models.common import UTCDateTime, utcnow

# queued: waiting for a worker; running: a worker has it; done; failed (a worker that
# stopped answering counts as failed too, and the job can be tried again).
JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_started_by", "started_by_id", "id"),
        Index("ix_jobs_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Which handler runs it (crm.services.jobs registers them by kind).
    kind: Mapped[str] = mapped_column(String(40))
    # What the person sees: "Import the ONS Postcode Directory: ONSPD_NOV_2026.zip".
    title: Mapped[str] = mapped_column(String(300))
    # The handler's arguments as JSON: ids and file names, never personal data.
    params: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(12), default="queued")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # How it ended, in words for the person who asked: a summary or what went wrong.
    message: Mapped[str] = mapped_column(Text, default="")
    # Where to see what it made, if anywhere: the endpoint of a page in Engage (a worker
    # has no request to build a URL from; the job's page builds it).
    result_link: Mapped[str | None] = mapped_column(String(300))
    # A file it made (a report's PDF), kept in the database so every app server has it.
    result_name: Mapped[str | None] = mapped_column(String(200))
    result_type: Mapped[str | None] = mapped_column(String(100))
    result_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    started_by = relationship("User", foreign_keys=[started_by_id])
