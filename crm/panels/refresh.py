"""The membership refresh page: what the panel needs, a plan, its effect, and applying it.

The plan travels in the form between "preview" and "apply", so nothing is saved
until the coordinator has seen what it changes; applying checks it again.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm import clock
from crm.auth.forms import ButtonForm
from crm.forms_common import calendar_date, optional_int
from crm.models.panel import END_REASONS
from crm.services import memberships, panels
from crm.services.panel_refresh import Plan, check_plan, member_flags, project, review
from crm.views_common import save

bp = Blueprint("refresh", __name__)


def plan_from_form(formdata) -> tuple[Plan, list[str]]:
    """Read the plan: decision-<id> (renew / end), end_reason-<id>, end_on-<id> (day, month
    and year boxes: when the ending takes effect), why-<id>, appoint. Returns the plan and
    any date that could not be read."""
    renew, end, end_on, problems = {}, {}, {}, []
    for key, value in formdata.items():
        if not key.startswith("decision-"):
            continue
        membership_id = optional_int(key.removeprefix("decision-"))
        if membership_id is None:
            continue
        if value == "renew":
            renew[membership_id] = (formdata.get(f"why-{membership_id}") or "").strip()[:2000]
        elif value == "end":
            reason = formdata.get(f"end_reason-{membership_id}", "")
            end[membership_id] = reason if reason in END_REASONS else ""
            boxes = formdata.getlist(f"end_on-{membership_id}")
            if any(v.strip() for v in boxes):
                day = calendar_date(boxes)
                if day is None:
                    problems.append(_("The date a membership ends must be a real date"))
                else:
                    end_on[membership_id] = day
    appoint = frozenset(
        i for i in (optional_int(v) for v in formdata.getlist("appoint")) if i is not None
    )
    return Plan(renew=renew, end=end, appoint=appoint, end_on=end_on), problems


@bp.route("/panels/<int:panel_id>/refresh", methods=["GET", "POST"])
def refresh(panel_id: int):
    """Whose terms end, vacancies, gaps, vetting, absences; then plan, preview and apply."""
    panel = panels.get_panel(current_user, panel_id)
    today = clock.today()
    state = panels.states([panel])[panel.id]
    report = review(state, today)
    plan, problems = Plan(), []
    action = request.form.get("action", "")
    if request.method == "POST":
        panels.require_change(current_user, panel, memberships.KIND)
        if not ButtonForm().validate_on_submit():
            problems = [_("Your session has expired: check the plan and try again")]
        else:
            plan, problems = plan_from_form(request.form)
            problems += check_plan(state, plan)
            if not problems and plan.is_empty:
                problems = [_("Choose at least one change: renew, end or appoint someone")]
        if not problems and action == "apply":
            try:
                save(lambda: memberships.apply_plan(current_user, panel, plan, today))
            except memberships.PlanRefused as refused:
                problems = refused.problems
            else:
                flash(_("The membership changes have been saved"), "success")
                return redirect(url_for("panels.detail", panel_id=panel.id, _anchor="members"))
        if not problems and action == "preview":
            after = review(project(state, plan, today), today)
            return render_template(
                "panels/refresh_preview.html",
                panel=panel,
                state=state,
                plan=plan,
                before=report,
                after=after,
                end_reasons=END_REASONS,
                button_form=ButtonForm(),
            )
    flags = member_flags(report)
    # Members needing a decision first, then the rest by when their term ends.
    decisions = sorted(
        (m for m in state.members if m.is_active),
        key=lambda m: (m.membership_id not in flags, m.term_end or date.max, m.name),
    )
    return render_template(
        "panels/refresh.html",
        panel=panel,
        state=state,
        report=report,
        flags=flags,
        decisions=decisions,
        plan=plan,
        problems=problems,
        end_reasons=END_REASONS,
        button_form=ButtonForm(),
    )
