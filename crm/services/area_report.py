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

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.models import (
    Area,
    Community,
    CommunityReach,
    Engagement,
    Feedback,
    Membership,
    PanelMeeting,
    Stakeholder,
    User,
)
from crm.models.engagement import ENGAGEMENT_TYPES, engagement_stakeholders
from crm.models.feedback import ASSESSMENTS, CLOSED_STATUSES
from crm.models.panel import MEMBER_ROLES, SEAT_ROLES
from crm.models.plan import ACTION_STATUSES
from crm.models.stakeholder import STAKEHOLDER_TYPES
from crm.services import access, action_plans, map_picture, panels, priority_figures, you_said
from crm.services.charts import Chart
from crm.services.quarters import Quarter

SUPPRESS_BELOW = 10


class NotAllowed(Exception):
    """The report asked for is of an Area the user does not work in."""


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
                and self.value < self.threshold)  # fmt: skip

    @property
    def text(self) -> str:
        if self.suppressed:
            return f"fewer than {self.threshold}"
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

    def cells(self) -> list[list[Cell]]:
        return [[Cell(v, self.public, self.threshold) for v in row] for row in self.rows]


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
    quarter: Quarter
    today: date
    public: bool
    threshold: int
    sections: list[Section]

    @property
    def title(self) -> str:
        return f"{self.area.name}: quarterly report, {self.quarter.short_label}"

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


def periods(quarter: Quarter) -> list[tuple[str, Quarter]]:
    """The quarter, the one before it, and the same quarter a year earlier."""
    a_year_before = Quarter.of(quarter.starts_on.replace(year=quarter.starts_on.year - 1),
                               quarter.calendar)  # fmt: skip
    return [("This quarter", quarter), ("Previous quarter", quarter.previous()),
            ("Same quarter last year", a_year_before)]  # fmt: skip


def build(user: User, area_id: int, quarter: Quarter, today: date, public: bool = False,
          threshold: int = SUPPRESS_BELOW) -> Report:  # fmt: skip
    """The report of one Area the user works in, for one quarter."""
    if not access.can_see_area(user, area_id):
        raise NotAllowed()
    area = db.session.get(Area, area_id)
    if area is None:
        raise NotAllowed()
    until = min(quarter.ends_on, today)

    def table(key, caption, header, rows, empty="None in this quarter.") -> Table:
        return Table(key, caption, header, rows, public, threshold, empty)

    sections = [
        _engagement(table, area, quarter),
        # The map's picture shows each stakeholder: left out of a public report.
        _reach(table, area, quarter, until,
               None if public else map_picture.for_area(user, area.id, quarter.starts_on, until)),
        _panels(table, user, area, quarter, until),
        _feedback(table, user, area, quarter, public),
        _plans(table, user, area, quarter, today),
        _notes(table, area, quarter),
    ]
    for section in sections:
        if public:
            section.charts = []
        for chart in section.charts:  # one page may hold every Area's charts
            chart.key = f"{chart.key}-area-{area.id}"
    return Report(area, quarter, today, public, threshold, sections)


def build_all(user: User, quarter: Quarter, today: date, public: bool = False,
              threshold: int = SUPPRESS_BELOW) -> list[Report]:  # fmt: skip
    """One report per Area the user works in, for the side-by-side view."""
    ids = access.visible_area_ids(user)
    areas = db.session.scalars(select(Area).order_by(Area.name)).all()
    return [build(user, a.id, quarter, today, public, threshold)
            for a in areas if ids is None or a.id in ids]  # fmt: skip


# Key figures compared across Areas: (label, section, table, row, column).
SIDE_BY_SIDE = [
    ("Engagements held", "engagement", "totals", "Engagements held", 1),
    ("Seldom-heard communities reached", "reach", "seldom-heard-summary", "Reached", 1),
    ("Seldom-heard communities not reached", "reach", "seldom-heard-summary", "Not reached", 1),
    ("Panel meetings held", "panels", "panel-summary", "Meetings held", 1),
    ("Panel meetings quorate", "panels", "panel-summary", "Meetings quorate", 1),
    ("Cases reviewed by panels", "panels", "panel-summary", "Cases reviewed", 1),
    ("Feedback received", "feedback", "feedback-summary", "Received", 1),
    ("Feedback still open", "feedback", "feedback-summary", "Still open", 1),
    ("Plan actions overdue", "plans", "plan-summary", "Overdue", 1),
    ("Plan actions whose status changed", "plans", "plan-summary", "Status changed", 1),
]


def side_by_side(reports: list[Report]) -> Table:
    """The key figures of each Area's report, an Area to a column."""
    public = bool(reports and reports[0].public)
    threshold = reports[0].threshold if reports else SUPPRESS_BELOW
    rows = [[label, *(r.figure(s, t, row, col) for r in reports)]
            for label, s, t, row, col in SIDE_BY_SIDE]  # fmt: skip
    return Table("areas", "Each Area's quarter", ["Figure", *(r.area.name for r in reports)],
                 rows, public, threshold)  # fmt: skip


# 1. Engagement activity ---------------------------------------------------------------


def _engagements_in(area: Area, quarter: Quarter):
    return (Engagement.area_id == area.id, Engagement.counts,
            Engagement.held_on >= quarter.starts_on, Engagement.held_on <= quarter.ends_on)


def _engagement(table, area: Area, quarter: Quarter) -> Section:
    compared = periods(quarter)
    by_type, by_community, by_stakeholder = [], [], []
    totals = []
    for _, q in compared:
        conditions = _engagements_in(area, q)
        counts = dict(db.session.execute(
            select(Engagement.type, func.count()).where(*conditions).group_by(Engagement.type)
        ).all())  # fmt: skip
        by_type.append(counts)
        totals.append(sum(counts.values()))
        by_community.append(dict(db.session.execute(
            select(CommunityReach.community_id, func.sum(CommunityReach.engagements))
            .where(CommunityReach.area_id == area.id, CommunityReach.held_on >= q.starts_on,
                   CommunityReach.held_on <= q.ends_on)
            .group_by(CommunityReach.community_id)).all()))  # fmt: skip
        es = engagement_stakeholders
        by_stakeholder.append(dict(db.session.execute(
            select(Stakeholder.type, func.count(func.distinct(Engagement.id)))
            .join(es, es.c.engagement_id == Engagement.id)
            .join(Stakeholder, Stakeholder.id == es.c.stakeholder_id)
            .where(*conditions).group_by(Stakeholder.type)).all()))  # fmt: skip
    header = ["", *(label for label, _ in compared)]
    communities = {c.id: c.name for c in db.session.scalars(select(Community))}
    type_rows = [[label, *(int(c.get(key, 0)) for c in by_type)]
                 for key, label in ENGAGEMENT_TYPES.items()
                 if any(c.get(key) for c in by_type)]  # fmt: skip
    community_rows = sorted(
        ([communities[cid], *(int(c.get(cid, 0) or 0) for c in by_community)]
         for cid in set().union(*by_community) if cid in communities),
        key=lambda r: (-r[1], r[0]))  # fmt: skip
    stakeholder_rows = [[label, *(int(c.get(key, 0)) for c in by_stakeholder)]
                        for key, label in STAKEHOLDER_TYPES.items()
                        if any(c.get(key) for c in by_stakeholder)]  # fmt: skip
    labels = [q.short_label for _, q in compared]
    section = Section("engagement", "Engagement activity", tables=[
        table("totals", "Engagements held", header, [["Engagements held", *totals]]),
        table("by-type", "By type of engagement", ["Type", *header[1:]], type_rows),
        table("by-community", "By community reached (an engagement with several communities "
              "counts for each)", ["Community", *header[1:]], community_rows),
        table("by-stakeholder-type", "By type of stakeholder engaged",
              ["Stakeholder type", *header[1:]], stakeholder_rows),
    ], notes=["Engagements count once held (not planned or cancelled) and not archived."])
    section.charts.append(Chart(
        key="engagements-by-type", title="Engagements by type",
        summary=(f"{totals[0]:,} engagements held in {labels[0]}, against {totals[1]:,} the "
                 f"quarter before and {totals[2]:,} a year earlier."),
        categories=[r[0] for r in type_rows] or ["None"],
        series={label: [r[i + 1] for r in type_rows] or [0] for i, label in enumerate(labels)},
        kind="hbar", unit="Engagements", category_label="Type", series_label="Quarter",
    ))  # fmt: skip
    return section


# 2. Reach and gaps --------------------------------------------------------------------


def _reach(table, area: Area, quarter: Quarter, until: date,
           picture: map_picture.MapPicture | None = None) -> Section:  # fmt: skip
    seldom = db.session.scalars(
        select(Community).where(Community.seldom_heard.is_(True)).order_by(Community.name)).all()
    reach = dict(db.session.execute(
        select(CommunityReach.community_id, func.sum(CommunityReach.engagements))
        .where(CommunityReach.area_id == area.id, CommunityReach.held_on >= quarter.starts_on,
               CommunityReach.held_on <= quarter.ends_on)
        .group_by(CommunityReach.community_id)).all())  # fmt: skip
    last = dict(db.session.execute(
        select(CommunityReach.community_id, func.max(CommunityReach.held_on))
        .where(CommunityReach.area_id == area.id, CommunityReach.held_on <= until)
        .group_by(CommunityReach.community_id)).all())  # fmt: skip
    reached = [[c.name, int(reach[c.id]), last.get(c.id)] for c in seldom if reach.get(c.id)]
    missed = [[c.name, last.get(c.id) or "Never"] for c in seldom if not reach.get(c.id)]
    return Section("reach", "Reach and gaps", tables=[
        table("seldom-heard-summary", "Seldom-heard communities", ["", "Communities"],
              [["Reached", len(reached)], ["Not reached", len(missed)]]),
        table("seldom-heard-reached", "Seldom-heard communities reached",
              ["Community", "Engagements", "Last engaged"], reached),
        table("seldom-heard-missed", "Seldom-heard communities not reached",
              ["Community", "Last engaged"], missed, "Every seldom-heard community was reached."),
    ], picture=picture)  # fmt: skip


# 3. Panels ----------------------------------------------------------------------------


def _panels(table, user: User, area: Area, quarter: Quarter, until: date) -> Section:
    area_panels = [p for p in panels.list_panels(user) if p.area_id == area.id]
    ids = [p.id for p in area_panels]
    meetings = db.session.scalars(
        select(PanelMeeting).where(
            PanelMeeting.panel_id.in_(ids), PanelMeeting.archived_at.is_(None),
            PanelMeeting.held_on >= quarter.starts_on, PanelMeeting.held_on <= quarter.ends_on)
        .options(selectinload(PanelMeeting.attendance))
        .order_by(PanelMeeting.held_on)).all() if ids else []  # fmt: skip
    seats = [a for m in meetings for a in m.attendance if a.membership.role in SEAT_ROLES]
    present = sum(1 for a in seats if a.status == "present")
    rate = f"{round(100 * present / len(seats))}%" if seats else "No attendance recorded"
    reviews = db.session.scalars(select(Feedback).where(
        Feedback.area_id == area.id, Feedback.archived_at.is_(None),
        Feedback.source == "case_review", Feedback.received_on >= quarter.starts_on,
        Feedback.received_on <= quarter.ends_on)).all() if ids else []  # fmt: skip
    assessed = Counter(f.assessment for f in reviews)
    started = db.session.scalars(select(Membership).where(
        Membership.panel_id.in_(ids), Membership.term_start >= quarter.starts_on,
        Membership.term_start <= quarter.ends_on,
        Membership.status.in_(["active", "ended"]))).all() if ids else []  # fmt: skip
    ended = db.session.scalars(select(Membership).where(
        Membership.panel_id.in_(ids), Membership.ended_on >= quarter.starts_on,
        Membership.ended_on <= quarter.ends_on)).all() if ids else []  # fmt: skip
    health = panels.health(area_panels, until) if area_panels else {}
    gaps = []
    for p in area_panels:
        report = health[p.id]
        for problem in _gaps(report):
            gaps.append([p.name, problem])
    per_panel = []
    for p in area_panels:
        held = [m for m in meetings if m.panel_id == p.id]
        per_panel.append([p.name, len(held), sum(1 for m in held if m.is_quorate),
                          sum(m.cases_reviewed for m in held)])  # fmt: skip
    return Section("panels", "Panels", tables=[
        table("panel-summary", "Panel meetings and reviews", ["", "This quarter"], [
            ["Meetings held", len(meetings)],
            ["Meetings quorate", sum(1 for m in meetings if m.is_quorate)],
            ["Members' attendance (seats filled at meetings)", rate],
            ["Cases reviewed", sum(m.cases_reviewed for m in meetings)],
            ["Members who started a term", len(started)],
            ["Members whose term ended", len(ended)],
        ]),
        table("per-panel", "Each panel", ["Panel", "Meetings held", "Quorate",
              "Cases reviewed"], per_panel, "The Area has no panels."),
        table("assessments", "Case reviews' assessments", ["Assessment", "Case reviews"],
              [[label, assessed[key]] for key, label in ASSESSMENTS.items() if assessed[key]]),
        table("changes", "Membership changes", ["Panel", "Member's role", "Change"],
              [[m.panel.name, MEMBER_ROLES.get(m.role, m.role), "Started a term"]
               for m in started]
              + [[m.panel.name, MEMBER_ROLES.get(m.role, m.role),
                  f"Ended: {m.end_reason_label.lower()}"] for m in ended]),
        table("gaps", f"Gaps on {until:%-d %B %Y}", ["Panel", "Gap"], gaps,
              "No vacancies or gaps."),
    ], notes=["Members are not named in this report."])  # fmt: skip


def _gaps(report) -> list[str]:
    """What a panel lacks, in words, from its refresh report (crm/services/panel_refresh)."""
    out = [f"No {role}" for role in report.missing_roles]
    if report.vacancies:
        out.append(f"{report.vacancies} of {report.target_size} seats vacant")
    out += [f"{gap.name}: {gap.active} of the {gap.minimum} members it should have"
            for gap in report.community_gaps]  # fmt: skip
    return out


# 4. Feedback --------------------------------------------------------------------------


def _feedback(table, user: User, area: Area, quarter: Quarter, public: bool) -> Section:
    figures = priority_figures.figures(user, area.id, quarter.starts_on, quarter.ends_on)
    received = db.session.scalars(select(Feedback).where(
        Feedback.area_id == area.id, Feedback.archived_at.is_(None),
        Feedback.received_on >= quarter.starts_on,
        Feedback.received_on <= quarter.ends_on)).all()  # fmt: skip
    still_open = [f for f in received if f.status not in CLOSED_STATUSES]
    closed_in = db.session.scalars(select(Feedback).where(
        Feedback.area_id == area.id, Feedback.archived_at.is_(None),
        Feedback.closed_on >= quarter.starts_on, Feedback.closed_on <= quarter.ends_on)).all()
    days = [(f.closed_on - f.received_on).days for f in closed_in]
    median = f"{statistics.median(days):g} days" if days else "None closed"
    rows = [[f.priority.name, f.total, f.open, f.closed,
             "" if f.median_days_to_close is None else f"{f.median_days_to_close:g} days"]
            for f in figures if f.total]  # fmt: skip
    highlights = []
    for group in you_said.report(user, you_said.Scope(area_id=area.id), quarter.starts_on,
                                 quarter.ends_on, public=True):  # fmt: skip
        for f in group.items[:2]:
            highlights.append([group.priority.name, f.summary, f.response])
    section = Section("feedback", "Feedback", tables=[
        table("feedback-summary", "Feedback received", ["", "This quarter"], [
            ["Received", len(received)],
            ["Still open", len(still_open)],
            ["Closed (received this quarter)", len(received) - len(still_open)],
            ["Closed in the quarter (whenever received)", len(closed_in)],
            ["Median days from receipt to closing", median],
        ]),
        table("by-priority", "By casework priority (feedback about two priorities counts for "
              "each)", ["Casework priority", "Received", "Open", "Closed",
                        "Median days to close"], rows),
        table("you-said-we-did", "You said, we did", ["Casework priority", "You said",
              "We did"], highlights[:6], "No feedback was closed with a response this quarter."),
    ])  # fmt: skip
    if rows:
        section.charts.append(Chart(
            key="feedback-by-priority", title="Feedback by casework priority",
            summary=(f"{len(received):,} pieces of feedback received in "
                     f"{quarter.short_label}; {len(still_open):,} still open."),
            categories=[r[0] for r in rows],
            series={"Open": [r[2] for r in rows], "Closed": [r[3] for r in rows]},
            kind="stacked", unit="Feedback received", category_label="Casework priority",
            series_label="Status",
        ))  # fmt: skip
    return section


# 5. Objectives and action plan --------------------------------------------------------


def _plans(table, user: User, area: Area, quarter: Quarter, today: date) -> Section:
    plans = [p for p in action_plans.list_plans(user) if p.area_id == area.id
             and p.starts_on <= quarter.ends_on and p.ends_on >= quarter.starts_on]
    status_counts: Counter[str] = Counter()
    changed = overdue = 0
    rows = []
    for plan in plans:
        for r in action_plans.monitoring(plan, quarter, today):
            status_counts[r.status_now] += 1
            changed += r.changed
            overdue += r.overdue
            rows.append([
                plan.title, r.action.reference, r.action.what,
                ", ".join(o.title for o in r.action.objectives),
                ACTION_STATUSES.get(r.status_now, r.status_now),
                (f"{ACTION_STATUSES.get(r.status_then)} to {ACTION_STATUSES.get(r.status_now)}"
                 if r.changed else "No change"),
                "Overdue" if r.overdue else "",
                r.update.note if r.update else "No update this quarter",
            ])  # fmt: skip
    summary = [["Actions", len(rows)], ["Status changed", changed], ["Overdue", overdue],
               *([label, status_counts[key]] for key, label in ACTION_STATUSES.items())]
    section = Section("plans", "Objectives and action plan", tables=[
        table("plan-summary", "Actions at the quarter's end", ["", "Actions"], summary),
        table("actions", "Each action", ["Plan", "No.", "Action", "Objectives", "Status",
              "Change in the quarter", "Overdue", "Latest update"], rows,
              "The Area has no action plan covering this quarter."),
    ])  # fmt: skip
    if rows:
        section.charts.append(Chart(
            key="plan-status", title="Action plan status",
            summary=(f"{len(rows):,} actions: {changed:,} changed status in the quarter and "
                     f"{overdue:,} were overdue."),
            categories=list(ACTION_STATUSES.values()),
            series={"Actions": [status_counts[k] for k in ACTION_STATUSES]},
            kind="hbar", unit="Actions", category_label="Status", series_label="Actions",
        ))  # fmt: skip
    return section


# 6. Notes on the data -----------------------------------------------------------------


def _notes(table, area: Area, quarter: Quarter) -> Section:
    unplaced = db.session.scalar(select(func.count()).select_from(Stakeholder).where(
        Stakeholder.area_id == area.id, Stakeholder.archived_at.is_(None),
        Stakeholder.latitude.is_(None))) or 0  # fmt: skip
    unplaced_engagements = db.session.scalar(select(func.count()).select_from(Engagement).where(
        *_engagements_in(area, quarter), Engagement.latitude.is_(None))) or 0  # fmt: skip
    # Entered after the quarter ended: from midnight (UTC, as the records' times are kept).
    after = datetime.combine(quarter.ends_on + timedelta(days=1), time.min, tzinfo=UTC)
    late = db.session.scalar(select(func.count()).select_from(Engagement).where(
        *_engagements_in(area, quarter), Engagement.created_at >= after)) or 0  # fmt: skip
    late_feedback = db.session.scalar(select(func.count()).select_from(Feedback).where(
        Feedback.area_id == area.id, Feedback.archived_at.is_(None),
        Feedback.received_on >= quarter.starts_on, Feedback.received_on <= quarter.ends_on,
        Feedback.created_at >= after)) or 0  # fmt: skip
    return Section("notes", "Notes on the data", tables=[
        table("data-notes", "What to bear in mind", ["", "Records"], [
            ["Stakeholders that cannot be placed on the map (no location)", unplaced],
            ["Engagements this quarter that cannot be placed on the map", unplaced_engagements],
            ["Engagements this quarter entered after it ended", late],
            ["Feedback received this quarter entered after it ended", late_feedback],
        ]),
    ], notes=["Figures are as recorded on the day the report was made; entries made late "
              "change a past quarter's figures."])  # fmt: skip
