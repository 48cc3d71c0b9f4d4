"""SQLite for several workers: its settings on each connection, and writers queued.

SQLite lets one transaction write at a time. Between processes (gunicorn's workers) a
writer waits for the lock in SQLite's busy handler, up to BUSY_TIMEOUT_MS. Within one
process (the threads of `flask run` or of a gthread worker) writers also queue here, on
a lock of the process's own, before they ask SQLite: SQLite's handler polls, sleeping
longer each time, so under a burst of writes a waiting thread kept missing the moment the
lock was free while newer ones took it, and a few waited past the busy timeout ("Engage
is busy", seen in the development server's write-heavy load run) while the rest went
through in a fraction of it. Threads blocked on a lock are woken as it is released.

Nothing here applies to PostgreSQL, which locks rows, not the database.
"""

from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import Pool

BUSY_TIMEOUT_MS = 5000
# How long a writer waits for the other writers of its own process, as for those of
# others: then "Engage is busy", nothing saved (a long import holding the lock should not
# leave people's saves hanging).
QUEUE_SECONDS = BUSY_TIMEOUT_MS / 1000
_HELD = "engage_write_queue"  # in a connection's info: the queue's lock it holds
_queues: dict[str, threading.Lock] = {}
_queues_lock = threading.Lock()


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL, foreign keys and a busy timeout, so several workers can share one SQLite file.

    The driver's own transaction handling is switched off: SQLAlchemy begins each
    transaction itself (below), so a request that writes can take the write lock first.
    """
    if _is_sqlite(dbapi_connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()


def _queue_for(database: str) -> threading.Lock:
    with _queues_lock:
        return _queues.setdefault(database, threading.Lock())


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """On SQLite, anything that may write (a POST, a command, a background job) takes
    the write lock when its transaction begins (BEGIN IMMEDIATE), after the writers of
    this process before it, and waiting its turn for up to the busy timeout after
    those of other processes; only page views (GET), which never write, read freely.

    Otherwise a transaction would read first and find, when it came to write, that
    another worker had written since: SQLite then refuses at once ("database is
    locked") rather than wait.
    """
    if connection.dialect.name != "sqlite":
        return
    from flask import current_app, has_request_context, request

    reading = has_request_context() and request.method in ("GET", "HEAD", "OPTIONS") and not (
        getattr(current_app.view_functions.get(request.endpoint or ""), "records_each_view",
                False))  # a page that records each view (views_common.records_each_view)
    if reading:
        connection.exec_driver_sql("BEGIN")
        return
    queue = _queue_for(str(connection.engine.url))
    if not queue.acquire(timeout=QUEUE_SECONDS):
        # As SQLite says it, for the same "Engage is busy" answer.
        locked = Exception("database is locked")  # i18n: not interface (SQLite's words)
        raise OperationalError("BEGIN IMMEDIATE", {}, locked)  # i18n: not interface
    connection.info[_HELD] = queue
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _leave_queue(connection.info)
        raise


def _leave_queue(info: dict) -> None:
    queue = info.pop(_HELD, None)
    if queue is not None:
        queue.release()


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _ended(connection) -> None:
    if not connection.invalidated:  # an invalidated one left the queue then (below)
        _leave_queue(connection.info)


# A connection given back to the pool, or thrown away, with its transaction never ended
# through SQLAlchemy's Connection (the pool ends it itself): its place in the queue goes
# with it, so one failure cannot stop every later writer of the process.
@event.listens_for(Pool, "checkin")
def _checked_in(_dbapi_connection, record) -> None:
    if record is not None:
        _leave_queue(record.info)


@event.listens_for(Pool, "invalidate")
def _invalidated(_dbapi_connection, record, _exception) -> None:
    _leave_queue(record.info)
