"""The "you said, we did" report for a panel, an Area or the whole service."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from crm.feedback.priorities import period
from crm.services import access, panels, reference, you_said
from crm.views_common import arg_int, csv_download

bp = Blueprint("you_said", __name__, url_prefix="/reports")


def _scope() -> you_said.Scope:
    if panel_id := arg_int("panel"):
        return you_said.Scope(panel=panels.get_panel(current_user, panel_id))
    area_id = arg_int("area")
    if area_id and not access.can_see_area(current_user, area_id):
        area_id = None
    return you_said.Scope(area_id=area_id)


@bp.route("/you-said-we-did")
def report():
    """Closed feedback and what was done, by priority; ?public=1 for the public version."""
    start, end, problems = period()
    scope = _scope()
    public = request.args.get("public") == "1"
    return render_template(
        "feedback/you_said.html",
        groups=you_said.report(current_user, scope, start, end, public),
        scope=scope,
        start=start,
        end=end,
        problems=problems,
        public=public,
        areas=reference.areas_for(current_user),
        panels=panels.list_panels(current_user),
    )


@bp.route("/you-said-we-did.csv")
def report_csv():
    start, end, _ = period()
    public = request.args.get("public") == "1"
    groups = you_said.report(current_user, _scope(), start, end, public)
    header = you_said.PUBLIC_HEADER if public else you_said.FULL_HEADER
    name = f"you-said-we-did-{'public-' if public else ''}{start}-to-{end}.csv"
    return csv_download(name, header, you_said.rows(groups, public))
