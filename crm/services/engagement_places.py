"""The engagements layer's summary: held, live engagements per map cell, Area and month.

A cell is 0.1 degrees of latitude by 0.1 of longitude (about 11 by 7 km in
England). The map shows each cell's total at its centre, weighted by the count.
"""

from __future__ import annotations

import math
from datetime import date

from sqlalchemy import delete, func, insert, select

from crm.extensions import db
from crm.models import Engagement, EngagementPlace

CELLS_PER_DEGREE = 10


def cell(value: float) -> int:
    return math.floor(value * CELLS_PER_DEGREE)


def key_of(engagement: Engagement) -> tuple | None:
    """The summary row an engagement counts in, or None if it counts nowhere."""
    if (
        engagement.latitude is None
        or engagement.status != "held"
        or engagement.archived_at is not None
    ):
        return None
    return (
        engagement.area_id,
        engagement.held_on.replace(day=1),
        cell(engagement.latitude),
        cell(engagement.longitude),
    )


def refresh(keys: set) -> None:
    """Recount the given (Area, month, cell) rows from the engagements themselves."""
    for key in keys - {None}:
        area_id, month, cell_lat, cell_lng = key
        next_month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        count = db.session.scalar(
            select(func.count())
            .select_from(Engagement)
            .where(
                Engagement.area_id == area_id,
                Engagement.archived_at.is_(None),
                Engagement.held_on >= month,
                Engagement.held_on < next_month,
                Engagement.status == "held",
                Engagement.latitude >= cell_lat / CELLS_PER_DEGREE,
                Engagement.latitude < (cell_lat + 1) / CELLS_PER_DEGREE,
                Engagement.longitude >= cell_lng / CELLS_PER_DEGREE,
                Engagement.longitude < (cell_lng + 1) / CELLS_PER_DEGREE,
            )
        )
        where = {"area_id": area_id, "month": month, "cell_lat": cell_lat, "cell_lng": cell_lng}
        db.session.execute(delete(EngagementPlace).filter_by(**where))
        if count:
            db.session.execute(insert(EngagementPlace), [{**where, "engagements": count}])


def rebuild() -> int:
    """Recount every row from scratch (after a bulk load). Returns the rows written."""
    db.session.execute(delete(EngagementPlace))
    month = (
        func.strftime("%Y-%m-01", Engagement.held_on)
        if db.engine.dialect.name == "sqlite"
        else func.date_trunc("month", Engagement.held_on).cast(db.Date)
    )
    cell_lat = func.floor(Engagement.latitude * CELLS_PER_DEGREE)
    cell_lng = func.floor(Engagement.longitude * CELLS_PER_DEGREE)
    stmt = (
        select(Engagement.area_id, month, cell_lat, cell_lng, func.count())
        .where(
            Engagement.archived_at.is_(None),
            Engagement.status == "held",
            Engagement.latitude.is_not(None),
        )
        .group_by(Engagement.area_id, month, cell_lat, cell_lng)
    )
    rows = [
        {"area_id": a, "month": m if isinstance(m, date) else date.fromisoformat(m),
         "cell_lat": int(la), "cell_lng": int(ln), "engagements": n}
        for a, m, la, ln, n in db.session.execute(stmt)
    ]  # fmt: skip
    if rows:
        db.session.execute(insert(EngagementPlace), rows)
    return len(rows)


def weighted_cells(area_ids: list[int] | None, since: date) -> list[list]:
    """[[lat, lng, engagements], ...]: each cell's centre and its total since `since`'s month."""
    stmt = (
        select(
            EngagementPlace.cell_lat,
            EngagementPlace.cell_lng,
            func.sum(EngagementPlace.engagements),
        )  # fmt: skip
        .where(EngagementPlace.month >= since.replace(day=1))
        .group_by(EngagementPlace.cell_lat, EngagementPlace.cell_lng)
    )
    if area_ids is not None:
        stmt = stmt.where(EngagementPlace.area_id.in_(area_ids))
    half = 0.5 / CELLS_PER_DEGREE
    return [
        [round(la / CELLS_PER_DEGREE + half, 4), round(ln / CELLS_PER_DEGREE + half, 4), int(n)]
        for la, ln, n in db.session.execute(stmt)
    ]
