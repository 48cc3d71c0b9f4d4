"""The home page and the health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import text

from crm import clock
from crm.extensions import db
from crm.services import dashboard

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """What the user's Areas hold, and where to start."""
    today = clock.today()
    return render_template(
        "main/home.html",
        summary=dashboard.summary_for(current_user, today),
        panels=dashboard.panels_needing_attention(current_user, today),
    )


@bp.route("/healthz")
def healthz():
    """200 when the app can reach its database; for load balancers and scripts."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
