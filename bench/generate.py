"""Fill a database with N synthetic stakeholders and N contacts, for benchmarks.

    CRM_DATABASE_URL=sqlite:///bench/out/bench.db python -m bench.generate 100000

The schema comes from the migrations. Rows go in with batched Core inserts
(one ORM object per row would take minutes). All data is invented.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta
from types import SimpleNamespace

from flask_migrate import upgrade
from sqlalchemy import func, select

from crm import create_app
from crm.extensions import db
from crm.models import Affiliation, Area, Community, Contact, Engagement, Stakeholder, User
from crm.models.common import utcnow
from crm.models.engagement import engagement_communities, engagement_stakeholders
from crm.models.stakeholder import STAKEHOLDER_TYPES, stakeholder_communities
from crm.services import auth, bulk, engagement_figures, seeding

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


def prepare() -> None:
    """The schema from the migrations, the reference data and the two bench accounts."""
    upgrade()
    seeding.load_reference_data()
    db.session.commit()
    _ensure_users()


def _insert(table, rows: list[dict]) -> None:
    """Batched inserts; COPY on PostgreSQL, which is several times faster there."""
    bulk.insert_rows(table, rows)


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
                # Spread over England and Wales, so the map benchmark draws a country.
                "latitude": (lat := round(50.6 + 4.8 * rng.random(), 5)),
                "longitude": (lng := round(-4.6 + 4.9 * rng.random(), 5)),
                "geocode_status": "manual",
                # Areas are places: fourteen bands, seven north to south, two west to east.
                "area_id": areas[min(6, int((lat - 50.6) / 4.8 * 7)) * 2 + (lng > -2.15)],
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
    # What the stakeholder model keeps with its communities, set in bulk.
    db.session.execute(
        db.text(
            "UPDATE stakeholders SET serves_seldom_heard = EXISTS (SELECT 1 FROM "
            "stakeholder_communities sc JOIN communities c ON c.id = sc.community_id "
            "WHERE sc.stakeholder_id = stakeholders.id AND c.seldom_heard)"
        )
    )
    if db.engine.dialect.name == "postgresql":
        # Explicit ids do not move PostgreSQL's sequences on; do it, so the app can insert.
        for table in ("stakeholders", "contacts"):
            db.session.execute(
                db.text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")  # noqa: S608
            )
    db.session.commit()
    _analyse()


ENGAGEMENT_TYPES = ["meeting", "community_conversation", "forum", "external_forum", "outreach",
                    "training", "consultation"]  # fmt: skip
CHUNK = 50_000


def generate_engagements(n: int, seed: int = 2) -> None:
    """Add n engagements over the last two years to the stakeholders already there.

    One stakeholder (the lowest id in Mersey-Cheshire) gets 500 of them, for the
    busy-stakeholder page. Written in chunks so memory stays small.
    """
    rng = random.Random(seed)  # noqa: S311
    stakeholders = db.session.execute(
        select(
            Stakeholder.id, Stakeholder.area_id, Stakeholder.latitude, Stakeholder.longitude
        ).where(Stakeholder.archived_at.is_(None))
    ).all()
    where = {sid: (lat, lng) for sid, _, lat, lng in stakeholders}
    communities = list(db.session.scalars(select(Community.id)))
    leads = list(db.session.scalars(select(User.id)))
    busy = db.session.scalar(
        select(func.min(Stakeholder.id)).join(Area).where(Area.name == "Mersey-Cheshire")
    )
    busy_area = db.session.scalar(select(Stakeholder.area_id).where(Stakeholder.id == busy))
    start_id = (db.session.scalar(select(func.max(Engagement.id))) or 0) + 1
    today = date.today()
    now = utcnow()
    for chunk_start in range(0, n, CHUNK):
        engagements, links, reached = [], [], []
        for i in range(chunk_start, min(n, chunk_start + CHUNK)):
            eid = start_id + i
            sid, area_id = (busy, busy_area) if i < 500 else rng.choice(stakeholders)[:2]
            lat, lng = where.get(sid, (None, None))
            held_on = today - timedelta(days=rng.randint(0, 730))
            status = "held" if rng.random() < 0.95 else "planned"
            engagements.append({
                "id": eid, "title": f"Engagement {eid}", "type": rng.choice(ENGAGEMENT_TYPES),
                "status": status, "held_on": held_on, "start_time": None, "end_time": None,
                "area_id": area_id, "location_kind": "stakeholder", "location_stakeholder_id": sid,
                "location_address": "", "location_postcode": "", "lead_id": rng.choice(leads),
                "latitude": lat, "longitude": lng, "geocode_status": "premises",
                "attendance": rng.randint(1, 60), "summary": "Synthetic benchmark engagement",
                "issues_raised": "", "outcomes": "", "restricted_notes": "", "version": 1,
                "created_at": now, "updated_at": now, "archived_at": None,
            })  # fmt: skip
            # The copies each link keeps, by the figures' owner's rule (held and live).
            link = engagement_figures.link_copies(SimpleNamespace(**engagements[-1]))
            links.append({"engagement_id": eid, "stakeholder_id": sid, **link})
            for community_id in rng.sample(communities, rng.randint(1, 3)):
                reached.append({"engagement_id": eid, "community_id": community_id, **link})
        _insert(Engagement.__table__, engagements)
        _insert(engagement_stakeholders, links)
        _insert(engagement_communities, reached)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            db.text("SELECT setval('engagements_id_seq', (SELECT max(id) FROM engagements))")
        )
    _derive_figures()
    db.session.commit()


def _derive_figures() -> None:
    """What each save keeps up to date, built in bulk by the same owner (the rebuild)."""
    from crm.services import engagement_figures

    corrected = engagement_figures.rebuild()
    print(f"Derived figures built: {corrected}")


def _analyse() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum would soon do
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate",
        description="Fill the database at CRM_DATABASE_URL with synthetic records for the "
        "benchmarks (all invented; the schema from the migrations).",
    )
    parser.add_argument("stakeholders", type=int, nargs="?", default=100_000,
                        help="stakeholders to add, and as many contacts (default 100000)")
    parser.add_argument("engagements", type=int, nargs="?", default=0,
                        help="engagements to add over the last two years (default 0)")  # fmt: skip
    args = parser.parse_args(argv)
    n, engagements = args.stakeholders, args.engagements
    app = create_app({"SECRET_KEY": "bench"})
    with app.app_context():
        prepare()
        engine = db.engine.dialect.name
        started = time.perf_counter()
        generate(n)
        took = time.perf_counter() - started
        print(f"{engine}: {n} stakeholders and {n} contacts in {took:.1f} s")
        if engagements:
            started = time.perf_counter()
            generate_engagements(engagements)
            _analyse()
            print(f"{engine}: {engagements} engagements in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
