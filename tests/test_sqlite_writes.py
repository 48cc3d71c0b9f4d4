"""SQLite's writers queue within a process before they ask SQLite (crm/sqlite.py).

Run against a SQLite file of their own whatever engine the suite is on: the rules are
SQLite's alone.
"""

from __future__ import annotations

import threading
import time

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine

from crm import sqlite
from tests.conftest import make_app


@pytest.fixture
def engine(tmp_path):
    made = create_engine(f"sqlite:///{tmp_path / 'writes.db'}")
    with made.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE said (n INTEGER)")
    yield made
    made.dispose()


def _queue(engine):
    return sqlite._queue_for(str(engine.url))


@pytest.mark.parametrize("ending", ["commit", "rollback", "close", "invalidate"])
def test_a_writer_leaves_the_queue_however_its_transaction_ends(engine, ending):
    connection = engine.connect()
    connection.exec_driver_sql("INSERT INTO said VALUES (1)")  # BEGIN IMMEDIATE
    assert _queue(engine).locked()
    getattr(connection, ending)()
    assert not _queue(engine).locked()
    connection.close()
    with engine.begin() as again:  # the next writer is not kept waiting
        again.exec_driver_sql("INSERT INTO said VALUES (2)")
    assert not _queue(engine).locked()


def test_a_writer_waits_its_turn_behind_the_one_writing(engine):
    first = engine.connect()
    first.exec_driver_sql("INSERT INTO said VALUES (1)")
    happened = []

    def second():
        with engine.begin() as connection:
            happened.append("the second began")
            connection.exec_driver_sql("INSERT INTO said VALUES (2)")

    waiting = threading.Thread(target=second)
    waiting.start()
    time.sleep(0.3)
    happened.append("the first committed")
    first.commit()
    first.close()
    waiting.join(5)
    assert happened == ["the first committed", "the second began"]
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM said").scalar() == 2


@pytest.fixture
def sqlite_app(tmp_path, monkeypatch):
    app = make_app(f"sqlite:///{tmp_path / 'engage.db'}")
    with app.app_context():
        upgrade()
    monkeypatch.setattr(sqlite, "QUEUE_SECONDS", 0.2)
    return app


def test_a_writer_that_waits_too_long_is_told_engage_is_busy(sqlite_app):
    """The queue's wait ends as SQLite's busy timeout does: "Engage is busy", try again,
    nothing saved (and the queue is not left held)."""
    queue = sqlite._queue_for(sqlite_app.config["SQLALCHEMY_DATABASE_URI"])
    client = sqlite_app.test_client()
    attempt = {"email": "nobody@engage.test", "password": "not the password"}
    with queue:  # another thread of this process is writing
        busy = client.post("/sign-in", data=attempt)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    assert "Engage is busy" in busy.get_data(as_text=True)
    assert client.post("/sign-in", data=attempt).status_code == 200  # wrong password, shown
    assert not queue.locked()


def test_a_page_view_reads_without_waiting_for_writers(sqlite_app):
    queue = sqlite._queue_for(sqlite_app.config["SQLALCHEMY_DATABASE_URI"])
    with queue:  # another thread of this process is writing
        assert sqlite_app.test_client().get("/healthz").json == {"status": "ok",
                                                                  "database": "ok"}
