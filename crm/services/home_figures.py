"""The home page dashboards' counts, each grouped by Area in one query.

A national user's fourteen Areas side by side cost the same few queries as one Area: every
count here is grouped by Area (and by period where it has one), and the dashboards add up
the Areas they show. Each count uses the conditions of the list its figure links to
(`engagements.filter_conditions`, `feedback.filter_conditions`), so a figure and its list
cannot disagree. Held engagements are added up from the daily `engagement_days` figures
when the list's filters are only Area, dates and status held (the figures hold exactly
those engagements), and otherwise counted through the (area_id, held_on) index;
communities reached from the daily `community_reach` figures. Nothing is loaded.

A period is a (first day, last day) pair; a count's period is its index in the list given.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.models import (
    ActionPlan,
    Attendance,
    CommunityReach,
    Engagement,
    EngagementDay,
    Feedback,
    Membership,
    Panel,
    PanelMeeting,
    User,
)
from crm.models.feedback import CLOSED_STATUSES
from crm.models.panel import SEAT_ROLES
from crm.services import access, action_plans, engagements, feedback

Period = tuple[date, date]


def _period_of(column, periods: list[Period]):
    """Which of the periods a date falls in (its index; -1 for none), as SQL."""
    return case(
        *((and_(column >= start, column <= end), i) for i, (start, end) in enumerate(periods)),
        else_=-1,
    )


def _span(periods: list[Period]) -> Period:
    return min(start for start, _ in periods), max(end for _, end in periods)


def _grouped(columns: list, where: list) -> list:
    """Count rows grouped by `columns` (labelled SQL expressions): grouped in an outer query,
    so PostgreSQL sees the same expression in SELECT and GROUP BY whatever its parameters."""
    inner = select(*columns).where(*where).subquery()
    keys = [inner.c[c.name] for c in columns]
    return db.session.execute(select(*keys, func.count()).group_by(*keys)).all()


def _summed(columns: list, amount, where: list) -> list:
    """Add up `amount` of a daily summary's rows grouped by `columns` (as `_grouped`)."""
    inner = select(*columns, amount.label("amount")).where(*where).subquery()
    keys = list(inner.c)[:-1]
    return db.session.execute(select(*keys, func.sum(inner.c.amount)).group_by(*keys)).all()


def _held_by_day(f: engagements.EngagementFilters) -> bool:
    """Whether engagement_days answers the engagement log with these filters: held, live
    engagements by Area and dates, and nothing else (the counts come out by type)."""
    others = (f.q.strip(), f.type, f.community_id, f.stakeholder_id, f.lead_id, f.archived)
    return f.status == "held" and not any(others)


def engagements_held(user: User, periods: list[Period], lead_id: int | None = None,
                     area_id: int | None = None) -> Counter:  # fmt: skip
    """Held, live engagements in the user's Areas (or the one Area given; led by `lead_id`
    if given), as the engagement log counts them: {(area id, period, type): count}. The
    dashboards and the Area reports both count engagements here."""
    start, end = _span(periods)
    filters = engagements.EngagementFilters(date_from=start, date_to=end, status="held",
                                            lead_id=lead_id, area_id=area_id)  # fmt: skip
    if _held_by_day(filters):
        day = EngagementDay
        one_area = [] if area_id is None else [day.area_id == area_id]
        rows = _summed(
            [day.area_id, _period_of(day.held_on, periods).label("p"), day.type],
            day.engagements,
            [day.held_on >= start, day.held_on <= end,
             *access.area_conditions(day.area_id, user), *one_area],
        )  # fmt: skip
    else:
        rows = _grouped(
            [Engagement.area_id.label("area_id"),
             _period_of(Engagement.held_on, periods).label("p"), Engagement.type.label("type")],
            engagements.filter_conditions(user, filters),
        )  # fmt: skip
    return Counter({(a, p, kind): int(n) for a, p, kind, n in rows if p >= 0})


def reach(user: User, periods: list[Period], area_id: int | None = None) -> Counter:
    """Engagements that reached each community, by Area and period (an engagement reaching
    two communities counts for each): {(area id, period, community id): count}; the user's
    Areas, or the one given."""
    start, end = _span(periods)
    reach_ = CommunityReach
    one_area = [] if area_id is None else [reach_.area_id == area_id]
    rows = _summed(
        [reach_.area_id, _period_of(reach_.held_on, periods).label("p"), reach_.community_id],
        reach_.engagements,
        [reach_.held_on >= start, reach_.held_on <= end,
         *access.area_conditions(reach_.area_id, user), *one_area],
    )  # fmt: skip
    return Counter({(a, p, c): int(n or 0) for a, p, c, n in rows if p >= 0})


def last_reached(user: User, community_ids: list[int], today: date,
                 area_id: int | None = None) -> dict[tuple, date]:  # fmt: skip
    """The last day on or before today that an engagement reached each of these communities,
    by Area (the user's Areas, or the one given): {(area id, community id): day}."""
    if not community_ids:
        return {}
    reach_ = CommunityReach
    one_area = [] if area_id is None else [reach_.area_id == area_id]
    rows = db.session.execute(
        select(reach_.area_id, reach_.community_id, func.max(reach_.held_on))
        .where(reach_.held_on <= today, reach_.community_id.in_(community_ids),
               *access.area_conditions(reach_.area_id, user), *one_area)
        .group_by(reach_.area_id, reach_.community_id)
    ).all()  # fmt: skip
    return {(a, c): day for a, c, day in rows}


@dataclass
class FeedbackCounts:
    received: int = 0  # received in the period
    open: int = 0  # not closed, whenever received
    overdue: int = 0  # ...and past its response date


def feedback_by_area(user: User, period: Period, today: date) -> dict[int | None, FeedbackCounts]:
    """Live feedback the user may see (None: national), by Area."""
    start, end = period
    still_open = Feedback.status.not_in(CLOSED_STATUSES)
    rows = db.session.execute(
        select(
            Feedback.area_id,
            func.sum(case((and_(Feedback.received_on >= start, Feedback.received_on <= end), 1),
                          else_=0)),
            func.sum(case((still_open, 1), else_=0)),
            func.sum(case((and_(still_open, Feedback.response_due_on < today), 1), else_=0)),
        )
        .where(*feedback.filter_conditions(user, feedback.FeedbackFilters()))
        .group_by(Feedback.area_id)
    ).all()  # fmt: skip
    return {a: FeedbackCounts(int(r or 0), int(o or 0), int(d or 0)) for a, r, o, d in rows}


def case_reviews(user: User, periods: list[Period]) -> Counter:
    """Panels' case reviews received in each period, as the feedback list counts them:
    {(area id, period, assessment): count} ("" when not assessed)."""
    start, end = _span(periods)
    filters = feedback.FeedbackFilters(source="case_review", date_from=start, date_to=end)
    rows = _grouped(
        [Feedback.area_id.label("area_id"), _period_of(Feedback.received_on, periods).label("p"),
         Feedback.assessment.label("assessment")],
        feedback.filter_conditions(user, filters),
    )  # fmt: skip
    return Counter({(a, p, kind or ""): n for a, p, kind, n in rows if p >= 0})


def plan_status(user: User, today: date) -> dict[int, Counter]:
    """The actions of each Area's plans running today, by status, and how many are overdue
    (action_plans.plan_summary's counts, added up per Area)."""
    plans = db.session.scalars(
        select(ActionPlan)
        .where(*action_plans.plan_conditions(user), ActionPlan.archived_at.is_(None),
               ActionPlan.area_id.is_not(None), ActionPlan.starts_on <= today,
               ActionPlan.ends_on >= today)
        .options(selectinload(ActionPlan.actions))
    ).all()  # fmt: skip
    by_area: dict[int, Counter] = defaultdict(Counter)
    for plan in plans:
        by_area[plan.area_id].update(action_plans.plan_summary(plan, today))
    return by_area


def attendance(panels: list[Panel], today: date, meetings: int = 6) -> dict[int, list[tuple]]:
    """Each panel's last meetings, oldest first, with how many members in a seat were
    present, sent apologies or were absent: {panel id: [(meeting, Counter), ...]}."""
    ids = [p.id for p in panels]
    if not ids:
        return {}
    held = db.session.scalars(
        select(PanelMeeting)
        .where(PanelMeeting.panel_id.in_(ids), PanelMeeting.archived_at.is_(None),
               PanelMeeting.held_on <= today)
        .order_by(PanelMeeting.held_on.desc(), PanelMeeting.id.desc())
    ).all()  # fmt: skip
    last: dict[int, list[PanelMeeting]] = {i: [] for i in ids}
    for meeting in held:
        if len(last[meeting.panel_id]) < meetings:
            last[meeting.panel_id].append(meeting)
    chosen = [m.id for found in last.values() for m in found]
    counts: dict[int, Counter] = defaultdict(Counter)
    if chosen:
        for meeting_id, status, n in db.session.execute(
            select(Attendance.meeting_id, Attendance.status, func.count())
            .join(Membership, Membership.id == Attendance.membership_id)
            .where(Attendance.meeting_id.in_(chosen), Membership.role.in_(SEAT_ROLES))
            .group_by(Attendance.meeting_id, Attendance.status)
        ):  # fmt: skip
            counts[meeting_id][status] = n
    return {i: [(m, counts[m.id]) for m in reversed(found)] for i, found in last.items()}
