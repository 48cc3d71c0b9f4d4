"""Action plan pages: the plans, a plan with its themes and actions, quarterly monitoring,
the "overdue and due for update" list, and the plan as CSV or Excel."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm import clock
from crm.auth.forms import ButtonForm
from crm.charts_view import arg_calendar_quarters
from crm.models.plan import ACTION_STATUSES, STATUS_COLOURS
from crm.plans.forms import PlanForm, ThemeForm
from crm.services import access, audit, reference
from crm.services import action_plans as service
from crm.services.quarters import Quarter
from crm.views_common import archive_page, form_version, post_button, save_once, try_save

# The package's blueprint: plans under /action-plans; objectives, actions and the import
# are nested in it (plans.objectives.*, plans.actions.*, plans.imports.*).
bp = Blueprint("plans", __name__)


def _form(plan=None) -> PlanForm:
    form = PlanForm()
    keep = {plan.owner_id} if plan is not None and plan.owner_id else set()
    form.set_choices(reference.areas_for(current_user), current_user.is_national,
                     reference.staff_for(current_user, keep))  # fmt: skip
    return form


@bp.route("/action-plans")
def index():
    """Every action plan the user may see, with its actions' status at a glance."""
    archived = request.args.get("archived") == "1" and access.can_restore(current_user)
    plans = service.list_plans(current_user, include_archived=archived)
    today = clock.today()
    return render_template(
        "plans/index.html", plans=plans, archived=archived,
        summaries={p.id: service.plan_summary(p, today) for p in plans},
    )  # fmt: skip


@bp.route("/action-plans/due")
def due():
    """Open actions that are overdue or due an update, across the plans the user may see."""
    mine = request.args.get("scope") == "mine"
    rows = service.needing_attention(current_user, clock.today(), mine=mine)
    return render_template("plans/due.html", rows=rows, mine=mine)


@bp.route("/action-plans/new", methods=["GET", "POST"])
def new():
    access.require(current_user, "add", service.PLAN)
    form = _form()
    if request.method == "GET":
        form.owner_id.data = current_user.id
    if form.validate_on_submit():
        created, already = save_once(
            form, "action_plan", lambda: service.create_plan(current_user, form.to_data())
        )
        if already:
            return already
        if created:
            flash(_("%(name)s has been added: now add its themes and actions", name=created.title),
                  "success")  # fmt: skip
            return redirect(url_for(".detail", plan_id=created.id))
    return render_template("plans/form.html", form=form)


@bp.route("/action-plans/<int:plan_id>")
def detail(plan_id: int):
    """A plan: its themes and lettered actions, who does each, by when, and where it stands."""
    plan = service.get_plan(current_user, plan_id, include_archived=True)
    today = clock.today()
    return render_template(
        "plans/detail.html", plan=plan, today=today,
        summary=service.plan_summary(plan, today),
        actions=[a for a in plan.actions if a.archived_at is None],
        overdue={a.id for a in plan.actions if service.is_overdue(a, today)},
        due_update={a.id for a in plan.actions if service.update_due(a, today)},
        history=audit.history(service.PLAN, plan.id), theme_form=ThemeForm(),
        button_form=ButtonForm(), due_text=service.due_text,
    )  # fmt: skip


@bp.route("/action-plans/<int:plan_id>/edit", methods=["GET", "POST"])
def edit(plan_id: int):
    plan = service.get_plan(current_user, plan_id)
    access.require(current_user, "edit", plan)
    form = _form(plan)
    if request.method == "GET":
        form.load(plan)
    conflict = None
    if form.validate_on_submit():
        saved, conflict = try_save(form, lambda: service.update_plan(
            current_user, plan, form.to_data(), form_version(form)))  # fmt: skip
        if saved:
            flash(_("%(name)s has been updated", name=saved.title), "success")
            return redirect(url_for(".detail", plan_id=plan.id))
    return render_template("plans/form.html", form=form, plan=plan, conflict=conflict)


@bp.route("/action-plans/<int:plan_id>/themes", methods=["POST"])
def add_theme(plan_id: int):
    """Add a numbered theme to the plan."""
    plan = service.get_plan(current_user, plan_id)
    access.require(current_user, "edit", plan)
    form = ThemeForm()
    if form.validate_on_submit():
        added, _conflict = try_save(form, lambda: service.add_theme(
            current_user, plan, form.number.data, form.title.data))  # fmt: skip
        if added:
            flash(_("Theme %(number)s has been added", number=added.number), "success")
            return redirect(url_for(".detail", plan_id=plan.id, _anchor="themes"))
    for message in (m for field in form for m in field.errors):
        flash(str(message), "error")  # a field's message may be lazy: flash the text
    return redirect(url_for(".detail", plan_id=plan.id, _anchor="add-theme"))


@bp.route("/action-plans/<int:plan_id>/monitoring")
def monitoring(plan_id: int):
    """A quarter's monitoring: each action's update (or "no update"), status changes and what
    is overdue. Printable."""
    plan = service.get_plan(current_user, plan_id, include_archived=True)
    today = clock.today()
    calendar = arg_calendar_quarters()
    quarters = service.quarters_of(plan, today, calendar)
    asked = request.args.get("quarter")
    quarter = Quarter.parse(asked, calendar) or Quarter.of(min(today, plan.ends_on), calendar)
    return render_template(
        "plans/monitoring.html", plan=plan, quarter=quarter, quarters=quarters,
        rows=service.monitoring(plan, quarter, today), status_labels=ACTION_STATUSES,
        status_colours=STATUS_COLOURS,
        unknown_quarter=bool(asked) and Quarter.parse(asked, calendar) is None,
        calendar=calendar,
    )  # fmt: skip


@bp.route("/action-plans/<int:plan_id>/export.<any(csv, xlsx):kind>")
def export(plan_id: int, kind: str):
    """The plan in the shape it came in (themes, lettered actions, by whom, by when / update),
    to take to a meeting and bring back."""
    from crm.services import plan_sheets

    plan = service.get_plan(current_user, plan_id, include_archived=True)
    rows = plan_sheets.plan_rows(service.sheet_themes(plan))
    name = f"action-plan-{plan.id}-{clock.today().isoformat()}.{kind}"
    if kind == "csv":
        body, mimetype = plan_sheets.write_csv(rows), "text/csv"
    else:
        body = plan_sheets.write_xlsx(rows, plan.title)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/action-plans/<int:plan_id>/archive", methods=["GET", "POST"])
def archive(plan_id: int):
    """Archive a plan, once confirmed; its actions and updates stay on record."""
    plan = service.get_plan(current_user, plan_id)
    return archive_page(
        plan, plan.title, _("It will leave the list of plans and the monitoring. Its actions, "
                            "updates and evidence stay on record."),
        lambda: service.set_plan_archived(current_user, plan, True),
        url_for(".detail", plan_id=plan.id), url_for(".index"),
    )  # fmt: skip


@bp.route("/action-plans/<int:plan_id>/restore", methods=["POST"])
def restore(plan_id: int):
    access.require_admin(current_user)
    plan = service.get_plan(current_user, plan_id, include_archived=True)
    access.require(current_user, "restore", plan)
    post_button(lambda: service.set_plan_archived(current_user, plan, False),
                _("%(name)s has been restored", name=plan.title))  # fmt: skip
    return redirect(url_for(".detail", plan_id=plan.id))

