"""PostgreSQL backups with PostgreSQL's own programs: `pg_dump -Fc` to take one,
`pg_restore` piped into `psql` to restore one in a single transaction.

pg_dump takes its snapshot in one repeatable-read transaction, so the app keeps writing
while it runs. Restoring drops every table in the public schema (where Engage keeps
everything) and loads the backup's in the same transaction, committed only when
pg_restore has read the whole file without error: the database is the backup, exactly,
or (if anything fails) as it was. Tables a later migration added go too, so restoring
the backup taken before an upgrade undoes the upgrade's tables.

The programs come from PostgreSQL's client package (Debian: postgresql-client); found
on PATH, else the newest under /usr/lib/postgresql/*/bin. pg_dump must be at least the
server's version. The password, if the URL has one, is passed in PGPASSWORD, never on
the command line (where `ps` would show it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess  # noqa: S404 - PostgreSQL's own programs, called with argument lists
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

MAGIC = b"PGDMP"

# Run in psql before the backup's own statements, in the same transaction.
_CLEAR = b"""\\set ON_ERROR_STOP on
BEGIN;
SET client_min_messages = warning;
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN SELECT viewname FROM pg_views WHERE schemaname = 'public' LOOP
        EXECUTE format('DROP VIEW IF EXISTS public.%I CASCADE', item.viewname);
    END LOOP;
    FOR item IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', item.tablename);
    END LOOP;
    FOR item IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
        EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', item.sequencename);
    END LOOP;
END
$$;
"""


class BackupProblem(Exception):
    """A backup or restore could not be done; the message says why and is safe to show."""


def dump(database_url: str, target: Path) -> None:
    """`pg_dump -Fc` of the database into `target`."""
    uri, env = _connection(database_url)
    command = [_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
               f"--file={target}", f"--dbname={uri}"]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise BackupProblem(f"pg_dump failed: {_last_lines(done.stderr)}")


def check(path: Path) -> None:
    """pg_restore can read the file's table of contents, and it holds Engage's tables."""
    command = [_program("pg_restore"), "--list", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise BackupProblem(
            f"{path} cannot be read as a PostgreSQL backup: {_last_lines(done.stderr)}"
        )
    if " TABLE public alembic_version " not in done.stdout:
        raise BackupProblem(f"{path} is a PostgreSQL dump but not an Engage backup "
                            "(it has no alembic_version table)")  # fmt: skip


def restore(database_url: str, source: Path) -> None:
    """Everything in the database's public schema replaced by the backup, in one
    transaction. The backup's SQL is streamed (never held whole on disk or in memory)."""
    uri, env = _connection(database_url)
    reader_command = [_program("pg_restore"), "--no-owner", "--no-privileges",
                      "--no-comments", "--file=-", str(source)]  # fmt: skip
    psql_command = [_program("psql"), "--no-psqlrc", "--quiet", f"--dbname={uri}"]
    with tempfile.TemporaryFile() as reader_errors, tempfile.TemporaryFile() as psql_errors:
        pipe = subprocess.PIPE
        reader = subprocess.Popen(reader_command, stdout=pipe, stderr=reader_errors)  # noqa: S603
        psql = subprocess.Popen(psql_command, stdin=pipe, stdout=subprocess.DEVNULL,  # noqa: S603
                                stderr=psql_errors, env=env)  # fmt: skip
        _stream(reader, psql)
        if psql.returncode:  # first: when psql stops at an error, pg_restore is stopped too
            raise BackupProblem("Nothing was restored: PostgreSQL refused the backup: "
                                f"{_last_lines(_read(psql_errors))}")  # fmt: skip
        if reader.returncode:
            raise BackupProblem("Nothing was restored: pg_restore failed: "
                                f"{_last_lines(_read(reader_errors))}")  # fmt: skip


def _stream(reader: subprocess.Popen, psql: subprocess.Popen) -> None:
    """pg_restore's SQL into psql after _CLEAR, then COMMIT only if pg_restore read the
    whole file; otherwise psql ends without COMMIT and PostgreSQL rolls it all back."""
    source, sink = reader.stdout, psql.stdin
    assert source is not None and sink is not None  # noqa: S101 - both are pipes
    try:
        sink.write(_CLEAR)
        shutil.copyfileobj(source, sink, 1024 * 1024)
        sink.write(b"COMMIT;\n" if reader.wait() == 0 else b"ROLLBACK;\n")
        sink.close()
    except BrokenPipeError:  # psql stopped at an error, which it has written down
        reader.kill()
        with contextlib.suppress(BrokenPipeError):
            sink.close()
    source.close()
    reader.wait()
    psql.wait()


def _connection(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment carrying it."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None)
    return uri.render_as_string(hide_password=False), env


def _program(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    installed = Path("/usr/lib/postgresql").glob(f"*/bin/{name}")
    versions = sorted(installed, key=lambda path: _major_version(path.parts[-3]))
    if versions:
        return str(versions[-1])
    raise BackupProblem(f"{name} was not found: install PostgreSQL's client programs "
                        "(on Debian, apt-get install postgresql-client)")  # fmt: skip


def _major_version(folder: str) -> int:
    return int(folder) if folder.isdigit() else 0


def _read(file) -> str:
    file.seek(0)
    return file.read().decode("utf-8", "replace")


def _last_lines(text: str, count: int = 5) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " / ".join(lines[-count:]) or "no message"
