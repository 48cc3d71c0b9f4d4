"""Panel meetings: when, where, what was reviewed, and who came.

Attendance is recorded for each member whose term covered the meeting's date;
whether it was quorate is computed from it against the quorum copied from the
panel when the meeting was first recorded.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from crm import clock
from crm.extensions import db
from crm.models import Attendance, Contact, Membership, Panel, PanelMeeting, User
from crm.models.panel import ATTENDANCE
from crm.services import panels, records
from crm.services.access import RecordNotFound
from crm.services.memberships import served_between
from crm.services.records import InvalidValue

KIND = "panel_meeting"
FIELDS = ("held_on", "online", "place", "agenda", "notes", "cases_reviewed", "case_themes")


def describe(meeting: PanelMeeting) -> dict[str, str]:
    by_status: dict[str, list[str]] = {status: [] for status in ATTENDANCE}
    for a in meeting.attendance:
        by_status[a.status].append(a.membership.contact.name)
    return {  # i18n: not interface (the audit trail's labels, kept as written)
        "Date": meeting.held_on.isoformat(),
        "Where": "Online" if meeting.online else meeting.place,
        "Agenda": meeting.agenda or "",
        "Notes": meeting.notes or "",
        "Quorum": str(meeting.quorum),
        "Cases reviewed": str(meeting.cases_reviewed),
        "Case themes": meeting.case_themes or "",
        **{label: ", ".join(sorted(by_status[s])) for s, label in ATTENDANCE.items()},
    }


def get_meeting(user: User, meeting_id: int) -> PanelMeeting:
    meeting = db.session.get(PanelMeeting, meeting_id)
    if meeting is None or meeting.archived_at is not None:
        raise RecordNotFound()
    panels.get_panel(user, meeting.panel_id)
    return meeting


def meetings(panel: Panel, limit: int | None = None) -> list[PanelMeeting]:
    """The panel's meetings, newest first, with attendance loaded for the quorum."""
    stmt = (
        select(PanelMeeting)
        .where(PanelMeeting.panel_id == panel.id, PanelMeeting.archived_at.is_(None))
        .options(selectinload(PanelMeeting.attendance))
        .order_by(PanelMeeting.held_on.desc(), PanelMeeting.id.desc())
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def expected_members(panel: Panel, held_on: date, meeting: PanelMeeting | None = None):
    """Members whose term covered the meeting's date, and anyone already recorded at it."""
    covering = served_between(held_on, held_on)
    if meeting is not None and meeting.id is not None:
        recorded = select(Attendance.membership_id).where(Attendance.meeting_id == meeting.id)
        covering = covering | Membership.id.in_(recorded)
    stmt = (
        select(Membership)
        .join(Contact, Contact.id == Membership.contact_id)
        .where(Membership.panel_id == panel.id, covering)
        .options(joinedload(Membership.contact))
        .order_by(Contact.name, Membership.id)
    )
    return list(db.session.scalars(stmt))


def _attendance(
    panel: Panel, data: dict[str, Any], attendance: dict[int, str], meeting: PanelMeeting | None
) -> list[tuple[Membership, str]]:
    if data["held_on"] > clock.today() and attendance:
        raise InvalidValue(
            "held_on", _("Attendance can only be recorded for a meeting that has taken place")
        )
    expected = {m.id: m for m in expected_members(panel, data["held_on"], meeting)}
    unknown = set(attendance) - set(expected)
    if unknown or any(status not in ATTENDANCE for status in attendance.values()):
        raise InvalidValue(
            "held_on", _("Record attendance only for the panel's members at that date")
        )
    return [(expected[i], status) for i, status in attendance.items()]


def create_meeting(
    user: User, panel: Panel, data: dict[str, Any], attendance: dict[int, str]
) -> PanelMeeting:
    panels.require_change(user, panel, KIND)
    rows = _attendance(panel, data, attendance, None)
    meeting = PanelMeeting(panel=panel, quorum=panel.quorum, **{f: data[f] for f in FIELDS})
    meeting.attendance = [Attendance(membership=m, status=s) for m, s in rows]
    return records.create_audited(user, KIND, meeting, describe)


def update_meeting(
    user: User,
    meeting: PanelMeeting,
    data: dict[str, Any],
    attendance: dict[int, str],
    expected_version: int | None,
) -> PanelMeeting:
    panels.require_change(user, meeting.panel, KIND)
    rows = _attendance(meeting.panel, data, attendance, meeting)

    def mutate() -> None:
        for f in FIELDS:
            setattr(meeting, f, data[f])
        current = {a.membership_id: a for a in meeting.attendance}
        kept = []
        for membership, status in rows:
            row = current.get(membership.id) or Attendance(membership=membership)
            row.status = status
            kept.append(row)
        meeting.attendance = kept

    return records.update_audited(user, KIND, meeting, expected_version, describe, mutate)
