"""Running one job on a worker: the job boundary, where a job's work is committed.

A job is taken (queued -> running, committed, so its page says so), its handler does
the work, and the work and the job's ending are committed together; a handler that
fails leaves nothing of its work behind, only the job marked failed with why. While it
runs, a thread beats for it beside the queue, so a worker killed mid-job is noticed.
"""

from __future__ import annotations

import json
import logging
import threading

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import update

from crm import i18n
from crm.extensions import db
from crm.jobs import queue
from crm.models import Job
from crm.models.common import utcnow
from crm.services import jobs

log = logging.getLogger(__name__)


def _take(job_id: int) -> Job | None:
    """Mark the job running, if it is still queued (a job handed out twice runs once)."""
    queue.report(job_id, 0, None, _("Starting"))
    taken = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == "queued")
        .values(status="running", started_at=utcnow(), attempts=Job.attempts + 1)
    ).rowcount  # fmt: skip
    db.session.commit()
    return db.session.get(Job, job_id) if taken else None


class _Heartbeat:
    """Beats for the job every few seconds until stopped, from its own thread."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.app = current_app._get_current_object()
        self.every = max(0.5, jobs.stale_seconds() / 6)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"job-{job_id}-beat")

    def _run(self) -> None:
        with self.app.app_context():
            while not self.stopped.wait(self.every):
                queue.beat(self.job_id)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.stopped.set()
        self.thread.join()


def run(job_id: int) -> None:
    job = _take(job_id)
    if job is None:
        return
    params = json.loads(job.params or "{}")
    # In the language of the request that asked (crm.services.jobs.submit): its progress,
    # its ending and any file it makes.
    with force_locale(params.get("language") or i18n.DEFAULT):
        _run(job, params)


def _run(job: Job, params: dict) -> None:
    job_id = job.id

    def report(done: int, total: int | None, note: str = "") -> None:
        queue.report(job_id, done, total, note)

    try:
        with _Heartbeat(job_id):
            outcome = jobs.handler_for(job.kind)(params, report)
    except jobs.JobFailed as failure:
        _fail(job_id, str(failure))
        return
    except Exception:
        # The log names the job and the kind of error, never its data.
        log.exception("Job %s (%s) failed", job_id, job.kind)
        _fail(job_id, _("Something went wrong and the job stopped. Nothing it had done "
                        "was kept. Try again; if it fails again, tell the service's "
                        "administrators (job %(id)s).", id=job_id))
        return
    job.status, job.finished_at, job.message = "done", utcnow(), outcome.message
    job.result_link = outcome.link
    job.result_name, job.result_type = outcome.file_name, outcome.file_type
    job.result_data = outcome.file_data
    db.session.commit()
    queue.report(job_id, 1, 1, _("Finished"))


def _fail(job_id: int, message: str) -> None:
    db.session.rollback()
    db.session.execute(
        update(Job).where(Job.id == job_id)
        .values(status="failed", message=message[:4000], finished_at=utcnow())
    )  # fmt: skip
    db.session.commit()


def start_nightly_retention() -> Job | None:
    """The nightly retention run, queued as a job of nobody's (administrators follow it on
    /jobs), unless one was already queued today: with several workers each one's schedule
    fires, so they take a lock the queue's storage keeps for all of them, and the first
    queues the night's one run."""
    from huey.exceptions import TaskLockedException

    try:
        with queue.queue().huey.lock_task("engage.nightly_retention"):
            job = jobs.submit_once_a_day("retention", _("Retention rules applied (nightly)"))
            db.session.commit()
    except TaskLockedException:
        return None  # another worker is queueing it
    if job is not None:
        jobs.start(job)
    return job


def reap() -> int:
    """Mark failed the jobs whose workers stopped, and delete the files kept past their
    days (the worker does this every minute)."""
    count = jobs.mark_stopped()
    jobs.forget_old_files()
    db.session.commit()
    return count
