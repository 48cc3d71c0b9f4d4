"""A small world for the probe sweeps: Mersey-Cheshire records linked to North West ones,
and restricted text on every model that declares a restricted field.

Everything goes through the services, as a national administrator, so the audit
trail holds what a real one would (links, changes to restricted text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from crm.extensions import db
from crm.models import Area, Community, Engagement, Feedback, Purpose, User
from crm.models.common import restricted_fields
from crm.services import (
    action_plans,
    contacts,
    engagements,
    feedback,
    imports,
    jobs,
    mapping,
    objectives,
    stakeholders,
)
from tests.conftest import priority

# Names of North West records that a Mersey-Cheshire user must never see.
HIDDEN_NAMES = ("Secret Northwest Group", "Secret Northwest Person", "Secret Northwest Forum",
                "Secret Northwest Plan", "Secret Northwest Action", "Secret Northwest Goal",
                "Secret Northwest Mapping")

IMPORT_CSV = b"Name,Email,Area\r\nSecret Northwest Person,secret@example.org,North West\r\n"


@dataclass
class World:
    ids: dict[str, int]
    # model class -> [(record id, the marker its restricted field holds)]
    restricted: dict[type, list[tuple[int, str]]] = field(default_factory=dict)
    hidden_stakeholder: int = 0
    hidden_panel: int = 0
    owner_id: int = 0


def _area(name: str) -> int:
    return db.session.scalar(select(Area.id).where(Area.name == name))


def build(app, make_user, make_panel, make_membership, make_meeting) -> World:
    admin = make_user("admin", national=True, name="National Admin")
    owner = make_user("lead", name="Owning Lead")
    mersey_ids: dict[str, int] = {}
    with app.app_context():
        admin = db.session.get(User, admin.id)
        mc, nw = _area("Mersey-Cheshire"), _area("North West")
        place = {"type": "community_group", "town": "Liverpool"}
        s = stakeholders.create_stakeholder(admin, {"name": "Toxteth Women's Network",
                                                    "area_id": mc, **place})  # fmt: skip
        hidden_s = stakeholders.create_stakeholder(
            admin, {"name": HIDDEN_NAMES[0], "area_id": nw, **place}
        )
        c = contacts.create_contact(admin, {"name": "Dana Okafor", "area_id": mc}, s, "Chair")
        # Each written twice, as the duplicates and merge pages find them.
        s2 = stakeholders.create_stakeholder(admin, {"name": "Toxteth Womens Network Ltd",
                                                     "area_id": mc, **place})  # fmt: skip
        c2 = contacts.create_contact(admin, {"name": "Ms Dana Okafor", "area_id": mc}, s2, "")
        contacts.link_stakeholder(admin, c, hidden_s, "Trustee")
        hidden_c = contacts.create_contact(
            admin, {"name": HIDDEN_NAMES[1], "area_id": nw}, s, "Volunteer"
        )
        base = {"type": "meeting", "status": "held", "held_on": date(2026, 10, 1),
                "location_kind": "stakeholder", "lead_id": owner.id}  # fmt: skip
        e = engagements.log_engagement(admin, base | {
            "title": "Community Conversation", "area_id": mc,
            "location_stakeholder_id": hidden_s.id, "stakeholder_ids": [s.id, hidden_s.id],
            "contact_ids": [c.id, hidden_c.id], "restricted_notes": "RESTRICTED-ENGAGEMENT-1",
        }, actions=[{"description": "Write back", "owner_id": owner.id,
                     "due_on": date(2026, 12, 1)}])  # fmt: skip
        engagements.update_engagement(admin, e, _engagement_data(e) | {
            "restricted_notes": "RESTRICTED-ENGAGEMENT-2"}, e.version)  # fmt: skip
        hidden_e = engagements.log_engagement(admin, base | {
            "title": HIDDEN_NAMES[2], "area_id": nw, "location_kind": "online",
            "stakeholder_ids": [hidden_s.id], "lead_id": None})  # fmt: skip
        hate_crime = priority("Hate crime").id
        said = {"received_on": date(2026, 10, 2), "tone": "negative", "names_person": False,
                "owner_id": owner.id}  # fmt: skip
        f1 = feedback.create_feedback(admin, said | {
            "source": "engagement", "engagement_id": hidden_e.id, "area_id": mc,
            "summary": "Victims were not kept informed"}, [hate_crime], [],
            "RESTRICTED-FEEDBACK-1")  # fmt: skip
        feedback.update_feedback(admin, f1, _feedback_data(f1), [hate_crime], [], f1.version,
                                 "RESTRICTED-FEEDBACK-2")  # fmt: skip
        f2 = feedback.create_feedback(admin, said | {
            "source": "correspondence", "stakeholder_id": hidden_s.id, "area_id": mc,
            "summary": "A letter about the court"}, [hate_crime], [],
            "RESTRICTED-FEEDBACK-3")  # fmt: skip
        national = feedback.create_feedback(admin, said | {
            "source": "other", "area_id": None, "owner_id": admin.id,
            "summary": "National forum feedback"}, [hate_crime], [],
            "RESTRICTED-NATIONAL-1")  # fmt: skip
        plan_ids = _plans(admin, owner, mc, nw, e, hidden_e, f1)
        plan_ids |= _mapping(admin, mc, nw, s, hidden_s)
        # A background job the owning lead started (only they and administrators follow it).
        job = jobs.submit(owner, "geocode", "Place records with a postcode", {})
        # A spreadsheet import the owning lead uploaded (they and administrators follow it).
        uploaded = imports.start(owner, "contacts", "contacts.csv", IMPORT_CSV)
        db.session.commit()
        mersey_ids = {"s": s.id, "s2": s2.id, "c": c.id, "c2": c2.id, "e": e.id,
                      "a": e.actions[0].id, "f": f1.id,
                      "f2": f2.id, "fn": national.id, "r": hate_crime,
                      "j": job.id, "u": owner.id, "ar": mc, "im": uploaded.id,
                      "cm": db.session.scalar(select(Community.id).where(
                          Community.name == "Older people")),
                      "pu": db.session.scalar(select(Purpose.id).order_by(Purpose.id))
                      } | plan_ids  # fmt: skip
        restricted = {
            Engagement: [(e.id, "RESTRICTED-ENGAGEMENT")],
            Feedback: [(f1.id, "RESTRICTED-FEEDBACK"), (f2.id, "RESTRICTED-FEEDBACK"),
                       (national.id, "RESTRICTED-NATIONAL")],
        }  # fmt: skip
        hidden_id = hidden_s.id
    p = make_panel("Mersey-Cheshire")
    hidden_panel = make_panel("North West", name="North West LSIP")
    m = make_membership(p, mersey_ids["c"])
    g = make_meeting(p, attendance={m: "present"})
    world = World(ids=mersey_ids | {"p": p, "m": m, "g": g}, restricted=restricted,
                  hidden_stakeholder=hidden_id, hidden_panel=hidden_panel,
                  owner_id=owner.id)  # fmt: skip
    return world


def _plans(admin, owner, mc: int, nw: int, e, hidden_e, f1) -> dict[str, int]:
    """A national objective and a Mersey-Cheshire one; a Mersey-Cheshire plan whose action
    serves both, with evidence; a North West plan whose action serves the national objective
    too, and North West evidence on it, which Mersey-Cheshire users must not see."""
    years = {"starts_in": 2026, "ends_in": 2027, "statement": "", "characteristics": []}
    on = objectives.create_objective(admin, years | {"title": "Public confidence nationally",
                                                     "area_id": None}, [], [], [])  # fmt: skip
    o = objectives.create_objective(admin, years | {"title": "Confidence on Merseyside",
                                                    "area_id": mc}, [], [], [])  # fmt: skip
    hidden_o = objectives.create_objective(admin, years | {"title": HIDDEN_NAMES[5],
                                                           "area_id": nw}, [], [], [])  # fmt: skip
    period = {"starts_on": date(2026, 4, 1), "ends_on": date(2027, 3, 31), "team": "",
              "update_months": 3}  # fmt: skip
    action = {"by_whom": "", "due_kind": "month", "due_on": date(2026, 10, 1),
              "key_activity_id": None}  # fmt: skip
    pl = action_plans.create_plan(admin, period | {"title": "Merseyside equality plan",
                                                   "area_id": mc, "owner_id": owner.id})
    theme = action_plans.add_theme(admin, pl, "1", "Engagement")
    pa = action_plans.add_action(admin, pl, theme, action | {
        "what": "Map the communities", "owner_id": owner.id,
        "objective_ids": [on.id, o.id]})  # fmt: skip
    hidden_pl = action_plans.create_plan(admin, period | {"title": HIDDEN_NAMES[3],
                                                          "area_id": nw, "owner_id": None})
    action_plans.add_action(admin, hidden_pl, None, action | {
        "what": HIDDEN_NAMES[4], "owner_id": None, "by_whom": "All managers",
        "objective_ids": [on.id, hidden_o.id]})  # fmt: skip
    action_plans.add_update(admin, pa, date(2026, 10, 5), "Started", "on_track")
    action_plans.add_evidence(admin, pa, "engagement", e.id)
    action_plans.add_evidence(admin, on, "engagement", hidden_e.id)
    action_plans.add_evidence(admin, on, "feedback", f1.id)
    action_plans.set_served(admin, e, [on.id, o.id], [pa.id])
    return {"on": on.id, "o": o.id, "pl": pl.id, "pa": pa.id}


def _mapping(admin, mc: int, nw: int, s, hidden_s) -> dict[str, int]:
    """A Mersey-Cheshire mapping exercise, and a North West one placing the North West
    stakeholder, which Mersey-Cheshire users must not see."""
    day = date(2026, 10, 1)
    x = mapping.record_exercise(admin, mc, day, [mapping.Position(s.id, 4, 2, "Keen")],
                                admin.id, title="Merseyside mapping")  # fmt: skip
    mapping.record_exercise(admin, nw, day, [mapping.Position(hidden_s.id, 5, 5)], admin.id,
                            title=HIDDEN_NAMES[6])  # fmt: skip
    return {"x": x.id, "x_area": mc}


def _engagement_data(e) -> dict:
    data = {name: getattr(e, name) for name in engagements.FIELDS}
    return data | {"stakeholder_ids": [s.id for s in e.stakeholders],
                   "contact_ids": [c.id for c in e.contacts],
                   "community_ids": [c.id for c in e.communities], "staff_ids": []}  # fmt: skip


def _feedback_data(f) -> dict:
    return {name: getattr(f, name) for name in feedback.FIELDS}


def models_with_restricted_fields() -> list[type]:
    """Models with restricted text. Special category data (equality answers) is restricted
    by a right of its own, and swept by tests/test_equality_monitoring.py."""
    return sorted((m.class_ for m in db.Model.registry.mappers if restricted_fields(m.class_)
                   and not any(c.info.get("special_category")
                               for c in m.class_.__table__.columns)),
                  key=lambda model: model.__name__)  # the same order in every process
