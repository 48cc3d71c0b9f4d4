"""Demo stakeholder mapping exercises: two per demo Area, about a year apart, recorded
through the mapping service, so comparing them shows every kind of change.

The earlier exercise places all but the Area's three newest stakeholders (new in the
later one), with some scores a point or two away from today's (so some stakeholders
move cell, and a few were not yet assessed then). Between the two, one stakeholder
left the register (archived: it drops out). The later exercise places everyone else
with the scores the register had, so the register ends as it began. Dates are relative
to clock.today().
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm import clock
from crm.extensions import db
from crm.models import Area, User
from crm.services import mapping, stakeholders
from crm.services.mapping import Position

NEWCOMERS = 3


def load_demo_mapping(rng, demo: dict, admin: User) -> dict[str, int]:
    today = clock.today()
    leads = list(db.session.scalars(select(User).where(User.role == "lead").order_by(User.id)))
    counts = {"mapping exercises": 0}
    for area_name in demo["areas"]:
        area = db.session.scalars(select(Area).where(Area.name == area_name)).one()
        found = mapping.live_stakeholders(area)
        found.sort(key=lambda s: s.id)
        scores = {s.id: (s.influence, s.interest) for s in found}
        runner = next((u for u in leads if area in u.areas), admin)
        earlier_on = today - timedelta(days=rng.randint(370, 400))
        mapping.record_exercise(
            admin, area.id, earlier_on,
            [Position(s.id, *_earlier(rng, scores[s.id])) for s in found[:-NEWCOMERS]],
            runner.id, title=f"{area.name} stakeholder and community mapping {earlier_on.year}",
            notes="Workshop with the Area's engagement leads and partners (demo).",
        )  # fmt: skip
        stakeholders.archive_stakeholder(admin, found[0])
        later_on = today - timedelta(days=rng.randint(20, 50))
        mapping.record_exercise(
            admin, area.id, later_on,
            [Position(s.id, *scores[s.id]) for s in found[1:]],
            runner.id, title=f"{area.name} stakeholder and community mapping {later_on.year}",
        )  # fmt: skip
        counts["mapping exercises"] += 2
    return counts


def _earlier(rng, scores: tuple) -> tuple[int | None, int | None]:
    """Scores a year before: mostly today's, some a point or two off, a few not assessed."""
    influence, interest = scores
    roll = rng.random()
    if roll < 0.08 or influence is None or interest is None:
        return None, None
    if roll < 0.5:
        shift = rng.choice([-2, -1, 1, 2])
        if rng.random() < 0.5:
            influence = min(5, max(1, influence + shift))
        else:
            interest = min(5, max(1, interest + shift))
    return influence, interest
