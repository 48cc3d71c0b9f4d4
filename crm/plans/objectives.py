"""Objective pages: the objectives with their actions at a glance, one objective with its
measures, key activities, actions and evidence; adding, editing, archiving."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm import clock
from crm.auth.forms import ButtonForm
from crm.plans.evidence import evidence_page
from crm.plans.forms import ObjectiveForm
from crm.services import access, audit, reference
from crm.services import action_plans as plans
from crm.services import objectives as service
from crm.services.quarters import Quarter
from crm.views_common import archive_page, form_version, post_button, save_once, try_save

bp = Blueprint("objectives", __name__)  # nested in plans: plans.objectives.<page>


def _form(objective=None) -> ObjectiveForm:
    form = ObjectiveForm()
    kept = objective.communities if objective else ()
    form.set_choices(reference.areas_for(current_user), current_user.is_national,
                     reference.communities_offered(kept))  # fmt: skip
    return form


@bp.route("/objectives")
def index():
    """Each objective with its actions' status at a glance and this quarter's evidence."""
    archived = request.args.get("archived") == "1" and access.can_restore(current_user)
    objectives = service.list_objectives(current_user, include_archived=archived)
    today = clock.today()
    return render_template(
        "plans/objectives.html", objectives=objectives, archived=archived,
        progress=service.progress(current_user, objectives, today), quarter=Quarter.of(today),
    )  # fmt: skip


def _save(form: ObjectiveForm, save):
    """Read the measures and key activities from their boxes, then save."""
    data = form.to_data()
    activities = form.read_activities(data["starts_in"])
    return save(data, list(form.community_ids.data or []), form.read_measures(), activities)


@bp.route("/objectives/new", methods=["GET", "POST"])
def new():
    access.require(current_user, "add", service.KIND)
    form = _form()
    if form.validate_on_submit():
        created, already = save_once(form, service.KIND, lambda: _save(
            form, lambda *a: service.create_objective(current_user, *a)))  # fmt: skip
        if already:
            return already
        if created:
            flash(_("%(name)s has been added", name=created.title), "success")
            return redirect(url_for(".detail", objective_id=created.id))
    return render_template("plans/objective_form.html", form=form)


@bp.route("/objectives/<int:objective_id>")
def detail(objective_id: int):
    objective = service.get_objective(current_user, objective_id, include_archived=True)
    today = clock.today()
    return render_template(
        "plans/objective.html", objective=objective, today=today,
        progress=service.progress(current_user, [objective], today)[objective.id],
        actions=service.actions_serving(current_user, objective),
        evidence=plans.evidence_for(current_user, objective),
        history=audit.history(service.KIND, objective.id), button_form=ButtonForm(),
        is_overdue=plans.is_overdue, evidence_text=plans.evidence_text,
    )  # fmt: skip


@bp.route("/objectives/<int:objective_id>/edit", methods=["GET", "POST"])
def edit(objective_id: int):
    objective = service.get_objective(current_user, objective_id)
    access.require(current_user, "edit", objective)
    form = _form(objective)
    if request.method == "GET":
        form.load(objective)
    conflict = None
    if form.validate_on_submit():
        saved, conflict = try_save(form, lambda: _save(
            form, lambda *a: service.update_objective(current_user, objective, *a,
                                                      form_version(form))))  # fmt: skip
        if saved:
            flash(_("%(name)s has been updated", name=saved.title), "success")
            return redirect(url_for(".detail", objective_id=objective.id))
    return render_template(
        "plans/objective_form.html", form=form, objective=objective, conflict=conflict
    )


@bp.route("/objectives/<int:objective_id>/evidence", methods=["GET", "POST"])
def evidence(objective_id: int):
    """Link an engagement, feedback, a panel meeting or a document to the objective."""
    objective = service.get_objective(current_user, objective_id)
    return evidence_page(objective, service.KIND,
                         url_for(".detail", objective_id=objective.id))  # fmt: skip


@bp.route("/objectives/<int:objective_id>/archive", methods=["GET", "POST"])
def archive(objective_id: int):
    objective = service.get_objective(current_user, objective_id)
    return archive_page(
        objective, objective.title, _("It will leave the list of objectives and the choices on "
                                      "actions, engagements and feedback. What is linked to it "
                                      "stays on record."),
        lambda: service.set_archived(current_user, objective, True),
        url_for(".detail", objective_id=objective.id), url_for(".index"),
    )  # fmt: skip


@bp.route("/objectives/<int:objective_id>/restore", methods=["POST"])
def restore(objective_id: int):
    access.require_admin(current_user)
    objective = service.get_objective(current_user, objective_id, include_archived=True)
    access.require(current_user, "restore", objective)
    post_button(lambda: service.set_archived(current_user, objective, False),
                _("%(name)s has been restored", name=objective.title))  # fmt: skip
    return redirect(url_for(".detail", objective_id=objective.id))
