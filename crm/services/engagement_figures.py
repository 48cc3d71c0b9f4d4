"""The one owner of everything derived from engagements.

Figures over a million engagements are read from copies kept beside them:
- each stakeholder and community link carries the engagement's date, Area, and
  whether it counts (held and live) and is live (not archived);
- community_reach: counting engagements per community, Area and day (coverage);
- engagement_places: counting engagements per map cell, Area and month (the map);
- engagement_days: counting engagements per Area, day and type (the home pages' figures);
- stakeholders.last_engaged_on: the latest counting engagement (lists, the map's gaps);
- stakeholders.serves_seldom_heard: whether it serves a seldom-heard community (also
  refreshed when an administrator changes a community's flag: refresh_seldom_heard, and
  after a merge moves a stakeholder's communities: refresh_serves_seldom_heard).

Every writer of engagements (the engagement service, imports, merges, erasure, the
demo data, the benchmark generator, the test factories) calls `sync` for each
engagement it changes, or `rebuild` after a bulk load. A property test checks that
any sequence of syncs leaves exactly what a rebuild would.

"Counts" is written once, on the model (Engagement.counts, a hybrid property: held
and not archived), and used here in Python and SQL alike.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from crm.extensions import db
from crm.models import (
    Community,
    CommunityReach,
    Engagement,
    EngagementDay,
    EngagementPlace,
    Stakeholder,
)
from crm.models.engagement import engagement_communities, engagement_stakeholders
from crm.models.stakeholder import stakeholder_communities

CELLS_PER_DEGREE = 10


def cell(value: float) -> int:
    """The 0.1 degree map cell a latitude or longitude falls in."""
    return math.floor(value * CELLS_PER_DEGREE)


def month_of(day: date) -> date:
    return day.replace(day=1)


@dataclass(frozen=True)
class Footprint:
    """What one engagement adds to the figures: nothing unless it counts."""

    reach: frozenset = frozenset()  # (community id, Area id, day)
    place: tuple | None = None  # (Area id, month, cell lat, cell lng)
    day: tuple | None = None  # (Area id, day, type)
    stakeholders: frozenset = field(default_factory=frozenset)  # linked stakeholder ids


def footprint(engagement_id: int) -> Footprint:
    """The engagement's footprint as the database holds it now (read before a change,
    and again after it)."""
    row = db.session.execute(
        select(Engagement.area_id, Engagement.held_on, Engagement.type, Engagement.latitude,
               Engagement.longitude, Engagement.counts.label("counts"))
        .where(Engagement.id == engagement_id)
    ).first()  # fmt: skip
    s, c = engagement_stakeholders.c, engagement_communities.c
    stakeholder_ids = frozenset(
        db.session.scalars(select(s.stakeholder_id).where(s.engagement_id == engagement_id))
    )
    if row is None or not row.counts:
        return Footprint(stakeholders=stakeholder_ids)
    communities = db.session.scalars(select(c.community_id).where(c.engagement_id == engagement_id))
    place = None
    if row.latitude is not None:
        place = (row.area_id, month_of(row.held_on), cell(row.latitude), cell(row.longitude))
    return Footprint(
        reach=frozenset((cid, row.area_id, row.held_on) for cid in communities),
        place=place,
        day=(row.area_id, row.held_on, row.type),
        stakeholders=stakeholder_ids,
    )


def sync(
    engagement: Engagement,
    before: Footprint,
    stakeholders: list | None = None,
    communities: list | None = None,
) -> None:
    """Bring everything derived from one engagement up to date after it changed.

    `before` is its footprint read before the change (an empty one for a new engagement).
    With stakeholders or communities, its links are rewritten to those; otherwise the
    copies on its links follow its date, Area and state. Summary rows change by the
    difference (an upsert adding or taking one), so two saves touching the same row at
    once both count, on PostgreSQL as on SQLite.
    """
    db.session.flush()
    _write_links(engagement, stakeholders, communities)
    after = footprint(engagement.id)
    deltas: dict[tuple, int] = {}
    for key in before.reach - after.reach:
        deltas[key] = deltas.get(key, 0) - 1
    for key in after.reach - before.reach:
        deltas[key] = deltas.get(key, 0) + 1
    for (community_id, area_id, held_on), delta in sorted(deltas.items()):
        _add(CommunityReach, {"community_id": community_id, "area_id": area_id,
                              "held_on": held_on}, delta)  # fmt: skip
    for model, was, now in ((EngagementPlace, before.place, after.place),
                            (EngagementDay, before.day, after.day)):  # fmt: skip
        if was == now:
            continue
        # In key order, as the coverage rows: two saves moving engagements between the same
        # two rows, each the other way, would otherwise each hold one row and wait for the
        # other's (PostgreSQL: a deadlock, one save refused).
        moves = sorted((key, delta) for key, delta in ((was, -1), (now, 1)) if key is not None)
        for key, delta in moves:
            _add(model, dict(zip(_key_columns(model), key, strict=True)), delta)
    refresh_last_engaged(before.stakeholders | after.stakeholders)
    db.session.expire(engagement, ["stakeholders", "communities"])


# Engagement.counts as a plain function of an engagement's columns (the hybrid's Python
# side), so a bulk load's rows are judged by the one rule too.
_counts = inspect.getattr_static(Engagement, "counts").fget


def link_copies(engagement: Any) -> dict[str, Any]:
    """What each of an engagement's links copies from it: its date, Area, whether it counts
    and whether it is live. `engagement` is an Engagement, or any object with its columns
    as attributes (the benchmark generator's rows, written in bulk without the ORM)."""
    return {
        "held_on": engagement.held_on,
        "area_id": engagement.area_id,
        "counts": 1 if _counts(engagement) else 0,
        "live": 0 if engagement.archived_at is not None else 1,
    }


def _write_links(engagement: Engagement, stakeholders, communities) -> None:
    copies = link_copies(engagement)
    for table, column, chosen in (
        (engagement_stakeholders, "stakeholder_id", stakeholders),
        (engagement_communities, "community_id", communities),
    ):
        if chosen is None:
            db.session.execute(
                update(table).where(table.c.engagement_id == engagement.id).values(**copies)
            )
            continue
        db.session.execute(delete(table).where(table.c.engagement_id == engagement.id))
        if chosen:
            rows = [{"engagement_id": engagement.id, column: r.id, **copies} for r in chosen]
            db.session.execute(insert(table), rows)


def _key_columns(model) -> list[str]:
    """A summary's key columns, in the order its footprint keys hold them."""
    return [column.name for column in model.__table__.primary_key.columns]


def _add(model, key: dict, delta: int) -> None:
    """Add delta to one summary row (made if missing); a row that reaches nought goes."""
    table = model.__table__
    if delta > 0:
        dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(table).values(**key, engagements=delta)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(key), set_={"engagements": table.c.engagements + delta}
        )
        db.session.execute(stmt)
        return
    where = [table.c[name] == value for name, value in key.items()]
    db.session.execute(
        update(table).where(*where).values(engagements=table.c.engagements + delta)
    )
    db.session.execute(delete(table).where(*where, table.c.engagements <= 0))


def _latest_held():
    s = engagement_stakeholders.c
    return (
        select(func.max(s.held_on))
        .where(s.stakeholder_id == Stakeholder.__table__.c.id, s.counts == 1)
        .scalar_subquery()
    )


def refresh_last_engaged(stakeholder_ids) -> None:
    """Each stakeholder's latest counting engagement, read again from its links.

    On PostgreSQL the rows are locked first (in id order), so the date is read after
    any save holding them has committed, and two saves cannot leave an older date.
    Core, not the ORM: this is not an edit, so the stakeholder's version stays.
    """
    ids = sorted(stakeholder_ids)
    if not ids:
        return
    table = Stakeholder.__table__
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            select(table.c.id).where(table.c.id.in_(ids)).order_by(table.c.id).with_for_update()
        )
    db.session.execute(
        update(table).where(table.c.id.in_(ids)).values(last_engaged_on=_latest_held())
    )
    for record in db.session.identity_map.values():
        if isinstance(record, Stakeholder) and record.id in stakeholder_ids:
            db.session.expire(record, ["last_engaged_on"])


def refresh_seldom_heard(community_id: int) -> None:
    """After a community is marked seldom heard or not: whether each stakeholder serving
    it serves a seldom-heard community, read again (Core: not an edit of the stakeholder)."""
    sc = stakeholder_communities.c
    refresh_serves_seldom_heard(select(sc.stakeholder_id).where(sc.community_id == community_id))


def refresh_serves_seldom_heard(stakeholder_ids) -> None:
    """Whether each of these stakeholders (ids, or a query of them) serves a seldom-heard
    community, read again from its links (after a merge moved them, or a community's flag
    changed). Core: not an edit of the stakeholder."""
    db.session.flush()
    table = Stakeholder.__table__
    db.session.execute(
        update(table).where(table.c.id.in_(stakeholder_ids)).values(
            serves_seldom_heard=case((_seldom_heard(), literal(True)), else_=literal(False))
        )  # fmt: skip
    )
    for record in db.session.identity_map.values():
        if isinstance(record, Stakeholder):
            db.session.expire(record, ["serves_seldom_heard"])


# The full rebuild: what every figure should be, from the engagements themselves.


def _expected_reach():
    e, c = Engagement, engagement_communities.c
    return (
        select(c.community_id, e.area_id, e.held_on, func.count())
        .select_from(e)
        .join(engagement_communities, c.engagement_id == e.id)
        .where(Engagement.counts)
        .group_by(c.community_id, e.area_id, e.held_on)
    )


def _expected_places():
    e = Engagement
    if db.engine.dialect.name == "sqlite":
        month = func.date(e.held_on, "start of month")  # i18n: not interface (SQLite's modifier)
    else:
        month = func.date_trunc("month", e.held_on).cast(db.Date)
    cell_lat = func.floor(e.latitude * CELLS_PER_DEGREE).cast(db.Integer)
    cell_lng = func.floor(e.longitude * CELLS_PER_DEGREE).cast(db.Integer)
    return (
        select(e.area_id, month, cell_lat, cell_lng, func.count())
        .where(Engagement.counts, e.latitude.is_not(None))
        .group_by(e.area_id, month, cell_lat, cell_lng)
    )


def _expected_days():
    e = Engagement
    return (
        select(e.area_id, e.held_on, e.type, func.count())
        .where(Engagement.counts)
        .group_by(e.area_id, e.held_on, e.type)
    )


def _summaries() -> list[tuple]:
    """Each summary table, as (Corrections field, model, what it should hold): the
    expected rows' columns in the table's order, its count last."""
    return [
        ("community_reach", CommunityReach, _expected_reach()),
        ("engagement_places", EngagementPlace, _expected_places()),
        ("engagement_days", EngagementDay, _expected_days()),
    ]


def _differing(expected, actual) -> int:
    """How many rows one set has that the other has not (both ways)."""
    one = select(func.count()).select_from(expected.except_(actual).subquery())
    two = select(func.count()).select_from(actual.except_(expected).subquery())
    return (db.session.scalar(one) or 0) + (db.session.scalar(two) or 0)


@dataclass
class Corrections:
    """How many rows of each derived figure a rebuild found wrong (and put right)."""

    link_copies: int = 0
    community_reach: int = 0
    engagement_places: int = 0
    engagement_days: int = 0
    last_engaged_on: int = 0
    serves_seldom_heard: int = 0

    @property
    def total(self) -> int:
        return sum(vars(self).values())


def _copy_differs(table):
    e = Engagement
    return (
        select(func.count())
        .select_from(table)
        .join(e, e.id == table.c.engagement_id)
        .where(
            or_(
                table.c.held_on != e.held_on,
                table.c.area_id != e.area_id,
                table.c.counts != case((Engagement.counts, 1), else_=0),
                table.c.live != case((e.archived_at.is_(None), 1), else_=0),
            )
        )
    )


def _seldom_heard():
    sc = stakeholder_communities.c
    return exists().where(
        sc.stakeholder_id == Stakeholder.__table__.c.id,
        sc.community_id == Community.id,
        Community.seldom_heard.is_(True),
    )


def _of_engagement(link_table, value):
    """A value of the engagement a link row belongs to, for an UPDATE of the links."""
    return select(value).where(Engagement.id == link_table.c.engagement_id).scalar_subquery()


def rebuild(dry_run: bool = False) -> Corrections:
    """Work out every derived figure from scratch; unless dry_run, put right what differs.

    Returns what was (or would be) corrected, table by table: after any sequence of
    syncs it is all nought.
    """
    fixed = Corrections()
    e = Engagement
    for table in (engagement_stakeholders, engagement_communities):
        wrong = db.session.scalar(_copy_differs(table)) or 0
        fixed.link_copies += wrong
        if wrong and not dry_run:
            db.session.execute(update(table).values(
                held_on=_of_engagement(table, e.held_on),
                area_id=_of_engagement(table, e.area_id),
                counts=_of_engagement(table, case((e.counts, 1), else_=0)),
                live=_of_engagement(table, case((e.archived_at.is_(None), 1), else_=0)),
            ))  # fmt: skip
    for name, model, expected in _summaries():
        wrong = _differing(expected, select(*model.__table__.c))
        setattr(fixed, name, wrong)
        if wrong and not dry_run:
            db.session.execute(delete(model))
            columns = [column.name for column in model.__table__.c]
            db.session.execute(insert(model).from_select(columns, expected))
    s = Stakeholder.__table__.c
    latest = _latest_held()
    fixed.last_engaged_on = db.session.scalar(
        select(func.count()).select_from(Stakeholder.__table__).where(
            s.last_engaged_on.is_distinct_from(latest))
    ) or 0  # fmt: skip
    seldom = _seldom_heard()
    fixed.serves_seldom_heard = db.session.scalar(
        select(func.count()).select_from(Stakeholder.__table__).where(
            s.serves_seldom_heard != seldom)
    ) or 0  # fmt: skip
    if dry_run:
        return fixed
    if fixed.last_engaged_on:
        db.session.execute(update(Stakeholder.__table__).values(last_engaged_on=latest))
    if fixed.serves_seldom_heard:
        db.session.execute(
            update(Stakeholder.__table__).values(
                serves_seldom_heard=case((seldom, literal(True)), else_=literal(False))
            )
        )
    db.session.expire_all()
    return fixed
