"""/admin: what administrators look after, in one place. Each page is for administrators
only (access "administer"); setting a password through an invitation (/invitation) is
for the invited person, signed in or not."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from crm.services import access

bp = Blueprint("admin", __name__)


@bp.route("/admin")
def index():
    """Links to every administration page."""
    access.require(current_user, "administer", "users")
    return render_template("admin/index.html")
