"""Follow-up actions: adding them to an engagement, closing them, and the /actions list."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from crm import clock
from crm.auth.forms import ButtonForm
from crm.forms_common import GovDateField, OnceForm, optional_int
from crm.services import access, engagements
from crm.services import actions as service
from crm.views_common import save_once, try_save

bp = Blueprint("actions", __name__)


class NewActionForm(OnceForm):
    description = StringField(
        _l("What needs to be done"),
        widget=GovTextInput(),
        validators=[
            InputRequired(message=_l("Enter what needs to be done")),
            Length(max=2000, message=_l("Keep it to 2,000 characters or fewer")),
        ],
    )
    owner_id = SelectField(
        _l("Owner"), widget=GovSelect(), coerce=optional_int, validate_choice=False
    )
    due_on = GovDateField(_l("Due date"), widget=GovDateInput())
    submit = SubmitField(_l("Add action"), widget=GovSubmitInput())


@bp.route("/actions")
def index():
    """Open follow-up actions, overdue first: mine, or (?scope=area) my Areas'.

    Those who oversee actions (senior leaders) see their Areas' by default.
    """
    oversees = access.can(current_user, "oversee_actions", "actions")
    default = "area" if oversees and not access.can(current_user, "add", "engagement") else "mine"
    whole_area = oversees and request.args.get("scope", default) == "area"
    today = clock.today()
    return render_template(
        "engagements/actions.html",
        actions=service.open_actions(current_user, whole_area, today),
        whole_area=whole_area,
        button_form=ButtonForm(),
    )


def _action_form(engagement, action=None) -> NewActionForm:
    form = NewActionForm()
    keep = {action.owner_id} if action is not None and action.owner_id else set()
    form.owner_id.choices = [("", _("No owner"))] + [
        (u.id, u.name) for u in service.owners_for(engagement, keep)
    ]
    return form


@bp.route("/engagements/<int:engagement_id>/actions", methods=["GET", "POST"])
def add(engagement_id: int):
    """Add a follow-up action to an engagement."""
    engagement = engagements.get_engagement(current_user, engagement_id)
    access.require(current_user, "edit", engagement)
    form = _action_form(engagement)
    if form.validate_on_submit():
        added, already = save_once(
            form, engagements.KIND,
            lambda: service.add_action(
                current_user, engagement, form.description.data, form.owner_id.data,
                form.due_on.data,
            ),
            saved_id=lambda action: action.engagement_id,
        )  # fmt: skip
        if already:
            return already
        if added:
            flash(_("The follow-up action has been added"), "success")
            return redirect(
                url_for("engagements.detail", engagement_id=engagement.id, _anchor="actions")
            )
    return render_template("engagements/add_action.html", form=form, engagement=engagement)


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
def edit(action_id: int):
    """Change a follow-up action: what, who owns it, and when it is due."""
    action = service.get_action(current_user, action_id)
    engagement = action.engagement
    access.require(current_user, "edit", engagement)
    form = _action_form(engagement, action)
    form.submit.label.text = _("Save action")
    if request.method == "GET":
        form.description.data, form.owner_id.data = action.description, action.owner_id
        form.due_on.data = action.due_on
    if form.validate_on_submit():
        saved, _conflict = try_save(
            form,
            lambda: service.update_action(
                current_user, action, form.description.data, form.owner_id.data,
                form.due_on.data,
            ),
        )  # fmt: skip
        if saved:
            flash(_("The follow-up action has been updated"), "success")
            return redirect(
                url_for("engagements.detail", engagement_id=engagement.id, _anchor="actions")
            )
    return render_template(
        "engagements/add_action.html", form=form, engagement=engagement, action=action
    )


@bp.route("/actions/<int:action_id>/status", methods=["POST"])
def set_status(action_id: int):
    """Mark an action done, cancelled, or open again."""
    action = service.get_action(current_user, action_id)
    access.require(current_user, "close_action", action)
    if ButtonForm().validate_on_submit():
        status = request.form.get("status", "")
        saved, _conflict = try_save(
            ButtonForm(),
            lambda: service.set_action_status(current_user, action, status, clock.today()),
        )
        if saved:
            flash(_("The action is now %(status)s", status=saved.status_label.lower()), "success")
        else:
            flash(_("Choose done, cancelled or open for the action"), "error")
    if request.form.get("back") == "actions":
        return redirect(url_for(".index"))
    return redirect(
        url_for("engagements.detail", engagement_id=action.engagement_id, _anchor="actions")
    )
