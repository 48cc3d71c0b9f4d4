"""Backups of Engage's database and restoring one: `flask --app crm crm backup` and
`flask --app crm crm restore`.

A backup is taken while the app runs, and holds the database as it was at one moment:
every transaction committed before the backup began, none half-done.

- SQLite: sqlite3's online backup API copies every page in one step, inside one read
  transaction (in WAL mode, writers carry on meanwhile); the copy is a single file in
  rollback-journal mode, checked before it is kept.
- PostgreSQL: `pg_dump -Fc` (one snapshot in a repeatable-read transaction); restored
  by `pg_restore` through `psql` in one transaction, so a failed restore changes nothing.

A restore replaces everything in the database with the backup. It is meant for a
stopped app; the CLI refuses it without an explicit confirmation. The programs for
PostgreSQL come from PostgreSQL's client package (see `postgres_backup.py`).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from crm.config import PROJECT_ROOT
from crm.services import postgres_backup
from crm.services.postgres_backup import BackupProblem

SQLITE_MAGIC = b"SQLite format 3\x00"
DEFAULT_FOLDER = PROJECT_ROOT / "instance" / "backups"
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}
_ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class Backup:
    """A backup file and what it holds."""

    path: Path
    engine: str  # "sqlite" or "postgresql"
    size: int


def backup(database_url: str, destination: str | Path | None = None) -> Backup:
    """Take a backup of the database at `database_url` into `destination`: a file that
    must not exist yet, or a folder (a dated file name is made in it; by default
    instance/backups). Written under a temporary name and renamed when complete."""
    engine = engine_of(database_url)
    target = _target_file(destination, engine)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Readable by its owner alone from the start: it holds every record, restricted
    # text included (sqlite3 and pg_dump write into the file as it is).
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        if engine == "sqlite":
            _sqlite_backup(_sqlite_path(database_url), partial)
        else:
            postgres_backup.dump(database_url, partial)
        check_backup(partial, engine)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return Backup(target, engine, target.stat().st_size)


def restore(database_url: str, source: Path) -> Backup:
    """Replace everything in the database at `database_url` with the backup `source`.
    The file is checked first; a file that is not a backup changes nothing."""
    engine = engine_of(database_url)
    found = check_backup(source, engine)
    if engine == "sqlite":
        _sqlite_restore(source, _sqlite_path(database_url))
    else:
        postgres_backup.restore(database_url, source)
    return found


def check_backup(path: Path, engine: str) -> Backup:
    """The backup at `path`, if it is an Engage backup for this database engine;
    otherwise BackupProblem saying what it is instead."""
    if not path.exists():
        raise BackupProblem(f"There is no file at {path}")
    if not path.is_file():
        raise BackupProblem(f"{path} is a folder, not a backup file")
    with path.open("rb") as file:
        start = file.read(len(SQLITE_MAGIC))
    kind = ("sqlite" if start == SQLITE_MAGIC
            else "postgresql" if start.startswith(postgres_backup.MAGIC) else None)  # fmt: skip
    if kind is None:
        raise BackupProblem(f"{path} is not a backup: it is neither a SQLite database nor "
                            "a PostgreSQL custom-format dump (pg_dump -Fc)")  # fmt: skip
    if kind != engine:
        raise BackupProblem(f"{path} is a backup of a {_ENGINE_NAMES[kind]} database, but "
                            f"this database is {_ENGINE_NAMES[engine]}")  # fmt: skip
    if kind == "sqlite":
        _check_sqlite_file(path)
    else:
        postgres_backup.check(path)
    return Backup(path, kind, path.stat().st_size)


def describe_database(database_url: str) -> str:
    """The database a restore would overwrite, in words: where it is."""
    if engine_of(database_url) == "sqlite":
        return f"the SQLite database {_sqlite_path(database_url)}"
    url = make_url(database_url)
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    return f"the PostgreSQL database {url.database!r} on {where}"


def engine_of(database_url: str) -> str:
    """'sqlite' or 'postgresql': the engines Engage backs up."""
    name = make_url(database_url).get_backend_name()
    if name not in SUFFIXES:
        raise BackupProblem(f"Backups are made of SQLite and PostgreSQL databases, not {name}")
    return name


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupProblem("An in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _target_file(destination: str | Path | None, engine: str) -> Path:
    """The file to write: `destination` itself, or a dated name in a folder (one that
    exists, or the default, made if need be). A name ending in "/" means a folder."""
    if destination is None:
        folder = DEFAULT_FOLDER
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    elif Path(destination).is_dir():
        folder = Path(destination)
    elif str(destination).endswith(("/", os.sep)):
        raise BackupProblem(f"There is no folder {Path(destination)}")
    else:
        target = Path(destination)
        if target.exists():
            raise BackupProblem(f"{target} already exists: choose a new file name")
        if not target.parent.is_dir():
            raise BackupProblem(f"There is no folder {target.parent}")
        return target
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = folder / f"engage-{stamp}{SUFFIXES[engine]}"
    if target.exists():
        raise BackupProblem(f"{target} already exists: wait a second and try again")
    return target


def _sqlite_backup(database: Path, copy: Path) -> None:
    """Every page in one step (pages=-1), so the copy is one consistent snapshot; in
    steps, each write by another worker would start it again."""
    if not database.exists():
        raise BackupProblem(f"There is no SQLite database at {database}")
    source = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(copy)
    try:
        source.backup(target, pages=-1)
        # A single self-contained file: no -wal or -shm beside it to copy or lose.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()


def _sqlite_restore(backup_file: Path, database: Path) -> None:
    """Copied page by page into the database through SQLite's own locking, so a
    connection still open (or a -wal file beside it) never sees half of each."""
    source = sqlite3.connect(f"{backup_file.as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(database, timeout=30)
    try:
        target.execute("PRAGMA journal_mode=WAL")  # as the app keeps it
        source.backup(target, pages=-1)
    finally:
        target.close()
        source.close()


def _check_sqlite_file(path: Path) -> None:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}  # fmt: skip
        if "alembic_version" not in tables:
            raise BackupProblem(f"{path} is a SQLite database but not an Engage backup "
                                "(it has no alembic_version table)")  # fmt: skip
        verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as problem:
        raise BackupProblem(f"{path} cannot be read as a SQLite database: {problem}") from None
    finally:
        connection.close()
    if verdict != "ok":
        raise BackupProblem(f"{path} is damaged: SQLite's check says {verdict}")
