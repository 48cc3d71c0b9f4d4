"""Feedback seen by casework priority: how much, how negative, how quickly answered.

A priority's figures count the feedback linked to it or to any of its strands,
once each. The period is the date the feedback was received.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from crm.extensions import db
from crm.models import CaseworkPriority, Feedback, User
from crm.models.feedback import CLOSED_STATUSES, feedback_priorities
from crm.services import access
from crm.services.charts import Chart
from crm.services.quarters import Quarter, quarters_between


@dataclass
class PriorityFigures:
    priority: CaseworkPriority
    total: int = 0
    negative: int = 0
    open: int = 0
    closed: int = 0
    not_appropriate: int = 0
    days_to_close: list[int] = field(default_factory=list)
    learning_points: list[tuple[date, str]] = field(default_factory=list)

    @property
    def median_days_to_close(self) -> float | None:
        return statistics.median(self.days_to_close) if self.days_to_close else None

    @property
    def latest_learning_points(self) -> list[tuple[date, str]]:
        return sorted(self.learning_points, key=lambda item: item[0], reverse=True)[:3]


@dataclass(frozen=True)
class Row:
    """One piece of feedback as the figures need it."""

    feedback_id: int
    received_on: date
    closed_on: date | None
    status: str
    tone: str
    assessment: str
    learning_points: str


def _rows(user: User, area_id: int | None, start: date, end: date):
    """(priority id, row) for every live feedback link in the period the user may see."""
    stmt = (
        select(
            feedback_priorities.c.priority_id,
            Feedback.id,
            Feedback.received_on,
            Feedback.closed_on,
            Feedback.status,
            Feedback.tone,
            Feedback.assessment,
            Feedback.learning_points,
        )
        .join(Feedback, Feedback.id == feedback_priorities.c.feedback_id)
        .where(
            Feedback.archived_at.is_(None),
            Feedback.received_on >= start,
            Feedback.received_on <= end,
            *access.area_or_national_conditions(Feedback.area_id, user),
        )
    )
    if area_id:
        stmt = stmt.where(Feedback.area_id == area_id)
    for priority_id, *values in db.session.execute(stmt):
        yield priority_id, Row(*values)


def _top_level() -> tuple[list[CaseworkPriority], dict[int, int]]:
    """Top-level priorities in order, and each priority's top-level id."""
    every = list(db.session.scalars(select(CaseworkPriority)))
    tops = sorted((p for p in every if p.parent_id is None), key=lambda p: (p.position, p.name))
    return tops, {p.id: p.parent_id or p.id for p in every}


def figures(user: User, area_id: int | None, start: date, end: date) -> list[PriorityFigures]:
    """Each top-level priority's figures (retired ones only if they have feedback)."""
    tops, top_of = _top_level()
    by_top: dict[int, dict[int, Row]] = defaultdict(dict)
    for priority_id, row in _rows(user, area_id, start, end):
        by_top[top_of[priority_id]][row.feedback_id] = row  # once per feedback
    result = []
    for top in tops:
        rows = by_top.get(top.id, {})
        if top.is_retired and not rows:
            continue
        fig = PriorityFigures(priority=top)
        for row in rows.values():
            fig.total += 1
            fig.negative += row.tone == "negative"
            fig.not_appropriate += row.assessment == "not_appropriate"
            if row.status in CLOSED_STATUSES:
                fig.closed += 1
                if row.closed_on:
                    fig.days_to_close.append((row.closed_on - row.received_on).days)
            else:
                fig.open += 1
            if row.learning_points.strip():
                fig.learning_points.append((row.received_on, row.learning_points.strip()))
        result.append(fig)
    return result


def quarterly(
    user: User, area_id: int | None, start: date, end: date, calendar: bool = False
) -> tuple[list[Quarter], list[tuple[CaseworkPriority, dict[Quarter, int]]]]:
    """Feedback received per top-level priority per quarter (financial, April to March,
    unless calendar): the trend."""
    tops, top_of = _top_level()
    seen: dict[int, dict[int, Row]] = defaultdict(dict)
    for priority_id, row in _rows(user, area_id, start, end):
        seen[top_of[priority_id]][row.feedback_id] = row
    quarters = quarters_between(start, end, calendar)
    table = []
    for top in tops:
        counts = dict.fromkeys(quarters, 0)
        for row in seen.get(top.id, {}).values():
            counts[Quarter.of(row.received_on, calendar)] += 1
        if top.is_retired and not any(counts.values()):
            continue
        table.append((top, counts))
    return quarters, table


def trend_chart(
    user: User, area_id: int | None, start: date, end: date, calendar: bool = False
) -> Chart:
    """The trend as a chart: a line per top-level priority across the quarters, with the
    priorities as the table's rows and the quarters across."""
    quarters, trend = quarterly(user, area_id, start, end, calendar)
    cut = quarters[0].starts_on < start or quarters[-1].ends_on > end
    span = {"first": quarters[0].short_label, "last": quarters[-1].short_label}
    if calendar and cut:
        summary = _("How much feedback was received about each casework priority in each "
                    "calendar quarter, from %(first)s to %(last)s, counting only the days in "
                    "the period.", **span)  # fmt: skip
    elif calendar:
        summary = _("How much feedback was received about each casework priority in each "
                    "calendar quarter, from %(first)s to %(last)s.", **span)  # fmt: skip
    elif cut:
        summary = _("How much feedback was received about each casework priority in each "
                    "financial quarter (April to March), from %(first)s to %(last)s, counting "
                    "only the days in the period.", **span)  # fmt: skip
    else:
        summary = _("How much feedback was received about each casework priority in each "
                    "financial quarter (April to March), from %(first)s to %(last)s.",
                    **span)  # fmt: skip
    return Chart(
        key="priority-trend",
        title=_("Feedback received each quarter"),
        summary=summary,
        kind="line",
        categories=[q.short_label for q in quarters],
        series={
            (_("%(name)s (retired)", name=p.name) if p.is_retired else p.name): [
                counts[q] for q in quarters
            ]
            for p, counts in trend
        },
        unit=_("Feedback received"),
        category_label=_("Quarter"),
        series_label=_("Casework priority"),
        rows="series",
    )
