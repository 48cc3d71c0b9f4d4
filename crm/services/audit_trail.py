"""The whole audit trail, for administrators: every record's changes, newest first,
filtered by who made them, the kind of record, its id and a date range.

Only changes to records the administrator may read are listed (access.audit_conditions);
values are shown as each record's own history shows them (restricted text was never
stored; names of linked records in other Areas are hidden by audit.shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm import clock
from crm.extensions import db
from crm.models import AuditEvent, User
from crm.services import access
from crm.services.records import Page, SortKey, paginate

# The kinds of record the trail holds, as a person names them.
RECORD_KINDS: dict[str, str] = {
    "stakeholder": _l("Stakeholder"),
    "contact": _l("Contact"),
    "engagement": _l("Engagement"),
    "panel": _l("Panel"),
    "membership": _l("Panel membership"),
    "panel_meeting": _l("Panel meeting"),
    "feedback": _l("Feedback"),
    "objective": _l("Equality objective"),
    "action_plan": _l("Action plan"),
    "plan_action": _l("Plan action"),
    "mapping_exercise": _l("Mapping exercise"),
    "casework_priority": _l("Casework priority"),
    "area_boundary": _l("Area boundary"),
    "user": _l("Staff account"),
    "community": _l("Community"),
    "area": _l("Area"),
    "purpose": _l("Purpose (consent)"),
    "subject_access": _l("Subject access request"),
    "retention_rule": _l("Retention rule"),
}
# Counting a trail of millions exactly costs more than the page; past this it says "more than".
COUNT_CAP = 10_000


@dataclass
class TrailFilters:
    user_id: int | None = None
    kind: str = ""
    record_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    def conditions(self) -> list:
        found = []
        if self.user_id is not None:
            found.append(AuditEvent.user_id == self.user_id)
        if self.kind:
            found.append(AuditEvent.record_type == self.kind)
        if self.record_id is not None:
            found.append(AuditEvent.record_id == self.record_id)
        if self.date_from is not None:
            found.append(AuditEvent.at >= _uk_midnight(self.date_from))
        if self.date_to is not None:
            found.append(AuditEvent.at < _uk_midnight(self.date_to + timedelta(days=1)))
        return found


def _uk_midnight(day: date) -> datetime:
    """The start of a day in the UK, where the service works, whatever the server's zone."""
    return datetime.combine(day, time.min, tzinfo=clock.UK)


def kind_label(kind: str) -> str:
    return RECORD_KINDS.get(kind, kind.replace("_", " ").capitalize())


def search(user: User, filters: TrailFilters, page_size: int) -> Page[AuditEvent]:
    access.require(user, "administer", "audit")
    conditions = access.audit_conditions(user) + filters.conditions()
    order = [SortKey(AuditEvent.id, descending=True)]
    return paginate(AuditEvent, conditions, order, filters.page, page_size, count_cap=COUNT_CAP)


def people(user: User) -> list[User]:
    """Everyone who might have made a change, to filter by."""
    access.require(user, "administer", "audit")
    return list(db.session.scalars(select(User).order_by(User.name, User.id)))
