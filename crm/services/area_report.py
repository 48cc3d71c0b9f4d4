"""The quarterly Area report: what a Chief Crown Prosecutor takes to the Area's board.

One report per Area and quarter, in six sections (engagement activity; reach and gaps;
panels; feedback; objectives and action plan; notes on the data). Each section is a few
tables of figures, and the figures come from their owners: engagements that count
(`Engagement.counts`), the community reach kept by engagement_figures, the panel
meeting's own quorum rule, priority_figures for feedback, action_plans.monitoring for
plans. The page, the CSV, the Excel workbook and the PDF are all drawn from the one
`Report`, so they cannot disagree.

A report meant for outside the service (`public=True`) suppresses every count below
`CRM_SUPPRESS_BELOW` (default 10) as "fewer than 10": a count is any whole number in a
table (other figures, such as a median or a percentage, are written as text), so the
rule is applied once, in `Cell`, for every table of every section.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.i18n import day_month_year
from crm.models import (
    ActionPlan,
    Area,
    Attendance,
    Community,
    Engagement,
    Feedback,
    Membership,
    PanelMeeting,
    PlanAction,
    Stakeholder,
    User,
)
from crm.models.engagement import ENGAGEMENT_TYPES, engagement_stakeholders
from crm.models.feedback import ASSESSMENTS, CLOSED_STATUSES
from crm.models.panel import LIVE_MEMBERSHIP, MEMBER_ROLES, SEAT_ROLES
from crm.models.plan import ACTION_STATUSES
from crm.models.stakeholder import STAKEHOLDER_TYPES
from crm.services import (
    access,
    action_plans,
    home_figures,
    map_picture,
    panels,
    priority_figures,
    you_said,
)
from crm.services.charts import Chart
from crm.services.panel_refresh import NO_ROLE
from crm.services.quarters import Quarter, Year

Period = Quarter | Year  # a report's period: a quarter, or (the annual report) a year

SUPPRESS_BELOW = 10


class NotAllowed(Exception):
    """The report asked for is of an Area the user does not work in."""


class Withheld(int):
    """A count not below the threshold that a public table withholds all the same (secondary
    suppression), so that its total and the other counts cannot give away a suppressed one."""


def withhold_second(counts: list[int], threshold: int) -> list[int]:
    """Counts that add up to a total shown beside them, with secondary suppression, so the
    total less the shown counts never gives away what is hidden (below the threshold, or
    already withheld): where exactly one is hidden, the smallest of the others is withheld
    too; and while the hidden ones hold between them more than none but fewer than the
    threshold (one person among three empty answers), the smallest shown is withheld."""
    found = list(counts)

    def hidden() -> list[int]:
        return [i for i, n in enumerate(found) if n < threshold or isinstance(n, Withheld)]

    def withhold_smallest_shown() -> bool:
        shown = [i for i in range(len(found)) if i not in hidden()]
        if not shown:
            return False
        smallest = min(shown, key=lambda i: (found[i], i))
        found[smallest] = Withheld(found[smallest])
        return True

    if len(hidden()) == 1:
        withhold_smallest_shown()
    while 0 < sum(found[i] for i in hidden()) < threshold and withhold_smallest_shown():
        pass
    return found


@dataclass(frozen=True)
class Cell:
    """One figure as shown: counts (whole numbers) below the threshold are suppressed in
    a public report; anything else is shown as it is."""

    value: object
    public: bool = False
    threshold: int = SUPPRESS_BELOW

    @property
    def suppressed(self) -> bool:
        return (self.public and isinstance(self.value, int) and not isinstance(self.value, bool)
                and (self.value < self.threshold or isinstance(self.value, Withheld)))  # fmt: skip

    @property
    def text(self) -> str:
        if self.suppressed:
            return _("withheld") if isinstance(self.value, Withheld) else (
                _("fewer than %(threshold)s", threshold=self.threshold))
        if self.value is None:
            return ""
        if isinstance(self.value, int):
            return f"{self.value:,}"
        if isinstance(self.value, date):
            return day_month_year(self.value)
        return str(self.value)

    @property
    def number(self) -> int | float | None:
        """The figure for a spreadsheet cell, or None where it is text or suppressed."""
        if self.suppressed or isinstance(self.value, bool):
            return None
        return self.value if isinstance(self.value, int | float) else None


@dataclass
class Table:
    key: str
    caption: str
    header: list[str]
    rows: list[list[object]]
    public: bool = False
    threshold: int = SUPPRESS_BELOW
    empty: str = _l("None in this quarter.")
    # Whether its counts are of people or of what they did (engagements, feedback, members):
    # only those could pick someone out, so only those are suppressed in public. Counts of
    # the service's own work (plan actions, evidence) and of communities are not.
    about_people: bool = True

    def cells(self) -> list[list[Cell]]:
        public = self.public and self.about_people
        return [[Cell(v, public, self.threshold) for v in row] for row in self.rows]


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    picture: map_picture.MapPicture | None = None  # the map, drawn when shown (reach and gaps)


@dataclass
class Report:
    area: Area
    quarter: Period
    today: date
    public: bool
    threshold: int
    sections: list[Section]

    @property
    def title(self) -> str:
        where, period = self.area.name, self.quarter.short_label
        if self.quarter.noun == "quarter":
            return _("%(where)s: quarterly report, %(period)s", where=where, period=period)
        return _("%(where)s: annual equality information report, %(period)s", where=where,
                 period=period)  # fmt: skip

    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]

    def figure(self, section: str, table: str, row: str, column: int = 1) -> object:
        """One figure by where it sits (for the side-by-side view and the tests)."""
        for s in self.sections:
            for t in s.tables:
                if s.key == section and t.key == table:
                    for r in t.rows:
                        if r[0] == row:
                            return r[column]
        raise KeyError((section, table, row))


def by_noun(noun: str, quarter: str, year: str) -> str:
    """The words for a quarter's report or for a year's (`noun`): each a whole sentence,
    as the Welsh for each differs in more than the noun."""
    return quarter if noun == "quarter" else year


def periods(quarter: Period) -> list[tuple[str, Period]]:
    """The quarter, the one before it, and the same quarter a year earlier (a year: the
    year and the one before)."""
    noun = quarter.noun
    found = [(by_noun(noun, _("This quarter"), _("This year")), quarter),
             (by_noun(noun, _("Previous quarter"), _("Previous year")), quarter.previous())]
    if quarter.a_year_before() != quarter.previous():  # a quarter's (a year's is the previous)
        found.append((_("Same quarter last year"), quarter.a_year_before()))
    return found


def build(user: User, area_id: int, quarter: Period, today: date, public: bool = False,
          threshold: int = SUPPRESS_BELOW) -> Report:  # fmt: skip
    """The full report of one Area the user works in, for one quarter."""
    if not access.can_see_area(user, area_id) or db.session.get(Area, area_id) is None:
        raise NotAllowed()
    return build_many(user, [area_id], quarter, today, public, threshold, detail=True)[0]


def build_all(user: User, quarter: Period, today: date, public: bool = False,
              threshold: int = SUPPRESS_BELOW) -> list[Report]:  # fmt: skip
    """Every Area the user works in, for the side-by-side view: each Area's report without
    the breakdowns only one Area's page shows (stakeholder types, each action, the map)."""
    ids = access.visible_area_ids(user)
    areas = db.session.scalars(select(Area.id).order_by(Area.name)).all()
    chosen = [a for a in areas if ids is None or a in ids]
    return build_many(user, chosen, quarter, today, public, threshold, detail=False)


def build_many(user: User, area_ids: list[int], quarter: Period, today: date, public: bool,
               threshold: int, detail: bool) -> list[Report]:  # fmt: skip
    """The reports of several Areas at once: each figure is counted for every Area in one
    query, grouped by Area, so the side-by-side view costs about what one Area's does."""
    areas = {a.id: a for a in db.session.scalars(select(Area).where(Area.id.in_(area_ids)))}
    ids = [i for i in area_ids if i in areas]
    until = min(quarter.ends_on, today)

    none_in = by_noun(quarter.noun, _("None in this quarter."), _("None in this year."))

    def table(key, caption, header, rows, empty=none_in, about_people=True) -> Table:
        return Table(key, caption, header, rows, public, threshold, empty, about_people)

    engagement = _Engagements(user, ids, quarter, detail)
    parts = [
        engagement.sections(table),
        _reach(table, user, ids, engagement, until),
        _panels(table, user, ids, quarter, until),
        _feedback(table, user, ids, quarter, detail),
        _plans(table, user, ids, quarter, today, detail),
        _notes(table, ids, quarter, engagement),
    ]
    reports = []
    for area_id in ids:
        sections = [part[area_id] for part in parts]
        if detail and not public:  # the map's picture shows each stakeholder: not public
            sections[1].picture = map_picture.for_area(user, area_id, quarter.starts_on, until)
        for section in sections:
            if public or not detail:  # a public report's charts would show small numbers
                section.charts = []
            for chart in section.charts:  # one page may hold several Areas' charts
                chart.key = f"{chart.key}-area-{area_id}"
        reports.append(Report(areas[area_id], quarter, today, public, threshold, sections))
    return reports


# Key figures compared across Areas: (label, section, table, row, column). A label or row
# that names the period is a pair: (a quarter's, a year's). The rows are the sections' own
# row labels, translated as the sections translate them.
SIDE_BY_SIDE = [
    (_l("Engagements held"), "engagement", "totals", _l("Engagements held"), 1),
    ((_l("Engagements held, previous quarter"), _l("Engagements held, previous year")),
     "engagement", "totals", _l("Engagements held"), 2),
    (_l("Seldom-heard communities reached"), "reach", "seldom-heard-summary", _l("Reached"), 1),
    (_l("Seldom-heard communities not reached"), "reach", "seldom-heard-summary",
     _l("Not reached"), 1),
    (_l("Panel meetings held"), "panels", "panel-summary", _l("Meetings held"), 1),
    (_l("Panel meetings quorate"), "panels", "panel-summary", _l("Meetings quorate"), 1),
    (_l("Members' attendance"), "panels", "panel-summary",
     _l("Members' attendance (seats filled at meetings)"), 1),
    (_l("Cases reviewed by panels"), "panels", "panel-summary", _l("Cases reviewed"), 1),
    (_l("Feedback received"), "feedback", "feedback-summary", _l("Received"), 1),
    (_l("Feedback still open"), "feedback", "feedback-summary", _l("Still open"), 1),
    (_l("Median days to close feedback"), "feedback", "feedback-summary",
     _l("Median days from receipt to closing"), 1),
    (_l("Plan actions"), "plans", "plan-summary", _l("Actions"), 1),
    (_l("Plan actions whose status changed"), "plans", "plan-summary", _l("Status changed"), 1),
    (_l("Plan actions overdue"), "plans", "plan-summary", _l("Overdue"), 1),
    ((_l("Engagements entered after the quarter"), _l("Engagements entered after the year")),
     "notes", "data-notes", (_l("Engagements this quarter entered after it ended"),
                             _l("Engagements this year entered after it ended")), 1),
]  # fmt: skip


def _said(text, noun: str) -> str:
    """A SIDE_BY_SIDE label or row as text, for a quarter's report or a year's."""
    return str(by_noun(noun, *text) if isinstance(text, tuple) else text)


def side_by_side(reports: list[Report]) -> Table:
    """The key figures of each Area's report, an Area to a column."""
    public = bool(reports and reports[0].public)
    threshold = reports[0].threshold if reports else SUPPRESS_BELOW
    noun = reports[0].quarter.noun if reports else "quarter"
    rows = [[_said(label, noun),
             *(r.figure(s, t, _said(row, noun), col) for r in reports)]
            for label, s, t, row, col in SIDE_BY_SIDE]  # fmt: skip
    return Table("areas", by_noun(noun, _("Each Area's quarter"), _("Each Area's year")),
                 [_("Figure"), *(r.area.name for r in reports)], rows, public, threshold)


def _per_area(ids: list[int], rows) -> dict[int, dict]:
    """{area id: {key: value}} from (area id, key, value) rows."""
    found: dict[int, dict] = {i: {} for i in ids}
    for area_id, key, value in rows:
        found[area_id][key] = value
    return found


# 1. Engagement activity ---------------------------------------------------------------


def _counting(ids: list[int], quarter: Period) -> tuple:
    return (Engagement.area_id.in_(ids), Engagement.counts,
            Engagement.held_on >= quarter.starts_on, Engagement.held_on <= quarter.ends_on)


def _after(quarter: Period) -> datetime:
    """Midnight after the quarter's last day (UTC, as records' times are kept)."""
    return datetime.combine(quarter.ends_on + timedelta(days=1), time.min, tzinfo=UTC)


class _Engagements:
    """Engagement counts per Area for the quarter, the one before and a year earlier: by
    type (with how many cannot be placed and were entered late, for the notes), by
    community (from the community reach kept beside them) and, for one Area's page, by the
    type of stakeholder engaged."""

    def __init__(self, user: User, ids: list[int], quarter: Period, detail: bool) -> None:
        self.ids, self.compared = ids, periods(quarter)
        self.by_type, self.by_community, self.by_stakeholder = [], [], []
        self.unplaced, self.late = {i: 0 for i in ids}, {i: 0 for i in ids}
        if not ids:
            return
        one = ids[0] if len(ids) == 1 else None
        for _label, q in self.compared:
            # Counted by their owner (crm/services/home_figures), as the home page and the
            # engagement log count them; one query per period keeps to its index range.
            span = [(q.starts_on, q.ends_on)]
            held = home_figures.engagements_held(user, span, area_id=one)
            counts: dict[int, dict] = {i: {} for i in ids}
            for (area_id, _period, kind), n in held.items():
                if area_id in counts:
                    counts[area_id][kind] = n
            self.by_type.append(counts)
            reached: dict[int, dict] = {i: {} for i in ids}
            for (area_id, _period, community_id), n in home_figures.reach(user, span, one).items():
                if area_id in reached:
                    reached[area_id][community_id] = n
            self.by_community.append(reached)
            if detail:
                es = engagement_stakeholders
                self.by_stakeholder.append(_per_area(ids, db.session.execute(
                    select(Engagement.area_id, Stakeholder.type,
                           func.count(func.distinct(Engagement.id)))
                    .join(es, es.c.engagement_id == Engagement.id)
                    .join(Stakeholder, Stakeholder.id == es.c.stakeholder_id)
                    .where(*_counting(ids, q))
                    .group_by(Engagement.area_id, Stakeholder.type))))  # fmt: skip
        this = self.compared[0][1]
        for area_id, unplaced, late in db.session.execute(
            select(Engagement.area_id,
                   func.sum(case((Engagement.latitude.is_(None), 1), else_=0)),
                   func.sum(case((Engagement.created_at >= _after(this), 1), else_=0)))
            .where(*_counting(ids, this)).group_by(Engagement.area_id)):  # fmt: skip
            self.unplaced[area_id], self.late[area_id] = int(unplaced or 0), int(late or 0)

    def sections(self, table) -> dict[int, Section]:
        noun = self.compared[0][1].noun
        communities = {c.id: c.name for c in db.session.scalars(select(Community))}
        labels = [q.short_label for _label, q in self.compared]
        header = [label for label, _period in self.compared]
        found = {}
        for area_id in self.ids:
            by_type = [c[area_id] for c in self.by_type]
            totals = [sum(c.values()) for c in by_type]
            type_rows = [[label, *(int(c.get(key, 0)) for c in by_type)]
                         for key, label in ENGAGEMENT_TYPES.items()
                         if any(c.get(key) for c in by_type)]  # fmt: skip
            by_community = [c[area_id] for c in self.by_community]
            community_rows = sorted(
                ([communities[cid], *(int(c.get(cid, 0) or 0) for c in by_community)]
                 for cid in set().union(*by_community) if cid in communities),
                key=lambda r: (-r[1], r[0]))  # fmt: skip
            tables = [
                table("totals", _("Engagements held"), ["", *header],
                      [[_("Engagements held"), *totals]]),
                table("by-type", _("By type of engagement"), [_("Type"), *header], type_rows),
                table("by-community", _("By community reached (an engagement with several "
                      "communities counts for each)"), [_("Community"), *header],
                      community_rows),
            ]  # fmt: skip
            if self.by_stakeholder:
                by_stakeholder = [c[area_id] for c in self.by_stakeholder]
                tables.append(table(
                    "by-stakeholder-type", _("By type of stakeholder engaged"),
                    [_("Stakeholder type"), *header],
                    [[label, *(int(c.get(key, 0)) for c in by_stakeholder)]
                     for key, label in STAKEHOLDER_TYPES.items()
                     if any(c.get(key) for c in by_stakeholder)]))  # fmt: skip
            section = Section("engagement", _("Engagement activity"), tables=tables, notes=[
                _("Engagements count once held (not planned or cancelled) and not archived.")])
            figures = {"held": f"{totals[0]:,}", "period": labels[0], "before": f"{totals[1]:,}",
                       "earlier": f"{totals[2]:,}" if len(totals) > 2 else ""}  # fmt: skip
            if len(totals) > 2:
                summary = by_noun(noun, _(
                    "%(held)s engagements held in %(period)s, against %(before)s the quarter "
                    "before and %(earlier)s a year earlier.", **figures), _(
                    "%(held)s engagements held in %(period)s, against %(before)s the year "
                    "before and %(earlier)s a year earlier.", **figures))  # fmt: skip
            else:
                summary = by_noun(noun, _(
                    "%(held)s engagements held in %(period)s, against %(before)s the quarter "
                    "before.", **figures), _(
                    "%(held)s engagements held in %(period)s, against %(before)s the year "
                    "before.", **figures))  # fmt: skip
            section.charts.append(Chart(
                key="engagements-by-type", title=_("Engagements by type"), summary=summary,
                categories=[r[0] for r in type_rows] or [_("None")],
                series={label: [r[i + 1] for r in type_rows] or [0]
                        for i, label in enumerate(labels)},
                kind="hbar", unit=_("Engagements"), category_label=_("Type"),
                series_label=by_noun(noun, _("Quarter"), _("Year")),
            ))  # fmt: skip
            found[area_id] = section
        return found


# 2. Reach and gaps --------------------------------------------------------------------


def _reach(table, user: User, ids: list[int], engagement: _Engagements, until: date
           ) -> dict[int, Section]:  # fmt: skip
    """Seldom-heard communities reached in the period (the engagement section's own count
    of each community's reach) and not reached, with the day each was last reached."""
    seldom = db.session.scalars(
        select(Community).where(Community.seldom_heard.is_(True)).order_by(Community.name)).all()
    one = ids[0] if len(ids) == 1 else None
    last_day = home_figures.last_reached(user, [c.id for c in seldom], until, one)
    found = {}
    for area_id in ids:
        here = engagement.by_community[0][area_id] if engagement.by_community else {}
        seen = {c.id: last_day[(area_id, c.id)] for c in seldom if (area_id, c.id) in last_day}
        reached = [[c.name, int(here[c.id]), seen.get(c.id)] for c in seldom if here.get(c.id)]
        missed = [[c.name, seen.get(c.id) or _("Never")] for c in seldom
                  if not here.get(c.id)]  # fmt: skip
        found[area_id] = Section("reach", _("Reach and gaps"), tables=[
            table("seldom-heard-summary", _("Seldom-heard communities"), ["", _("Communities")],
                  [[_("Reached"), len(reached)], [_("Not reached"), len(missed)]],
                  about_people=False),
            table("seldom-heard-reached", _("Seldom-heard communities reached"),
                  [_("Community"), _("Engagements"), _("Last engaged")], reached),
            table("seldom-heard-missed", _("Seldom-heard communities not reached"),
                  [_("Community"), _("Last engaged")], missed,
                  _("Every seldom-heard community was reached.")),
        ])  # fmt: skip
    return found


# 3. Panels ----------------------------------------------------------------------------


def _panels(table, user: User, ids: list[int], quarter: Period, until: date
            ) -> dict[int, Section]:  # fmt: skip
    noun = quarter.noun
    area_panels = [p for p in panels.list_panels(user) if p.area_id in ids]
    panel_ids = [p.id for p in area_panels]
    meetings = db.session.scalars(
        select(PanelMeeting).where(
            PanelMeeting.panel_id.in_(panel_ids), PanelMeeting.archived_at.is_(None),
            PanelMeeting.held_on >= quarter.starts_on, PanelMeeting.held_on <= quarter.ends_on)
        .options(selectinload(PanelMeeting.attendance).joinedload(Attendance.membership))
        .order_by(PanelMeeting.held_on)).all() if panel_ids else []  # fmt: skip
    in_quarter = (Membership.panel_id.in_(panel_ids), LIVE_MEMBERSHIP)
    started = db.session.scalars(select(Membership).where(
        *in_quarter, Membership.term_start >= quarter.starts_on,
        Membership.term_start <= quarter.ends_on,
        Membership.status.in_(["active", "ended"]))).all() if panel_ids else []  # fmt: skip
    ended = db.session.scalars(select(Membership).where(
        *in_quarter, Membership.ended_on >= quarter.starts_on,
        Membership.ended_on <= quarter.ends_on)).all() if panel_ids else []  # fmt: skip
    assessed = _per_area(ids, db.session.execute(
        select(Feedback.area_id, Feedback.assessment, func.count())
        .where(Feedback.area_id.in_(ids), Feedback.archived_at.is_(None),
               Feedback.source == "case_review", Feedback.received_on >= quarter.starts_on,
               Feedback.received_on <= quarter.ends_on)
        .group_by(Feedback.area_id, Feedback.assessment)))  # fmt: skip
    health = panels.health(area_panels, until) if area_panels else {}
    area_of = {p.id: p.area_id for p in area_panels}
    found = {}
    for area_id in ids:
        mine = [p for p in area_panels if p.area_id == area_id]
        held = [m for m in meetings if area_of[m.panel_id] == area_id]
        seats = [a for m in held for a in m.attendance if a.membership.role in SEAT_ROLES]
        present = sum(1 for a in seats if a.status == "present")
        rate = f"{round(100 * present / len(seats))}%" if seats else _("No attendance recorded")
        joined = [m for m in started if area_of[m.panel_id] == area_id]
        left = [m for m in ended if area_of[m.panel_id] == area_id]
        per_panel = [[p.name, sum(1 for m in held if m.panel_id == p.id),
                      sum(1 for m in held if m.panel_id == p.id and m.is_quorate),
                      sum(m.cases_reviewed for m in held if m.panel_id == p.id)]
                     for p in mine]  # fmt: skip
        found[area_id] = Section("panels", _("Panels"), tables=[
            table("panel-summary", _("Panel meetings and reviews"),
                  ["", by_noun(noun, _("This quarter"), _("This year"))], [
                [_("Meetings held"), len(held)],
                [_("Meetings quorate"), sum(1 for m in held if m.is_quorate)],
                [_("Members' attendance (seats filled at meetings)"), rate],
                [_("Cases reviewed"), sum(m.cases_reviewed for m in held)],
                [_("Members who started a term"), len(joined)],
                [_("Members whose term ended"), len(left)],
            ]),
            table("per-panel", _("Each panel"), [_("Panel"), _("Meetings held"), _("Quorate"),
                  _("Cases reviewed")], per_panel, _("The Area has no panels.")),
            table("assessments", _("Case reviews' assessments"),
                  [_("Assessment"), _("Case reviews")],
                  [[label, assessed[area_id][key]] for key, label in ASSESSMENTS.items()
                   if assessed[area_id].get(key)]),
            table("changes", _("Membership changes"), [_("Panel"), _("Member's role"),
                                                        _("Change")],
                  [[m.panel.name, MEMBER_ROLES.get(m.role, m.role), _("Started a term")]
                   for m in joined]
                  + [[m.panel.name, MEMBER_ROLES.get(m.role, m.role),
                      _("Ended: %(reason)s", reason=str(m.end_reason_label).lower())]
                     for m in left]),
            table("gaps", _("Gaps on %(day)s", day=day_month_year(until)),
                  [_("Panel"), _("Gap")],
                  [[p.name, gap] for p in mine for gap in _gaps(health[p.id])],
                  _("No vacancies or gaps.")),
        ], notes=[_("Members are not named in this report.")])  # fmt: skip
    return found


def _gaps(report) -> list[str]:
    """What a panel lacks, in words, from its refresh report (crm/services/panel_refresh)."""
    out = [str(NO_ROLE[role]) for role in report.missing_roles]
    if report.vacancies:
        out.append(_("%(vacant)s of %(size)s seats vacant", vacant=report.vacancies,
                     size=report.target_size))  # fmt: skip
    out += [_("%(community)s: %(active)s of the %(minimum)s members it should have",
              community=gap.name, active=gap.active, minimum=gap.minimum)
            for gap in report.community_gaps]  # fmt: skip
    return out


# 4. Feedback --------------------------------------------------------------------------


def _feedback(table, user: User, ids: list[int], quarter: Period, detail: bool
              ) -> dict[int, Section]:  # fmt: skip
    noun = quarter.noun
    live = (Feedback.area_id.in_(ids), Feedback.archived_at.is_(None))
    received = db.session.execute(select(Feedback.area_id, Feedback.status).where(
        *live, Feedback.received_on >= quarter.starts_on,
        Feedback.received_on <= quarter.ends_on)).all()  # fmt: skip
    closed_in = db.session.execute(select(
        Feedback.area_id, Feedback.received_on, Feedback.closed_on).where(
        *live, Feedback.closed_on >= quarter.starts_on,
        Feedback.closed_on <= quarter.ends_on)).all()  # fmt: skip
    found = {}
    for area_id in ids:
        got = [status for a, status in received if a == area_id]
        still_open = sum(1 for status in got if status not in CLOSED_STATUSES)
        days = [(c - r).days for a, r, c in closed_in if a == area_id]
        median = (_("%(days)s days", days=format(statistics.median(days), "g")) if days
                  else _("None closed"))  # fmt: skip
        tables = [table("feedback-summary", _("Feedback received"),
                        ["", by_noun(noun, _("This quarter"), _("This year"))], [
            [_("Received"), len(got)],
            [_("Still open"), still_open],
            [by_noun(noun, _("Closed (received this quarter)"), _("Closed (received this year)")),
             len(got) - still_open],
            [by_noun(noun, _("Closed in the quarter (whenever received)"),
                     _("Closed in the year (whenever received)")), len(days)],
            [_("Median days from receipt to closing"), median],
        ])]  # fmt: skip
        section = Section("feedback", _("Feedback"), tables=tables)
        found[area_id] = section
        if not detail:
            continue
        figures = priority_figures.figures(user, area_id, quarter.starts_on, quarter.ends_on)
        rows = [[f.priority.name, f.total, f.open, f.closed,
                 "" if f.median_days_to_close is None
                 else _("%(days)s days", days=format(f.median_days_to_close, "g"))]
                for f in figures if f.total]  # fmt: skip
        highlights = []
        for group in you_said.report(user, you_said.Scope(area_id=area_id), quarter.starts_on,
                                     quarter.ends_on, public=True):  # fmt: skip
            for f in group.items[:2]:
                highlights.append([group.priority.name, f.summary, f.response])
        tables += [
            table("by-priority", _("By casework priority (feedback about two priorities "
                  "counts for each)"), [_("Casework priority"), _("Received"), _("Open"),
                                        _("Closed"), _("Median days to close")], rows),
            table("you-said-we-did", _("You said, we did"), [_("Casework priority"),
                  _("You said"), _("We did")], highlights[:6],
                  by_noun(noun, _("No feedback was closed with a response this quarter."),
                          _("No feedback was closed with a response this year."))),
        ]  # fmt: skip
        if rows:
            section.charts.append(Chart(
                key="feedback-by-priority", title=_("Feedback by casework priority"),
                summary=_("%(received)s pieces of feedback received in %(period)s; "
                          "%(open)s still open.", received=format(len(got), ","),
                          period=quarter.short_label, open=format(still_open, ",")),
                categories=[r[0] for r in rows],
                series={_("Open"): [r[2] for r in rows], _("Closed"): [r[3] for r in rows]},
                kind="stacked", unit=_("Feedback received"),
                category_label=_("Casework priority"), series_label=_("Status"),
            ))  # fmt: skip
    return found


# 5. Objectives and action plan --------------------------------------------------------


def _plans(table, user: User, ids: list[int], quarter: Period, today: date, detail: bool
           ) -> dict[int, Section]:  # fmt: skip
    noun = quarter.noun
    plan_ids = [p.id for p in action_plans.list_plans(user) if p.area_id in ids
                and p.starts_on <= quarter.ends_on and p.ends_on >= quarter.starts_on]
    plans = db.session.scalars(
        select(ActionPlan).where(ActionPlan.id.in_(plan_ids))
        .options(selectinload(ActionPlan.actions).selectinload(PlanAction.updates),
                 selectinload(ActionPlan.actions).selectinload(PlanAction.objectives))
        .order_by(ActionPlan.starts_on.desc(), ActionPlan.title)).all() if plan_ids else []
    found = {}
    for area_id in ids:
        status_counts: Counter[str] = Counter()
        changed = overdue = 0
        rows = []
        for plan in (p for p in plans if p.area_id == area_id):
            for r in action_plans.monitoring(plan, quarter, today):
                status_counts[r.status_now] += 1
                changed += r.changed
                overdue += r.overdue
                rows.append([
                    plan.title, r.action.reference, r.action.what,
                    ", ".join(o.title for o in r.action.objectives),
                    ACTION_STATUSES.get(r.status_now, r.status_now),
                    (_("%(before)s to %(after)s", before=ACTION_STATUSES.get(r.status_then),
                       after=ACTION_STATUSES.get(r.status_now)) if r.changed
                     else _("No change")),
                    _("Overdue") if r.overdue else "",
                    r.update.note if r.update else by_noun(
                        noun, _("No update this quarter"), _("No update this year")),
                ])  # fmt: skip
        summary = [[_("Actions"), len(rows)], [_("Status changed"), changed],
                   [_("Overdue"), overdue],
                   *([label, status_counts[key]] for key, label in ACTION_STATUSES.items())]
        tables = [table("plan-summary", by_noun(noun, _("Actions at the quarter's end"),
                                                _("Actions at the year's end")),
                        ["", _("Actions")], summary, about_people=False)]  # fmt: skip
        if detail:
            tables.append(table(
                "actions", _("Each action"), [_("Plan"), _("No."), _("Action"),
                _("Objectives"), _("Status"),
                by_noun(noun, _("Change in the quarter"), _("Change in the year")),
                _("Overdue"), _("Latest update")], rows,
                by_noun(noun, _("The Area has no action plan covering this quarter."),
                        _("The Area has no action plan covering this year.")),
                about_people=False))  # fmt: skip
        section = Section("plans", _("Objectives and action plan"), tables=tables)
        if rows:
            figures = {"actions": f"{len(rows):,}", "changed": f"{changed:,}",
                       "overdue": f"{overdue:,}"}  # fmt: skip
            section.charts.append(Chart(
                key="plan-status", title=_("Action plan status"),
                summary=by_noun(noun, _(
                    "%(actions)s actions: %(changed)s changed status in the quarter and "
                    "%(overdue)s were overdue.", **figures), _(
                    "%(actions)s actions: %(changed)s changed status in the year and "
                    "%(overdue)s were overdue.", **figures)),
                categories=list(ACTION_STATUSES.values()),
                series={_("Actions"): [status_counts[k] for k in ACTION_STATUSES]},
                kind="hbar", unit=_("Actions"), category_label=_("Status"),
                series_label=_("Actions"),
            ))  # fmt: skip
        found[area_id] = section
    return found


# 6. Notes on the data -----------------------------------------------------------------


def _notes(table, ids: list[int], quarter: Period, engagement: _Engagements
           ) -> dict[int, Section]:  # fmt: skip
    noun = quarter.noun
    unplaced = dict(db.session.execute(
        select(Stakeholder.area_id, func.count())
        .where(Stakeholder.area_id.in_(ids), Stakeholder.archived_at.is_(None),
               Stakeholder.latitude.is_(None))
        .group_by(Stakeholder.area_id)).all())  # fmt: skip
    late_feedback = dict(db.session.execute(
        select(Feedback.area_id, func.count())
        .where(Feedback.area_id.in_(ids), Feedback.archived_at.is_(None),
               Feedback.received_on >= quarter.starts_on,
               Feedback.received_on <= quarter.ends_on, Feedback.created_at >= _after(quarter))
        .group_by(Feedback.area_id)).all())  # fmt: skip
    unplaced_label = by_noun(noun, _("Engagements this quarter that cannot be placed on the map"),
                             _("Engagements this year that cannot be placed on the map"))
    late_label = by_noun(noun, _("Engagements this quarter entered after it ended"),
                         _("Engagements this year entered after it ended"))
    late_feedback_label = by_noun(noun, _("Feedback received this quarter entered after it ended"),
                                  _("Feedback received this year entered after it ended"))
    note = by_noun(noun, _("Figures are as recorded on the day the report was made; entries "
                           "made late change a past quarter's figures."),
                   _("Figures are as recorded on the day the report was made; entries made "
                     "late change a past year's figures."))  # fmt: skip
    return {area_id: Section("notes", _("Notes on the data"), tables=[
        table("data-notes", _("What to bear in mind"), ["", _("Records")], [
            [_("Stakeholders that cannot be placed on the map (no location)"),
             unplaced.get(area_id, 0)],
            [unplaced_label, engagement.unplaced[area_id]],
            [late_label, engagement.late[area_id]],
            [late_feedback_label, late_feedback.get(area_id, 0)],
        ]),
    ], notes=[note]) for area_id in ids}  # fmt: skip
