"""A legal hold on one piece of feedback (a complaint, an inquiry): retention leaves its text
while the hold stands. For people with the data protection right, as a contact's hold is."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.contacts.erasure import hold_page
from crm.services import feedback as service
from crm.services import retention
from crm.views_common import post_button

bp = Blueprint("legal_hold", __name__)


def _feedback(feedback_id: int):
    return service.get_feedback(current_user, feedback_id, include_archived=True)


@bp.route("/feedback/<int:feedback_id>/legal-hold", methods=["GET", "POST"])
def place(feedback_id: int):
    """Place a piece of feedback on legal hold, or change why."""
    f = _feedback(feedback_id)
    return hold_page(f, f.summary, _("Feedback on legal hold keeps its text "
                                     "whatever the retention rules say, until the hold is lifted."),
                     url_for("feedback.detail", feedback_id=f.id),
                     url_for("feedback.legal_hold.release", feedback_id=f.id))


@bp.route("/feedback/<int:feedback_id>/legal-hold/remove", methods=["POST"])
def release(feedback_id: int):
    """Lift the hold: retention applies to the feedback again."""
    f = _feedback(feedback_id)
    post_button(lambda: retention.release_hold(current_user, f),
                _("The legal hold has been lifted"))  # fmt: skip
    return redirect(url_for("feedback.detail", feedback_id=f.id))
