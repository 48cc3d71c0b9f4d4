"""The home page and the health check."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import text

from crm import clock
from crm.charts_view import arg_calendar_quarters, chart_download
from crm.extensions import db
from crm.services import dashboard, home_dashboards
from crm.services import search as search_service

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """What the user's Areas hold, where to start, and their role's dashboard
    (?quarters=calendar for calendar quarters; ?chart=<key>&format=csv for a chart's data)."""
    today = clock.today()
    board = home_dashboards.build(current_user, today, arg_calendar_quarters())
    if (download := chart_download(*board.charts)) is not None:
        return download
    return render_template(
        "main/home.html", summary=dashboard.summary_for(current_user, today), board=board,
        panels=board.attention,
    )


@bp.route("/search")
def search():
    """One search across the stakeholders, contacts, engagements, feedback and panels the
    user may see."""
    q = request.args.get("q", "").replace("\x00", "").strip()[:200]
    groups = search_service.search(current_user, q)
    too_short = "q" in request.args and len(q) < search_service.MIN_LENGTH
    return render_template("main/search.html", q=q, groups=groups, too_short=too_short)


@bp.route("/healthz")
def healthz():
    """200 when the app can reach its database; for load balancers and scripts."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
