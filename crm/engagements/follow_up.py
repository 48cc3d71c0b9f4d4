"""Follow-up actions: adding them to an engagement, closing them, and the /actions list."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from crm.auth.forms import ButtonForm
from crm.forms_common import GovDateField, optional_int
from crm.services import access, engagements, reference
from crm.services import actions as service
from crm.views_common import try_save

bp = Blueprint("actions", __name__)


class NewActionForm(FlaskForm):
    description = StringField(
        "What needs to be done",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter what needs to be done"),
            Length(max=2000, message="Keep it to 2,000 characters or fewer"),
        ],
    )
    owner_id = SelectField("Owner", widget=GovSelect(), coerce=optional_int, validate_choice=False)
    due_on = GovDateField("Due date", widget=GovDateInput())
    submit = SubmitField("Add action", widget=GovSubmitInput())


@bp.route("/actions")
def index():
    """Open follow-up actions, overdue first: mine, or (?scope=area) my Areas'.

    Senior leaders see their Areas' by default: they oversee actions more than own them.
    """
    scope = request.args.get("scope", "area" if current_user.role == "senior" else "mine")
    whole_area = scope == "area" and current_user.role in ("admin", "senior")
    return render_template(
        "engagements/actions.html",
        actions=service.open_actions(current_user, whole_area),
        whole_area=whole_area,
        today=date.today(),
        button_form=ButtonForm(),
    )


@bp.route("/engagements/<int:engagement_id>/actions", methods=["GET", "POST"])
def add(engagement_id: int):
    """Add a follow-up action to an engagement."""
    engagement = engagements.get_engagement(current_user, engagement_id)
    access.require_edit(current_user, engagements.KIND)
    form = NewActionForm()
    form.owner_id.choices = [("", "No owner")] + [
        (u.id, u.name) for u in reference.staff_for(current_user)
    ]
    if form.validate_on_submit():
        added, _ = try_save(
            form,
            lambda: service.add_action(
                current_user,
                engagement,
                form.description.data,
                form.owner_id.data,
                form.due_on.data,
            ),
        )
        if added:
            flash("The follow-up action has been added", "success")
            return redirect(
                url_for("engagements.detail", engagement_id=engagement.id, _anchor="actions")
            )
    return render_template("engagements/add_action.html", form=form, engagement=engagement)


@bp.route("/actions/<int:action_id>/status", methods=["POST"])
def set_status(action_id: int):
    """Mark an action done, cancelled, or open again."""
    action = service.get_action(current_user, action_id)
    if ButtonForm().validate_on_submit():
        status = request.form.get("status", "")
        saved, _ = try_save(
            ButtonForm(),
            lambda: service.set_action_status(current_user, action, status, date.today()),
        )
        if saved:
            flash(f"The action is now {saved.status_label.lower()}", "success")
        else:
            flash("Choose done, cancelled or open for the action", "error")
    target = request.form.get("back") == "actions"
    if target:
        return redirect(url_for(".index"))
    return redirect(
        url_for("engagements.detail", engagement_id=action.engagement_id, _anchor="actions")
    )
