"""Importing the ONS Postcode Directory (CSV, or the zip ONS publishes), streamed.

Rows load into a new postcode set in batches, with the progress recorded on the
set so a page can show it; the set becomes the one lookups use only when every
row is in. A failed or half-read file leaves the current set as it was.

Column names: the directory's headers changed in 2025 (pcd and pcd2 became pcd7
and pcd8, and files may use capitals); either form is accepted, matched without
regard to case: a postcode column (pcds, pcd7, pcd8, pcd or pcd2) and lat and long.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from crm.extensions import db
from crm.models import Postcode, PostcodeSet
from crm.models.common import utcnow
from crm.services.geocoding import postcode_key
from crm.services.validation import UK_LATITUDE, UK_LONGITUDE

POSTCODE_COLUMNS = ("pcds", "pcd7", "pcd8", "pcd", "pcd2")
LAT_COLUMNS = ("lat", "latitude")
LNG_COLUMNS = ("long", "lng", "longitude")
BATCH = 5000
# The directory holds about 2.7 million rows, some 1.4 GB as CSV: anything far past
# that is not the directory (a zip bomb, a runaway file) and is stopped early.
MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
MAX_ROWS = 6_000_000
# This many rows in a row without a postcode with a location, and it is not the directory.
MAX_ROWS_WITHOUT_A_POSTCODE = 100_000
# An import whose process died stops making progress; after this long another may start.
STALLED_AFTER = timedelta(minutes=10)


class ImportProblem(Exception):
    """The file cannot be imported; the message says why."""


def _open_csv(path: Path) -> tuple[BinaryIO, int]:
    """The data CSV to read (the largest in a zip), and its size in bytes."""
    if zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")]
        # The directory's zip holds the data file and small lookup tables beside it.
        data = [m for m in members if "/multi_csv/" not in m.filename.lower()]
        if not data:
            raise ImportProblem(_("The zip file holds no CSV file"))
        member = max(data, key=lambda m: m.file_size)
        if member.file_size > MAX_UNCOMPRESSED_BYTES:
            raise ImportProblem(_(
                "The CSV in the zip file would be %(size)s GB unzipped, more than the "
                "%(limit)s GB the directory could be",
                size=format(member.file_size / 1024**3, ".1f"),
                limit=MAX_UNCOMPRESSED_BYTES // 1024**3))  # fmt: skip
        return archive.open(member), member.file_size
    return open(path, "rb"), path.stat().st_size  # noqa: SIM115 - closed by the reader


def _columns(header: list[str]) -> tuple[int, int, int]:
    names = [h.strip().lower().lstrip("\ufeff") for h in header]

    def first(options, missing):
        for option in options:
            if option in names:
                return names.index(option)
        raise ImportProblem(missing % {
            "options": ", ".join(options),
            "names": ", ".join(names[:12]) + ("..." if len(names) > 12 else "")})  # fmt: skip

    return (first(POSTCODE_COLUMNS, _("The file has no postcode column (looked for "
                                      "%(options)s; it has %(names)s)")),
            first(LAT_COLUMNS, _("The file has no latitude column (looked for %(options)s; it "
                                 "has %(names)s)")),
            first(LNG_COLUMNS, _("The file has no longitude column (looked for %(options)s; "
                                 "it has %(names)s)")))  # fmt: skip


class _Counting(io.RawIOBase):
    """Counts the bytes read, for the progress display."""

    def __init__(self, raw: BinaryIO):
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        self.count += len(data)
        if self.count > MAX_UNCOMPRESSED_BYTES:
            # A plain CSV's size is not checked before reading (the command line takes any
            # file). A zip's is; one that unzips to more than its headers say is stopped by
            # zipfile, which reads no further than they say and then finds the CRC wrong.
            raise ImportProblem(_(
                "The file is larger than %(limit)s GB once unzipped: it is not the ONS Postcode "
                "Directory", limit=MAX_UNCOMPRESSED_BYTES // 1024**3))  # fmt: skip
        buffer[: len(data)] = data
        return len(data)


def rows(path: Path, counter: list) -> Iterator[tuple[str, float, float]]:
    """(postcode key, lat, lng) for each row with a real location; counter[0] = bytes read."""
    raw, size = _open_csv(path)
    counting = _Counting(raw)
    counter[:] = [0, size]
    with raw:
        text = io.TextIOWrapper(io.BufferedReader(counting), encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        header = next(reader, None)
        if not header:
            raise ImportProblem(_("The file is empty"))
        pc, la, ln = _columns(header)
        without = 0
        for n, row in enumerate(reader, start=1):
            counter[0] = counting.count
            if n > MAX_ROWS:
                raise ImportProblem(_(
                    "The file has more than %(rows)s rows: it is not the ONS Postcode Directory",
                    rows=format(MAX_ROWS, ",")))  # fmt: skip
            found = _located(row, pc, la, ln)
            if found is None:
                without += 1
                if without >= MAX_ROWS_WITHOUT_A_POSTCODE:
                    raise ImportProblem(_(
                        "%(rows)s rows in a row hold no postcode with a location (the last at "
                        "row %(row)s): it is not the ONS Postcode Directory",
                        rows=format(MAX_ROWS_WITHOUT_A_POSTCODE, ","),
                        row=format(n + 1, ",")))  # fmt: skip
                continue
            without = 0
            yield found


def _located(row: list[str], pc: int, la: int, ln: int) -> tuple[str, float, float] | None:
    """(postcode key, lat, lng) if the row has a postcode with a location in the UK."""
    try:
        lat, lng = float(row[la]), float(row[ln])
    except (IndexError, ValueError):
        return None
    # The directory marks postcodes with no grid reference as 99.999999, 0.
    if not (UK_LATITUDE[0] <= lat <= UK_LATITUDE[1] and UK_LONGITUDE[0] <= lng <= UK_LONGITUDE[1]):
        return None
    key = postcode_key(row[pc])
    return (key, lat, lng) if 5 <= len(key) <= 7 else None


class ImportUnderWay(ImportProblem):
    """Another import is loading: imports run one at a time."""


def start(source: str, size: int = 0) -> int:
    """A new set, loading; returns its id (committed, so a page can follow it).

    Imports run one at a time: with one under way this raises ImportUnderWay (the
    database's unique index on loading sets settles two starting at the same moment).
    One that stopped moving STALLED_AFTER ago is marked failed first.
    """
    now = utcnow()
    db.session.execute(
        update(PostcodeSet)
        .where(PostcodeSet.status == "loading", PostcodeSet.progress_at < now - STALLED_AFTER)
        .values(status="failed", finished_at=now,
                error="The import stopped before it finished (its process ended)")
    )  # fmt: skip
    under_way = db.session.scalar(select(PostcodeSet).where(PostcodeSet.status == "loading"))
    if under_way is not None:
        db.session.rollback()
        raise ImportUnderWay(_(
            "%(file)s is being imported: wait for it to finish, then try again",
            file=under_way.source))  # fmt: skip
    postcode_set = PostcodeSet(source=source[:300], status="loading", total_bytes=size,
                               progress_at=now)  # fmt: skip
    db.session.add(postcode_set)
    try:
        db.session.flush()
        set_id = postcode_set.id
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ImportUnderWay(_("Another import has just started: wait for it to finish")) from None
    return set_id


def load(set_id: int, path: Path, progress: Callable[[int, int, int], None] | None = None) -> int:
    """Load the file into the set, then make it current. Returns the postcodes loaded."""
    counter: list = [0, 0]
    loaded = read = 0
    batch: dict[str, dict] = {}
    try:
        for key, lat, lng in rows(path, counter):
            read += 1
            batch[key] = {"set_id": set_id, "postcode": key, "latitude": lat, "longitude": lng}
            if len(batch) >= BATCH:
                loaded += _flush(set_id, batch, counter, read, loaded)
                if progress:
                    progress(counter[0], counter[1], loaded)
        loaded += _flush(set_id, batch, counter, read, loaded)
        if not loaded:
            raise ImportProblem(_("The file holds no postcode with a location"))
    except (ImportProblem, UnicodeDecodeError, csv.Error, zipfile.BadZipFile, OSError) as error:
        message = str(error)
        if isinstance(error, zipfile.BadZipFile):  # damaged, or unzipping to more than it says
            message = _("The zip file is damaged or is not what its headers say (%(error)s): "
                        "it is not the ONS Postcode Directory as ONS publishes it",
                        error=error)  # fmt: skip
        db.session.rollback()
        db.session.execute(delete(Postcode).where(Postcode.set_id == set_id))
        db.session.execute(
            update(PostcodeSet).where(PostcodeSet.id == set_id)
            .values(status="failed", error=message[:2000], finished_at=utcnow())
        )  # fmt: skip
        db.session.commit()
        raise ImportProblem(message) from error
    # The swap: one transaction makes the new set current and drops the sets it replaces
    # (only finished ones: imports run one at a time, so none other is loading).
    old = list(db.session.scalars(
        select(PostcodeSet.id).where(PostcodeSet.id != set_id, PostcodeSet.status == "ready")
    ))  # fmt: skip
    db.session.execute(update(PostcodeSet).values(is_current=False))
    db.session.execute(
        update(PostcodeSet).where(PostcodeSet.id == set_id).values(
            status="ready", is_current=True, rows_loaded=loaded, rows_read=read,
            bytes_read=counter[1], finished_at=utcnow())
    )  # fmt: skip
    if old:
        db.session.execute(delete(Postcode).where(Postcode.set_id.in_(old)))
        db.session.execute(
            update(PostcodeSet).where(PostcodeSet.id.in_(old), PostcodeSet.status == "ready")
            .values(status="replaced")
        )  # fmt: skip
    db.session.commit()
    return loaded


def _flush(set_id: int, batch: dict, counter: list, read: int, loaded: int) -> int:
    """Write a batch (a later row for the same postcode wins) and record progress."""
    if not batch:
        return 0
    keys = list(batch)
    db.session.execute(
        delete(Postcode).where(Postcode.set_id == set_id, Postcode.postcode.in_(keys))
    )
    db.session.execute(insert(Postcode), list(batch.values()))
    count = len(batch)
    batch.clear()
    db.session.execute(
        update(PostcodeSet).where(PostcodeSet.id == set_id).values(
            bytes_read=counter[0], total_bytes=counter[1], rows_read=read,
            rows_loaded=loaded + count, progress_at=utcnow())
    )  # fmt: skip
    db.session.commit()
    return count
