"""The panel coordinator's dashboard (and the panels section of the senior leader's): each
panel's health, terms ending, representation gaps, attendance at the last meetings, and
case reviews with their assessments (see crm/services/home_dashboards.py)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from crm.i18n import day_month_year, short_date
from crm.models import Panel
from crm.models.feedback import ASSESSMENTS
from crm.services import home_figures
from crm.services.charts import Chart
from crm.services.dashboard import Figure
from crm.services.home_parts import Context, Grid, Link, Section, Stat, add_up, period, quarter_args
from crm.services.panel_refresh import NO_ROLE


def panel_health(c: Context) -> Section:
    rows = []
    for p in c.panels:
        r = c.health[p.id]
        needs = [str(NO_ROLE[role]) for role in r.missing_roles]
        if r.tor_overdue:
            needs.append(_("terms of reference overdue"))
        rows.append([Link(p.name, "panels.refresh.refresh", {"panel_id": p.id}),
                     _("%(filled)s of %(size)s", filled=r.seats_filled, size=r.target_size),
                     r.vacancies, len(r.terms_ending), len(r.community_gaps),
                     ", ".join(needs).capitalize() or _("Nothing")])  # fmt: skip
    grid = Grid(
        "panel-health",
        _("Each panel on %(day)s", day=day_month_year(c.today)),
        [
            _("Panel"),
            _("Members in a seat"),
            _("Vacancies"),
            _("Terms ending in 90 days"),
            _("Representation gaps"),
            _("Also needs"),
        ],
        rows,
        _("You have no panels."),
    )
    return Section("panels", _("Panels"), grids=[grid],
                   links=[Link(_("Every panel"), "panels.index")])  # fmt: skip


def sections(c: Context) -> list[Section]:
    health = panel_health(c)
    ending = [[p.name, t.member.name, day_month_year(t.member.term_end),
               _("Yes") if t.may_renew else _("No, the last term allowed")]
              for p in c.panels for t in c.health[p.id].terms_ending]  # fmt: skip
    health.grids.append(Grid("terms-ending", _("Terms ending in the next 90 days"),
                             [_("Panel"), _("Member"), _("Term ends"), _("Another term allowed")],
                             ending, _("No terms end in the next 90 days.")))  # fmt: skip
    gaps = [[p.name, g.name, g.active, g.minimum]
            for p in c.panels for g in c.health[p.id].community_gaps]  # fmt: skip
    health.grids.append(Grid("representation-gaps", _("Communities below their minimum"),
                             [_("Panel"), _("Community"), _("Members representing it"),
                              _("Minimum")], gaps,
                             _("Every panel reflects the communities it should.")))  # fmt: skip
    attended = home_figures.attendance(c.panels, c.today)
    charts = [_attendance_chart(p, attended[p.id]) for p in c.panels if attended[p.id]]
    at_meetings = Section(
        "attendance",
        _("Attendance at the last meetings"),
        charts=charts,
        note="" if charts else _("No meetings recorded yet."),
    )
    return [health, at_meetings, _case_reviews(c)]


def _attendance_chart(p: Panel, meetings: list[tuple]) -> Chart:
    statuses = {"present": _("Present"), "apologies": _("Apologies"), "absent": _("Absent")}
    return Chart(
        key=f"attendance-panel-{p.id}", title=_("%(panel)s: attendance", panel=p.name),
        summary=ngettext("Members in a seat (not observers) present, sending apologies or "
                         "absent at the panel's last %(num)d meeting.",
                         "Members in a seat (not observers) present, sending apologies or "
                         "absent at the panel's last %(num)d meetings.", len(meetings)),
        categories=[short_date(m.held_on) for m, _counts in meetings],
        series={label: [n[key] for _meeting, n in meetings] for key, label in statuses.items()},
        kind="stacked", unit=_("Members"), category_label=_("Meeting"),
        series_label=_("Attendance"),
    )  # fmt: skip


def _case_reviews(c: Context) -> Section:
    shown = [c.previous, c.quarter]
    counts = home_figures.case_reviews(c.user, [period(q) for q in shown])
    per_quarter, per_kind = add_up(counts, 1), add_up(counts, 1, 2)
    labels = {**ASSESSMENTS, "": _("No assessment recorded")}
    kinds = [k for k in labels if per_kind[(0, k)] or per_kind[(1, k)]]
    chart = Chart(
        key="case-review-assessments", title=_("Case reviews' assessments"),
        summary=ngettext("%(count)s case reviewed by panels in %(quarter)s so far, against "
                         "%(before)s in %(previous)s, by how the panel assessed the case.",
                         "%(count)s cases reviewed by panels in %(quarter)s so far, against "
                         "%(before)s in %(previous)s, by how the panel assessed the case.",
                         per_quarter[1], count=format(per_quarter[1], ","),
                         quarter=c.quarter.short_label, before=format(per_quarter[0], ","),
                         previous=c.previous.short_label),
        categories=[labels[k] for k in kinds],
        series={q.short_label: [per_kind[(i, k)] for k in kinds] for i, q in enumerate(shown)},
        kind="hbar", unit=_("Case reviews"), category_label=_("Assessment"),
        series_label=_("Quarter"),
    )  # fmt: skip
    stats = [Stat(_("reviewed in %(quarter)s", quarter=q.short_label), per_quarter[i],
                  Figure(per_quarter[i], "feedback.index",
                         quarter_args(q, source="case_review")))
             for i, q in reversed(list(enumerate(shown)))]  # fmt: skip
    return Section("case-reviews", _("Case reviews"), stats=stats, charts=[chart])
