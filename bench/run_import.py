"""Import N stakeholders from a CSV, as the import pages and job do, beside a naive
row-by-row commit, and report time, peak memory and the ratio.

    CRM_DATABASE_URL=sqlite:///$PWD/bench/out/import.db .venv/bin/python -m bench.run_import
    CRM_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_import \
        .venv/bin/python -m bench.run_import

The database should be an empty one of its own: the run makes the schema, and deletes
the stakeholders (and imports) a previous run left before it starts. The CSV is made in
memory (invented organisations in Mersey-Cheshire, with a type, postcode, town, email,
phone and one or two communities) and imported as the one-Area lead: upload (the file
read and kept), the preview (every row read, matched and checked), then the apply job's
work (planned again, written in batches, committed once). The same file is then imported
again (every row unchanged), and undone. The naive way, for comparison, saves each row
through the stakeholder service (an ORM object and its audit event) with a commit each,
on --naive-rows rows (at its rate, 100,000 would take minutes): its rate gives the ratio.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

from sqlalchemy import delete, select

from bench.generate import TOWNS, WORDS, prepare
from crm import create_app
from crm.extensions import db
from crm.models import Area, AuditEvent, Community, ImportRow, SpreadsheetImport, Stakeholder, User
from crm.models.stakeholder import stakeholder_communities
from crm.services import imports, stakeholders
from tests.import_files import csv_bytes

KINDS = ["Network", "Forum", "Group", "Centre", "Trust", "Association", "Project", "Hub"]
TYPES = ["Community group", "Faith organisation", "Statutory partner", "Academic", "Other"]


def peak_mb() -> float:
    """The process's peak resident memory so far (Linux reports it in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_rows(n: int, communities: list[str], start: int = 0) -> list[list[str]]:
    rng = random.Random(14)
    rows = [["Name", "Type", "Town", "Postcode", "Email", "Phone", "Communities served"]]
    for i in range(start, start + n):
        name = f"{rng.choice(WORDS)} {rng.choice(KINDS)} {i}"
        rows.append([name, rng.choice(TYPES), rng.choice(TOWNS),
                     f"L{i % 30 + 1} {i % 9}{chr(65 + i % 26)}{chr(65 + i // 26 % 26)}",
                     f"org{i}@example.org", f"0151 496 {i % 10000:04d}",
                     "; ".join(rng.sample(communities, rng.choice((1, 2))))])  # fmt: skip
    return rows


def empty_out() -> None:
    for table in (ImportRow.__table__, SpreadsheetImport.__table__, AuditEvent.__table__,
                  stakeholder_communities, Stakeholder.__table__):  # fmt: skip
        db.session.execute(delete(table))
    db.session.commit()


def timed(label: str, work):
    started = time.perf_counter()
    result = work()
    took = time.perf_counter() - started
    print(f"  {label:44} {took:7.1f} s   peak {peak_mb():6.0f} MB")
    return result, took


def batched(user: User, data: bytes, name: str) -> tuple[float, SpreadsheetImport]:
    """Upload, preview and apply as the pages and the job do; the seconds it all took."""
    record, upload = timed("upload (read the file, keep it)",
                           lambda: _commit(imports.start(user, "stakeholders", name, data)))
    plan, preview = timed("preview (read, match, check every row)",
                          lambda: imports.plan_for(user, record))  # fmt: skip
    assert plan.ok, plan.problems[:5]
    del plan  # the preview's page is gone by the time the job runs
    db.session.expire_all()
    _commit(imports.submit(user, record))
    _, apply = timed("apply job (plan again, write, commit)",
                     lambda: _commit(imports.apply(user, record.id, lambda *a: None)))
    return upload + preview + apply, record


def _commit(result):
    db.session.commit()
    return result


def naive(user: User, rows: list[list[str]]) -> float:
    """Each row through the stakeholder service, committed one at a time."""
    area_id = user.areas[0].id
    by_name = {c.name: c.id for c in db.session.scalars(select(Community))}
    types = {"Community group": "community_group", "Faith organisation": "faith",
             "Statutory partner": "statutory", "Academic": "academic", "Other": "other"}
    started = time.perf_counter()
    for name, kind, town, postcode, email, phone, served in rows[1:]:
        stakeholders.create_stakeholder(user, {
            "name": name, "type": types[kind], "town": town, "postcode": postcode,
            "email": email, "phone": phone, "area_id": area_id,
            "community_ids": [by_name[c] for c in served.split("; ")]})  # fmt: skip
        db.session.commit()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run_import")
    parser.add_argument("rows", type=int, nargs="?", default=100_000)
    parser.add_argument("--naive-rows", type=int, default=3_000)
    args = parser.parse_args(argv)
    app = create_app({"SECRET_KEY": "bench"})
    with app.app_context():
        prepare()
        empty_out()
        user = db.session.scalar(select(User).where(User.email == "bench-lead@engage.test"))
        communities = [c.name for c in db.session.scalars(select(Community).order_by(Community.id))]
        engine = db.engine.dialect.name
        data = csv_bytes(make_rows(args.rows, communities))
        print(f"{engine}: importing {args.rows:,} stakeholders ({len(data) / 1e6:.1f} MB CSV) "
              f"into {db.session.get(Area, user.areas[0].id).name}")
        total, record = batched(user, data, "stakeholders.csv")
        print(f"  {'upload + preview + apply':44} {total:7.1f} s   "
              f"({args.rows / total:,.0f} rows/s; created {record.created_count:,})")
        print("  the same file again (every row unchanged):")
        again, _ = batched(user, data, "stakeholders-again.csv")
        _, undo = timed("undo the first import (archive every row)",
                        lambda: _commit(imports.undo(user, record)))
        empty_out()
        print(f"  naive: {args.naive_rows:,} rows, one service call and commit each:")
        rows = make_rows(args.naive_rows, communities, start=args.rows)
        took = naive(user, rows)
        rate = args.naive_rows / took
        print(f"  {'naive row-by-row commit':44} {took:7.1f} s   ({rate:,.0f} rows/s; "
              f"{args.rows:,} rows would take {args.rows / rate:,.0f} s)")
        print(f"  ratio (naive time / batched time, for {args.rows:,} rows): "
              f"{(args.rows / rate) / total:.1f}x; peak memory {peak_mb():.0f} MB")
        empty_out()


if __name__ == "__main__":
    main()
