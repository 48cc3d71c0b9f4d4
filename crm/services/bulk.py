"""Writing many rows at once: COPY on PostgreSQL, batched executemany elsewhere.

For the work that writes tens of thousands of rows in one go (an import, the benchmark
data): an ORM object a row costs about 0.7 ms, and on PostgreSQL even batched INSERTs
cost the driver seconds parsing each large statement; COPY takes ~600k rows a second.
Nothing here commits.
"""

from __future__ import annotations

import json

from sqlalchemy import JSON, insert, text

from crm.extensions import db

BATCH = 5_000


def insert_rows(table, rows: list[dict]) -> None:
    """Insert the rows (dicts with the same keys) into the table, in this transaction."""
    if not rows:
        return
    if db.engine.dialect.name != "postgresql":
        for start in range(0, len(rows), BATCH):
            db.session.execute(insert(table), rows[start:start + BATCH])
        return
    columns = list(rows[0])
    # COPY takes no SQLAlchemy type: JSON goes as its text.
    as_json = {c for c in columns if isinstance(table.c[c].type, JSON)}
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"  # i18n: not interface
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in as_json else row[c] for c in columns])


def new_ids(table, count: int) -> list[int]:
    """`count` ids from the table's own sequence (PostgreSQL), for rows about to be copied
    in: taking them from the sequence keeps it ahead of every id used."""
    statement = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                     "FROM generate_series(1, :count)")  # fmt: skip
    return list(db.session.scalars(statement, {"table": table.name, "count": count}))
