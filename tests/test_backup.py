"""`flask crm backup` and `flask crm restore`, on the engine the suite runs on.

A backup taken while another thread keeps committing holds every row committed before
it began, and whole transactions only; restoring it puts the database back as it was.
On PostgreSQL the tests use a scratch database of their own (created and dropped here),
never the suite's.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from crm.config import normalise_database_url
from crm.extensions import db
from crm.models import Area, Stakeholder
from crm.services import backup
from tests.conftest import make_app

WRITTEN = "Written"  # the writer thread's Areas are "Written 1", "Written 2", ...


@pytest.fixture(scope="module")
def scratch_url(tmp_path_factory) -> Iterator[str]:
    """A database for these tests alone: a SQLite file, or a PostgreSQL database created
    on the server CRM_TEST_DATABASE_URL names, and dropped afterwards."""
    suite_url = os.environ.get("CRM_TEST_DATABASE_URL")
    if not suite_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('backup') / 'engage.db'}"
        return
    name = f"engage_backup_test_{uuid.uuid4().hex[:12]}"
    server = make_url(normalise_database_url(suite_url))
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def scratch_app(scratch_url) -> Iterator[Flask]:
    app = make_app(scratch_url)
    with app.app_context():
        upgrade()  # the schema from the migrations, as in production
    yield app
    with app.app_context():
        db.engine.dispose()


def _url(app: Flask) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"]


def _add_area(name: str) -> int:
    """An Area and a stakeholder in it, flushed together (the caller commits)."""
    area_id = db.session.execute(
        insert(Area.__table__).values(name=name, code=name).returning(Area.__table__.c.id)
    ).scalar_one()
    db.session.execute(insert(Stakeholder.__table__).values(
        name=f"Group in {name}", type="community_group", area_id=area_id))  # fmt: skip
    return area_id


def _area_names(app: Flask) -> set[str]:
    with app.app_context():
        names = set(db.session.scalars(select(Area.name)))
        db.session.remove()
    return names


def _release_connections(app: Flask) -> None:
    """A restore is for a stopped app: no connection of ours left open."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _wait_for(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_backup_taken_while_rows_are_committed_restores_every_row_committed_before_it(
    scratch_app, tmp_path
):
    committed: list[int] = []  # n appended once "Written n" is committed
    stop = threading.Event()

    def write() -> None:
        with scratch_app.app_context():
            while not stop.is_set():
                number = len(committed) + 1
                _add_area(f"{WRITTEN} {number}")
                db.session.commit()
                committed.append(number)
                time.sleep(0.002)
            db.session.remove()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        _wait_for(lambda: len(committed) >= 20)
        before = len(committed)
        made = backup.backup(_url(scratch_app), tmp_path / "engage.backup")
        after = len(committed)
        _wait_for(lambda: len(committed) >= after + 20)  # the writer never waited for it
    finally:
        stop.set()
        writer.join()
    assert made.path.exists() and not list(tmp_path.glob("*.partial"))
    assert made.path.stat().st_mode & 0o777 == 0o600  # it holds every record

    _release_connections(scratch_app)
    backup.restore(_url(scratch_app), made.path)

    written = {int(name.split()[1]) for name in _area_names(scratch_app) if WRITTEN in name}
    assert set(range(1, before + 1)) <= written, "a row committed before the backup is lost"
    # One commit may be done and not yet noted when `after` is read; none later is there.
    assert written == set(range(1, len(written) + 1)) and len(written) <= after + 1
    with scratch_app.app_context():
        groups = db.session.scalar(select(func.count()).select_from(Stakeholder).join(Area)
                                   .where(Area.name.like(f"{WRITTEN} %")))  # fmt: skip
        assert groups == len(written), "a transaction was restored in part"
        db.session.remove()
    _assert_consistent(_url(scratch_app))


def _assert_consistent(url: str) -> None:
    if backup.engine_of(url) == "sqlite":
        connection = sqlite3.connect(make_url(url).database)
        try:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            connection.close()
    else:  # PostgreSQL checks foreign keys as it restores; every one must be back
        libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(libpq) as connection:
            invalid, foreign_keys = connection.execute(
                "SELECT count(*) FILTER (WHERE NOT convalidated),"
                " count(*) FILTER (WHERE contype = 'f') FROM pg_constraint"
            ).fetchone()
        assert invalid == 0 and foreign_keys > 0


def test_restore_without_confirmation_changes_nothing(scratch_app, tmp_path):
    made = backup.backup(_url(scratch_app), tmp_path / "engage.backup")
    with scratch_app.app_context():
        _add_area("Added after the backup")
        db.session.commit()
    runner = scratch_app.test_cli_runner()

    refused = runner.invoke(args=["crm", "restore", str(made.path)])
    assert refused.exit_code == 1
    assert "This would replace everything in the " in refused.output
    assert backup.describe_database(_url(scratch_app)) in refused.output
    assert "Nothing was changed" in refused.output and "--yes" in refused.output
    assert "Added after the backup" in _area_names(scratch_app)

    _release_connections(scratch_app)
    restored = runner.invoke(args=["crm", "restore", str(made.path), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "Added after the backup" not in _area_names(scratch_app)


def test_a_missing_file_is_named_and_nothing_changes(scratch_app, tmp_path):
    runner = scratch_app.test_cli_runner()
    missing = tmp_path / "no-such.backup"
    result = runner.invoke(args=["crm", "restore", str(missing), "--yes"])
    assert result.exit_code != 0
    assert f"There is no file at {missing}" in result.output
    result = runner.invoke(args=["crm", "backup", str(tmp_path / "no-folder" / "x.backup")])
    assert result.exit_code != 0 and "There is no folder" in result.output
    result = runner.invoke(args=["crm", "backup", f"{tmp_path / 'no-folder'}/"])
    assert result.exit_code != 0 and "There is no folder" in result.output
    assert list(tmp_path.iterdir()) == []  # no file named like the folder


@pytest.mark.parametrize("content, expected", [
    (b"name,email\nA Person,a@x.gov.uk\n", "is not a backup"),
    (b"SQLite format 3\x00" + bytes(200), "SQLite"),
    (b"PGDMP" + bytes(200), "PostgreSQL"),
])  # fmt: skip
def test_a_file_that_is_not_this_databases_backup_is_refused(
    scratch_app, tmp_path, content, expected
):
    names = _area_names(scratch_app)
    path = tmp_path / "suspect.backup"
    path.write_bytes(content)
    result = scratch_app.test_cli_runner().invoke(args=["crm", "restore", str(path), "--yes"])
    assert result.exit_code == 1
    assert str(path) in result.output and expected in result.output, result.output
    assert _area_names(scratch_app) == names


def test_a_damaged_backup_restores_nothing(scratch_app, tmp_path):
    made = backup.backup(_url(scratch_app), tmp_path / "engage.backup")
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(made.path.read_bytes()[: made.size // 2])
    with scratch_app.app_context():
        _add_area("Kept through a failed restore")
        db.session.commit()
    _release_connections(scratch_app)
    with pytest.raises(backup.BackupProblem):
        backup.restore(_url(scratch_app), damaged)
    assert "Kept through a failed restore" in _area_names(scratch_app)
    _assert_consistent(_url(scratch_app))


def test_a_backup_never_overwrites_a_file(scratch_app, tmp_path):
    taken = tmp_path / "taken.backup"
    taken.write_text("someone's file")
    with pytest.raises(backup.BackupProblem, match="already exists"):
        backup.backup(_url(scratch_app), taken)
    assert taken.read_text() == "someone's file"
    into_folder = backup.backup(_url(scratch_app), tmp_path)
    assert into_folder.path.parent == tmp_path and into_folder.path.name.startswith("engage-")
