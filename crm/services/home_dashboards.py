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

from flask_babel import gettext as _
from flask_babel import ngettext
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
        key="your-engagements", title=_("Engagements you led, by type"),
        summary=ngettext("You led %(count)s engagement in %(quarter)s so far, against "
                         "%(before)s in %(previous)s.",
                         "You led %(count)s engagements in %(quarter)s so far, against "
                         "%(before)s in %(previous)s.",
                         now, count=format(now, ","), quarter=c.quarter.short_label,
                         before=format(before, ","), previous=c.previous.short_label),
        categories=[ENGAGEMENT_TYPES[k] for k in types],
        series={q.short_label: [per_type[(i, k)] for k in types] for i, q in enumerate(shown)},
        kind="bar", unit=_("Engagements"), category_label=_("Type"), series_label=_("Quarter"),
    )  # fmt: skip
    yours = Section("your-engagements", _("Your engagements"), stats=[
        held_stat(_("led by you in %(quarter)s", quarter=c.quarter.short_label), now, c.quarter,
                  lead=c.user.id),
        held_stat(_("in %(quarter)s", quarter=c.previous.short_label), before, c.previous,
                  lead=c.user.id),
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
    for (_area_id, community_id), day in home_figures.last_reached(
            c.user, [m.id for m in seldom], c.today).items():  # fmt: skip
        last[community_id] = max(day, last.get(community_id, day))
    gaps = [m.name for m in seldom if coverage.is_gap(m, last.get(m.id), c.today)]
    return Section("communities", _("Communities reached"), stats=[
        Stat(_("communities reached in %(quarter)s", quarter=c.quarter.short_label),
             sum(1 for m in everyone if reached[(now, m.id)])),
        Stat(ngettext("of the %(num)d seldom-heard community reached in %(quarter)s",
                      "of the %(num)d seldom-heard communities reached in %(quarter)s",
                      len(seldom), quarter=c.quarter.short_label),
             sum(1 for m in seldom if reached[(now, m.id)])),
        Stat(_("seldom-heard communities not reached in the last 6 months"), len(gaps)),
    ], charts=[_community_chart(everyone, reached, shown, per_quarter_chart)],
        items_title=_("Seldom-heard communities not reached in the last 6 months"), items=gaps,
        items_empty=_("Every one was reached in the last 6 months."),
        links=[Link(_("Every community's coverage"), "engagements.coverage.index")],
    )  # fmt: skip


def _community_chart(everyone: list[Community], reached: Counter, shown: list[Quarter],
                     per_quarter: bool) -> Chart:  # fmt: skip
    """Engagements reaching each community: a series per quarter shown, or their total."""

    def total(m: Community) -> int:
        return sum(reached[(i, m.id)] for i in range(len(shown)))

    named = sorted((m for m in everyone if total(m)), key=lambda m: (-total(m), m.name))
    if per_quarter:
        series = {q.short_label: [reached[(i, m.id)] for m in named] for i, q in enumerate(shown)}
        summary = _("How many engagements in your Areas reached each community in %(quarter)s "
                    "against %(previous)s; an engagement reaching two communities counts for "
                    "each.", quarter=shown[-1].short_label, previous=shown[-2].short_label)
    else:
        series = {_("Engagements"): [total(m) for m in named]}
        summary = ngettext(
            "How many engagements in your Areas reached each community in the %(num)d quarter "
            "from %(first)s to %(last)s; an engagement reaching two communities counts for "
            "each.",
            "How many engagements in your Areas reached each community in the %(num)d "
            "quarters from %(first)s to %(last)s; an engagement reaching two communities "
            "counts for each.",
            len(shown), first=shown[0].short_label, last=shown[-1].short_label)
    return Chart(
        key="communities-reached", title=_("Engagements reaching each community"),
        summary=summary,
        categories=[_("%(name)s (seldom heard)", name=m.name) if m.seldom_heard else m.name
                    for m in named],
        series=series, kind="hbar", unit=_("Engagements"), category_label=_("Community"),
        series_label=_("Quarter"),
    )  # fmt: skip


# Senior leader ------------------------------------------------------------------------


def _senior(c: Context) -> list[Section]:
    eight = c.quarters(8)
    counts = home_figures.engagements_held(c.user, [period(q) for q in eight])
    per_quarter, per_type = add_up(counts, 1), add_up(counts, 1, 2)
    types = [k for k in ENGAGEMENT_TYPES if any(per_type[(i, k)] for i in range(8))]
    by_type = Chart(
        key="engagements-by-type", title=_("Engagements held each quarter, by type"),
        summary=ngettext("%(count)s engagement held in %(quarter)s so far, against %(before)s "
                         "in %(previous)s; %(total)s over the last eight quarters.",
                         "%(count)s engagements held in %(quarter)s so far, against %(before)s "
                         "in %(previous)s; %(total)s over the last eight quarters.",
                         per_quarter[7], count=format(per_quarter[7], ","),
                         quarter=c.quarter.short_label, before=format(per_quarter[6], ","),
                         previous=c.previous.short_label,
                         total=format(sum(per_quarter.values()), ",")),
        categories=[q.short_label for q in eight],
        series={ENGAGEMENT_TYPES[k]: [per_type[(i, k)] for i in range(8)] for k in types},
        kind="stacked", unit=_("Engagements"), category_label=_("Quarter"),
        series_label=_("Type"), rows="series",
    )  # fmt: skip
    held = Section("engagements", _("Engagements"), stats=[
        held_stat(_("held in %(quarter)s", quarter=c.quarter.short_label), per_quarter[7],
                  c.quarter),
        held_stat(_("in %(quarter)s", quarter=c.previous.short_label), per_quarter[6],
                  c.previous),
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
        key="feedback-by-priority", title=_("Feedback by casework priority"),
        summary=_("Feedback received from %(first)s to %(last)s about each casework priority, "
                  "open and closed now (feedback about two priorities counts for each).",
                  first=four[0].short_label, last=c.quarter.short_label),
        categories=[f.priority.name for f in rows],
        series={_("Open"): [f.open for f in rows], _("Closed"): [f.closed for f in rows]},
        kind="stacked", unit=_("Feedback received"), category_label=_("Casework priority"),
        series_label=_("Status"),
    )  # fmt: skip
    return Section("feedback", _("Feedback"), stats=[
        Stat(_("received in %(quarter)s", quarter=c.quarter.short_label), received,
             Figure(received, "feedback.index", quarter_args(c.quarter))),
        Stat(_("open, whenever received"), still_open,
             Figure(still_open, "feedback.index", {"status": "open"})),
        Stat(_("open and past the date a response was due"), overdue),
    ], charts=[chart])  # fmt: skip


def _plans(c: Context) -> Section:
    status: Counter = Counter()
    for counts in home_figures.plan_status(c.user, c.today).values():
        status.update(counts)
    total = sum(status[k] for k in ACTION_STATUSES)
    chart = Chart(
        key="plan-status", title=_("Action plan status"),
        summary=ngettext("The %(count)s action of your Areas' action plans running today, by "
                         "status; %(overdue)s of the open ones overdue.",
                         "The %(count)s actions of your Areas' action plans running today, by "
                         "status; %(overdue)s of the open ones overdue.",
                         total, count=format(total, ","), overdue=format(status['overdue'], ",")),
        categories=list(ACTION_STATUSES.values()) if total else [],
        series={_("Actions"): [status[k] for k in ACTION_STATUSES] if total else []},
        kind="hbar", unit=_("Actions"), category_label=_("Status"), series_label=_("Actions"),
    )  # fmt: skip
    return Section(
        "plans",
        _("Action plans"),
        stats=[
            Stat(_("actions in the plans running today"), total),
            Stat(_("open actions overdue"), status["overdue"]),
        ],
        charts=[chart],
        links=[
            Link(_("Actions overdue or due an update"), "plans.due"),
            Link(_("Action plans"), "plans.index"),
        ],
    )
