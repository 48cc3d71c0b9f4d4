"""Equality objectives: what the service committed to, and how its actions stand.

National objectives (no Area) are seen by everyone and changed by national users; an
Area's own objectives are seen and changed in that Area. The page of each objective
counts the plan actions serving it by status, and lists the evidence logged this quarter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.models import (
    ActionPlan,
    Evidence,
    KeyActivity,
    Objective,
    ObjectiveMeasure,
    PlanAction,
    User,
)
from crm.models.plan import ACTION_STATUSES, action_objectives
from crm.models.reference import PROTECTED_CHARACTERISTICS
from crm.services import access, audit, records, reference
from crm.services.quarters import Quarter
from crm.services.records import InvalidValue

KIND = "objective"
FIELDS = ("title", "statement", "starts_in", "ends_in", "area_id", "characteristics")


def describe(o: Objective) -> dict[str, Any]:
    return {  # i18n: not interface (the audit trail keeps its words as written)
        "Title": o.title,
        "Statement": o.statement or "",
        "Period": o.period_label,
        "Area": o.area_name,
        "Protected characteristics": ", ".join(sorted(str(c) for c in o.characteristic_labels)),
        "Communities": audit.names(o.communities),
        "Measures of success": "; ".join(_measure_text(m) for m in o.measures),
        "Key activities": "; ".join(f"{a.year_label}: {a.text}" for a in o.activities),
    }


def _measure_text(m: ObjectiveMeasure) -> str:
    numbers = []
    if m.baseline is not None:
        numbers.append(f"from {m.baseline:g}{m.unit and ' ' + m.unit}")
    if m.target is not None:
        numbers.append(f"target {m.target:g}{m.unit and ' ' + m.unit}")
    return m.text + (f" ({', '.join(numbers)})" if numbers else "")


def objective_conditions(user: User) -> list:
    return [*access.area_or_national_conditions(Objective.area_id, user)]


def list_objectives(user: User, include_archived: bool = False) -> list[Objective]:
    archived = include_archived and access.can_restore(user)
    stmt = (
        select(Objective)
        .where(*objective_conditions(user),
               Objective.archived_at.is_not(None) if archived else Objective.archived_at.is_(None))
        .options(selectinload(Objective.area), selectinload(Objective.activities))
        .order_by(Objective.area_id.is_not(None), Objective.starts_in.desc(), Objective.position,
                  Objective.title)
    )  # fmt: skip
    return list(db.session.scalars(stmt))


def get_objective(user: User, objective_id: int, include_archived: bool = False) -> Objective:
    return access.get_scoped(
        Objective, objective_id, user, include_archived=include_archived, national=True
    )


def _check(user: User, data: dict[str, Any]) -> None:
    reference.check_area_choice(user, data.get("area_id"), "objective")
    if data["ends_in"] < data["starts_in"]:
        raise InvalidValue("ends_in",
                           _("The last year must be the same as or after the first year"))
    unknown = set(data.get("characteristics") or []) - set(PROTECTED_CHARACTERISTICS)
    if unknown:
        raise InvalidValue("characteristics",
                           _("Select protected characteristics from the list"))


def _set_parts(
    o: Objective,
    measures: list[dict],
    activities: list[dict],
    rows: list[KeyActivity | None] | None = None,
) -> None:
    """The objective's measures and key activities as given; `rows`: the existing key
    activity each becomes (None: a new one), from _activity_rows."""
    o.measures = [ObjectiveMeasure(position=n, **m) for n, m in enumerate(measures)]
    kept = []
    for n, (row, values) in enumerate(zip(rows or [None] * len(activities), activities,
                                          strict=True)):  # fmt: skip
        row = row or KeyActivity()
        for name, value in (values | {"position": n}).items():
            setattr(row, name, value)
        kept.append(row)
    o.activities = kept


def _activity_rows(user: User, o: Objective, activities: list[dict]) -> list[KeyActivity | None]:
    """For each key activity wanted, the existing one it keeps (None: a new one).

    Plan actions point at the key activity they serve, so an edit keeps each activity that
    is still there (same year and words), and one reworded in its place (the next left of
    the same year); only those gone are removed. Removing one an action still serves is
    refused, naming the action: the action would otherwise lose it unseen.
    """
    left = list(o.activities)
    rows: list[KeyActivity | None] = [None] * len(activities)
    for same in (lambda k, a: (k.year, k.text) == (a["year"], a["text"]),
                 lambda k, a: k.year == a["year"]):  # fmt: skip
        for n, wanted in enumerate(activities):
            found = rows[n] is None and next((k for k in left if same(k, wanted)), None)
            if found:
                rows[n] = found
                left.remove(found)
    gone = {k.id: k for k in left if k.id is not None}
    serving = db.session.scalars(
        select(PlanAction).where(PlanAction.key_activity_id.in_(list(gone)))
        .order_by(PlanAction.plan_id, PlanAction.position)).first() if gone else None  # fmt: skip
    if serving is not None:
        activity = gone[serving.key_activity_id]
        named = f"{activity.year_label}: {activity.text}"
        if access.may_read(user, serving):
            message = _("Keep the key activity “%(activity)s”: action %(reference)s of %(plan)s "
                        "serves it. Choose another key activity for the action first",
                        activity=named, reference=serving.reference, plan=serving.plan.title)
        else:
            message = _("Keep the key activity “%(activity)s”: an action in another Area serves "
                        "it. Choose another key activity for the action first", activity=named)
        raise InvalidValue("activities", message)
    return rows


def create_objective(user: User, data: dict[str, Any], community_ids: list[int],
                     measures: list[dict], activities: list[dict]) -> Objective:  # fmt: skip
    access.require(user, "add", KIND)
    _check(user, data)
    o = Objective(**{f: data.get(f) for f in FIELDS})
    o.communities = reference.communities_by_ids(community_ids)
    _set_parts(o, measures, activities)
    return records.create_audited(user, KIND, o, describe)


def update_objective(user: User, o: Objective, data: dict[str, Any], community_ids: list[int],
                     measures: list[dict], activities: list[dict],
                     expected_version: int | None) -> Objective:  # fmt: skip
    access.require(user, "edit", o)
    _check(user, data)
    communities = reference.communities_by_ids(community_ids, o.communities)
    rows = _activity_rows(user, o, activities)

    def mutate() -> None:
        for f in FIELDS:
            setattr(o, f, data.get(f))
        o.communities = communities
        _set_parts(o, measures, activities, rows)

    return records.update_audited(user, KIND, o, expected_version, describe, mutate)


def set_archived(user: User, o: Objective, archived: bool) -> None:
    records.set_archived(user, KIND, o, archived)


@dataclass
class ObjectiveProgress:
    """How the actions serving an objective stand, and this quarter's evidence."""

    by_status: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    evidence_this_quarter: int = 0

    @property
    def actions(self) -> int:
        return sum(self.by_status.values())


def progress(user: User, objectives: list[Objective], today: date, period=None,
             area_ids: list[int] | None = None) -> dict[int, ObjectiveProgress]:  # fmt: skip
    """For each objective: its live actions (in plans the user may see) by status, how many
    are overdue, and how much evidence was logged against it this quarter.

    With a period (a Quarter or Year, crm/services/quarters), as at the period's end
    instead: each action's status then (its last update by that day), overdue then, and
    the evidence logged in the period; with area_ids, only those Areas' plans."""
    from crm.services.action_plans import is_overdue, plan_conditions

    found = {o.id: ObjectiveProgress() for o in objectives}
    if not found:
        return found
    period = period or Quarter.of(today)
    as_at = min(period.ends_on, today)
    stmt = (
        select(action_objectives.c.objective_id, PlanAction)
        .join(PlanAction, PlanAction.id == action_objectives.c.action_id)
        .join(ActionPlan, ActionPlan.id == PlanAction.plan_id)
        .where(action_objectives.c.objective_id.in_(list(found)),
               PlanAction.archived_at.is_(None), ActionPlan.archived_at.is_(None),
               PlanAction.added_on <= as_at, *plan_conditions(user))
    )  # fmt: skip
    if as_at < today:  # a past period: where each action stood then, from its updates
        stmt = stmt.options(selectinload(PlanAction.updates))
    if area_ids is not None:
        stmt = stmt.where(ActionPlan.area_id.in_(area_ids))
    for objective_id, action in db.session.execute(stmt):
        p = found[objective_id]
        if as_at >= today:
            status = action.status
        else:  # where it stood at the period's end: its last update by then
            earlier = [u for u in action.updates if u.updated_on <= as_at]
            status = earlier[-1].to_status if earlier else "not_started"
        p.by_status[status] = p.by_status.get(status, 0) + 1
        p.overdue += is_overdue(action, as_at, status)
    evidence = (select(Evidence.objective_id, func.count())
                .where(Evidence.objective_id.in_(list(found)), Evidence.archived_at.is_(None),
                       Evidence.added_on >= period.starts_on, Evidence.added_on <= as_at)
                .group_by(Evidence.objective_id))  # fmt: skip
    for objective_id, count in db.session.execute(evidence):
        found[objective_id].evidence_this_quarter = count
    return found


STATUS_ORDER = list(ACTION_STATUSES)


def actions_serving(user: User, objective: Objective) -> list[PlanAction]:
    """The live actions serving the objective, in plans the user may see."""
    from crm.services.action_plans import plan_conditions

    stmt = (
        select(PlanAction)
        .join(action_objectives, action_objectives.c.action_id == PlanAction.id)
        .join(ActionPlan, ActionPlan.id == PlanAction.plan_id)
        .where(action_objectives.c.objective_id == objective.id,
               PlanAction.archived_at.is_(None), ActionPlan.archived_at.is_(None),
               *plan_conditions(user))
        .options(selectinload(PlanAction.plan), selectinload(PlanAction.owner))
        .order_by(ActionPlan.title, PlanAction.position)
    )  # fmt: skip
    return list(db.session.scalars(stmt))
