"""Recording a panel meeting's case reviews in one sitting."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user

from crm.feedback.forms import CaseReviewsForm
from crm.services import feedback, panel_meetings, panels
from crm.views_common import save_once

bp = Blueprint("case_reviews", __name__)


@bp.route("/meetings/<int:meeting_id>/case-reviews", methods=["GET", "POST"])
def record(meeting_id: int):
    meeting = panel_meetings.get_meeting(current_user, meeting_id)
    panels.require_change(current_user, meeting.panel, "panel_meeting")
    form = CaseReviewsForm()
    form.set_choices(feedback.priorities())
    if form.validate_on_submit():
        created, already = save_once(
            form, panel_meetings.KIND,
            lambda: feedback.record_case_reviews(
                current_user, meeting, form.to_reviews(current_user.id)
            ),
            saved_id=lambda _reviews: meeting.id,
        )  # fmt: skip
        if already:
            return already
        if created:
            flash(ngettext("%(num)d case review recorded", "%(num)d case reviews recorded",
                           len(created)), "success")  # fmt: skip
            return redirect(
                url_for("panels.meetings.detail", meeting_id=meeting.id, _anchor="feedback")
            )
    return render_template("feedback/case_reviews.html", form=form, meeting=meeting)
