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

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from crm.extensions import db
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
            return "withheld" if isinstance(self.value, Withheld) else (
                f"fewer than {self.threshold}")
        if self.value is None:
            return ""
        if isinstance(self.value, int):
            return f"{self.value:,}"
        if isinstance(self.value, date):
            return f"{self.value:%-d %B %Y}"
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
    empty: str = "None in this quarter."
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
        what = "quarterly report" if self.quarter.noun == "quarter" else (
            "annual equality information report")
        return f"{self.area.name}: {what}, {self.quarter.short_label}"

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


def periods(quarter: Period) -> list[tuple[str, Period]]:
    """The quarter, the one before it, and the same quarter a year earlier (a year: the
    year and the one before)."""
    noun = quarter.noun
    found = [(f"This {noun}", quarter), (f"Previous {noun}", quarter.previous())]
    if quarter.a_year_before() != quarter.previous():
        found.append((f"Same {noun} last year", quarter.a_year_before()))
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

    def table(key, caption, header, rows, empty=f"None in this {quarter.noun}.",
              about_people=True) -> Table:  # fmt: skip
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


# Key figures compared across Areas: (label, section, table, row, column).
SIDE_BY_SIDE = [
    ("Engagements held", "engagement", "totals", "Engagements held", 1),
    ("Engagements held, previous {noun}", "engagement", "totals", "Engagements held", 2),
    ("Seldom-heard communities reached", "reach", "seldom-heard-summary", "Reached", 1),
    ("Seldom-heard communities not reached", "reach", "seldom-heard-summary", "Not reached", 1),
    ("Panel meetings held", "panels", "panel-summary", "Meetings held", 1),
    ("Panel meetings quorate", "panels", "panel-summary", "Meetings quorate", 1),
    ("Members' attendance", "panels", "panel-summary",
     "Members' attendance (seats filled at meetings)", 1),
    ("Cases reviewed by panels", "panels", "panel-summary", "Cases reviewed", 1),
    ("Feedback received", "feedback", "feedback-summary", "Received", 1),
    ("Feedback still open", "feedback", "feedback-summary", "Still open", 1),
    ("Median days to close feedback", "feedback", "feedback-summary",
     "Median days from receipt to closing", 1),
    ("Plan actions", "plans", "plan-summary", "Actions", 1),
    ("Plan actions whose status changed", "plans", "plan-summary", "Status changed", 1),
    ("Plan actions overdue", "plans", "plan-summary", "Overdue", 1),
    ("Engagements entered after the {noun}", "notes", "data-notes",
     "Engagements this {noun} entered after it ended", 1),
]  # fmt: skip


def side_by_side(reports: list[Report]) -> Table:
    """The key figures of each Area's report, an Area to a column."""
    public = bool(reports and reports[0].public)
    threshold = reports[0].threshold if reports else SUPPRESS_BELOW
    noun = reports[0].quarter.noun if reports else "quarter"
    rows = [[label.format(noun=noun),
             *(r.figure(s, t, row.format(noun=noun), col) for r in reports)]
            for label, s, t, row, col in SIDE_BY_SIDE]  # fmt: skip
    return Table("areas", f"Each Area's {noun}", ["Figure", *(r.area.name for r in reports)],
                 rows, public, threshold)  # fmt: skip


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
        for _, q in self.compared:
            # Counted by their owner (crm/services/home_figures), as the home page and the
            # engagement log count them; one query per period keeps to its index range.
            span = [(q.starts_on, q.ends_on)]
            held = home_figures.engagements_held(user, span, area_id=one)
            counts: dict[int, dict] = {i: {} for i in ids}
            for (area_id, _, kind), n in held.items():
                if area_id in counts:
                    counts[area_id][kind] = n
            self.by_type.append(counts)
            reached: dict[int, dict] = {i: {} for i in ids}
            for (area_id, _, community_id), n in home_figures.reach(user, span, one).items():
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
        labels = [q.short_label for _, q in self.compared]
        header = [label for label, _ in self.compared]
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
                table("totals", "Engagements held", ["", *header],
                      [["Engagements held", *totals]]),
                table("by-type", "By type of engagement", ["Type", *header], type_rows),
                table("by-community", "By community reached (an engagement with several "
                      "communities counts for each)", ["Community", *header], community_rows),
            ]  # fmt: skip
            if self.by_stakeholder:
                by_stakeholder = [c[area_id] for c in self.by_stakeholder]
                tables.append(table(
                    "by-stakeholder-type", "By type of stakeholder engaged",
                    ["Stakeholder type", *header],
                    [[label, *(int(c.get(key, 0)) for c in by_stakeholder)]
                     for key, label in STAKEHOLDER_TYPES.items()
                     if any(c.get(key) for c in by_stakeholder)]))  # fmt: skip
            section = Section("engagement", "Engagement activity", tables=tables, notes=[
                "Engagements count once held (not planned or cancelled) and not archived."])
            section.charts.append(Chart(
                key="engagements-by-type", title="Engagements by type",
                summary=(f"{totals[0]:,} engagements held in {labels[0]}, against "
                         f"{totals[1]:,} the {noun} before"
                         + (f" and {totals[2]:,} a year earlier." if len(totals) > 2 else ".")),
                categories=[r[0] for r in type_rows] or ["None"],
                series={label: [r[i + 1] for r in type_rows] or [0]
                        for i, label in enumerate(labels)},
                kind="hbar", unit="Engagements", category_label="Type", series_label=noun.title(),
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
        missed = [[c.name, seen.get(c.id) or "Never"] for c in seldom if not here.get(c.id)]
        found[area_id] = Section("reach", "Reach and gaps", tables=[
            table("seldom-heard-summary", "Seldom-heard communities", ["", "Communities"],
                  [["Reached", len(reached)], ["Not reached", len(missed)]],
                  about_people=False),
            table("seldom-heard-reached", "Seldom-heard communities reached",
                  ["Community", "Engagements", "Last engaged"], reached),
            table("seldom-heard-missed", "Seldom-heard communities not reached",
                  ["Community", "Last engaged"], missed,
                  "Every seldom-heard community was reached."),
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
        rate = f"{round(100 * present / len(seats))}%" if seats else "No attendance recorded"
        joined = [m for m in started if area_of[m.panel_id] == area_id]
        left = [m for m in ended if area_of[m.panel_id] == area_id]
        per_panel = [[p.name, sum(1 for m in held if m.panel_id == p.id),
                      sum(1 for m in held if m.panel_id == p.id and m.is_quorate),
                      sum(m.cases_reviewed for m in held if m.panel_id == p.id)]
                     for p in mine]  # fmt: skip
        found[area_id] = Section("panels", "Panels", tables=[
            table("panel-summary", "Panel meetings and reviews", ["", f"This {noun}"], [
                ["Meetings held", len(held)],
                ["Meetings quorate", sum(1 for m in held if m.is_quorate)],
                ["Members' attendance (seats filled at meetings)", rate],
                ["Cases reviewed", sum(m.cases_reviewed for m in held)],
                ["Members who started a term", len(joined)],
                ["Members whose term ended", len(left)],
            ]),
            table("per-panel", "Each panel", ["Panel", "Meetings held", "Quorate",
                  "Cases reviewed"], per_panel, "The Area has no panels."),
            table("assessments", "Case reviews' assessments", ["Assessment", "Case reviews"],
                  [[label, assessed[area_id][key]] for key, label in ASSESSMENTS.items()
                   if assessed[area_id].get(key)]),
            table("changes", "Membership changes", ["Panel", "Member's role", "Change"],
                  [[m.panel.name, MEMBER_ROLES.get(m.role, m.role), "Started a term"]
                   for m in joined]
                  + [[m.panel.name, MEMBER_ROLES.get(m.role, m.role),
                      f"Ended: {m.end_reason_label.lower()}"] for m in left]),
            table("gaps", f"Gaps on {until:%-d %B %Y}", ["Panel", "Gap"],
                  [[p.name, gap] for p in mine for gap in _gaps(health[p.id])],
                  "No vacancies or gaps."),
        ], notes=["Members are not named in this report."])  # fmt: skip
    return found


def _gaps(report) -> list[str]:
    """What a panel lacks, in words, from its refresh report (crm/services/panel_refresh)."""
    out = [f"No {role}" for role in report.missing_roles]
    if report.vacancies:
        out.append(f"{report.vacancies} of {report.target_size} seats vacant")
    out += [f"{gap.name}: {gap.active} of the {gap.minimum} members it should have"
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
        median = f"{statistics.median(days):g} days" if days else "None closed"
        tables = [table("feedback-summary", "Feedback received", ["", f"This {noun}"], [
            ["Received", len(got)],
            ["Still open", still_open],
            [f"Closed (received this {noun})", len(got) - still_open],
            [f"Closed in the {noun} (whenever received)", len(days)],
            ["Median days from receipt to closing", median],
        ])]  # fmt: skip
        section = Section("feedback", "Feedback", tables=tables)
        found[area_id] = section
        if not detail:
            continue
        figures = priority_figures.figures(user, area_id, quarter.starts_on, quarter.ends_on)
        rows = [[f.priority.name, f.total, f.open, f.closed,
                 "" if f.median_days_to_close is None else f"{f.median_days_to_close:g} days"]
                for f in figures if f.total]  # fmt: skip
        highlights = []
        for group in you_said.report(user, you_said.Scope(area_id=area_id), quarter.starts_on,
                                     quarter.ends_on, public=True):  # fmt: skip
            for f in group.items[:2]:
                highlights.append([group.priority.name, f.summary, f.response])
        tables += [
            table("by-priority", "By casework priority (feedback about two priorities counts "
                  "for each)", ["Casework priority", "Received", "Open", "Closed",
                                "Median days to close"], rows),
            table("you-said-we-did", "You said, we did", ["Casework priority", "You said",
                  "We did"], highlights[:6],
                  f"No feedback was closed with a response this {noun}."),
        ]  # fmt: skip
        if rows:
            section.charts.append(Chart(
                key="feedback-by-priority", title="Feedback by casework priority",
                summary=(f"{len(got):,} pieces of feedback received in "
                         f"{quarter.short_label}; {still_open:,} still open."),
                categories=[r[0] for r in rows],
                series={"Open": [r[2] for r in rows], "Closed": [r[3] for r in rows]},
                kind="stacked", unit="Feedback received", category_label="Casework priority",
                series_label="Status",
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
                    (f"{ACTION_STATUSES.get(r.status_then)} to "
                     f"{ACTION_STATUSES.get(r.status_now)}" if r.changed else "No change"),
                    "Overdue" if r.overdue else "",
                    r.update.note if r.update else f"No update this {noun}",
                ])  # fmt: skip
        summary = [["Actions", len(rows)], ["Status changed", changed], ["Overdue", overdue],
                   *([label, status_counts[key]] for key, label in ACTION_STATUSES.items())]
        tables = [table("plan-summary", f"Actions at the {noun}'s end", ["", "Actions"],
                        summary, about_people=False)]  # fmt: skip
        if detail:
            tables.append(table(
                "actions", "Each action", ["Plan", "No.", "Action", "Objectives", "Status",
                f"Change in the {noun}", "Overdue", "Latest update"], rows,
                f"The Area has no action plan covering this {noun}.",
                about_people=False))  # fmt: skip
        section = Section("plans", "Objectives and action plan", tables=tables)
        if rows:
            section.charts.append(Chart(
                key="plan-status", title="Action plan status",
                summary=(f"{len(rows):,} actions: {changed:,} changed status in the {noun} "
                         f"and {overdue:,} were overdue."),
                categories=list(ACTION_STATUSES.values()),
                series={"Actions": [status_counts[k] for k in ACTION_STATUSES]},
                kind="hbar", unit="Actions", category_label="Status", series_label="Actions",
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
    return {area_id: Section("notes", "Notes on the data", tables=[
        table("data-notes", "What to bear in mind", ["", "Records"], [
            ["Stakeholders that cannot be placed on the map (no location)",
             unplaced.get(area_id, 0)],
            [f"Engagements this {noun} that cannot be placed on the map",
             engagement.unplaced[area_id]],
            [f"Engagements this {noun} entered after it ended", engagement.late[area_id]],
            [f"Feedback received this {noun} entered after it ended",
             late_feedback.get(area_id, 0)],
        ]),
    ], notes=["Figures are as recorded on the day the report was made; entries made late "
              f"change a past {noun}'s figures."]) for area_id in ids}  # fmt: skip
