"""Community coverage: who we are not hearing from."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from crm import clock
from crm.models.reference import PROTECTED_CHARACTERISTICS
from crm.services import coverage as service
from crm.services import reference
from crm.views_common import arg_int

bp = Blueprint("coverage", __name__)


@bp.route("/coverage")
def index():
    """For each community: when we last reached it, and how often lately."""
    characteristic = request.args.get("characteristic", "")
    if characteristic not in PROTECTED_CHARACTERISTICS:
        characteristic = ""
    area_id = arg_int("area")
    today = clock.today()
    rows = service.community_coverage(current_user, today, area_id, characteristic)
    return render_template(
        "engagements/coverage.html",
        rows=rows,
        flagged=[r for r in rows if r.flagged],
        areas=reference.areas_for(current_user),
        area_id=area_id,
        characteristic=characteristic,
        characteristics=PROTECTED_CHARACTERISTICS,
        six_months_ago=service.months_before(today, service.FLAG_MONTHS),
    )
