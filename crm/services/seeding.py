"""Loading reference data and the synthetic demo data from seeds/.

The demo generator is seeded, so every fresh demo database holds the same records.
"""

from __future__ import annotations

import json
import random
from datetime import date, time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from crm import clock
from crm.config import PROJECT_ROOT
from crm.extensions import db
from crm.models import (
    Affiliation,
    Area,
    CaseworkPriority,
    Community,
    ConsentRecord,
    Contact,
    KeyActivity,
    Objective,
    ObjectiveMeasure,
    Purpose,
    Stakeholder,
    User,
)
from crm.services import auth, records
from crm.services import contacts as contact_service
from crm.services import stakeholders as stakeholder_service

SEEDS = PROJECT_ROOT / "seeds"
NEWSLETTERS = "Newsletters and updates"  # what most demo contacts have consented to
DEMO_PASSWORD = "engage-demo-password"  # noqa: S105 - documented demo-only password
DEMO_USERS = [
    ("admin@engage.test", "Alex Admin (demo)", "admin", [], True),
    ("lead@engage.test", "Lee Lead (demo)", "lead", ["Mersey-Cheshire", "North West"], False),
    ("senior@engage.test", "Sam Senior (demo)", "senior", ["Mersey-Cheshire"], False),
    ("panels@engage.test", "Pat Panels (demo)", "panels", ["Mersey-Cheshire"], False),
]


def _read(name: str, folder: Path = SEEDS) -> dict:
    return json.loads((folder / name).read_text(encoding="utf-8"))


def load_reference_data() -> tuple[int, int]:
    """Add any Area or community from seeds/reference.json not yet present. Returns counts added."""
    data = _read("reference.json")
    # An Area an administrator renamed keeps its code (and one recoded, its name).
    have_areas = set(db.session.scalars(select(Area.name))) | set(
        db.session.scalars(select(Area.code))
    )
    have_communities = set(db.session.scalars(select(Community.name)))
    new_areas = [
        Area(**a) for a in data["areas"] if not {a["name"], a["code"]} & have_areas
    ]
    new_communities = [
        Community(**c) for c in data["communities"] if c["name"] not in have_communities
    ]
    db.session.add_all(new_areas + new_communities)
    db.session.flush()
    _load_priorities(data["casework_priorities"])
    _load_objectives(data["objectives"])
    load_purposes(data["purposes"])
    return len(new_areas), len(new_communities)


def load_purposes(purposes: list[dict] | None = None) -> None:
    """Add any purpose (with its lawful basis and consent wording) not yet present, by
    name; one an administrator retired or reworded stays as they left it."""
    from crm.models import Purpose

    have = set(db.session.scalars(select(Purpose.name)))
    for item in purposes if purposes is not None else _read("reference.json")["purposes"]:
        if item["name"] not in have:
            db.session.add(Purpose(**item))
    db.session.flush()


def load_reference_objectives() -> None:
    """The national objectives of seeds/reference.json (those not yet present)."""
    _load_objectives(_read("reference.json")["objectives"])


def _load_objectives(objectives: list[dict]) -> None:
    """Add any national equality objective (with its measures and key activities) not yet
    present, matched by title and period."""
    have = {(o.title, o.starts_in) for o in db.session.scalars(
        select(Objective).where(Objective.area_id.is_(None)))}  # fmt: skip
    communities = {c.name: c for c in db.session.scalars(select(Community))}
    for position, item in enumerate(objectives):
        if (item["title"], item["starts_in"]) in have:
            continue
        objective = Objective(
            title=item["title"], statement=item["statement"], starts_in=item["starts_in"],
            ends_in=item["ends_in"], characteristics=item["characteristics"], position=position,
            communities=[communities[name] for name in item["communities"]],
        )  # fmt: skip
        for n, measure in enumerate(item["measures"]):
            objective.measures.append(
                ObjectiveMeasure(text=measure["text"], baseline=measure.get("baseline"),
                                 target=measure.get("target"), unit=measure.get("unit", ""),
                                 position=n)
            )  # fmt: skip
        for year, activities in item["activities"].items():
            for n, text in enumerate(activities):
                objective.activities.append(KeyActivity(year=int(year), text=text, position=n))
        db.session.add(objective)
    db.session.flush()


def _load_priorities(priorities: list[dict]) -> None:
    """Add any casework priority or strand not yet present (retired ones stay retired)."""
    have = {(p.parent_id, p.name): p for p in db.session.scalars(select(CaseworkPriority))}
    for position, item in enumerate(priorities):
        parent = have.get((None, item["name"]))
        if parent is None:
            parent = CaseworkPriority(name=item["name"], position=position)
            db.session.add(parent)
            db.session.flush()
        for strand_position, strand in enumerate(item["strands"]):
            if (parent.id, strand) not in have:
                db.session.add(
                    CaseworkPriority(name=strand, parent_id=parent.id, position=strand_position)
                )
    db.session.flush()


def database_is_empty() -> bool:
    """No staff and no stakeholders: safe to load demo data."""
    users = db.session.scalar(select(func.count()).select_from(User))
    stakeholders = db.session.scalar(select(func.count()).select_from(Stakeholder))
    return not users and not stakeholders


def load_demo_data(stakeholders_per_area: int = 45) -> dict[str, int]:
    """Reference data, the four demo accounts, stakeholders and contacts. Caller commits."""
    load_reference_data()
    users = [
        auth.create_user(email, name, DEMO_PASSWORD, role, areas, national)
        for email, name, role, areas, national in DEMO_USERS
    ]
    demo = _read("demo.json")
    rng = random.Random(2026)  # noqa: S311 - reproducible demo data, not security
    communities = list(db.session.scalars(select(Community).order_by(Community.name)))
    areas = {a.name: a for a in db.session.scalars(select(Area))}
    counts = {"stakeholders": 0, "contacts": 0}
    for area_name, towns in demo["areas"].items():
        area = areas[area_name]
        owners = [u for u in users if u.is_national or area in u.areas]
        for n in range(stakeholders_per_area):
            stakeholder = _demo_stakeholder(rng, demo, area, towns[n % len(towns)], n, owners)
            stakeholder.communities = rng.sample(communities, rng.randint(1, 4))
            records.create_audited(None, "stakeholder", stakeholder, stakeholder_service.describe)
            counts["stakeholders"] += 1
            for _ in range(rng.randint(1, 3)):
                contact = _demo_contact(rng, demo, area, stakeholder)
                records.create_audited(None, "contact", contact, contact_service.describe)
                counts["contacts"] += 1
    db.session.flush()
    counts.update(_demo_engagements(rng, demo, users[0]))
    from crm.services.demo_panels import load_demo_panels

    counts.update(load_demo_panels(rng, demo, users[0]))
    from crm.services.demo_feedback import load_demo_feedback

    counts.update(load_demo_feedback(rng, demo, users[0]))
    from crm.services.demo_plans import load_demo_plans

    counts.update(load_demo_plans(rng, demo, users[0]))
    from crm.services.demo_mapping import load_demo_mapping

    counts.update(load_demo_mapping(rng, demo, users[0]))
    from crm.services import boundaries

    outlines = (SEEDS / "demo-boundaries.geojson").read_text(encoding="utf-8")
    counts["boundaries"] = len(
        boundaries.import_boundaries(None, outlines, "Engage demo outlines", illustrative=True)
    )
    return counts


def _demo_engagements(rng, demo, admin: User, per_area: int = 110) -> dict[str, int]:
    """Engagements over the last two years, with gaps: some seldom-heard communities are
    only reached long ago, and one never, so the coverage page has something to show."""
    from crm.services import actions as action_service
    from crm.services import engagements as engagement_service

    today = clock.today()
    plan = demo["engagements"]
    communities = {c.name: c for c in db.session.scalars(select(Community))}
    stale = [communities[n] for n in plan["reached_long_ago"]]
    never = {communities[n].id for n in plan["never_reached"]}
    usual = [c for c in communities.values() if c not in stale and c.id not in never]
    staff = list(db.session.scalars(select(User).where(User.role.in_(["admin", "lead"]))))
    counts = {"engagements": 0, "actions": 0}
    for area_name in demo["areas"]:
        area = db.session.scalars(select(Area).where(Area.name == area_name)).one()
        stakeholders = list(
            db.session.scalars(select(Stakeholder).where(Stakeholder.area_id == area.id))
        )
        area_staff = [u for u in staff if u.is_national or area in u.areas]
        for _ in range(per_area):
            status = rng.choices(["held", "planned", "cancelled"], [92, 5, 3])[0]
            days_ago = rng.randint(1, 730) if status != "planned" else -rng.randint(1, 60)
            held_on = today - timedelta(days=days_ago)
            reached = rng.sample(usual, rng.randint(1, 3))
            if days_ago > 270 and rng.random() < 0.3:
                reached.append(rng.choice(stale))
            chosen = rng.sample(stakeholders, rng.randint(1, 3))
            contacts = [a.contact for s in chosen for a in s.affiliations][: rng.randint(0, 3)]
            kind = rng.choice(list(plan["titles"]))
            data = {
                "title": rng.choice(plan["titles"][kind]).format(town=chosen[0].town),
                "type": kind,
                "status": status,
                "held_on": held_on,
                "start_time": time(rng.choice([10, 13, 18]), rng.choice([0, 30])),
                "end_time": None,
                "area_id": area.id,
                "location_kind": "stakeholder",
                "location_stakeholder_id": chosen[0].id,
                "location_address": "",
                "location_postcode": "",
                "lead_id": rng.choice(area_staff).id,
                "staff_ids": [],
                "stakeholder_ids": [s.id for s in chosen],
                "contact_ids": [c.id for c in contacts],
                "community_ids": [c.id for c in reached],
                "attendance": len(contacts) + rng.randint(0, 40),
                "summary": rng.choice(plan["summaries"]),
                "issues_raised": "",
                "outcomes": "",
                "restricted_notes": "",
            }
            engagement = engagement_service.log_engagement(admin, data)
            counts["engagements"] += 1
            if status == "held" and rng.random() < 0.5:
                action = action_service.add_action(
                    admin,
                    engagement,
                    rng.choice(plan["actions"]),
                    rng.choice(area_staff).id,
                    held_on + timedelta(days=rng.randint(14, 60)),
                )
                counts["actions"] += 1
                if action.due_on < today and rng.random() < 0.7:
                    action_service.set_action_status(admin, action, "done", action.due_on)
    return counts


def _demo_stakeholder(rng, demo, area, town, n, owners) -> Stakeholder:
    kind = rng.choice(list(demo["organisations"]))
    pattern = rng.choice(demo["organisations"][kind])
    name = pattern.format(town=town["town"])
    if n >= len(demo["areas"][area.name]):
        name += f" {['North', 'South', 'East', 'West', 'Central'][n % 5]} branch"
    outward = rng.choice(town["outward"])
    letters = "ABDEFGHJLNPQRSTUWXYZ"  # the letters a postcode's inward code may use
    postcode = f"{outward} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    street = rng.choice(["High", "Church", "Station", "Park", "Victoria"])
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:30]
    return Stakeholder(
        name=f"{name} (demo)",
        type=kind,
        description="Synthetic demo record: not a real organisation.",
        address_line1=f"{rng.randint(1, 200)} {street} Street",
        town=town["town"],
        postcode=postcode,
        latitude=round(town["lat"] + rng.uniform(-0.04, 0.04), 6),
        geocode_status="manual",  # invented coordinates near the town
        longitude=round(town["lng"] + rng.uniform(-0.06, 0.06), 6),
        area=area,
        owner=rng.choice(owners) if rng.random() < 0.8 else None,
        status=rng.choices(["active", "dormant", "closed"], [8, 2, 1])[0],
        influence=rng.randint(1, 5),
        interest=rng.randint(1, 5),
        email=f"info@{slug}.example.org",
        phone=f"0151 496 {rng.randint(0, 9999):04d}",
        website=f"https://{slug}.example.org",
        preferred_language=rng.choice(["", "", "Welsh", "Polish", "Urdu", "British Sign Language"]),
        accessible_formats=rng.choice(["", "", "Large print", "Easy Read", "Braille"]),
    )


def _demo_contact(rng, demo, area, stakeholder) -> Contact:
    first, last = rng.choice(demo["first_names"]), rng.choice(demo["last_names"])
    contact = Contact(
        name=f"{first} {last}",
        job_title=rng.choice(demo["job_titles"]),
        area=area,
        email=f"{first}.{last}.{rng.randint(1, 9999)}@example.org".lower(),
        phone=f"07700 9{rng.randint(0, 99999):05d}",
        preferred_contact_method=rng.choice(["email", "phone", "none"]),
        preferred_language=rng.choice(["", "", "", "Punjabi", "Arabic", "BSL interpreter"]),
        do_not_contact=rng.random() < 0.04,
    )
    if rng.random() < 0.85:
        newsletters = db.session.scalar(select(Purpose).where(Purpose.name == NEWSLETTERS))
        db.session.add(ConsentRecord(
            contact=contact, purpose=newsletters, basis=newsletters.lawful_basis,
            status="given", changed_on=date(2026, 1, 1) - timedelta(days=rng.randint(0, 700)),
            method="Signed form at a community event"))  # fmt: skip
    contact.affiliations.append(
        Affiliation(stakeholder=stakeholder, role=rng.choice(demo["job_titles"]))
    )
    return contact
