"""/priorities: feedback by casework priority and quarter; administrators manage the list."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm import clock
from crm.auth.forms import ButtonForm
from crm.charts_view import arg_calendar_quarters, chart_download
from crm.feedback.forms import PriorityForm
from crm.services import access, priorities, priority_figures, reference
from crm.views_common import arg_date, arg_int, post_button, try_save

bp = Blueprint("priorities", __name__, url_prefix="/priorities")


def period() -> tuple[date, date, list[str]]:
    """The period asked for (default: the last 12 months to today), and any problem with it."""
    end = arg_date("to") or clock.today()
    start = arg_date("from") or end - timedelta(days=365)
    problems = []
    not_real = {"from": _("From date must be a real date"), "to": _("To date must be a real date")}
    for name in ("from", "to"):
        if request.args.get(name) and arg_date(name) is None:
            problems.append(not_real[name])
    if end < start:
        problems.append(_("To date must be the same as or after the from date"))
        start = end - timedelta(days=365)
    return start, end, problems


@bp.route("")
def index():
    """For each priority: how much feedback, how negative, open and closed, how fast."""
    start, end, problems = period()
    area_id = arg_int("area")
    view = "quarters" if request.args.get("view") == "quarters" else "figures"
    calendar = arg_calendar_quarters()
    context = {}
    if view == "quarters":
        trend = priority_figures.trend_chart(current_user, area_id, start, end, calendar)
        if download := chart_download(trend):
            return download
        context["trend"] = trend
    else:
        context["figures"] = priority_figures.figures(current_user, area_id, start, end)
    return render_template(
        "feedback/priorities.html",
        start=start,
        end=end,
        area_id=area_id,
        areas=reference.areas_for(current_user),
        problems=problems,
        view=view,
        calendar=calendar,
        **context,
    )


@bp.route("/manage", methods=["GET", "POST"])
def manage():
    """Administrators add priorities and strands, and retire or restore them."""
    access.require_admin(current_user)
    form = PriorityForm()
    form.parent_id.choices = [("", _("Nothing: a top-level priority"))] + [
        (p.id, p.name) for p in priorities.top_level()
    ]
    if form.validate_on_submit():
        added, _conflict = try_save(
            form,
            lambda: priorities.add(current_user, form.name.data.strip(), form.parent_id.data),
        )
        if added:
            flash(_("%(name)s has been added", name=added.label), "success")
            return redirect(url_for(".manage"))
    return render_template(
        "feedback/manage_priorities.html",
        form=form,
        tree=priorities.tree(),
        button_form=ButtonForm(),
    )


@bp.route("/<int:priority_id>/retire", methods=["POST"])
def retire(priority_id: int):
    access.require_admin(current_user)
    priority = priorities.get(priority_id)
    post_button(
        lambda: priorities.set_retired(current_user, priority, True),
        _("%(name)s has been retired: its feedback keeps it", name=priority.label),
    )
    return redirect(url_for(".manage"))


@bp.route("/<int:priority_id>/restore", methods=["POST"])
def restore(priority_id: int):
    access.require_admin(current_user)
    priority = priorities.get(priority_id)
    post_button(
        lambda: priorities.set_retired(current_user, priority, False),
        _("%(name)s is offered again", name=priority.label),
    )
    return redirect(url_for(".manage"))
