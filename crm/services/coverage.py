"""Community coverage: which communities we have reached lately, and which we have not.

Counts only engagements that were held and are not archived. Reads the daily
reach figures (community_reach) and each stakeholder's last-engaged date, both
kept up to date by the engagement service, so a national view stays quick.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select

from crm.extensions import db
from crm.models import Community, CommunityReach, Stakeholder, User
from crm.models.stakeholder import stakeholder_communities
from crm.services import access

FLAG_MONTHS = 6


def months_before(day: date, months: int) -> date:
    """The same day of the month, `months` calendar months earlier (clamped to month end)."""
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_gap(community: Community, last_engaged_on: date | None, today: date) -> bool:
    """The flag's one rule: a seldom-heard community not reached on or since the date
    six calendar months before today."""
    cutoff = months_before(today, FLAG_MONTHS)
    return community.seldom_heard and (last_engaged_on is None or last_engaged_on < cutoff)


@dataclass
class CommunityCoverage:
    community: Community
    last_engaged_on: date | None
    last_3_months: int
    last_6_months: int
    last_12_months: int
    stakeholders_serving: int
    stakeholders_engaged: int
    flagged: bool


def community_coverage(
    user: User, today: date, area_id: int | None = None, characteristic: str = ""
) -> list[CommunityCoverage]:
    """Coverage of every community within the user's Areas (or one of them).

    Seldom-heard communities with no engagement on or after the date six calendar
    months before today are flagged, and come first.
    """
    if area_id is not None and not access.can_see_area(user, area_id):
        raise access.RecordNotFound()
    cutoffs = {n: months_before(today, n) for n in (3, 6, 12)}
    reach = CommunityReach
    area_ids = [area_id] if area_id else access.visible_area_ids(user)
    in_scope = [reach.held_on <= today]
    if area_ids is not None:
        in_scope.append(reach.area_id.in_(area_ids))
    engaged = {
        row.community_id: row
        for row in db.session.execute(
            select(
                reach.community_id,
                func.max(reach.held_on).label("last_on"),
                *(
                    func.sum(case((reach.held_on >= cutoff, reach.engagements), else_=0)).label(
                        f"n{n}"
                    )
                    for n, cutoff in cutoffs.items()
                ),
            )
            .where(*in_scope)
            .group_by(reach.community_id)
        )
    }
    serving, engaged_stakeholders = _stakeholder_counts(area_ids, cutoffs[12], today)
    stmt = select(Community).order_by(Community.name)
    if characteristic:
        stmt = stmt.where(Community.characteristic == characteristic)
    rows = []
    for community in db.session.scalars(stmt):
        e = engaged.get(community.id)
        last_on = e.last_on if e else None
        rows.append(
            CommunityCoverage(
                community=community,
                last_engaged_on=last_on,
                last_3_months=int(e.n3) if e else 0,
                last_6_months=int(e.n6) if e else 0,
                last_12_months=int(e.n12) if e else 0,
                stakeholders_serving=serving.get(community.id, 0),
                stakeholders_engaged=engaged_stakeholders.get(community.id, 0),
                flagged=is_gap(community, last_on, today),
            )
        )
    rows.sort(key=lambda r: (not r.flagged, r.community.name))
    return rows


def _stakeholder_counts(
    area_ids: list[int] | None, since: date, today: date
) -> tuple[dict[int, int], dict[int, int]]:
    """Per community: live stakeholders serving it, and how many were engaged since `since`."""
    sc = stakeholder_communities.c
    recently = and_(Stakeholder.last_engaged_on >= since, Stakeholder.last_engaged_on <= today)
    stmt = (
        select(
            sc.community_id,
            func.count().label("serving"),
            func.sum(case((recently, 1), else_=0)).label("engaged"),
        )
        .join(Stakeholder, Stakeholder.id == sc.stakeholder_id)
        .where(Stakeholder.archived_at.is_(None))
        .group_by(sc.community_id)
    )
    if area_ids is not None:
        stmt = stmt.where(Stakeholder.area_id.in_(area_ids))
    serving, engaged = {}, {}
    for row in db.session.execute(stmt):
        serving[row.community_id] = row.serving
        engaged[row.community_id] = int(row.engaged or 0)
    return serving, engaged
