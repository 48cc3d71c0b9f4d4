"""The engagements layer, read from its summary: counting engagements per map cell, Area
and month (kept by services.engagement_figures).

A cell is 0.1 degrees of latitude by 0.1 of longitude (about 11 by 7 km in
England). The map shows each cell's total at its centre, weighted by the count.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import EngagementPlace
from crm.services.engagement_figures import CELLS_PER_DEGREE


def weighted_cells(
    area_ids: list[int] | None, since: date, until: date | None = None
) -> list[list]:
    """[[lat, lng, engagements], ...]: each cell's centre and its total from `since`'s month
    (to `until`'s month, if given: the summary counts by whole months)."""
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
    if until is not None:
        stmt = stmt.where(EngagementPlace.month <= until.replace(day=1))
    half = 0.5 / CELLS_PER_DEGREE
    return [
        [round(la / CELLS_PER_DEGREE + half, 4), round(ln / CELLS_PER_DEGREE + half, 4), int(n)]
        for la, ln, n in db.session.execute(stmt)
    ]
