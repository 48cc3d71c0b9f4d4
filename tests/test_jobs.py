"""Background jobs: long work runs on the job queue, its page shows how far it has got
(and survives a reload), a job that fails keeps nothing and can be tried again, and a
job whose worker is killed is seen to have failed, never left "running".

Most tests run jobs in "immediate" mode (inside the request, as every other test does);
the last starts real worker processes on an embedded (SQLite) queue and kills one.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.jobs import queue, runner
from crm.models import Job, PostcodeSet, Stakeholder
from crm.models.common import utcnow
from crm.services import geocoding, jobs
from tests.conftest import REDIS_URL, make_app, sign_in


def _onspd(rows: list[tuple[str, str, str]], header=("pcds", "lat", "long")) -> bytes:
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _state(html: str) -> str:
    """The job's status tag and what the page says under it."""
    found = re.search(r'<div id="job-state"[^>]*>(.*?)</div>\s*<dl', html, re.S)
    assert found, html[:2000]
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def _upload(client, content: bytes, name: str = "onspd.csv"):
    return client.post("/map/postcodes", data={"file": (io.BytesIO(content), name)})


def test_the_directory_import_runs_as_a_job_whose_page_says_how_it_ended(app, client,
                                                                          signed_in):
    signed_in("admin", national=True)
    response = _upload(client, _onspd([("L1 8JQ", "53.4", "-2.98"), ("CH1 1AB", "53.2", "-2.9")]))
    assert response.status_code == 302 and re.fullmatch(r"/jobs/\d+", response.location)
    page = client.get(response.location).get_data(as_text=True)
    assert "Import the ONS Postcode Directory: onspd.csv" in page
    assert _state(page).startswith("Finished Imported 2 postcodes; lookups now use them")
    assert 'http-equiv="refresh"' not in page  # finished: the page stops refreshing
    assert 'href="/map/postcodes"' in page  # "See the result"
    listing = client.get("/jobs").get_data(as_text=True)
    assert "Import the ONS Postcode Directory: onspd.csv" in listing and "Finished" in listing
    with app.app_context():
        assert geocoding.lookup("L18JQ") == (53.4, -2.98)


def test_placing_records_runs_as_a_job(app, client, signed_in, make_stakeholder):
    placed = make_stakeholder(postcode="L1 8JQ")
    lost = make_stakeholder(name="Nowhere Group", postcode="ZZ9 9ZZ")
    signed_in("admin", national=True)
    response = client.post("/map/postcodes/place")
    assert re.fullmatch(r"/jobs/\d+", response.location)
    state = _state(client.get(response.location).get_data(as_text=True))
    assert state.startswith("Finished Placed 1 record from their postcode; 1 postcode not found")
    with app.app_context():
        assert db.session.get(Stakeholder, placed).latitude is not None
        assert db.session.get(Stakeholder, lost).latitude is None


def test_a_file_that_is_not_the_directory_fails_saying_why(app, client, signed_in):
    signed_in("admin", national=True)
    response = _upload(client, _onspd([("L1 8JQ", "1", "2")], header=("postcode", "x", "y")))
    page = client.get(response.location).get_data(as_text=True)
    state = _state(page)
    assert state.startswith("Failed Not imported: The file has no postcode column")
    assert "Lookups still use the data they used before" in state and "Try again" in state
    # The file was wrong, so it was not kept: trying again says so.
    job_id = int(response.location.rsplit("/", 1)[1])
    again = client.post(f"/jobs/{job_id}/retry", follow_redirects=True)
    assert "The uploaded file is no longer there: upload it again" in _state(
        again.get_data(as_text=True))


@pytest.fixture
def flaky_kind():
    """A kind of job that fails unexpectedly the first time, having written a row."""
    attempts: list[int] = []

    @jobs.handler("test.flaky")
    def flaky(params, report):
        attempts.append(1)
        db.session.add(PostcodeSet(source=f"written by attempt {len(attempts)}", status="failed"))
        db.session.flush()
        report(1, 2, "Halfway")
        if len(attempts) == 1:
            raise RuntimeError("disk full at /srv/secret-path")
        return jobs.Outcome("All done", link="main.home")

    yield attempts
    jobs._handlers.pop("test.flaky")


def _submit(app, user, kind: str, title: str = "A job") -> int:
    with app.app_context():
        job = jobs.submit(db.session.merge(user), kind, title, {})
        db.session.commit()
        jobs.start(job)
        return job.id


def _sources(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(PostcodeSet.source)))


def test_a_job_that_fails_keeps_nothing_and_can_be_tried_again(app, client, signed_in,
                                                                flaky_kind):
    user = signed_in("lead")
    job_id = _submit(app, user, "test.flaky", "Flaky work")
    state = _state(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert state.startswith("Failed Something went wrong and the job stopped.")
    assert f"(job {job_id})" in state and "secret-path" not in state  # no internals shown
    assert _sources(app) == []  # what the failed attempt wrote was rolled back
    response = client.post(f"/jobs/{job_id}/retry")
    assert response.status_code == 302
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert _state(page).startswith("Finished All done") and "attempt 2" in page
    assert _sources(app) == ["written by attempt 2"]
    # A finished job is not run again.
    again = client.post(f"/jobs/{job_id}/retry", follow_redirects=True).get_data(as_text=True)
    assert "Only a job that failed can be tried again" in again
    assert len(flaky_kind) == 2


def test_people_follow_only_their_own_jobs(app, client, make_user, flaky_kind):
    owner, other = make_user("lead"), make_user("lead")
    admin = make_user("admin", national=True)
    job_id = _submit(app, owner, "test.flaky", "The owner job")
    sign_in(client, other)
    assert client.get(f"/jobs/{job_id}").status_code == 403
    assert client.post(f"/jobs/{job_id}/retry").status_code == 403
    assert "The owner job" not in client.get("/jobs").get_data(as_text=True)
    assert client.get("/jobs/999999").status_code == 404
    assert len(flaky_kind) == 1  # the refused retry ran nothing
    for who in (owner, admin):
        theirs = app.test_client()
        sign_in(theirs, who)
        assert "The owner job" in theirs.get("/jobs").get_data(as_text=True)
        assert theirs.get(f"/jobs/{job_id}").status_code == 200


def _running_job(app, user, beat_seconds_ago: float, done=45, total=100) -> int:
    """A job a worker took ten minutes ago, whose worker last beat so many seconds ago."""
    with app.app_context():
        job = Job(kind="geocode", title="Place records", status="running",
                  started_by_id=user.id, started_at=utcnow() - timedelta(minutes=10),
                  attempts=1)  # fmt: skip
        db.session.add(job)
        db.session.commit()
        queue.report(job.id, done, total, "Placing stakeholders")
        stored = queue.progress_of(job.id).__dict__ | {"beat": time.time() - beat_seconds_ago}
        queue.queue().huey.put(f"engage:job:{job.id}", stored)
        return job.id


def test_a_running_job_shows_its_progress_and_keeps_refreshing(app, client, signed_in):
    user = signed_in("admin", national=True)
    job_id = _running_job(app, user, beat_seconds_ago=1)
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert _state(page).startswith("Running Placing stakeholders: 45% done.")
    assert 'http-equiv="refresh"' in page and 'value="45"' in page


def test_a_job_whose_worker_went_silent_has_failed_and_is_marked_so(app, client, signed_in):
    user = signed_in("admin", national=True)
    job_id = _running_job(app, user, beat_seconds_ago=jobs.DEFAULT_STALE_SECONDS + 5)
    state = _state(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert state.startswith("Failed " + jobs.STOPPED) and "Try again" in state
    with app.app_context():
        assert runner.reap() == 1
        assert db.session.get(Job, job_id).status == "failed"


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "flask", "crm", "worker"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _wait_for(client, url: str, wanted: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = _state(client.get(url).get_data(as_text=True))
        if state.startswith(wanted):
            return state
        time.sleep(0.2)
    raise AssertionError(f"{url} never said {wanted!r}: it says {state!r}")


def kill_when_it_says(client, location: str, words: str, worker, seconds: float = 60) -> None:
    """Kill the worker (kill -9) as soon as its job's page says `words`: mid-job."""
    deadline = time.monotonic() + seconds
    while words not in _state(client.get(location).get_data(as_text=True)):
        assert time.monotonic() < deadline, "the job never made progress"
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)


def test_a_worker_killed_mid_job_leaves_it_failed_and_another_worker_finishes_it(
    database_url, make_user, tmp_path
):
    """Real worker processes on an embedded queue: the first is killed (kill -9) halfway
    through a directory import; the job is seen to have failed; a second worker marks it
    so when it starts, and finishes it when the person tries again."""
    jobs_url = f"sqlite:///{tmp_path / 'jobs.db'}"
    app = make_app(database_url, JOBS_URL=jobs_url, JOB_STALE_SECONDS=2)
    client = app.test_client()
    sign_in(client, make_user("admin", national=True))
    rows = [(f"L{n % 97 + 1} {n % 9}{chr(65 + n % 26)}{chr(65 + n // 26 % 26)}", "53.4", "-2.9")
            for n in range(150_000)]  # fmt: skip
    env = os.environ | {"FLASK_APP": "crm", "CRM_DATABASE_URL": database_url,
                        "CRM_JOBS_URL": jobs_url, "CRM_JOB_STALE_SECONDS": "2"}  # fmt: skip
    first = _worker(env)
    second = None
    try:
        location = _upload(client, _onspd(rows), "big.csv").location
        kill_when_it_says(client, location, "postcodes loaded", first)
        state = _wait_for(client, location, "Failed", 10)
        assert str(jobs.STOPPED) in state and "Try again" in state
        second = _worker(env)
        with app.app_context():
            job_id = int(location.rsplit("/", 1)[1])
            deadline = time.monotonic() + 30
            while db.session.get(Job, job_id).status != "failed":  # the new worker's sweep
                assert time.monotonic() < deadline, "the new worker left the job running"
                db.session.rollback()  # end the read: SQLite's writer must not wait on it
                time.sleep(0.2)
        assert client.post(f"{location}/retry").status_code == 302
        state = _wait_for(client, location, "Finished", 90)
        assert "postcodes; lookups now use them" in state
        with app.app_context():
            assert db.session.get(Job, job_id).attempts == 2
            assert geocoding.lookup("L1 0AA") is not None
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(10)


def test_jobs_go_through_redis_to_a_worker_as_in_production(database_url, make_user,
                                                           make_stakeholder, redis_store):
    """The production queue: Redis, shared by the app servers and a worker process (its
    own queue name, so runs sharing this Redis never take each other's jobs)."""
    name = f"engage-test-{secrets.token_hex(4)}"
    redis_url = REDIS_URL
    app = make_app(database_url, JOBS_URL=redis_url, JOBS_NAME=name)
    client = app.test_client()
    sign_in(client, make_user("admin", national=True))
    make_stakeholder(postcode="L1 8JQ")
    env = os.environ | {"FLASK_APP": "crm", "CRM_DATABASE_URL": database_url,
                        "CRM_JOBS_URL": redis_url, "CRM_JOBS_NAME": name}  # fmt: skip
    worker = _worker(env)
    try:
        location = client.post("/map/postcodes/place").location
        state = _wait_for(client, location, "Finished", 60)
        assert state.startswith("Finished Placed 1 record from their postcode")
    finally:
        worker.terminate()
        worker.wait(10)
        app.extensions["jobs"].huey.flush()  # this run's queue and progress leave Redis
