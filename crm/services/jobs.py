"""Background jobs: asking for one, following it, trying a failed one again.

A kind of job is a handler registered here by name (`@handler("postcodes")`); the
handler does the work and returns an Outcome. The runner (crm.jobs.runner) is the
boundary that commits; these functions only flush, like every other service.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from crm import clock, i18n
from crm.extensions import db
from crm.jobs import queue
from crm.models import Job, User
from crm.models.common import utcnow
from crm.services import access

# A running job's worker says it is alive this often; one silent for STALE_AFTER
# seconds (CRM_JOB_STALE_SECONDS) has stopped: its job has failed and may be retried.
DEFAULT_STALE_SECONDS = 60
STOPPED = _l("The worker running this job stopped before it finished. Try again.")
# A job waiting this long has probably no worker to take it.
WAITING_LONG = timedelta(minutes=5)


class JobFailed(Exception):
    """The job cannot do its work; the message says why, in words for the person."""


@dataclass
class Outcome:
    message: str
    link: str | None = None  # the endpoint of the page showing what it made
    file_name: str | None = None
    file_type: str | None = None
    file_data: bytes | None = None


# (params, report) -> Outcome; report(done, total, note) says how far it has got.
Report = Callable[[int, int | None, str], None]
Handler = Callable[[dict, Report], Outcome]
_handlers: dict[str, Handler] = {}
# Kinds whose file holds personal data, and the rights needed to download it (besides
# being the person who asked): declared with the handler. A job's params may add more
# ("file_rights"), for what went into its file at making time.
PERSONAL_FILE_KINDS: dict[str, tuple[str, ...]] = {}


def handler(kind: str, *, file_rights: tuple[str, ...] | None = None
            ) -> Callable[[Handler], Handler]:  # fmt: skip
    """Register the function that does one kind of job. `file_rights`: its file holds
    personal data, for the person who asked alone, while they hold these rights."""

    def register(function: Handler) -> Handler:
        _handlers[kind] = function
        if file_rights is not None:
            PERSONAL_FILE_KINDS[kind] = tuple(file_rights)
        return function

    return register


def file_rights(job: Job) -> tuple[str, ...] | None:
    """The rights needed to download the job's file if it holds personal data (only the
    person who asked may, while holding them all); None: an ordinary file, for whoever
    follows the job."""
    import crm.jobs.kinds  # noqa: F401  (registers every kind)

    try:
        extra = json.loads(job.params or "{}").get("file_rights") or []
    except (ValueError, AttributeError):
        extra = []
    if job.kind not in PERSONAL_FILE_KINDS and not extra:
        return None
    return tuple(dict.fromkeys([*PERSONAL_FILE_KINDS.get(job.kind, ()), *extra]))


def may_download(user: User, job: Job) -> bool:
    return access.can(user, "download_job", job)


def file_days() -> int:
    return int(current_app.config.get("JOB_FILE_DAYS") or 7)


def file_kept(job: Job) -> bool:
    """Whether the job's file is still kept: for JOB_FILE_DAYS after it was made."""
    return (job.result_data is not None and job.finished_at is not None
            and clock.now() - job.finished_at <= timedelta(days=file_days()))  # fmt: skip


def file_of(user: User, job_id: int) -> Job:
    """A job whose file the user may download: an ordinary file, whoever follows the job;
    one holding personal data (a subject access export), only the person who asked, while
    they hold its rights. Administrators still see such a job's page, not its file."""
    job = get(user, job_id)
    if not access.can(user, "download_job", job):
        # Never shown: a refusal is the 403 page, which says so in the page's language.
        raise access.AccessDenied(
            "Only the person who asked for this file may download it")  # i18n: not interface
    return job


def downloaded(user: User, job: Job) -> None:
    """Record a subject access export going out, each time, on the person's history."""
    if job.kind == "subject_access":
        from crm.services.subject_access import record_download

        record_download(user, job)


def forget_old_files() -> int:
    """Delete the files of jobs made more than JOB_FILE_DAYS ago; how many."""
    cutoff = clock.now() - timedelta(days=file_days())
    return db.session.execute(
        update(Job).where(Job.result_data.is_not(None), Job.finished_at < cutoff)
        .values(result_data=None)).rowcount  # fmt: skip


def handler_for(kind: str) -> Handler:
    import crm.jobs.kinds  # noqa: F401  (registers every kind)

    return _handlers[kind]


def submit(user: User | None, kind: str, title: str, params: dict) -> Job:
    """A new job, queued. The caller commits, then calls `start` to hand it to a worker."""
    handler_for(kind)  # an unknown kind is a programming error: refuse it now
    # The job speaks the language of the request that asked for it (its messages, and
    # the files it makes), as the page that asked did.
    params = {**params, "language": i18n.language()}
    job = Job(kind=kind, title=title[:300], params=json.dumps(params), status="queued",
              started_by_id=user.id if user else None)  # fmt: skip
    db.session.add(job)
    db.session.flush()
    return job


def submit_once_a_day(kind: str, title: str) -> Job | None:
    """A scheduled job of nobody's, unless one of the kind was already scheduled today (UTC)."""
    now = clock.now()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    already = db.session.scalar(select(Job.id).where(
        Job.kind == kind, Job.started_by_id.is_(None), Job.created_at >= midnight).limit(1))
    if already is not None:
        return None
    job = submit(None, kind, title, {"user_id": None})
    job.created_at = now
    return job


def start(job: Job) -> None:
    """Hand a committed job to the queue."""
    queue.report(job.id, 0, None, _("Waiting for a worker"))
    queue.enqueue(job.id)


def stale_seconds() -> int:
    return int(current_app.config.get("JOB_STALE_SECONDS") or DEFAULT_STALE_SECONDS)


@dataclass(frozen=True)
class JobState:
    """What a job's page shows: its status as the person should understand it."""

    status: str  # queued, running, done, failed
    progress: queue.Progress
    message: str
    waiting_long: bool = False

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


def has_stopped(job: Job, progress: queue.Progress) -> bool:
    """A running job whose worker has not said it is alive for stale_seconds()."""
    if job.status != "running":
        return False
    started = job.started_at.timestamp() if job.started_at else 0.0
    return time.time() - max(progress.beat, started) > stale_seconds()


def state_of(job: Job) -> JobState:
    progress = queue.progress_of(job.id)
    if has_stopped(job, progress):
        return JobState("failed", progress, STOPPED)
    waiting_long = job.status == "queued" and utcnow() - job.created_at > WAITING_LONG
    return JobState(job.status, progress, job.message, waiting_long)


def get(user: User, job_id: int) -> Job:
    """A job the user may follow (their own; administrators: every one). Someone else's is
    refused (a job belongs to a person, not an Area: its number gives nothing away)."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise access.RecordNotFound()
    if not access.can(user, "follow_job", job):
        raise access.AccessDenied("This is someone else's job")  # i18n: not interface (403 page)
    return job


def listed(user: User, limit: int = 50) -> list[Job]:
    """The user's jobs, newest first (administrators: everyone's)."""
    stmt = select(Job).order_by(Job.id.desc()).limit(limit)
    if not access.can(user, "administer", "jobs"):
        stmt = stmt.where(Job.started_by_id == user.id)
    return list(db.session.scalars(stmt))


def retry(user: User, job: Job) -> Job:
    """Queue a failed job (or one whose worker stopped) again. The caller commits, then
    calls `start`."""
    if not access.can(user, "follow_job", job):
        raise access.AccessDenied("This is someone else's job")  # i18n: not interface (403 page)
    if state_of(job).status != "failed":
        raise JobFailed(_("Only a job that failed can be tried again"))
    job.status, job.message, job.finished_at = "queued", "", None
    job.result_link = job.result_name = job.result_type = job.result_data = None
    db.session.flush()
    return job


def mark_stopped() -> int:
    """Mark as failed every running job whose worker stopped beating; how many."""
    count = 0
    for job in db.session.scalars(select(Job).where(Job.status == "running")):
        if has_stopped(job, queue.progress_of(job.id)):
            job.status, job.message, job.finished_at = "failed", str(STOPPED), utcnow()
            count += 1
    db.session.flush()
    return count
