"""Action plans: themes, lettered actions, dated updates, evidence, quarterly monitoring.

An action's status moves only by a dated update (who, when, the note, the status it
moved to), so its red/amber/green history is kept, never overwritten. Rules: an update
is dated on or after the one before and not in the future; done needs a final note;
dropped needs the reason. A plan is seen like everything else (its Area, or everyone if
national), changed by engagement leads and administrators; an action's owner may
report progress on it.
"""

from __future__ import annotations

import calendar
import itertools
import string
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from crm import clock, i18n
from crm.extensions import db
from crm.models import ActionPlan, ActionUpdate, Evidence, Objective, PlanAction, PlanTheme, User
from crm.models.common import utcnow
from crm.models.plan import (
    ACTION_STATUSES,
    CLOSED_ACTION_STATUSES,
    REVIEW_CADENCES,
    UPDATE_CADENCES,
)
from crm.services import access, audit, records, reference
from crm.services.quarters import Quarter, period_of
from crm.services.records import InvalidValue, iso_day

PLAN = "action_plan"
ACTION = "plan_action"
PLAN_FIELDS = ("title", "area_id", "team", "starts_on", "ends_on", "owner_id", "update_months")
ACTION_FIELDS = ("what", "owner_id", "by_whom", "due_kind", "due_on", "review_months",
                 "key_activity_id")


def describe_plan(p: ActionPlan) -> dict[str, Any]:
    return {  # i18n: not interface (the audit trail keeps its words as written)
        "Title": p.title,
        "Area": p.area_name,
        "Team": p.team or "",
        "Period": f"{iso_day(p.starts_on)} to {iso_day(p.ends_on)}",
        "Owner": p.owner.name if p.owner else "",
        "Updates due": UPDATE_CADENCES.get(p.update_months, ""),
        "Themes": "; ".join(f"{t.number} {t.title}" for t in p.themes),
    }


def due_text(a: PlanAction) -> str:
    """By when, as the plan says it: a date, a month, or ongoing."""
    if a.due_kind == "date" and a.due_on:
        return i18n.day_month_year(a.due_on)
    if a.due_kind == "month" and a.due_on:
        return f"{i18n.month_name(a.due_on.month)} {a.due_on.year}"
    if a.due_kind == "ongoing":
        return _("Ongoing, reviewed %(how_often)s",
                 how_often=str(REVIEW_CADENCES[a.review_months]).lower()) if (
            a.review_months) else _("Ongoing")  # fmt: skip
    return _("No date")


def describe_action(a: PlanAction) -> dict[str, Any]:
    return {  # i18n: not interface (the audit trail keeps its words as written)
        "Reference": a.reference,
        "Theme": a.theme.title if a.theme else "",
        "What will be done": a.what,
        "Owner": a.owner.name if a.owner else "",
        "By whom": a.by_whom or "",
        "By when": due_text(a),
        "Objectives": "; ".join(sorted(o.title for o in a.objectives)),
        "Key activity": a.key_activity.text if a.key_activity else "",
        "Status": a.status_label,
    }


def plan_conditions(user: User) -> list:
    return access.area_or_national_conditions(ActionPlan.area_id, user)


def list_plans(user: User, include_archived: bool = False) -> list[ActionPlan]:
    archived = include_archived and access.can_restore(user)
    stmt = (
        select(ActionPlan)
        .where(*plan_conditions(user),
               ActionPlan.archived_at.is_not(None) if archived
               else ActionPlan.archived_at.is_(None))
        .options(joinedload(ActionPlan.area), joinedload(ActionPlan.owner))
        .order_by(ActionPlan.area_id.is_not(None), ActionPlan.starts_on.desc(), ActionPlan.title)
    )  # fmt: skip
    return list(db.session.scalars(stmt))


def get_plan(user: User, plan_id: int, include_archived: bool = False) -> ActionPlan:
    return access.get_scoped(
        ActionPlan, plan_id, user, include_archived=include_archived, national=True
    )


def get_action(user: User, action_id: int) -> PlanAction:
    action = db.session.get(PlanAction, action_id)
    if action is None or action.archived_at is not None:
        raise access.RecordNotFound()
    get_plan(user, action.plan_id)
    return action


def check_plan(user: User, data: dict[str, Any]) -> None:
    reference.check_area_choice(user, data.get("area_id"), "plan")
    if data["ends_on"] <= data["starts_on"]:
        raise InvalidValue("ends_on", _("The plan must end after it starts"))
    if data.get("owner_id") is not None and db.session.get(User, data["owner_id"]) is None:
        raise InvalidValue("owner_id", _("Select an owner from the list"))
    if data.get("update_months") not in UPDATE_CADENCES:
        raise InvalidValue("update_months", _("Select how often actions are updated"))


def create_plan(user: User, data: dict[str, Any]) -> ActionPlan:
    access.require(user, "add", PLAN)
    check_plan(user, data)
    plan = ActionPlan(**{f: data.get(f) for f in PLAN_FIELDS})
    return records.create_audited(user, PLAN, plan, describe_plan)


def update_plan(user: User, plan: ActionPlan, data: dict[str, Any], expected: int | None):
    access.require(user, "edit", plan)
    check_plan(user, data)

    def mutate() -> None:
        for f in PLAN_FIELDS:
            setattr(plan, f, data.get(f))

    return records.update_audited(user, PLAN, plan, expected, describe_plan, mutate)


def set_plan_archived(user: User, plan: ActionPlan, archived: bool) -> None:
    records.set_archived(user, PLAN, plan, archived)


def add_theme(user: User, plan: ActionPlan, number: str, title: str) -> PlanTheme:
    """A numbered theme ("2  Consultation with communities"); numbers are unique in a plan."""
    number, title = number.strip(), title.strip()
    if not number:
        raise InvalidValue("number", _("Enter the theme's number, like 2"))
    if any(t.number == number for t in plan.themes):
        raise InvalidValue("number", _("The plan already has a theme %(number)s", number=number))
    theme = PlanTheme(number=number, title=title, position=len(plan.themes))

    def mutate() -> None:
        plan.themes.append(theme)

    records.update_audited(user, PLAN, plan, None, describe_plan, mutate)
    return theme


def _next_letter(plan: ActionPlan, theme: PlanTheme | None) -> str:
    """a, b, ... z, then aa, ab, ...: the first not yet used under the theme."""
    used = {a.reference.split(".")[-1] for a in plan.actions if a.theme_id == (theme and theme.id)}
    letters = string.ascii_lowercase
    candidates = itertools.chain(letters, (a + b for a in letters for b in letters))
    return next(c for c in candidates if c not in used)


def _check_action(user: User, plan: ActionPlan, data: dict[str, Any],
                  action: PlanAction | None = None) -> list[Objective]:  # fmt: skip
    if not (data.get("what") or "").strip():
        raise InvalidValue("what", _("Enter what will be done"))
    if data.get("owner_id") is not None:
        owner = db.session.get(User, data["owner_id"])
        if owner is None:
            raise InvalidValue("owner_id", _("Select who does it from the list"))
        if not access.may_read(owner, plan):
            raise InvalidValue("owner_id", _("%(name)s cannot see this plan: choose someone in "
                                             "its Area, or name the role or team instead",
                                             name=owner.name))  # fmt: skip
    if data.get("due_kind") in ("date", "month") and not data.get("due_on"):
        raise InvalidValue("due_on", _("Enter the date it is due by"))
    if data.get("due_kind") == "month" and data.get("due_on"):
        data["due_on"] = data["due_on"].replace(day=1)
    if data.get("due_kind") not in ("date", "month"):
        data["due_on"] = None
    if data.get("due_kind") != "ongoing":
        data["review_months"] = None
    elif data.get("review_months") not in (None, *REVIEW_CADENCES):
        raise InvalidValue("review_months", _("Select how often it is reviewed"))
    visible = {o.id: o for o in db.session.scalars(
        select(Objective).where(*access.area_or_national_conditions(Objective.area_id, user),
                                Objective.archived_at.is_(None)))}  # fmt: skip
    chosen = data.get("objective_ids") or []
    if any(i not in visible for i in chosen):
        raise InvalidValue("objective_ids", _("Select objectives from the list"))
    activity = data.get("key_activity_id")
    if activity is not None and not any(a.id == activity for o in visible.values()
                                        for a in o.activities):  # fmt: skip
        raise InvalidValue("key_activity_id", _("Select a key activity from the list"))
    # Objectives the user cannot see (another Area's, chosen by a national user) stay.
    kept = [o for o in (action.objectives if action else []) if o.id not in visible]
    return kept + [visible[i] for i in chosen]


def add_action(user: User, plan: ActionPlan, theme: PlanTheme | None, data: dict[str, Any],
               letter: str = "") -> PlanAction:  # fmt: skip
    """Add a lettered action under a theme (the next free letter unless one is given)."""
    access.require(user, "edit", plan)
    objectives = _check_action(user, plan, data)
    if letter and not (letter.isascii() and letter.isalpha()):
        raise InvalidValue("letter", _("The letter must be letters only, like c"))
    letter = letter or _next_letter(plan, theme)
    reference = f"{theme.number}.{letter}" if theme else letter
    if any(a.reference == reference for a in plan.actions):
        raise InvalidValue("letter", _("The plan already has an action %(reference)s: leave "
                                       "the letter blank for the next free one",
                                       reference=reference))  # fmt: skip
    action = PlanAction(plan=plan, theme=theme, reference=reference, position=len(plan.actions),
                        status="not_started", added_on=clock.today(),
                        **{f: data.get(f) for f in ACTION_FIELDS})  # fmt: skip
    action.objectives = objectives  # fmt: skip
    return records.create_audited(user, ACTION, action, describe_action)


def update_action(user: User, action: PlanAction, data: dict[str, Any], expected: int | None):
    """Change what an action says; its status moves only by an update."""
    access.require(user, "edit", action)
    objectives = _check_action(user, action.plan, data, action)

    def mutate() -> None:
        for f in ACTION_FIELDS:
            setattr(action, f, data.get(f))
        action.objectives = objectives

    return records.update_audited(user, ACTION, action, expected, describe_action, mutate)


def archive_action(user: User, action: PlanAction) -> None:
    records.set_archived(user, ACTION, action, True)


def add_update(user: User, action: PlanAction, updated_on: date, note: str,
               to_status: str) -> ActionUpdate:  # fmt: skip
    """A dated progress update, moving the action to `to_status` (which may be the same)."""
    access.require(user, "update_action", action)
    note = (note or "").strip()
    if to_status not in ACTION_STATUSES:
        raise InvalidValue("to_status", _("Select where the action stands"))
    if updated_on > clock.today():
        raise InvalidValue("updated_on", _("The update's date must be today or in the past"))
    starts = action.plan.starts_on
    if updated_on < starts:
        raise InvalidValue("updated_on", _("The update's date must be on or after the plan "
                                           "starts, %(day)s",
                                           day=i18n.day_month_year(starts)))  # fmt: skip
    last = action.updates[-1] if action.updates else None
    if last is not None and updated_on < last.updated_on:
        raise InvalidValue("updated_on", _("The update's date must be on or after the last "
                                           "update, %(day)s",
                                           day=i18n.day_month_year(last.updated_on)))  # fmt: skip
    if to_status == "done" and not note:
        raise InvalidValue("note", _("Enter a final note: what was achieved"))
    if to_status == "dropped" and not note:
        raise InvalidValue("note", _("Enter why the action is being dropped"))
    if not note and to_status == action.status:
        raise InvalidValue("note", _("Enter the progress made, or choose a new status"))
    update = ActionUpdate(updated_on=updated_on, note=note, from_status=action.status,
                          to_status=to_status, user=user)  # fmt: skip

    def mutate() -> None:
        action.updates.append(update)
        action.status, action.status_on = to_status, updated_on

    records.update_audited(user, ACTION, action, None, describe_action, mutate,
                           permission="update_action")  # fmt: skip
    return update


def import_plan(user: User, data: dict[str, Any], parsed) -> ActionPlan:
    """Save a plan read from a spreadsheet (see plan_sheets.read_plan): its themes, its
    lettered actions with by whom and by when, and what else the "by when / update" cell
    said as each action's first update. The caller commits: all of it or nothing."""
    if not parsed.ok:
        raise InvalidValue("file", _("Correct the problems in the file first"))
    plan = create_plan(user, data)
    themes = {}
    for position, (number, title) in enumerate(parsed.themes):
        themes[number] = PlanTheme(number=number, title=title, position=position)
        plan.themes.append(themes[number])
    db.session.flush()
    # "By whom" naming someone who works on the plan makes them the action's owner, so an
    # exported plan comes back with its owners and they see their updates due.
    people = {u.name.casefold(): u for u in reference.staff_for(user) if access.may_read(u, plan)}
    for position, row in enumerate(parsed.actions):
        theme = themes.get(row.theme_number)
        owner = people.get(row.by_whom.strip().casefold())
        action = PlanAction(
            plan=plan, theme=theme, reference=f"{row.theme_number}.{row.letter}".lstrip("."),
            position=position, what=row.what, owner=owner, added_on=plan.starts_on,
            by_whom="" if owner else row.by_whom[:200],
            due_kind=row.due.kind if row.due.kind in ("date", "month", "ongoing") else "",
            due_on=row.due.on, status="not_started",
        )  # fmt: skip
        if row.due.first_update:
            action.updates.append(ActionUpdate(
                updated_on=clock.today(), note=row.due.first_update, from_status="",
                to_status="not_started", user=user))  # fmt: skip
        records.create_audited(user, ACTION, action, describe_action)
    return plan


def is_overdue(action: PlanAction, today: date, status: str | None = None) -> bool:
    """Open and past its date: a day's, or the last day of its month. `status`: where it
    stood on `today` when that is a past day (its status now otherwise)."""
    if (status or action.status) in CLOSED_ACTION_STATUSES or action.due_on is None:
        return False
    if action.due_kind == "month":
        last = calendar.monthrange(action.due_on.year, action.due_on.month)[1]
        return action.due_on.replace(day=last) < today
    return action.due_kind == "date" and action.due_on < today


def update_due(action: PlanAction, today: date) -> bool:
    """Open and with no update in the current reporting period: the plan's, or an ongoing
    action's own review cadence."""
    latest = max((u.updated_on for u in action.updates), default=None)
    return _update_due(action, latest, today)


def _update_due(action: PlanAction, latest_update: date | None, today: date) -> bool:
    """update_due, given the day of the action's latest update (None: never updated)."""
    if action.status in CLOSED_ACTION_STATUSES:
        return False
    start, _end = period_of(today, action.review_months or action.plan.update_months)
    return latest_update is None or latest_update < start


def _live_actions(user: User):
    return (
        select(PlanAction)
        .join(ActionPlan, ActionPlan.id == PlanAction.plan_id)
        .where(PlanAction.archived_at.is_(None), ActionPlan.archived_at.is_(None),
               *plan_conditions(user))
        .options(joinedload(PlanAction.plan), joinedload(PlanAction.owner))
    )  # fmt: skip


def needing_attention(user: User, today: date, mine: bool = False) -> list[tuple]:
    """(action, overdue, update due) for every open action, in plans the user may see, that
    is overdue or due for an update; `mine`: only those the user owns.

    Each action's latest update day is read with it (a subquery), not its every update:
    across every Area's plans that is thousands of actions."""
    latest = (select(func.max(ActionUpdate.updated_on))
              .where(ActionUpdate.action_id == PlanAction.id)
              .correlate(PlanAction).scalar_subquery())  # fmt: skip
    stmt = (_live_actions(user).add_columns(latest)
            .where(PlanAction.status.not_in(CLOSED_ACTION_STATUSES))
            .order_by(PlanAction.plan_id, PlanAction.position))  # fmt: skip
    if mine:
        stmt = stmt.where(PlanAction.owner_id == user.id)
    found = []
    for action, latest_update in db.session.execute(stmt):
        overdue, due = is_overdue(action, today), _update_due(action, latest_update, today)
        if overdue or due:
            found.append((action, overdue, due))
    return found


@dataclass
class MonitoringRow:
    action: PlanAction
    update: ActionUpdate | None  # the latest update made in the quarter
    status_then: str  # where it stood when the quarter began
    status_now: str  # where it stood when the quarter ended (or today)
    overdue: bool

    @property
    def changed(self) -> bool:
        return self.status_then != self.status_now


def monitoring(plan: ActionPlan, quarter: Quarter, today: date) -> list[MonitoringRow]:
    """Each action of the plan that was open at some time in the quarter: the update made in
    it (or none), whether its status changed over the quarter, and whether it was overdue
    by the quarter's end (or today, for the quarter in progress)."""
    until = min(quarter.ends_on, today)
    rows = []
    for action in sorted((a for a in plan.actions if a.archived_at is None),
                         key=lambda a: a.position):  # fmt: skip
        if action.added_on > until:
            continue  # not yet in the plan
        before = [u for u in action.updates if u.updated_on < quarter.starts_on]
        within = [u for u in action.updates if quarter.starts_on <= u.updated_on <= until]
        status_then = before[-1].to_status if before else "not_started"
        if status_then in CLOSED_ACTION_STATUSES and not within:
            continue  # finished before the quarter began
        status_now = within[-1].to_status if within else status_then
        overdue = status_now not in CLOSED_ACTION_STATUSES and is_overdue(action, until)
        rows.append(MonitoringRow(action, within[-1] if within else None, status_then,
                                  status_now, overdue))  # fmt: skip
    return rows


# Evidence: what shows progress on an objective or an action.

EVIDENCE_KINDS = {
    "engagement": _l("An engagement"),
    "feedback": _l("Feedback"),
    "panel_meeting": _l("A panel meeting"),
    "document": _l("A document (a title and a link)"),
}


def add_evidence(user: User, target: Objective | PlanAction, kind: str, record_id: int | None,
                 title: str = "", url: str = "") -> Evidence:  # fmt: skip
    """Link the target to a record the user may see, or to a document."""
    access.require(user, "add_evidence", target)
    evidence = Evidence(added_on=clock.today(), added_by=user)
    if isinstance(target, Objective):
        evidence.objective_id = target.id
    else:
        evidence.action_id = target.id
    if kind == "document":
        title, url = title.strip(), url.strip()
        if not title:
            raise InvalidValue("title", _("Enter the document's title"))
        if url and not url.lower().startswith(("https://", "http://")):
            raise InvalidValue("url", _("Enter a link that starts with https://"))
        evidence.title, evidence.url = title[:300], url[:500]
    elif kind in ("engagement", "feedback", "panel_meeting"):
        _find_evidence_record(user, kind, record_id)
        if any(getattr(e, f"{kind}_id") == record_id for e in _live_evidence(target)):
            raise InvalidValue("kind", _("That is already evidence of this"))
        setattr(evidence, f"{kind}_id", record_id)
    else:
        raise InvalidValue("kind", _("Select what the evidence is"))
    db.session.add(evidence)
    _note_evidence(user, target, evidence)
    return evidence


def _note_evidence(user: User, target: Objective | PlanAction, evidence: Evidence) -> None:
    """The target's history says what evidence was added: a linked record as a link, so
    its name reaches only those who may see it."""
    db.session.flush()
    db.session.refresh(evidence)
    audit.record_event(user, KIND_OF[type(target)], target.id,
                       "evidence added", None,  # i18n: not interface (kept as written)
                       {"Evidence": _evidence_value(evidence)}, target.version)  # fmt: skip


def _evidence_value(evidence: Evidence) -> Any:
    """Evidence as the audit keeps it: a linked record as a link (see audit.link), its
    words in English whatever the page's language, as the trail keeps every change."""
    with i18n.in_stored_language():
        text = evidence_text(evidence)
    linked = evidence.engagement or evidence.feedback or evidence.panel_meeting
    if linked is None:
        return text
    return (audit.link(evidence.kind, linked, access.home_area_id(linked), text),)


KIND_OF = {Objective: "objective", PlanAction: ACTION}


def _find_evidence_record(user: User, kind: str, record_id: int | None):
    from crm.services import engagements, feedback, panel_meetings

    finders = {"engagement": engagements.get_engagement, "feedback": feedback.get_feedback,
               "panel_meeting": panel_meetings.get_meeting}  # fmt: skip
    if record_id is None:
        raise InvalidValue("record_id", _("Select the record that shows the progress"))
    try:
        return finders[kind](user, record_id)
    except access.RecordNotFound:
        raise InvalidValue("record_id", _("Select a record you can see")) from None


def evidence_choices(user: User, limit: int = 200) -> tuple[list, list, list]:
    """Recent engagements, feedback and panel meetings the user may see, newest first, to
    choose evidence from."""
    from crm.models import Engagement, Feedback, Panel, PanelMeeting

    engagements = db.session.scalars(
        select(Engagement).where(Engagement.archived_at.is_(None),
                                 *access.area_conditions(Engagement.area_id, user))
        .order_by(Engagement.held_on.desc(), Engagement.id.desc()).limit(limit))
    feedback = db.session.scalars(
        select(Feedback).where(Feedback.archived_at.is_(None),
                               *access.area_or_national_conditions(Feedback.area_id, user))
        .order_by(Feedback.received_on.desc(), Feedback.id.desc()).limit(limit))
    meetings = db.session.scalars(
        select(PanelMeeting).join(Panel, Panel.id == PanelMeeting.panel_id)
        .where(PanelMeeting.archived_at.is_(None), Panel.archived_at.is_(None),
               *access.area_or_national_conditions(Panel.area_id, user))
        .options(joinedload(PanelMeeting.panel))
        .order_by(PanelMeeting.held_on.desc(), PanelMeeting.id.desc()).limit(limit))
    return list(engagements), list(feedback), list(meetings)  # fmt: skip


def evidence_text(e: Evidence) -> str:
    if e.engagement_id:
        return _("Engagement: %(title)s", title=e.engagement.title)
    if e.feedback_id:
        return _("Feedback: %(summary)s", summary=e.feedback.summary)
    if e.panel_meeting_id:
        m = e.panel_meeting
        return _("Panel meeting: %(panel)s, %(day)s", panel=m.panel.name,
                 day=i18n.day_month_year(m.held_on))  # fmt: skip
    return _("Document: %(title)s", title=e.title)


def _live_evidence(target: Objective | PlanAction) -> list[Evidence]:
    column = Evidence.objective_id if isinstance(target, Objective) else Evidence.action_id
    stmt = (
        select(Evidence).where(column == target.id, Evidence.archived_at.is_(None))
        .order_by(Evidence.added_on.desc(), Evidence.id.desc())
    )
    return list(db.session.scalars(stmt))


def evidence_for(user: User, target: Objective | PlanAction) -> list[Evidence]:
    """The live evidence linked to the target, newest first, of records the user may see."""
    return [e for e in _live_evidence(target) if _may_see_evidence(user, e)]


def _may_see_evidence(user: User, e: Evidence) -> bool:
    linked = e.engagement or e.feedback or (e.panel_meeting and e.panel_meeting.panel)
    return linked is None or access.may_read(user, linked)


def serving_choices(user: User, record=None) -> tuple[list[Objective], list[PlanAction]]:
    """The objectives and open actions a user may name an engagement or feedback as serving
    (those they may add evidence to), and any the record already serves that they may
    change, so an edit form keeps them ticked."""
    from crm.services.objectives import list_objectives

    objectives = [o for o in list_objectives(user) if access.can(user, "add_evidence", o)]
    actions = [a for a in db.session.scalars(
        _live_actions(user).where(PlanAction.status.not_in(CLOSED_ACTION_STATUSES))
        .order_by(ActionPlan.title, PlanAction.position)) if access.can(user, "add_evidence", a)]
    if record is not None:
        for e in served_by(record):
            if e.objective is not None and e.objective not in objectives and access.can(
                    user, "add_evidence", e.objective):  # fmt: skip
                objectives.append(e.objective)
            if e.action is not None and e.action not in actions and access.can(
                    user, "add_evidence", e.action):  # fmt: skip
                actions.append(e.action)
    return objectives, actions


def set_served(user: User, record, objective_ids: list[int], action_ids: list[int]) -> None:
    """An engagement or feedback names the objectives and actions it serves: each becomes
    evidence of them, and one no longer named stops being (archived, not deleted). Only
    targets the user may add evidence to are touched; links they may not see stay."""
    kind = "engagement" if record.__tablename__ == "engagements" else "feedback"
    current = served_by(record)
    wanted = {(Objective, i) for i in objective_ids} | {(PlanAction, i) for i in action_ids}
    field = {Objective: "serves_objective_ids", PlanAction: "serves_action_ids"}
    for model, target_id in sorted(wanted, key=lambda w: (w[0].__name__, w[1])):
        target = db.session.get(model, target_id)
        if target is None or not access.can(user, "add_evidence", target):
            raise InvalidValue(field[model], _("Select from the list"))
        column_name = "objective_id" if model is Objective else "action_id"
        if any(getattr(e, column_name) == target_id for e in current):
            continue
        evidence = Evidence(added_on=clock.today(), added_by=user,
                            **{column_name: target_id, f"{kind}_id": record.id})
        db.session.add(evidence)
        _note_evidence(user, target, evidence)
    for e in current:
        target = e.objective or e.action
        if (type(target), target.id) not in wanted and access.can(user, "add_evidence", target):
            e.archived_at = utcnow()
            audit.record_event(user, KIND_OF[type(target)], target.id,
                               "evidence removed",  # i18n: not interface (kept as written)
                               {"Evidence": _evidence_value(e)}, {"Evidence": ""},
                               target.version)  # fmt: skip


def served_by(record) -> list[Evidence]:
    """The objectives and actions an engagement or feedback is evidence of."""
    kind = "engagement" if record.__tablename__ == "engagements" else "feedback"
    column = getattr(Evidence, f"{kind}_id")
    return list(db.session.scalars(select(Evidence).where(
        column == record.id, Evidence.archived_at.is_(None),
        or_(Evidence.objective_id.is_not(None), Evidence.action_id.is_not(None)))))  # fmt: skip


def serves_for(user: User, record) -> list[Evidence]:
    """What an engagement or feedback served, as its page shows it: the objectives and
    actions the user may see (another Area's plan is not named)."""
    return [e for e in served_by(record) if access.may_read(user, e.objective or e.action)]


def plan_summary(plan: ActionPlan, today: date) -> dict[str, int]:
    """How many of the plan's live actions stand at each status, and how many are overdue."""
    counts = dict.fromkeys(ACTION_STATUSES, 0)
    counts["overdue"] = 0
    for action in plan.actions:
        if action.archived_at is None:
            counts[action.status] += 1
            counts["overdue"] += is_overdue(action, today)
    return counts


def sheet_themes(plan: ActionPlan) -> list[tuple[str, str, list[tuple[str, str, str, str]]]]:
    """The plan as the paper sets it out, for the CSV and Excel export: each theme with its
    lettered actions, by whom, and "by when / update" (the due date, then the latest note).
    Actions under no theme go under a last theme, "Other actions"."""
    def row(a: PlanAction) -> tuple[str, str, str, str]:
        when = due_text(a) if a.due_kind else ""
        latest = a.updates[-1].note if a.updates and a.updates[-1].note else ""
        by_when = " - ".join(part for part in (when, latest) if part)
        return a.reference.split(".")[-1], a.what, a.who if a.owner else a.by_whom, by_when

    live = [a for a in plan.actions if a.archived_at is None]
    themes = [(t.number, t.title, [row(a) for a in live if a.theme_id == t.id])
              for t in plan.themes]  # fmt: skip
    loose = [row(a) for a in live if a.theme_id is None]
    if loose:
        numbers = [int(t.number) for t in plan.themes if t.number.isdigit()]
        themes.append((str(max(numbers, default=0) + 1), _("Other actions"), loose))
    return themes


def quarters_of(plan: ActionPlan, today: date, calendar: bool = False) -> list[Quarter]:
    """The plan's quarters up to the current one, newest first, for the monitoring view
    (financial quarters, or calendar ones)."""
    last = Quarter.of(min(today, plan.ends_on), calendar)
    found, quarter = [], Quarter.of(plan.starts_on, calendar)
    while quarter.starts_on <= last.starts_on and len(found) < 40:
        found.append(quarter)
        quarter = quarter.next()
    return list(reversed(found))

