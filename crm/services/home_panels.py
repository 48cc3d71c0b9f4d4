"""The panel coordinator's dashboard (and the panels section of the senior leader's): each
panel's health, terms ending, representation gaps, attendance at the last meetings, and
case reviews with their assessments (see crm/services/home_dashboards.py)."""

from __future__ import annotations

from crm.i18n import day_month_year, short_date
from crm.models import Panel
from crm.models.feedback import ASSESSMENTS
from crm.services import home_figures
from crm.services.charts import Chart
from crm.services.dashboard import Figure
from crm.services.home_parts import Context, Grid, Link, Section, Stat, add_up, period, quarter_args


def panel_health(c: Context) -> Section:
    rows = []
    for p in c.panels:
        r = c.health[p.id]
        needs = [f"no {role}" for role in r.missing_roles]
        if r.tor_overdue:
            needs.append("terms of reference overdue")
        rows.append([Link(p.name, "panels.refresh.refresh", {"panel_id": p.id}),
                     f"{r.seats_filled} of {r.target_size}", r.vacancies,
                     len(r.terms_ending), len(r.community_gaps),
                     ", ".join(needs).capitalize() or "Nothing"])  # fmt: skip
    grid = Grid(
        "panel-health",
        f"Each panel on {c.today:%-d %B %Y}",
        [
            "Panel",
            "Members in a seat",
            "Vacancies",
            "Terms ending in 90 days",
            "Representation gaps",
            "Also needs",
        ],
        rows,
        "You have no panels.",
    )
    return Section("panels", "Panels", grids=[grid], links=[Link("Every panel", "panels.index")])


def sections(c: Context) -> list[Section]:
    health = panel_health(c)
    ending = [[p.name, t.member.name, day_month_year(t.member.term_end),
               "Yes" if t.may_renew else "No, the last term allowed"]
              for p in c.panels for t in c.health[p.id].terms_ending]  # fmt: skip
    health.grids.append(Grid("terms-ending", "Terms ending in the next 90 days",
                             ["Panel", "Member", "Term ends", "Another term allowed"], ending,
                             "No terms end in the next 90 days."))  # fmt: skip
    gaps = [[p.name, g.name, g.active, g.minimum]
            for p in c.panels for g in c.health[p.id].community_gaps]  # fmt: skip
    health.grids.append(Grid("representation-gaps", "Communities below their minimum",
                             ["Panel", "Community", "Members representing it", "Minimum"],
                             gaps, "Every panel reflects the communities it should."))  # fmt: skip
    attended = home_figures.attendance(c.panels, c.today)
    charts = [_attendance_chart(p, attended[p.id]) for p in c.panels if attended[p.id]]
    at_meetings = Section(
        "attendance",
        "Attendance at the last meetings",
        charts=charts,
        note="" if charts else "No meetings recorded yet.",
    )
    return [health, at_meetings, _case_reviews(c)]


def _attendance_chart(p: Panel, meetings: list[tuple]) -> Chart:
    statuses = {"present": "Present", "apologies": "Apologies", "absent": "Absent"}
    return Chart(
        key=f"attendance-panel-{p.id}", title=f"{p.name}: attendance",
        summary=(f"Members in a seat (not observers) present, sending apologies or absent at "
                 f"the panel's last {len(meetings)} meetings."),
        categories=[short_date(m.held_on) for m, _ in meetings],
        series={label: [n[key] for _, n in meetings] for key, label in statuses.items()},
        kind="stacked", unit="Members", category_label="Meeting", series_label="Attendance",
    )  # fmt: skip


def _case_reviews(c: Context) -> Section:
    shown = [c.previous, c.quarter]
    counts = home_figures.case_reviews(c.user, [period(q) for q in shown])
    per_quarter, per_kind = add_up(counts, 1), add_up(counts, 1, 2)
    labels = {**ASSESSMENTS, "": "No assessment recorded"}
    kinds = [k for k in labels if per_kind[(0, k)] or per_kind[(1, k)]]
    chart = Chart(
        key="case-review-assessments", title="Case reviews' assessments",
        summary=(f"{per_quarter[1]:,} cases reviewed by panels in {c.quarter.short_label} so "
                 f"far, against {per_quarter[0]:,} in {c.previous.short_label}, by how the "
                 "panel assessed the case."),
        categories=[labels[k] for k in kinds],
        series={q.short_label: [per_kind[(i, k)] for k in kinds] for i, q in enumerate(shown)},
        kind="hbar", unit="Case reviews", category_label="Assessment", series_label="Quarter",
    )  # fmt: skip
    stats = [Stat(f"reviewed in {q.short_label}", per_quarter[i],
                  Figure(per_quarter[i], "feedback.index",
                         quarter_args(q, source="case_review")))
             for i, q in reversed(list(enumerate(shown)))]  # fmt: skip
    return Section("case-reviews", "Case reviews", stats=stats, charts=[chart])
