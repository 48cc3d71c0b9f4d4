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
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete, insert, update

from crm.extensions import db
from crm.models import Postcode, PostcodeSet
from crm.models.common import utcnow
from crm.services.geocoding import postcode_key
from crm.services.validation import UK_LATITUDE, UK_LONGITUDE

POSTCODE_COLUMNS = ("pcds", "pcd7", "pcd8", "pcd", "pcd2")
LAT_COLUMNS = ("lat", "latitude")
LNG_COLUMNS = ("long", "lng", "longitude")
BATCH = 5000


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
            raise ImportProblem("The zip file holds no CSV file")
        member = max(data, key=lambda m: m.file_size)
        return archive.open(member), member.file_size
    return open(path, "rb"), path.stat().st_size  # noqa: SIM115 - closed by the reader


def _columns(header: list[str]) -> tuple[int, int, int]:
    names = [h.strip().lower().lstrip("\ufeff") for h in header]

    def first(options, label):
        for option in options:
            if option in names:
                return names.index(option)
        raise ImportProblem(
            f"The file has no {label} column (looked for {', '.join(options)}; it has "
            f"{', '.join(names[:12])}{'...' if len(names) > 12 else ''})"
        )

    return (first(POSTCODE_COLUMNS, "postcode"), first(LAT_COLUMNS, "latitude"),
            first(LNG_COLUMNS, "longitude"))  # fmt: skip


class _Counting(io.RawIOBase):
    """Counts the bytes read, for the progress display."""

    def __init__(self, raw: BinaryIO):
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        self.count += len(data)
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
            raise ImportProblem("The file is empty")
        pc, la, ln = _columns(header)
        for row in reader:
            counter[0] = counting.count
            try:
                lat, lng = float(row[la]), float(row[ln])
            except (IndexError, ValueError):
                continue
            # The directory marks postcodes with no grid reference as 99.999999, 0.
            if not (
                UK_LATITUDE[0] <= lat <= UK_LATITUDE[1]
                and UK_LONGITUDE[0] <= lng <= UK_LONGITUDE[1]
            ):
                continue
            key = postcode_key(row[pc])
            if 5 <= len(key) <= 7:
                yield key, lat, lng


def start(source: str, size: int = 0) -> int:
    """A new set, loading; returns its id (committed, so a page can follow it)."""
    postcode_set = PostcodeSet(source=source[:300], status="loading", total_bytes=size)
    db.session.add(postcode_set)
    db.session.commit()
    return postcode_set.id


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
            raise ImportProblem("The file holds no postcode with a location")
    except (ImportProblem, UnicodeDecodeError, csv.Error, zipfile.BadZipFile, OSError) as error:
        db.session.rollback()
        db.session.execute(delete(Postcode).where(Postcode.set_id == set_id))
        db.session.execute(
            update(PostcodeSet).where(PostcodeSet.id == set_id)
            .values(status="failed", error=str(error)[:2000], finished_at=utcnow())
        )  # fmt: skip
        db.session.commit()
        raise ImportProblem(str(error)) from error
    # The swap: one transaction makes the new set current and drops the old ones.
    old = [s.id for s in db.session.query(PostcodeSet.id).filter(PostcodeSet.id != set_id)]
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
            rows_loaded=loaded + count)
    )  # fmt: skip
    db.session.commit()
    return count
