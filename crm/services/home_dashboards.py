"""The home page's dashboard for each role: plain data (figures, tables and charts) that
templates/main/home.html draws whatever the role.

- engagement lead: the engagements they led this quarter against last, the communities
  their Areas reached and the seldom-heard gaps;
- senior leader: the Areas' quarter: engagements by type over the last eight quarters and
  by community, seldom-heard coverage, panel health, feedback by priority with what is
  open and overdue, the action plans' status, and the way to the report and the map;
- panel coordinator: panel health, terms ending, attendance at the last meetings, case
  reviews and their assessments (crm/services/home_panels.py);
- administrator: the key figures of each of their Areas (every Area, for a national one)
  side by side (crm/services/home_areas.py).

Everything is counted within the user's Areas (home_figures asks access for them), in
financial quarters (April to March) unless calendar ones are asked for. A figure that
links to a list is counted with that list's own conditions, so it is the list's count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from crm.extensions import db
from crm.models import Community, Panel, User
from crm.models.engagement import ENGAGEMENT_TYPES
from crm.models.plan import ACTION_STATUSES
from crm.services import (
    access,
    coverage,
    home_areas,
    home_figures,
    home_panels,
    panels,
    priority_figures,
)
from crm.services.charts import Chart
from crm.services.dashboard import Figure
from crm.services.home_parts import (
    Context,
    Link,
    Section,
    Stat,
    add_up,
    held_stat,
    period,
    quarter_args,
    reports,
)
from crm.services.panel_refresh import RefreshReport
from crm.services.quarters import Quarter


@dataclass
class Board:
    quarter: Quarter
    sections: list[Section]
    attention: list[tuple[Panel, RefreshReport]]  # panels needing something, with why

    @property
    def calendar(self) -> bool:
        return self.quarter.calendar

    @property
    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]


def build(user: User, today: date, calendar: bool = False) -> Board:
    """The dashboard of the user's role, in their Areas, for the quarter holding today."""
    visible = panels.list_panels(user)
    c = Context(user, today, Quarter.of(today, calendar), visible, panels.health(visible, today))
    makers = {"lead": _lead, "senior": _senior, "panels": home_panels.sections,
              "admin": home_areas.sections}  # fmt: skip
    maker = makers.get(access.dashboard_of(user))
    attention = [(p, c.health[p.id]) for p in visible if c.health[p.id].needs_attention]
    return Board(c.quarter, maker(c) if maker else [], attention)


# Engagement lead ----------------------------------------------------------------------


def _lead(c: Context) -> list[Section]:
    shown = [c.previous, c.quarter]
    mine = home_figures.engagements_held(c.user, [period(q) for q in shown], c.user.id)
    per_quarter, per_type = add_up(mine, 1), add_up(mine, 1, 2)
    types = [k for k in ENGAGEMENT_TYPES if any(per_type[(i, k)] for i in range(len(shown)))]
    now, before = per_quarter[1], per_quarter[0]
    chart = Chart(
        key="your-engagements", title="Engagements you led, by type",
        summary=(f"You led {now:,} engagements in {c.quarter.short_label} so far, against "
                 f"{before:,} in {c.previous.short_label}."),
        categories=[ENGAGEMENT_TYPES[k] for k in types],
        series={q.short_label: [per_type[(i, k)] for k in types] for i, q in enumerate(shown)},
        kind="bar", unit="Engagements", category_label="Type", series_label="Quarter",
    )  # fmt: skip
    yours = Section("your-engagements", "Your engagements", stats=[
        held_stat(f"led by you in {c.quarter.short_label}", now, c.quarter, lead=c.user.id),
        held_stat(f"in {c.previous.short_label}", before, c.previous, lead=c.user.id),
    ], charts=[chart])  # fmt: skip
    return [yours, communities(c, shown, per_quarter_chart=True)]


# Communities reached and seldom-heard gaps (lead and senior leader) -------------------


def communities(c: Context, shown: list[Quarter], per_quarter_chart: bool) -> Section:
    """Communities reached in the quarters shown (the last is this one), and seldom-heard
    communities not reached lately, by the coverage page's own rule."""
    everyone = db.session.scalars(select(Community).order_by(Community.name)).all()
    reached = add_up(home_figures.reach(c.user, [period(q) for q in shown]), 1, 2)
    now = len(shown) - 1
    seldom = [m for m in everyone if m.seldom_heard]
    last: dict[int, date] = {}  # in any of the user's Areas
    for (_, community_id), day in home_figures.last_reached(
            c.user, [m.id for m in seldom], c.today).items():  # fmt: skip
        last[community_id] = max(day, last.get(community_id, day))
    gaps = [m.name for m in seldom if coverage.is_gap(m, last.get(m.id), c.today)]
    return Section("communities", "Communities reached", stats=[
        Stat(f"communities reached in {c.quarter.short_label}",
             sum(1 for m in everyone if reached[(now, m.id)])),
        Stat(f"of the {len(seldom)} seldom-heard communities reached in "
             f"{c.quarter.short_label}", sum(1 for m in seldom if reached[(now, m.id)])),
        Stat("seldom-heard communities not reached in the last 6 months", len(gaps)),
    ], charts=[_community_chart(everyone, reached, shown, per_quarter_chart)],
        items_title="Seldom-heard communities not reached in the last 6 months", items=gaps,
        items_empty="Every one was reached in the last 6 months.",
        links=[Link("Every community's coverage", "engagements.coverage.index")],
    )  # fmt: skip


def _community_chart(everyone: list[Community], reached: Counter, shown: list[Quarter],
                     per_quarter: bool) -> Chart:  # fmt: skip
    """Engagements reaching each community: a series per quarter shown, or their total."""

    def total(m: Community) -> int:
        return sum(reached[(i, m.id)] for i in range(len(shown)))

    named = sorted((m for m in everyone if total(m)), key=lambda m: (-total(m), m.name))
    if per_quarter:
        series = {q.short_label: [reached[(i, m.id)] for m in named] for i, q in enumerate(shown)}
        words = f"{shown[-1].short_label} against {shown[-2].short_label}"
    else:
        series = {"Engagements": [total(m) for m in named]}
        words = f"the {len(shown)} quarters from {shown[0].short_label} to {shown[-1].short_label}"
    return Chart(
        key="communities-reached", title="Engagements reaching each community",
        summary=(f"How many engagements in your Areas reached each community in {words}; "
                 "an engagement reaching two communities counts for each."),
        categories=[m.name + (" (seldom heard)" if m.seldom_heard else "") for m in named],
        series=series, kind="hbar", unit="Engagements", category_label="Community",
        series_label="Quarter",
    )  # fmt: skip


# Senior leader ------------------------------------------------------------------------


def _senior(c: Context) -> list[Section]:
    eight = c.quarters(8)
    counts = home_figures.engagements_held(c.user, [period(q) for q in eight])
    per_quarter, per_type = add_up(counts, 1), add_up(counts, 1, 2)
    types = [k for k in ENGAGEMENT_TYPES if any(per_type[(i, k)] for i in range(8))]
    by_type = Chart(
        key="engagements-by-type", title="Engagements held each quarter, by type",
        summary=(f"{per_quarter[7]:,} engagements held in {c.quarter.short_label} so far, "
                 f"against {per_quarter[6]:,} in {c.previous.short_label}; "
                 f"{sum(per_quarter.values()):,} over the last eight quarters."),
        categories=[q.short_label for q in eight],
        series={ENGAGEMENT_TYPES[k]: [per_type[(i, k)] for i in range(8)] for k in types},
        kind="stacked", unit="Engagements", category_label="Quarter", series_label="Type",
        rows="series",
    )  # fmt: skip
    held = Section("engagements", "Engagements", stats=[
        held_stat(f"held in {c.quarter.short_label}", per_quarter[7], c.quarter),
        held_stat(f"in {c.previous.short_label}", per_quarter[6], c.previous),
    ], charts=[by_type])  # fmt: skip
    return [held, communities(c, eight, per_quarter_chart=False), home_panels.panel_health(c),
            _feedback(c), _plans(c), reports()]  # fmt: skip


def _feedback(c: Context) -> Section:
    counts = home_figures.feedback_by_area(c.user, period(c.quarter), c.today).values()
    received, still_open = sum(f.received for f in counts), sum(f.open for f in counts)
    overdue = sum(f.overdue for f in counts)
    four = c.quarters(4)
    rows = [f for f in priority_figures.figures(c.user, None, four[0].starts_on,
                                                c.quarter.ends_on) if f.total]  # fmt: skip
    chart = Chart(
        key="feedback-by-priority", title="Feedback by casework priority",
        summary=(f"Feedback received from {four[0].short_label} to {c.quarter.short_label} "
                 "about each casework priority, open and closed now (feedback about two "
                 "priorities counts for each)."),
        categories=[f.priority.name for f in rows],
        series={"Open": [f.open for f in rows], "Closed": [f.closed for f in rows]},
        kind="stacked", unit="Feedback received", category_label="Casework priority",
        series_label="Status",
    )  # fmt: skip
    return Section("feedback", "Feedback", stats=[
        Stat(f"received in {c.quarter.short_label}", received,
             Figure(received, "feedback.index", quarter_args(c.quarter))),
        Stat("open, whenever received", still_open,
             Figure(still_open, "feedback.index", {"status": "open"})),
        Stat("open and past the date a response was due", overdue),
    ], charts=[chart])  # fmt: skip


def _plans(c: Context) -> Section:
    status: Counter = Counter()
    for counts in home_figures.plan_status(c.user, c.today).values():
        status.update(counts)
    total = sum(status[k] for k in ACTION_STATUSES)
    chart = Chart(
        key="plan-status", title="Action plan status",
        summary=(f"The {total:,} actions of your Areas' action plans running today, by "
                 f"status; {status['overdue']:,} of the open ones overdue."),
        categories=list(ACTION_STATUSES.values()) if total else [],
        series={"Actions": [status[k] for k in ACTION_STATUSES] if total else []},
        kind="hbar", unit="Actions", category_label="Status", series_label="Actions",
    )  # fmt: skip
    return Section(
        "plans",
        "Action plans",
        stats=[
            Stat("actions in the plans running today", total),
            Stat("open actions overdue", status["overdue"]),
        ],
        charts=[chart],
        links=[
            Link("Actions overdue or due an update", "plans.due"),
            Link("Action plans", "plans.index"),
        ],
    )
