"""Import N panel memberships from a CSV, as the import pages and job do, and report the
preview's and the apply's time and peak memory.

    CRM_DATABASE_URL=sqlite:///$PWD/bench/out/members.db .venv/bin/python -m bench.run_member_import
    CRM_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_members \
        .venv/bin/python -m bench.run_member_import

Memberships go through the membership service one row at a time (its rules, its audit),
and the preview tries every row through it in a savepoint it rolls back, so a member
import is far slower a row than a stakeholder import: this measures how far. A whole
service holds some hundreds of panel memberships, past and present; the default, 2,000,
is several times that. The database should be an empty one of its own: the run makes
the schema, a hundred panels and N contacts in Mersey-Cheshire (invented), and removes
them afterwards.
"""

from __future__ import annotations

import argparse

from sqlalchemy import delete, select

from bench.generate import prepare
from bench.run_import import peak_mb, timed
from crm import create_app
from crm.extensions import db
from crm.models import (
    Area,
    AuditEvent,
    Contact,
    ImportRow,
    Membership,
    Panel,
    SpreadsheetImport,
    User,
)
from crm.services import imports
from tests.import_files import csv_bytes

PANELS = 100


def empty_out() -> None:
    for model in (ImportRow, SpreadsheetImport, AuditEvent, Membership, Panel, Contact):
        db.session.execute(delete(model.__table__))
    db.session.commit()


def make_file(n: int) -> bytes:
    area = db.session.scalar(select(Area).where(Area.name == "Mersey-Cheshire"))
    db.session.add_all(Panel(name=f"Bench panel {i}", type="lsip", area=area, target_size=20,
                             quorum=3, term_months=24, max_terms=2) for i in range(PANELS))
    db.session.add_all(Contact(name=f"Bench member {i}", email=f"member{i}@example.org",
                               area=area) for i in range(n))  # fmt: skip
    db.session.commit()
    rows = [["Panel", "Member", "Role", "Status", "Term start", "Vetting"]]
    rows += [[f"Bench panel {i % PANELS}", f"member{i}@example.org", "Member", "Active",
              "01/04/2025", "Cleared"] for i in range(n)]  # fmt: skip
    return csv_bytes(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run_member_import")
    parser.add_argument("rows", type=int, nargs="?", default=2_000)
    args = parser.parse_args(argv)
    app = create_app({"SECRET_KEY": "bench"})
    with app.app_context():
        prepare()
        empty_out()
        user = db.session.scalar(select(User).where(User.email == "bench-admin@engage.test"))
        data = make_file(args.rows)
        print(f"{db.engine.dialect.name}: importing {args.rows:,} panel memberships "
              f"on {PANELS} panels")
        record = imports.start(user, "members", "members.csv", data)
        db.session.commit()
        plan, preview = timed("preview (every row tried through the rules)",
                              lambda: imports.plan_for(user, record))  # fmt: skip
        assert plan.ok, plan.problems[:5]
        db.session.expire_all()
        imports.submit(user, record)
        db.session.commit()

        def apply():
            imports.apply(user, record.id, lambda *a: None)
            db.session.commit()

        _, took = timed("apply job (plan again, write, commit)", apply)
        print(f"  {'preview, a row':44} {preview / args.rows * 1000:7.1f} ms; apply, a row "
              f"{took / args.rows * 1000:.1f} ms; peak memory {peak_mb():.0f} MB")
        empty_out()


if __name__ == "__main__":
    main()
