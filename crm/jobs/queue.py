"""The job queue: Huey, with its SQLite storage by default and Redis in production.

Why Huey: one small library gives both an embedded queue (a SQLite file beside the
database, so `make run` needs no server) and a Redis one that every app server and
worker shares, with the same code; RQ would need Redis even for the demo.

CRM_JOBS_URL chooses the storage:
- sqlite:///path/to/jobs.db (the default: instance/jobs.db);
- redis://host:6379/0 (production: shared by every app server and worker);
- "immediate": jobs run inside the request that asks for them (the tests' default).

Besides the queue, the storage holds each running job's progress and heartbeat
(`report`, `progress_of`): a job that writes all its rows in one transaction can still
say how far it has got, and a worker that was killed stops beating, so its job is
seen to have failed rather than left "running" for ever.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey

TASK_NAME = "engage.run_job"


def default_jobs_url(instance_path: str) -> str:
    return f"sqlite:///{Path(instance_path) / 'jobs.db'}"


def _make_huey(url: str, name: str) -> Huey:
    if url == "immediate":
        return MemoryHuey(name, immediate=True, results=False)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(path), results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=False)
    # i18n: not interface (configuration, read by the IT team)
    raise ValueError(f"CRM_JOBS_URL must be sqlite:///..., redis://... or immediate, not {url!r}")


def init_queue(app: Flask) -> None:
    """Give the app its queue and register the one task every job runs through."""
    url = app.config.get("JOBS_URL") or default_jobs_url(app.instance_path)
    # The queue's name keeps two installations sharing one Redis apart (CRM_JOBS_NAME).
    huey = _make_huey(url, app.config.get("JOBS_NAME") or "engage")

    def run_job(job_id: int) -> None:
        from crm.jobs.runner import run

        if has_app_context():  # immediate mode: inside the request, in its session
            run(job_id)
            return
        with app.app_context():  # a worker's thread: a session of its own
            run(job_id)

    task = huey.task(name=TASK_NAME)(run_job)

    def reap_stalled() -> None:
        from crm.jobs.runner import reap

        with app.app_context():
            reap()

    # Every minute the worker marks as failed any job whose worker stopped beating.
    from huey import crontab

    huey.periodic_task(crontab(minute="*"), name="engage.reap_stalled")(reap_stalled)

    def nightly_retention() -> None:
        from crm.jobs.runner import start_nightly_retention

        with app.app_context():
            start_nightly_retention()

    at = retention_time(app.config.get("RETENTION_AT", "off"))
    if at is not None:
        huey.periodic_task(crontab(hour=str(at[0]), minute=str(at[1])),
                           name="engage.nightly_retention")(nightly_retention)  # fmt: skip
    app.extensions["jobs"] = Queue(huey=huey, task=task)


def retention_time(setting: str) -> tuple[int, int] | None:
    """CRM_RETENTION_AT as (hour, minute), or None for "off"; anything else is refused
    when the app starts, so a mistyped time never means retention silently never runs."""
    if setting in ("off", ""):
        return None
    hour, _, minute = setting.partition(":")
    if not (hour.isdigit() and minute.isdigit() and len(minute) == 2
            and int(hour) < 24 and int(minute) < 60):  # fmt: skip
        # i18n: not interface (configuration)
        raise ValueError(f"CRM_RETENTION_AT must be a time like 02:30, or off, not {setting!r}")
    return int(hour), int(minute)


@dataclass
class Queue:
    huey: Huey
    task: object

    @property
    def immediate(self) -> bool:
        return bool(self.huey.immediate)


def queue() -> Queue:
    return current_app.extensions["jobs"]


def enqueue(job_id: int) -> None:
    """Hand a committed job to a worker (or, in immediate mode, run it now)."""
    queue().task(job_id)


# Progress and heartbeats, beside the queue.
def _key(job_id: int) -> str:
    return f"engage:job:{job_id}"


@dataclass(frozen=True)
class Progress:
    done: int = 0
    total: int | None = None
    note: str = ""
    beat: float = 0.0  # when the worker last said it was alive (time.time())

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return max(0, min(100, round(100 * self.done / self.total)))


def report(job_id: int, done: int, total: int | None, note: str = "") -> None:
    queue().huey.put(_key(job_id), Progress(done, total, note, time.time()).__dict__)


def beat(job_id: int) -> None:
    """Say the job's worker is still alive, keeping the progress already reported."""
    known = progress_of(job_id)
    queue().huey.put(_key(job_id), known.__dict__ | {"beat": time.time()})


def progress_of(job_id: int) -> Progress:
    found = queue().huey.get(_key(job_id), peek=True)
    return Progress(**found) if isinstance(found, dict) else Progress()


def forget(job_id: int) -> None:
    queue().huey.delete(_key(job_id))
