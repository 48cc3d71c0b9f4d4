"""The annual equality information report.

The Public Sector Equality Duty asks the service to publish equality information at least
once a year (and its equality objectives at least every four years). This is the quarterly
report's machinery (crm/services/area_report) run over a year, always public-safe (counts
below the threshold suppressed, no charts, no per-action notes), with two sections of its
own in front: the engagement with people who share each protected characteristic, and the
progress against each equality objective.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from crm.extensions import db
from crm.models import ActionPlan, Community, Objective, PlanAction, User
from crm.models.engagement import engagement_communities
from crm.models.plan import ACTION_STATUSES, action_objectives
from crm.models.reference import PROTECTED_CHARACTERISTICS
from crm.services import access, area_report, objectives
from crm.services.area_report import Report, Section, Table
from crm.services.quarters import Year


def build(user: User, area_ids: list[int], year: Year, today: date,
          threshold: int = area_report.SUPPRESS_BELOW) -> list[Report]:  # fmt: skip
    """Each chosen Area's report for the year (Areas the user does not work in refused)."""
    if any(not access.can_see_area(user, a) for a in area_ids):
        raise area_report.NotAllowed()
    reports = area_report.build_many(user, area_ids, year, today, True, threshold,
                                     detail=len(area_ids) == 1)  # fmt: skip
    characteristics = _characteristics(area_ids, year, threshold)
    progress = _objectives(user, area_ids, year, today, threshold)
    for report in reports:
        for section in report.sections:
            # Public: each action's latest note could name someone; the counts stay.
            section.tables = [t for t in section.tables if t.key != "actions"]
        report.sections[:0] = [characteristics[report.area.id], progress[report.area.id]]
    return reports


def _characteristics(area_ids: list[int], year: Year, threshold: int) -> dict[int, Section]:
    """Per Area and protected characteristic: engagements that reached a community sharing
    it (each engagement once, however many such communities it reached), this year and
    last, and how many of those communities were reached."""
    ec = engagement_communities.c
    counted: dict[tuple[int, str], list[int]] = {}
    for n, period in enumerate((year, year.previous())):
        rows = db.session.execute(
            select(ec.area_id, Community.characteristic,
                   func.count(func.distinct(ec.engagement_id)),
                   func.count(func.distinct(ec.community_id)))
            .join(Community, Community.id == ec.community_id)
            .where(ec.area_id.in_(area_ids), ec.counts == 1, ec.held_on >= period.starts_on,
                   ec.held_on <= period.ends_on)
            .group_by(ec.area_id, Community.characteristic))  # fmt: skip
        for area_id, characteristic, engagements, communities in rows:
            counted.setdefault((area_id, characteristic), [0, 0, 0])
            counted[(area_id, characteristic)][n] = engagements
            if n == 0:
                counted[(area_id, characteristic)][2] = communities
    sizes = dict(db.session.execute(
        select(Community.characteristic, func.count()).group_by(Community.characteristic)).all())
    found = {}
    for area_id in area_ids:
        rows = []
        for key, label in PROTECTED_CHARACTERISTICS.items():
            this, last, reached = counted.get((area_id, key), [0, 0, 0])
            if sizes.get(key):
                rows.append([label, this, last, _("%(reached)s of %(total)s", reached=reached,
                                                  total=sizes[key])])  # fmt: skip
        found[area_id] = Section("characteristics", _("Engagement with people who share each "
                                 "protected characteristic"), tables=[Table(
            "by-characteristic", _("Engagements that reached communities sharing each "
            "characteristic (an engagement counts once for each characteristic it reached)"),
            [_("Protected characteristic"), _("This year (%(year)s)", year=year.short_label),
             _("The year before (%(year)s)", year=year.previous().short_label),
             _("Communities reached")],
            rows, True, threshold)],
            notes=[_("Engage records the communities an engagement reached, not the people in "
                     "the room: these figures count engagements, not people.")])  # fmt: skip
    return found


def _objectives(user: User, area_ids: list[int], year: Year, today: date,
                threshold: int) -> dict[int, Section]:  # fmt: skip
    """Per Area: each equality objective that ran during the year or that the Area's plans
    served in it (the national ones and the Area's own), with the Area's actions serving it
    by status at the year's end, how many were overdue, and the evidence logged in the year."""
    found = {}
    for area_id in area_ids:
        # Served by the Area's plans that year: an objective whose own period has ended
        # may still be what a running plan works towards.
        served = (select(action_objectives.c.objective_id)
                  .join(PlanAction, PlanAction.id == action_objectives.c.action_id)
                  .join(ActionPlan, ActionPlan.id == PlanAction.plan_id)
                  .where(ActionPlan.area_id == area_id, ActionPlan.archived_at.is_(None),
                         PlanAction.archived_at.is_(None),
                         ActionPlan.starts_on <= year.ends_on,
                         ActionPlan.ends_on >= year.starts_on))  # fmt: skip
        chosen = db.session.scalars(
            select(Objective).where(
                Objective.archived_at.is_(None),
                or_(Objective.area_id.is_(None), Objective.area_id == area_id),
                or_(and_(Objective.starts_in <= year.ends_on.year,
                         Objective.ends_in >= year.starts_on.year),
                    Objective.id.in_(served)),
                *objectives.objective_conditions(user))
            .order_by(Objective.area_id.is_not(None), Objective.position, Objective.title)).all()
        progress = objectives.progress(user, chosen, today, year, [area_id])
        rows = []
        for o in chosen:
            p = progress[o.id]
            rows.append([o.title, p.actions, *(p.by_status.get(k, 0) for k in ACTION_STATUSES),
                         p.overdue, p.evidence_this_quarter])  # fmt: skip
        found[area_id] = Section("objectives", _("Progress against each equality objective"),
                                 tables=[Table(
            "objective-progress", _("The Area's plan actions serving each objective, where "
            "they stood at the year's end"), [_("Objective"), _("Actions"),
                                              *ACTION_STATUSES.values(), _("Overdue"),
                                              _("Evidence logged in the year")],
            rows, True, threshold,
            _("No equality objective ran during this year."), about_people=False)])  # fmt: skip
    return found
