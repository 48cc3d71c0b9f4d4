"""The administrator's dashboard: the key figures of each of their Areas side by side (every
Area for a national administrator), an Area to a column, with the same rules as the other
roles' dashboards (crm/services/home_dashboards.py). Each count is one query grouped by
Area, so fourteen Areas cost what one does."""

from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _
from sqlalchemy import select

from crm.extensions import db
from crm.models import Community
from crm.services import coverage, home_figures, reference
from crm.services.charts import Chart
from crm.services.dashboard import Figure
from crm.services.home_parts import (
    Context,
    Grid,
    Section,
    Stat,
    add_up,
    held_stat,
    period,
    quarter_args,
    reports,
)

NONE = home_figures.FeedbackCounts()  # an Area with no feedback


def sections(c: Context) -> list[Section]:
    areas = reference.areas_for(c.user)
    shown = [c.previous, c.quarter]
    held = add_up(home_figures.engagements_held(c.user, [period(q) for q in shown]), 0, 1)
    feedback = home_figures.feedback_by_area(c.user, period(c.quarter), c.today)
    rows = [
        [_("Engagements held this quarter"),
         *(held_stat("", held[(a.id, 1)], c.quarter, area=a.id) for a in areas)],
        [_("Engagements held the quarter before"),
         *(held_stat("", held[(a.id, 0)], c.previous, area=a.id) for a in areas)],
        *_reach_rows(c, areas), *_panel_rows(c, areas), *_feedback_rows(c, areas, feedback),
        *_plan_rows(c, areas),
    ]  # fmt: skip
    grid = Grid("areas", _("%(quarter)s: each Area's figures", quarter=c.quarter.label),
                [_("Figure"), *(a.name for a in areas)], rows, _("You work in no Area."))
    charts = [
        Chart(
            key="engagements-by-area", title=_("Engagements held in each Area"),
            summary=_("Engagements held in each Area in %(quarter)s so far and in "
                      "%(previous)s.", quarter=c.quarter.short_label,
                      previous=c.previous.short_label),
            categories=[a.name for a in areas],
            series={q.short_label: [held[(a.id, i)] for a in areas]
                    for i, q in enumerate(shown)},
            kind="hbar", unit=_("Engagements"), category_label=_("Area"),
            series_label=_("Quarter"),
        ),
        Chart(
            key="open-feedback-by-area", title=_("Open feedback in each Area"),
            summary=_("Feedback not yet closed in each Area, and how much of it is past the "
                      "date a response was due."),
            categories=[a.name for a in areas],
            series={_("Open"): [feedback.get(a.id, NONE).open for a in areas],
                    _("Past its response date"): [feedback.get(a.id, NONE).overdue
                                                  for a in areas]},
            kind="hbar", unit=_("Feedback"), category_label=_("Area"),
            series_label=_("Feedback"),
        ),
    ]  # fmt: skip
    title = _("Every Area side by side") if c.user.is_national else _("Your Areas side by side")
    return [Section("areas", title, charts=charts, grids=[grid]), reports()]


def _feedback_rows(c: Context, areas, feedback: dict) -> list[list]:
    reviews = add_up(home_figures.case_reviews(c.user, [period(c.quarter)]), 0)

    def listed(n: int, area_id: int, **args) -> Stat:  # the feedback list's count
        return Stat("", n, Figure(n, "feedback.index", {"area": area_id, **args}))

    return [
        [_("Feedback received this quarter"),
         *(listed(feedback.get(a.id, NONE).received, a.id, **quarter_args(c.quarter))
           for a in areas)],
        [_("Feedback open"),
         *(listed(feedback.get(a.id, NONE).open, a.id, status="open") for a in areas)],
        [_("Feedback past the date a response was due"),
         *(feedback.get(a.id, NONE).overdue for a in areas)],
        [_("Case reviews this quarter"),
         *(listed(reviews[a.id], a.id, **quarter_args(c.quarter, source="case_review"))
           for a in areas)],
    ]  # fmt: skip


def _plan_rows(c: Context, areas) -> list[list]:
    plans = home_figures.plan_status(c.user, c.today)
    status = [plans.get(a.id, Counter()) for a in areas]
    return [
        [_("Plan actions on track"), *(s["on_track"] for s in status)],
        [_("Plan actions at risk or off track"),
         *(s["at_risk"] + s["off_track"] for s in status)],
        [_("Plan actions overdue"), *(s["overdue"] for s in status)],
    ]


def _reach_rows(c: Context, areas) -> list[list]:
    everyone = db.session.scalars(select(Community)).all()
    seldom = [m for m in everyone if m.seldom_heard]
    reached = home_figures.reach(c.user, [period(c.quarter)])
    last = home_figures.last_reached(c.user, [m.id for m in seldom], c.today)
    return [
        [_("Communities reached this quarter"),
         *(sum(1 for m in everyone if reached[(a.id, 0, m.id)]) for a in areas)],
        [_("Seldom-heard communities reached this quarter (of %(total)s)", total=len(seldom)),
         *(sum(1 for m in seldom if reached[(a.id, 0, m.id)]) for a in areas)],
        [_("Seldom-heard communities not reached in the last 6 months"),
         *(sum(1 for m in seldom if coverage.is_gap(m, last.get((a.id, m.id)), c.today))
           for a in areas)],
    ]  # fmt: skip


def _panel_rows(c: Context, areas) -> list[list]:
    reports_ = [(p.area_id, c.health[p.id]) for p in c.panels if p.area_id is not None]

    def total(area_id: int, count) -> int:
        return sum(count(r) for a, r in reports_ if a == area_id)

    return [
        [_("Panels needing attention"),
         *(total(a.id, lambda r: r.needs_attention) for a in areas)],
        [_("Panel vacancies"), *(total(a.id, lambda r: r.vacancies) for a in areas)],
        [_("Panel terms ending in 90 days"),
         *(total(a.id, lambda r: len(r.terms_ending)) for a in areas)],
        [_("Panel representation gaps"),
         *(total(a.id, lambda r: len(r.community_gaps)) for a in areas)],
    ]  # fmt: skip
