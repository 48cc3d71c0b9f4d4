"""Demo action plans: one per demo Area, shaped like the action plan paper (numbered
themes, lettered actions, by whom, by when), serving the national equality objectives.

Each plan runs from the April of the financial year before today's to the March after
it, and carries a year of quarterly updates (the last four quarters and the current
one), so /objectives, the monitoring view and the home page have something to show:
every status is some action's current one, some open actions are overdue, some have
had no update this quarter, and evidence links actions and objectives to the Area's
demo engagements and feedback and to a document. Dates are relative to clock.today().
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from crm import clock
from crm.extensions import db
from crm.models import (
    ActionPlan,
    Area,
    Engagement,
    Evidence,
    Feedback,
    Objective,
    PlanAction,
    User,
)
from crm.services import action_plans
from crm.services.quarters import Quarter

# Objectives, as seeded in seeds/reference.json.
CONFIDENCE = "Public confidence"
EVERYONE = "Equality and inclusion as everyone's business"
CASEWORK = "High quality casework"
FAIR = "Fair and transparent prosecutions"
WORKFORCE = "A representative workforce"
CULTURE = "An inclusive workplace culture"


@dataclass(frozen=True)
class Template:
    what: str
    by_whom: str  # a named role or team; "" means a member of staff owns it
    due_kind: str  # date, month or ongoing
    objectives: tuple[str, ...]
    activity: tuple[str, int] | None = None  # (objective, key activity position)
    evidence: str = ""  # engagement, feedback or document


# Themes and actions, in the shape of the action plan paper (synthetic wording).
THEMES: list[tuple[str, list[Template]]] = [
    ("Engagement with communities and stakeholder groups", [
        Template("Refresh the Area's stakeholder and community mapping and agree which "
                 "seldom-heard communities to prioritise this year", "", "date",
                 (CONFIDENCE,), (CONFIDENCE, 0), "engagement"),
        Template("Hold a Community Conversation with each seldom-heard community the mapping "
                 "identifies, and record what was heard", "Equality officer", "ongoing",
                 (CONFIDENCE,), (CONFIDENCE, 1), "engagement"),
        Template("Record every engagement in Engage within a week, with the communities "
                 "reached", "All managers", "ongoing", (CONFIDENCE, EVERYONE)),
        Template("Invite community partners to a yearly open session on how cases are "
                 "prosecuted", "", "month", (CONFIDENCE, FAIR), None, "engagement"),
    ]),
    ("Casework quality and scrutiny", [
        Template("Refresh the Local Scrutiny Involvement Panel's membership so it reflects "
                 "the communities affected by the cases reviewed", "", "month",
                 (CASEWORK,), (CASEWORK, 0), "feedback"),
        Template("Take the learning from panel case reviews to the Area's casework quality "
                 "assurance meetings and report back to the panel", "Area Business Manager",
                 "ongoing", (CASEWORK,), (CASEWORK, 2), "feedback"),
        Template("Review, with local disability groups, how victims and witnesses with "
                 "learning disabilities are supported at court", "Equality officer", "date",
                 (CASEWORK, CONFIDENCE), (CASEWORK, 1)),
    ]),
    ("Fair and transparent decisions", [
        Template("Publish the Area's charging decisions broken down by protected "
                 "characteristic, with a short explanation", "Area Business Manager", "month",
                 (FAIR,), (FAIR, 0)),
        Template("Explain hate crime case outcomes to groups with low confidence in the "
                 "criminal justice system, through the equality network", "", "ongoing",
                 (FAIR, CONFIDENCE), (FAIR, 2), "engagement"),
        Template("Look into the disproportionality the quarterly data shows and agree what "
                 "to do about it", "", "date", (FAIR,), (FAIR, 1)),
    ]),
    ("Workforce and inclusion", [
        Template("Encourage staff to complete their personal details on the HR system, "
                 "aiming for a declaration rate at or above 75%", "All managers", "date",
                 (WORKFORCE,), (WORKFORCE, 1)),
        Template("Include equality analysis in the team plan template and train every "
                 "manager in its use", "All managers", "month", (EVERYONE,), (EVERYONE, 0)),
        Template("Agree actions from the People Survey results with the staff networks and "
                 "the trades unions", "Area Business Manager", "month", (CULTURE,),
                 (CULTURE, 0)),
        Template("Give staff at every grade the chance to take part in community engagement "
                 "through a volunteering scheme", "Equality officer", "ongoing",
                 (EVERYONE, WORKFORCE), (EVERYONE, 2), "engagement"),
    ]),
    ("Monitoring and reporting", [
        Template("Monitor this action plan at team meetings every quarter and report "
                 "progress to the Area's leadership team", "All managers", "ongoing",
                 (EVERYONE,), (EVERYONE, 1), "document"),
        Template("Report the Area's achievements against the equality objectives to the "
                 "Community Accountability Forum", "", "date", (CONFIDENCE, EVERYONE),
                 (CONFIDENCE, 2)),
    ]),
]  # fmt: skip

NOTES: dict[str, list[str]] = {
    "start": [
        "Work started: scope agreed at the team meeting and a lead named.",
        "First meeting held with partners and a timetable agreed.",
        "Started: the equality officer has drafted the approach for managers to comment on.",
    ],
    "on_track": [
        "On track: progress reported at the quarterly team meeting.",
        "On track: two sessions held this quarter, recorded in Engage.",
        "Draft shared with the staff networks for comment; no concerns raised.",
        "This quarter's milestones met; the next step is agreed.",
    ],
    "back": [
        "Back on track after the delay: new dates agreed with partners.",
        "Recovered: cover arranged and the missed session rescheduled.",
    ],
    "at_risk": [
        "At risk: the lead has been on long-term leave and cover is being arranged.",
        "At risk: partners' capacity is stretched and dates may slip by a quarter.",
        "At risk: fewer responses than hoped; reminders sent to all teams.",
    ],
    "off_track": [
        "Off track: the due date has passed and the work is not finished; escalated to the "
        "Area Business Manager.",
        "Off track: no venue or budget agreed yet; raised at the leadership team meeting.",
    ],
    "done": [
        "Done: the report was agreed at the leadership team meeting and published on the intranet.",
        "Done: every manager confirmed completion at the team meeting; the record is kept "
        "with the plan.",
        "Done: delivered as planned; what we learned is in the quarterly monitoring report.",
    ],
    "dropped": [
        "Dropped: the national programme now covers this work, so a local action would "
        "duplicate it.",
        "Dropped: the partner forum has closed; the work moves to the community safety "
        "partnership's plan.",
    ],
    "not_started": [
        "Not started: waiting for the national guidance expected next quarter.",
        "Not started: planned for later in the year, once the mapping is finished.",
    ],
}

REQUIRED = ["not_started", "on_track", "at_risk", "dropped"]  # off track and done go first


def load_demo_plans(rng, demo: dict, admin: User) -> dict[str, int]:
    today = clock.today()
    this_year = Quarter.of(today).year  # the financial year today falls in
    starts_on, ends_on = date(this_year - 1, 4, 1), date(this_year + 1, 3, 31)
    quarters = [Quarter.of(today)]
    for _ in range(4):
        quarters.insert(0, quarters[0].previous())
    objectives = {o.title: o for o in db.session.scalars(
        select(Objective).where(Objective.area_id.is_(None)))}  # fmt: skip
    editors = list(db.session.scalars(
        select(User).where(User.role.in_(["admin", "lead"])).order_by(User.id)))  # fmt: skip
    counts = {"action plans": 0, "plan actions": 0, "plan updates": 0, "evidence": 0}
    for area_name in demo["areas"]:
        area = db.session.scalars(select(Area).where(Area.name == area_name)).one()
        staff = [u for u in editors if u.is_national or area in u.areas]
        # The Area's own lead owns the plan and its named actions, where it has one.
        local = [u for u in staff if not u.is_national] or staff
        owner = next((u for u in local if u.role == "lead"), admin)
        plan = action_plans.create_plan(admin, {
            "title": f"{area_name} equality and inclusion action plan "
                     f"{starts_on.year} to {ends_on.year}",
            "area_id": area.id, "team": "", "starts_on": starts_on, "ends_on": ends_on,
            "owner_id": owner.id, "update_months": 3,
        })  # fmt: skip
        counts["action plans"] += 1
        chosen = []
        for number, (title, templates) in enumerate(THEMES, start=1):
            theme = action_plans.add_theme(admin, plan, str(number), title)
            keep = sorted(rng.sample(range(len(templates)), rng.randint(2, len(templates))))
            chosen += [(theme, templates[i]) for i in keep]
        finals = _final_statuses(rng, [t for _, t in chosen])
        # Work starts in each of the first three quarters, so each quarter's monitoring has
        # a change of status (the off-track action gives the fourth its change).
        first_starts = [0, 1, 2]
        for (theme, template), final in zip(chosen, finals, strict=True):
            action_owner = rng.choice(local) if not template.by_whom else None
            start = first_starts.pop(0) if final != "not_started" and first_starts else None
            path = _path(rng, final, quarters, today, start)
            action = action_plans.add_action(admin, plan, theme, {
                "what": template.what,
                "owner_id": action_owner.id if action_owner else None,
                "by_whom": template.by_whom,
                "due_kind": template.due_kind,
                "due_on": _due(rng, template.due_kind, final, path, today, ends_on),
                "key_activity_id": _activity(objectives, template.activity),
                "objective_ids": [objectives[t].id for t in template.objectives],
            })  # fmt: skip
            # In the plan since it began (as an imported plan's actions are), so the
            # monitoring of the past quarters lists it with their updates.
            action.added_on = starts_on
            counts["plan actions"] += 1
            reporter = action_owner or owner
            for updated_on, status in path:
                kind = status if status != "on_track" else _on_track_kind(action)
                action_plans.add_update(reporter, action, updated_on,
                                        rng.choice(NOTES[kind]), status)  # fmt: skip
                counts["plan updates"] += 1
        counts["evidence"] += _evidence(rng, admin, plan, chosen, objectives, quarters, today)
    return counts


def _final_statuses(rng, templates: list[Template]) -> list[str]:
    """Where each action stands today: every status at least once; off track on an action
    with a date and a named owner (so it is overdue, and on its owner's home page), done
    on one with a date; the rest mostly on track, and only those with a date done."""
    finals: list[str | None] = [None] * len(templates)
    dated = [i for i, t in enumerate(templates) if t.due_kind != "ongoing"]
    owned = [i for i in dated if not templates[i].by_whom]  # theme 5 always has one
    finals[rng.choice(owned or dated)] = "off_track"
    free = [i for i in dated if finals[i] is None] or [
        i for i, f in enumerate(finals) if f is None]  # fmt: skip
    finals[rng.choice(free)] = "done"
    free = [i for i, f in enumerate(finals) if f is None]
    for status, i in zip(REQUIRED, rng.sample(free, len(REQUIRED)), strict=True):
        finals[i] = status
    for i, final in enumerate(finals):
        if final is None:
            weights = {"on_track": 4, "at_risk": 2, "not_started": 1}
            if templates[i].due_kind != "ongoing":
                weights["done"] = 3
            finals[i] = rng.choices(list(weights), list(weights.values()))[0]
    return finals  # type: ignore[return-value]


def _day_in(rng, quarter: Quarter, today: date) -> date:
    """When the quarter's team meeting took stock: in its second or third month, or by
    today in the quarter still in progress."""
    first = quarter.starts_on + timedelta(days=35)
    last = min(quarter.starts_on + timedelta(days=85), today)
    if last < first:
        first = quarter.starts_on
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _path(rng, final: str, quarters: list[Quarter], today: date,
          start: int | None = None) -> list[tuple[date, str]]:  # fmt: skip
    """The dated updates that bring an action to `final`: one a quarter from when the work
    started (the quarter `start`, or one chosen); open actions have their current
    quarter's update only about half the time."""
    if final == "not_started":
        if rng.random() < 0.5:
            return []
        return [(_day_in(rng, rng.choice(quarters[2:4]), today), "not_started")]
    start = rng.choice([0, 0, 1, 2]) if start is None else start
    if final in ("done", "dropped"):
        end = rng.randint(start + 1, 4)
        middle = ["on_track"] * (end - start)
        if final == "dropped" and len(middle) > 1 and rng.random() < 0.5:
            middle[-1] = "at_risk"
        statuses = middle + [final]
    else:
        end = 4 if rng.random() < 0.55 else 3
        statuses = ["on_track"] * (end - start + 1)
        if final == "at_risk":
            statuses[-1] = "at_risk"
        elif final == "off_track":
            statuses[-2:] = ["at_risk", "off_track"]
        elif len(statuses) >= 4 and rng.random() < 0.3:
            statuses[1] = "at_risk"  # a wobble, then back on track
    return [(_day_in(rng, quarters[start + n], today), status)
            for n, status in enumerate(statuses)]  # fmt: skip


def _on_track_kind(action: PlanAction) -> str:
    """The note an on-track update needs: starting, recovering, or progress."""
    if action.status == "not_started":
        return "start"
    return "back" if action.status in ("at_risk", "off_track") else "on_track"


def _due(rng, kind: str, final: str, path, today: date, ends_on: date) -> date | None:
    """By when: done around when it was done; off track (and half of those at risk) already
    past, so overdue; the rest later in the plan."""
    if kind == "ongoing":
        return None
    if final == "done":
        day = path[-1][0] + timedelta(days=rng.randint(0, 30))
    elif final == "off_track" or (final == "at_risk" and rng.random() < 0.5):
        day = today - timedelta(days=rng.randint(40, 120))  # an earlier month: overdue
    elif final == "dropped":
        day = today + timedelta(days=rng.randint(-60, 90))
    else:
        day = today + timedelta(days=rng.randint(30, 240))
    day = min(day, ends_on)
    return day.replace(day=1) if kind == "month" else day


def _activity(objectives: dict[str, Objective], activity: tuple[str, int] | None) -> int | None:
    if activity is None:
        return None
    title, position = activity
    found = [a for a in objectives[title].activities if a.position == position]
    return found[0].id if found else None


def _evidence(rng, admin: User, plan: ActionPlan, chosen, objectives, quarters, today) -> int:
    """The Area's engagements and feedback of the last year as evidence of its started
    actions and of the national objectives, and a document: each dated when the work
    was done, so "evidence this quarter" counts only this quarter's."""
    since = quarters[0].starts_on
    engagements = list(db.session.scalars(
        select(Engagement).where(Engagement.area_id == plan.area_id, Engagement.status == "held",
                                 Engagement.archived_at.is_(None), Engagement.held_on >= since,
                                 Engagement.held_on <= today)
        .order_by(Engagement.held_on, Engagement.id)))  # fmt: skip
    feedback = list(db.session.scalars(
        select(Feedback).where(Feedback.area_id == plan.area_id, Feedback.archived_at.is_(None),
                               Feedback.received_on >= since, Feedback.received_on <= today)
        .order_by(Feedback.received_on, Feedback.id)))  # fmt: skip
    actions = [(plan_action, template) for plan_action, (_, template)
               in zip(plan.actions, chosen, strict=True)]  # fmt: skip
    # The document: the latest monitoring report, on the action it reports (or any begun).
    started = [(a, t) for a, t in actions if a.updates]
    reported = next((a for a, t in started if t.evidence == "document"), started[0][0])
    evidence = action_plans.add_evidence(
        admin,
        reported,
        "document",
        None,
        f"{plan.area_name} quarterly equality monitoring report (demo)",
        f"https://intranet.example.org/equality/{plan.area.code}/monitoring-report",
    )
    _dated(evidence, reported.updates[-1].updated_on)
    count = 1
    for action, template in started:
        if template.evidence not in ("engagement", "feedback"):
            continue
        pool = engagements if template.evidence == "engagement" else feedback
        pool = [r for r in pool if _on(r) >= action.updates[0].updated_on]
        for record in rng.sample(pool, min(len(pool), rng.randint(1, 2))):
            evidence = action_plans.add_evidence(admin, action, template.evidence, record.id)
            _dated(evidence, _on(record))
            count += 1
    for title, kind, pool in ((CONFIDENCE, "engagement", engagements),
                              (CASEWORK, "feedback", feedback)):  # fmt: skip
        for record in rng.sample(pool, min(len(pool), 2)):
            evidence = action_plans.add_evidence(admin, objectives[title], kind, record.id)
            _dated(evidence, _on(record))
            count += 1
    return count


def _on(record: Engagement | Feedback) -> date:
    return record.held_on if isinstance(record, Engagement) else record.received_on


def _dated(evidence: Evidence, day: date) -> None:
    """add_evidence logs evidence as added today; the demo's was logged when the work was."""
    evidence.added_on = day
