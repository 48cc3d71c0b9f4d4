"""Plan action pages: adding an action to a plan, its own page with its updates and
evidence, changing it, giving a dated update, adding evidence, archiving."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm import clock
from crm.plans.evidence import evidence_page
from crm.plans.forms import ActionForm, UpdateForm
from crm.services import access, audit, reference
from crm.services import action_plans as service
from crm.services import objectives as objective_service
from crm.views_common import archive_page, form_version, save_once, try_save

bp = Blueprint("actions", __name__)  # nested in plans: plans.actions.<page>


def _form(plan, action=None) -> ActionForm:
    form = ActionForm()
    keep = {action.owner_id} if action is not None and action.owner_id else set()
    staff = [u for u in reference.staff_for(current_user, keep)
             if access.may_read(u, plan) or u.id in keep]  # fmt: skip
    form.set_choices(plan.themes, staff, objective_service.list_objectives(current_user))
    return form


@bp.route("/action-plans/<int:plan_id>/actions/new", methods=["GET", "POST"])
def new(plan_id: int):
    """Add a lettered action to the plan (?theme=ID starts under that theme)."""
    plan = service.get_plan(current_user, plan_id)
    access.require(current_user, "edit", plan)
    form = _form(plan)
    if request.method == "GET":
        form.theme_id.data = request.args.get("theme", type=int)
    if form.validate_on_submit():
        theme = next((t for t in plan.themes if t.id == form.theme_id.data), None)
        created, already = save_once(form, service.ACTION, lambda: service.add_action(
            current_user, plan, theme, form.to_data(), (form.letter.data or "").strip().lower()))
        if already:
            return already
        if created:
            flash(_("Action %(reference)s has been added", reference=created.reference),
                  "success")  # fmt: skip
            return redirect(url_for("plans.detail", plan_id=plan.id, _anchor="themes"))
    return render_template("plans/action_form.html", form=form, plan=plan)


@bp.route("/plan-actions/<int:plan_action_id>")
def detail(plan_action_id: int):
    """An action: what, by whom, by when, its dated updates and the evidence of progress."""
    action = service.get_action(current_user, plan_action_id)
    today = clock.today()
    return render_template(
        "plans/action.html", action=action, plan=action.plan,
        overdue=service.is_overdue(action, today), update_due=service.update_due(action, today),
        due_text=service.due_text(action), evidence=service.evidence_for(current_user, action),
        evidence_text=service.evidence_text, history=audit.history(service.ACTION, action.id),
    )  # fmt: skip


@bp.route("/plan-actions/<int:plan_action_id>/edit", methods=["GET", "POST"])
def edit(plan_action_id: int):
    action = service.get_action(current_user, plan_action_id)
    access.require(current_user, "edit", action)
    form = _form(action.plan, action)
    if request.method == "GET":
        form.load(action)
    conflict = None
    if form.validate_on_submit():
        saved, conflict = try_save(form, lambda: service.update_action(
            current_user, action, form.to_data(), form_version(form)))  # fmt: skip
        if saved:
            flash(_("Action %(reference)s has been updated", reference=saved.reference),
                  "success")  # fmt: skip
            return redirect(url_for(".detail", plan_action_id=action.id))
    return render_template("plans/action_form.html", form=form, plan=action.plan,
                           action=action, conflict=conflict)  # fmt: skip


@bp.route("/plan-actions/<int:plan_action_id>/updates", methods=["GET", "POST"])
def update(plan_action_id: int):
    """A dated update: the progress made and where the action stands now."""
    action = service.get_action(current_user, plan_action_id)
    access.require(current_user, "update_action", action)
    form = UpdateForm()
    if request.method == "GET":
        form.updated_on.data, form.to_status.data = clock.today(), action.status
    if form.validate_on_submit():
        saved, already = save_once(form, service.ACTION, lambda: service.add_update(
            current_user, action, form.updated_on.data, form.note.data or "",
            form.to_status.data), saved_id=lambda _update: action.id)  # fmt: skip
        if already:
            return already
        if saved:
            flash(_("The update to %(reference)s has been saved: %(status)s",
                    reference=action.reference, status=saved.to_label), "success")  # fmt: skip
            return redirect(url_for(".detail", plan_action_id=action.id, _anchor="updates"))
    return render_template("plans/update_form.html", form=form, action=action)


@bp.route("/plan-actions/<int:plan_action_id>/evidence", methods=["GET", "POST"])
def evidence(plan_action_id: int):
    """Link an engagement, feedback, a panel meeting or a document to the action."""
    action = service.get_action(current_user, plan_action_id)
    return evidence_page(action, service.ACTION,
                         url_for(".detail", plan_action_id=action.id))  # fmt: skip


@bp.route("/plan-actions/<int:plan_action_id>/archive", methods=["GET", "POST"])
def archive(plan_action_id: int):
    action = service.get_action(current_user, plan_action_id)
    return archive_page(
        action, _("action %(reference)s", reference=action.reference),
        _("It will leave the plan and its monitoring. Its updates and evidence stay on record."),
        lambda: service.archive_action(current_user, action),
        url_for(".detail", plan_action_id=action.id),
        url_for("plans.detail", plan_id=action.plan_id),
    )  # fmt: skip
