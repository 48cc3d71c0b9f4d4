"""Who may see and change what: every permission question is asked here, and only here.

Services ask `require(user, action, target)` before they write; templates and views
ask `can(action, target)` to decide what to offer. A target is a kind of record
("engagement": may the user add one?) or a record (may the user change this one?).

A record in an Area the user does not work in is reported as not found, exactly
as a missing one would be, so its existence is never given away. A national
record (no Area: the Community Accountability Forum, its meetings and feedback)
is seen by everyone and changed only by national users.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_, select

from crm.extensions import db
from crm.models import User

T = TypeVar("T")

# Which roles may change each kind of record. Senior leaders read everything in
# their Areas and change nothing.
EDIT_ROLES: dict[str, frozenset[str]] = {
    "stakeholder": frozenset({"admin", "lead"}),
    "contact": frozenset({"admin", "lead", "panels"}),
    "engagement": frozenset({"admin", "lead"}),
    # Panels, their memberships and meetings: panel coordinators and administrators.
    "panel": frozenset({"admin", "panels"}),
    "membership": frozenset({"admin", "panels"}),
    "panel_meeting": frozenset({"admin", "panels"}),
    # Feedback comes from panels and engagements alike.
    "feedback": frozenset({"admin", "lead", "panels"}),
    # Equality objectives and the action plans that deliver them: the engagement leads
    # (the Area's equality officers) and administrators.
    "objective": frozenset({"admin", "lead"}),
    "action_plan": frozenset({"admin", "lead"}),
    "plan_action": frozenset({"admin", "lead"}),
}
# The stakeholder mapping exercise is run by those who keep the Area's stakeholders.
EDIT_ROLES["mapping_exercise"] = EDIT_ROLES["stakeholder"]
# The kinds of record a spreadsheet import brings in (crm/services/imports.py).
IMPORTED_KINDS = ("stakeholder", "contact", "engagement", "membership")
# Things only administrators look after: reference lists and map data.
ADMIN_ONLY = frozenset({"priorities", "map_data", "archived"})
# The roles that administer Engage: its users, reference lists and the whole audit trail.
# The service keeping accounts asks this to leave at least one active administrator.
ADMINISTRATOR_ROLES = frozenset({"admin"})
# Roles that see every follow-up action in their Areas, not only their own.
OVERSEE_ACTIONS = frozenset({"admin", "senior"})
READ_ONLY_ROLES = frozenset({"senior"})


class RecordNotFound(Exception):
    """The record does not exist, is archived, or lies outside the user's Areas."""


class AccessDenied(Exception):
    """The user's role does not allow this action."""


def visible_area_ids(user: User) -> list[int] | None:
    """The Areas a user can see, or None for a national user who sees them all."""
    if user.is_national:
        return None
    return [area.id for area in user.areas]


def area_conditions(area_column, user: User) -> list:
    """The WHERE conditions that keep a query inside the user's Areas (none if national)."""
    area_ids = visible_area_ids(user)
    return [] if area_ids is None else [area_column.in_(area_ids)]


def area_or_national_conditions(area_column, user: User) -> list:
    """Like area_conditions, but records with no Area (national ones) are seen by all."""
    area_ids = visible_area_ids(user)
    if area_ids is None:
        return []
    return [or_(area_column.is_(None), area_column.in_(area_ids))]


def scope_to_user_areas(stmt: Select, area_column, user: User) -> Select:
    return stmt.where(*area_conditions(area_column, user))


def can_see_area(user: User, area_id: int | None) -> bool:
    area_ids = visible_area_ids(user)
    return area_ids is None or area_id in area_ids


def can_place_in(user: User, area_id: int | None) -> bool:
    """Whether a record may be put in this Area: a real one the user works in."""
    from crm.models import Area

    if area_id is None or not can_see_area(user, area_id):
        return False
    return db.session.get(Area, area_id) is not None


# What kind each record is, and where it lives (its own Area, or its parent's).
def _kinds() -> dict[type, str]:
    from crm.models import (
        ActionPlan,
        Contact,
        Engagement,
        Feedback,
        FollowUpAction,
        MappingExercise,
        Membership,
        Objective,
        Panel,
        PanelMeeting,
        PlanAction,
        Stakeholder,
    )

    return {
        Stakeholder: "stakeholder",
        Contact: "contact",
        Engagement: "engagement",
        FollowUpAction: "engagement",
        Panel: "panel",
        Membership: "membership",
        PanelMeeting: "panel_meeting",
        Feedback: "feedback",
        Objective: "objective",
        ActionPlan: "action_plan",
        PlanAction: "plan_action",
        MappingExercise: "mapping_exercise",
    }


def _plan_action_model() -> type:
    from crm.models import PlanAction

    return PlanAction


def kind_of(record: Any) -> str:
    return _kinds()[type(record)]


def model_for(kind: str) -> type | None:
    """The model whose records the audit files under `kind` (None for reference data)."""
    return next((model for model, k in _kinds().items() if k == kind), None)


def parent_of(record: Any) -> Any:
    """The record a child is seen and changed through (its __access_parent__): a
    membership's panel, a follow-up action's engagement, a plan action's plan."""
    return getattr(record, type(record).__access_parent__)


def home_area_id(record: Any) -> int | None:
    """The Area that decides who may see the record: its own, or its parent's."""
    if hasattr(record, "area_id"):
        return record.area_id
    return parent_of(record).area_id


def is_archived(record: Any) -> bool:
    """Archived itself, or part of an archived panel (a membership, a meeting) or
    engagement (a follow-up action). A record with its own Area stands alone."""
    if getattr(record, "archived_at", None) is not None:
        return True
    if hasattr(record, "area_id"):
        return False
    return parent_of(record).archived_at is not None


def may_read(user: User, record: Any) -> bool:
    """Whether the record is within what the user may see (national records: everyone)."""
    area_id = home_area_id(record)
    return area_id is None or can_see_area(user, area_id)


def in_write_scope(user: User, record: Any) -> bool:
    """The record is in the user's Areas; a national record counts only for national users."""
    area_id = home_area_id(record)
    return user.is_national if area_id is None else can_see_area(user, area_id)


def may_write(user: User, record: Any) -> bool:
    """The role may change this kind, and the record is within the user's write scope."""
    return user.role in EDIT_ROLES[kind_of(record)] and in_write_scope(user, record)


def may_see_restricted(user: User, record: Any) -> bool:
    """Restricted text (declared on the model's field): its owner (the engagement's lead,
    the feedback's owner), administrators, and the senior leaders of its Area."""
    if user.role == "admin":
        return True
    owner_field = type(record).__restricted_owner__
    if getattr(record, owner_field) == user.id:
        return True
    area_id = home_area_id(record)
    return user.role == "senior" and (
        user.is_national if area_id is None else can_see_area(user, area_id)
    )


def _erased(record: Any) -> bool:
    """Whether the record is an erased person's (crm/services/erasure.py)."""
    if kind_of(record) != "contact":
        return False
    from crm.models.erasure import Erasure

    return db.session.scalar(select(Erasure.id).where(Erasure.contact_id == record.id)) is not None


def _can(user: User, action: str, target: Any) -> bool:
    if action == "add":
        return user.role in EDIT_ROLES[target]
    if action == "administer":
        return user.role in ADMINISTRATOR_ROLES
    if action == "oversee_actions":
        return user.role in OVERSEE_ACTIONS
    if action == "exercise":
        # A right beyond the role (models.user.RIGHTS), given by an administrator. Subject
        # access, erasure and retention are also every administrator's; equality data is
        # only ever seen by those given the right, administrators included.
        if target == "data_protection" and user.role == "admin":
            return True
        return target in user.rights
    if action == "see_equality":
        # A panel member's own equality monitoring answers (special category data): only
        # those given the right, for a membership they may read.
        return "equality_data" in user.rights and may_read(user, target)
    if action == "enter_equality":
        # ...and entered by those of them who keep the membership.
        return "equality_data" in user.rights and may_write(user, target) and not (
            is_archived(target))
    if action == "follow_job":
        # A background job is followed (and tried again) by whoever asked for it, and
        # by administrators, who look after the service.
        return user.role == "admin" or target.started_by_id == user.id
    if action == "import":
        # Bringing records in from a spreadsheet: whoever may add that kind of record;
        # "records": any kind that can be imported.
        if target == "records":
            return any(user.role in EDIT_ROLES[kind] for kind in IMPORTED_KINDS)
        return target in IMPORTED_KINDS and user.role in EDIT_ROLES[target]
    if action == "follow_import":
        # An import, like a job, is followed by whoever uploaded it, and administrators.
        return _can(user, "follow_job", target)
    if action == "download_job":
        # Its file: an ordinary one (a report's PDF) for whoever follows it; one holding
        # personal data (a subject access export) only for the person who asked, while
        # they still hold every right it needs (crm.services.jobs.file_rights).
        from crm.services.jobs import file_rights

        rights = file_rights(target)
        if rights is None:
            return _can(user, "follow_job", target)
        return target.started_by_id == user.id and all(
            _can(user, "exercise", right) for right in rights)
    if action == "merge":
        # Joining duplicates changes every record joined: a kind, for those whose role
        # edits it (the duplicates pages); a record, for whoever may edit it now (in their
        # Areas; national records only by national users). An erased person's emptied
        # record is never merged.
        if isinstance(target, str):
            return user.role in EDIT_ROLES[target]
        return may_write(user, target) and not is_archived(target) and not _erased(target)
    if action == "undo_merge":
        # ...and undone by whoever may edit each record of it, the archived ones too.
        return may_write(user, target)
    if action in ("edit", "archive"):
        return may_write(user, target) and not is_archived(target)
    if action == "read":
        # Its Area is one of the user's (or it is national): its name may be shown.
        return may_read(user, target)
    if action == "open":
        # ...and its page opened: archived records are opened only by administrators.
        return may_read(user, target) and (not is_archived(target) or user.role == "admin")
    if action == "restore":
        # An erased person's emptied record stays archived: erasure is never undone.
        return user.role == "admin" and in_write_scope(user, target) and not _erased(target)
    if action == "see_restricted":
        return may_see_restricted(user, target)
    if action == "change_owner":
        # Who owns a record decides who reads its restricted text: only someone who
        # may already read it changes that.
        return may_write(user, target) and may_see_restricted(user, target)
    if action == "update_action":
        # A plan action's owner reports progress on it even without the right to edit
        # plans, if they can see it and their role changes things.
        if is_archived(target):
            return False
        if may_write(user, target):
            return True
        return (
            target.is_open
            and target.owner_id == user.id
            and user.role not in READ_ONLY_ROLES
            and may_read(user, target)
        )
    if action == "add_evidence":
        # Progress on an objective is shown by the Areas' own work: anyone whose role
        # records work may link what they can see to an objective they can see (a national
        # one too). A plan action's evidence comes from those who report on it.
        if isinstance(target, _plan_action_model()):
            return _can(user, "update_action", target)
        return user.role not in READ_ONLY_ROLES and may_read(user, target) and not (
            is_archived(target))
    if action == "close_action":
        # A follow-up action's owner reports their own work even without the right to
        # edit engagements, if they can see the engagement and their role changes things.
        engagement = target.engagement
        if engagement.archived_at is not None:
            return False
        if may_write(user, engagement):
            return True
        return (
            target.owner_id == user.id
            and user.role not in READ_ONLY_ROLES
            and may_read(user, engagement)
        )
    raise ValueError(f"Unknown permission: {action}")  # i18n: not interface (a programmer's)


def audit_conditions(user: User) -> list:
    """WHERE conditions keeping the whole audit trail (the administrators' page) to changes
    of records the user may read: a record in another Area is left out, as if it had no
    history, so a filter by its id answers as one by a missing id. Reference data (users,
    communities, Areas, priorities, boundaries) has no Area: its changes are shown to all."""
    from crm.models import AuditEvent

    if visible_area_ids(user) is None:
        return []
    kinds, readable = [], []
    for model, kind in _kinds().items():
        if model_for(kind) is not model:
            continue  # follow-up actions are filed under their engagement
        kinds.append(kind)
        if hasattr(model, "area_id"):
            ids = select(model.id).where(*area_or_national_conditions(model.area_id, user))
        else:
            parent = getattr(model, model.__access_parent__)
            area_column = parent.property.mapper.class_.area_id
            ids = select(model.id).join(parent).where(
                *area_or_national_conditions(area_column, user))
        readable.append(and_(AuditEvent.record_type == kind, AuditEvent.record_id.in_(ids)))
    return [or_(AuditEvent.record_type.not_in(kinds), *readable)]


def can(user: User, action: str, target: Any) -> bool:
    """The one question: may `user` do `action` to `target` (a kind, or a record)?

    Actions: add (a kind), read, open, edit, archive, restore, merge (a kind: see its
    duplicates; a record: join it with others), undo_merge, see_restricted, change_owner,
    close_action (a follow-up action), import (a kind, or "records": any kind) and
    follow_import (an import), see_equality and enter_equality (a membership's
    equality monitoring answers), update_action (a plan action), add_evidence (an
    objective or a plan action), follow_job and download_job (a background job, its
    file), exercise (a right
    beyond the role: "data_protection", "equality_data"), administer
    ("priorities", "map_data", "archived", "jobs", and the /admin pages: "users",
    "communities", "areas", "audit", "purposes"), oversee_actions ("actions").
    """
    return _can(user, action, target)


def require(user: User, action: str, target: Any) -> None:
    """Refuse (403) what the user may not do; a record outside their Areas is not found."""
    if not isinstance(target, str) and not may_read(user, target):
        raise RecordNotFound()
    if not _can(user, action, target):
        raise AccessDenied("Your role does not allow this")  # i18n: not interface (403 page)


# The older names, kept as thin askers of the same rules.
def can_edit(user: User, kind: str) -> bool:
    return can(user, "add", kind)


def require_edit(user: User, kind: str) -> None:
    require(user, "add", kind)


def can_restore(user: User) -> bool:
    return can(user, "administer", "archived")


def is_administrator_role(role: str) -> bool:
    """Whether a role (one being given, or one held) administers Engage."""
    return role in ADMINISTRATOR_ROLES


def dashboard_of(user: User) -> str:
    """Which dashboard the home page shows the user: their role's ("lead", "senior",
    "panels" or "admin"), asked here so no view reads a role by name."""
    return user.role


def two_factor_required(user: User, everyone: bool, roles) -> bool:
    """Whether the user must give a second factor at sign-in: everyone must when the
    service says so (CRM_REQUIRE_2FA), and the roles given always (administrators)."""
    return everyone or user.role in roles


def require_admin(user: User) -> None:
    require(user, "administer", "archived")


def require_area(user: User, area_id: int | None) -> None:
    """Refuse to place a record in an Area the user does not work in."""
    if area_id is None or not can_see_area(user, area_id):
        raise AccessDenied("You cannot add records to that Area")  # i18n: not interface (403)


def visible_id(user: User, model: Any, record_id: int | None, *, national: bool = False):
    """A filter's record id, if the user may see that record; otherwise an id no record
    has, so filtering by a hidden record answers exactly as filtering by a missing one."""
    if record_id is None:
        return None
    scope = area_or_national_conditions if national else area_conditions
    stmt = select(model.id).where(model.id == record_id, *scope(model.area_id, user))
    return record_id if db.session.scalar(stmt) is not None else MISSING_ID


# No record has this id: the database numbers rows from 1.
MISSING_ID = -1


def get_scoped(
    model: type[T],
    record_id: int,
    user: User,
    *,
    include_archived: bool = False,
    national: bool = False,
) -> T:
    """Load one record the user may see, or raise RecordNotFound.

    Archived records are shown only to administrators, who can restore them. With
    national=True a record with no Area (a national panel or its feedback) is seen by all.
    """
    area_column = model.area_id  # type: ignore[attr-defined]
    scope = area_or_national_conditions if national else area_conditions
    stmt = select(model).where(
        model.id == record_id,  # type: ignore[attr-defined]
        *scope(area_column, user),
    )
    record = db.session.scalars(stmt).first()
    if record is None:
        raise RecordNotFound()
    if record.archived_at is not None and not (include_archived and can_restore(user)):
        raise RecordNotFound()
    return record
