"""Column helpers shared by the models."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from sqlalchemy import DateTime, Index, TypeDecorator, func, text


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC that always comes back timezone-aware.

    SQLite keeps no time zone, so without this a value read back would be naive
    on SQLite and aware on PostgreSQL, and comparisons would differ by engine.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")  # i18n: not interface
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def live_indexes(table: str, *column_sets: tuple[str, ...]) -> list[Index]:
    """Partial indexes over the rows that are not archived, one per column list."""
    live = text("archived_at IS NULL")
    return [
        Index(
            f"ix_{table}_live_{'_'.join(c for c in columns if c != 'id')}",
            *columns,
            sqlite_where=live,
            postgresql_where=live,
        )
        for columns in column_sets
    ]


def trigram_indexes(table: str, *columns: str) -> list[Index]:
    """PostgreSQL trigram indexes so "contains" searches need not read every row.

    Only PostgreSQL builds these (the pg_trgm extension is created by the first
    migration); SQLite ignores them and scans, which it does quickly enough.
    """
    return [
        Index(
            f"ix_{table}_{column}_trgm",
            func.lower(text(column)).label(f"{column}_lower"),
            postgresql_using="gin",
            postgresql_ops={f"{column}_lower": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql")
        for column in columns
    ]


def restricted(label: str) -> dict:
    """Declare a column restricted: only those `access.may_see_restricted` allows may read it.

    The label is how the audit trail and the pages name the field; the audit keeps only
    that it changed, and every page, export and search leaves it out for anyone else.
    """
    return {"restricted": label}


def restricted_fields(model) -> dict[str, str]:
    """{attribute name: label} of the model's restricted columns."""
    return {
        column.key: column.info["restricted"]
        for column in model.__table__.columns
        if "restricted" in column.info
    }


def special_category(label: str) -> dict:
    """Declare a column special category data (UK GDPR article 9: a panel member's equality
    monitoring answers): restricted everywhere, and the audit keeps only that it changed
    whatever kind of record the change is filed under."""
    return {"restricted": label, "special_category": True}


@functools.cache
def special_category_labels() -> frozenset[str]:
    """The labels of every column declared special category, in any table, and those a
    table declares besides (table info "special_category_labels").

    Read once (the tables are declared when the app is built): every audited change asks,
    and working it out each time was 1.5 ms of a membership's save."""
    from crm.extensions import db

    tables = db.metadata.tables.values()
    return frozenset(
        [column.info["restricted"] for table in tables for column in table.columns
         if column.info.get("special_category")]
        + [label for table in tables for label in table.info.get("special_category_labels", ())])
