"""Fill a database with N synthetic stakeholders and N contacts, for benchmarks.

    CRM_DATABASE_URL=sqlite:///bench/out/bench.db python -m bench.generate 100000

The schema comes from the migrations. Rows go in with batched Core inserts
(one ORM object per row would take minutes). All data is invented.
"""

from __future__ import annotations

import random
import sys
import time

from flask_migrate import upgrade
from sqlalchemy import func, insert, select

from crm import create_app
from crm.extensions import db
from crm.models import Affiliation, Area, Community, Contact, Stakeholder, User
from crm.models.common import utcnow
from crm.models.stakeholder import STAKEHOLDER_TYPES, stakeholder_communities
from crm.services import auth, seeding

BATCH = 5_000
WORDS = [
    "Community",
    "Women's",
    "Youth",
    "Faith",
    "Refugee",
    "Deaf",
    "Carers'",
    "Traveller",
    "Elders'",
    "LGBT+",
    "Disability",
    "Advice",
    "Victims'",
    "Migrant",
    "Interfaith",
]
KINDS = ["Network", "Forum", "Group", "Centre", "Trust", "Association", "Project", "Hub"]
TOWNS = [
    "Liverpool",
    "Chester",
    "Leeds",
    "Bradford",
    "Coventry",
    "Walsall",
    "Hull",
    "Preston",
    "Bristol",
    "Exeter",
    "Cardiff",
    "Swansea",
    "Norwich",
    "Ipswich",
    "Luton",
    "Reading",
]
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105


def _ensure_users() -> None:
    if db.session.scalar(select(func.count()).select_from(User)):
        return
    auth.create_user("bench-admin@engage.test", "Bench Admin", BENCH_PASSWORD, "admin", [], True)
    auth.create_user(
        "bench-lead@engage.test", "Bench Lead", BENCH_PASSWORD, "lead", ["Mersey-Cheshire"]
    )
    db.session.commit()


def _insert(table, rows: list[dict]) -> None:
    """Batched inserts; COPY on PostgreSQL, which is several times faster there."""
    if not rows:
        return
    if db.engine.dialect.name == "postgresql":
        columns = list(rows[0])
        cursor = db.session.connection().connection.dbapi_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start : start + BATCH])


def generate(n: int, seed: int = 1) -> None:
    rng = random.Random(seed)  # noqa: S311
    areas = list(db.session.scalars(select(Area.id).order_by(Area.id)))
    communities = list(db.session.scalars(select(Community.id)))
    owners = list(db.session.scalars(select(User.id)))
    start_id = (db.session.scalar(select(func.max(Stakeholder.id))) or 0) + 1
    now = utcnow()
    types = list(STAKEHOLDER_TYPES)
    stakeholders, links, contacts, affiliations = [], [], [], []
    for i in range(n):
        sid = start_id + i
        town = rng.choice(TOWNS)
        stakeholders.append(
            {
                "id": sid,
                "name": f"{town} {rng.choice(WORDS)} {rng.choice(KINDS)} {sid}",
                "type": rng.choice(types),
                "description": "Synthetic benchmark record",
                "address_line1": f"{rng.randint(1, 300)} High Street",
                "address_line2": "",
                "town": town,
                "postcode": f"L{rng.randint(1, 40)} {rng.randint(1, 9)}AB",
                "latitude": 53.0 + rng.random(),
                "longitude": -3.0 + rng.random(),
                "area_id": rng.choice(areas),
                "owner_id": rng.choice(owners + [None]),
                "status": rng.choice(["active", "active", "active", "dormant", "closed"]),
                "influence": rng.randint(1, 5),
                "interest": rng.randint(1, 5),
                "email": f"info{sid}@bench.example.org",
                "phone": "",
                "website": "",
                "preferred_language": "",
                "accessible_formats": "",
                "notes": "",
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "archived_at": now if rng.random() < 0.02 else None,
            }
        )
        for community_id in rng.sample(communities, rng.randint(1, 3)):
            links.append({"stakeholder_id": sid, "community_id": community_id})
        contacts.append(
            {
                "id": sid,
                "name": f"Person {sid}",
                "job_title": "Coordinator",
                "area_id": stakeholders[-1]["area_id"],
                "email": f"person{sid}@bench.example.org",
                "phone": "",
                "preferred_contact_method": "email",
                "accessibility_needs": "",
                "preferred_language": "",
                "consent_given": True,
                "consent_on": None,
                "consent_basis": "consent",
                "consent_method": "",
                "do_not_contact": False,
                "notes": "",
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "archived_at": None,
            }
        )
        affiliations.append({"contact_id": sid, "stakeholder_id": sid, "role": "Member"})
    _insert(Stakeholder.__table__, stakeholders)
    _insert(stakeholder_communities, links)
    _insert(Contact.__table__, contacts)
    _insert(Affiliation.__table__, affiliations)
    if db.engine.dialect.name == "postgresql":
        # Explicit ids do not move PostgreSQL's sequences on; do it, so the app can insert.
        for table in ("stakeholders", "contacts"):
            db.session.execute(
                db.text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")  # noqa: S608
            )
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum would soon do
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    app = create_app({"SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        seeding.load_reference_data()
        db.session.commit()
        _ensure_users()
        started = time.perf_counter()
        generate(n)
        took = time.perf_counter() - started
    print(
        f"Generated {n} stakeholders and {n} contacts in {took:.1f} s "
        f"({app.config['SQLALCHEMY_DATABASE_URI'].split('://')[0]})"
    )


if __name__ == "__main__":
    main()
