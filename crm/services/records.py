"""What every register (stakeholders, contacts, and later engagements and panels) shares:
audited create and update, the edit-conflict check, archive and restore, and paging."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from flask_babel.speaklater import LazyString
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from crm import clock, i18n
from crm.extensions import db
from crm.models import AuditEvent, User
from crm.models.common import utcnow
from crm.services import access, audit

T = TypeVar("T")


class EditConflict(Exception):
    """Someone else saved the record after this editor opened it (or at the same moment).

    What they changed is read with load(), after the failed save is rolled back.
    """

    def __init__(self, kind: str, model: Any, record_id: int, seen_version: int):
        # Never shown: the edit conflict page says what happened (views_common.try_save).
        super().__init__("The record was changed by someone else")  # i18n: not interface
        self.kind, self.model, self.record_id = kind, model, record_id
        self.seen_version = seen_version
        self.changes: list[AuditEvent] = []
        self.current_version = seen_version

    def load(self) -> EditConflict:
        """Read the changes made since the editor's version (call after rolling back)."""
        self.changes = audit.changes_since(self.kind, self.record_id, self.seen_version)
        version = db.session.scalar(
            select(self.model.version).where(self.model.id == self.record_id)
        )
        self.current_version = version or self.seen_version
        return self


class InvalidValue(Exception):
    """A value failed a rule the service owns; field names the form field to mark."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int
    # True when there were more rows than the list counts exactly (total is the cap).
    total_capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


@dataclass(frozen=True)
class SortKey:
    """One column of a list's order; lists end with the id so the order is total."""

    column: Any
    descending: bool = False

    def clause(self, reverse: bool = False):
        return self.column.desc() if self.descending != reverse else self.column.asc()


def paginate(
    model: Any,
    conditions: list,
    order: list[SortKey],
    page: int,
    page_size: int,
    options: tuple = (),
    count_cap: int | None = None,
    join: tuple | None = None,
    from_: Any = None,
    id_column: Any = None,
) -> Page:
    """One page of a list, and the count of every row that matches.

    Reads the page's ids first (an index-only walk), then loads just those rows
    with their related records; a page past the middle is read from the far end
    in reverse, so the last page costs what the first does. `from_` and `id_column`
    let the ids come from another table (a link table whose index answers the
    query), with `order` on its columns; `join` adds a table and its ON clause.
    With count_cap, a list
    of millions counts only up to the cap (and pages only that far): an exact
    count of a million rows costs more than the whole rest of the page.
    """
    base = select(model.id if id_column is None else id_column).select_from(
        model if from_ is None else from_
    )
    if join is not None:
        base = base.join(*join)
    base = base.where(*conditions)
    matching = base
    if count_cap:
        matching = matching.limit(count_cap + 1)
    total = db.session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    capped = bool(count_cap) and total > count_cap
    if capped:
        total = count_cap
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    offset = (page - 1) * page_size
    from_end = offset > total // 2 and not capped
    if from_end:
        limit = min(page_size, total - offset)
        offset = total - offset - limit
    else:
        limit = page_size
    ids_stmt = (
        base.order_by(*(key.clause(reverse=from_end) for key in order)).limit(limit).offset(offset)
    )
    ids = list(db.session.scalars(ids_stmt))
    if from_end:
        ids.reverse()
    rows = db.session.scalars(select(model).where(model.id.in_(ids)).options(*options)).unique()
    by_id = {row.id: row for row in rows}
    return Page(
        items=[by_id[i] for i in ids],
        total=total,
        page=page,
        page_size=page_size,
        total_capped=capped,
    )


def described(describe: Callable[[Any], dict[str, Any]], record: Any) -> dict[str, Any]:
    """The record as the audit trail keeps it: in English whatever the page's language (a
    description uses words the interface translates: a type's label, a plan action's
    "Ongoing"), each label's text made now, as a str the trail can store."""
    with i18n.in_stored_language():
        return {label: str(value) if isinstance(value, LazyString) else value
                for label, value in describe(record).items()}  # fmt: skip


def create_audited(
    user: User | None, kind: str, record: Any, describe: Callable[[Any], dict[str, str]]
) -> Any:
    """Add a record and its "created" event. No user means the system (seeding, imports)."""
    if user is not None:
        access.require(user, "edit", record)
    db.session.add(record)
    db.session.flush()
    audit.record_event(user, kind, record.id, "created", None, described(describe, record),
                       record.version)  # fmt: skip
    return record


def update_audited(
    user: User,
    kind: str,
    record: Any,
    expected_version: int | None,
    describe: Callable[[Any], dict[str, str]],
    mutate: Callable[[], None],
    permission: str = "edit",
) -> Any:
    """Apply mutate() to the record unless someone else saved it since expected_version.

    The version travels in the edit form, so a change made between opening the
    form and saving it is caught even though each request is its own transaction.
    `permission` is what the user must be allowed to do to the record (an action's
    owner gives its update without the right to edit it).
    """
    access.require(user, permission, record)
    seen = record.version if expected_version is None else expected_version
    if record.version != seen:
        raise EditConflict(kind, type(record), record.id, seen)
    before = described(describe, record)
    record_id = record.id  # read now: after a failed flush the session cannot load it
    try:
        mutate()
        record.updated_at = utcnow()  # always write the row, so the version moves on
        db.session.flush()
    except StaleDataError:
        # Another save of the same row won the race between our read and our write.
        raise EditConflict(kind, type(record), record_id, seen) from None
    # Read it back, so relationships follow their changed keys (a new owner's name).
    db.session.expire(record)
    after = described(describe, record)
    if after != before:
        audit.record_event(user, kind, record.id, "updated", before, after, record.version)
    return record


def set_retired(user: User | None, kind: str, record: Any, retired: bool) -> bool:
    """Retire reference data (no longer offered for new records; records and figures keep
    it) or offer it again, audited. The caller asks access first. Returns whether anything
    changed."""
    if record.retired == retired:
        return False
    record.retired_at = clock.now() if retired else None
    db.session.flush()
    audit.record_event(user, kind, record.id, "retired" if retired else "restored",
                       {"Retired": yes_no(not retired)}, {"Retired": yes_no(retired)})  # fmt: skip
    return True


def set_archived(user: User, kind: str, record: Any, archived: bool) -> None:
    """Archive (leads and administrators) or restore (administrators only) a record."""
    access.require(user, "archive" if archived else "restore", record)
    record.archived_at = utcnow() if archived else None
    record.updated_at = utcnow()
    db.session.flush()
    audit.record_event(
        user,
        kind,
        record.id,
        "archived" if archived else "restored",
        {"Archived": "No" if archived else "Yes"},
        {"Archived": "Yes" if archived else "No"},
        record.version,
    )


def contains_text(column: Any, text: str) -> Any:
    """Case-insensitive "contains", written so each engine can use its index.

    PostgreSQL: lower(column) LIKE, which the trigram indexes serve. SQLite: plain
    LIKE, which already ignores case (for ASCII letters) and is far cheaper than
    calling lower() on every row.
    """
    pattern = like_pattern(text)
    if db.engine.dialect.name == "sqlite":
        return column.like(pattern, escape="\\")
    return func.lower(column).like(pattern, escape="\\")


def like_pattern(text: str) -> str:
    """A case-insensitive contains-pattern with the user's % and _ taken literally."""
    text = text.replace("\x00", "")  # PostgreSQL cannot compare text with NUL in it
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def iso_day(value: date | None) -> str:
    """A date as the audit trail and exports write it, or blank."""
    return value.isoformat() if value else ""


def yes_no(value: bool) -> str:
    return "Yes" if value else "No"
