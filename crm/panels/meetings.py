"""Panel meeting pages: recording a meeting with its attendance, and reading it back."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm import clock
from crm.forms_common import calendar_date
from crm.panels.forms import attendance_field_name, attendance_from, meeting_form
from crm.services import audit, feedback, panels
from crm.services import panel_meetings as service
from crm.views_common import form_version, save_once, try_save

bp = Blueprint("meetings", __name__)


def _posted_date(default: date) -> date:
    """The meeting date in the posted form, to know whose attendance to ask for."""
    return calendar_date(request.form.getlist("held_on")) or default


def _form(panel, meeting=None):
    default = meeting.held_on if meeting else clock.today()
    held_on = _posted_date(default) if request.method == "POST" else default
    members = service.expected_members(panel, held_on, meeting)
    form = meeting_form(members, required=held_on <= clock.today())
    if request.method == "GET":
        if meeting is not None:
            form.load(meeting)
            for a in meeting.attendance:
                getattr(form, attendance_field_name(a.membership_id)).data = a.status
        else:
            form.held_on.data = default
    return form


def _stale_attendance(form) -> bool:
    """Attendance posted for people who were not members on the date now entered."""
    expected = {attendance_field_name(m.id) for m in form.members}
    posted = {k for k in request.form if k.startswith("attendance_")}
    if posted - expected:
        form.held_on.errors = [
            *form.held_on.errors,
            _("The members on this date differ from those listed before: check the attendance"),
        ]
        return True
    return False


@bp.route("/panels/<int:panel_id>/meetings/new", methods=["GET", "POST"])
def new(panel_id: int):
    panel = panels.get_panel(current_user, panel_id)
    panels.require_change(current_user, panel, service.KIND)
    form = _form(panel)
    if form.validate_on_submit() and not _stale_attendance(form):
        created, already = save_once(
            form,
            service.KIND,
            lambda: service.create_meeting(
                current_user, panel, form.to_data(), attendance_from(form)
            ),
        )
        if already:
            return already
        if created:
            flash(_("The meeting has been recorded"), "success")
            return redirect(url_for(".detail", meeting_id=created.id))
    return render_template("panels/meeting_form.html", form=form, panel=panel)


@bp.route("/meetings/<int:meeting_id>")
def detail(meeting_id: int):
    meeting = service.get_meeting(current_user, meeting_id)
    panel = meeting.panel
    state = panels.states([panel])[panel.id]
    return render_template(
        "panels/meeting.html",
        meeting=meeting,
        panel=panel,
        attendance=sorted(meeting.attendance, key=lambda a: a.membership.contact.name),
        absences={m.membership_id: m.absence_streak for m in state.members},
        history=audit.history(service.KIND, meeting.id),
        feedback=feedback.for_meeting(current_user, meeting.id),
        matters_arising=feedback.matters_arising(current_user, meeting),
    )


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int):
    meeting = service.get_meeting(current_user, meeting_id)
    panel = meeting.panel
    panels.require_change(current_user, panel, service.KIND)
    form = _form(panel, meeting)
    conflict = None
    if form.validate_on_submit() and not _stale_attendance(form):
        saved, conflict = try_save(
            form,
            lambda: service.update_meeting(
                current_user, meeting, form.to_data(), attendance_from(form), form_version(form)
            ),
        )
        if saved:
            flash(_("The meeting has been updated"), "success")
            return redirect(url_for(".detail", meeting_id=meeting.id))
    return render_template(
        "panels/meeting_form.html", form=form, panel=panel, meeting=meeting, conflict=conflict
    )
