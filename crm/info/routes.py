"""The accessibility statement, the privacy notice and the cookies page (linked from every
page's footer, in English and Welsh), and the language switch: open to people who are not
signed in (the law asks that anyone can read the first three)."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_login import current_user

from crm.i18n import LANGUAGES, SESSION_KEY
from crm.services import auth
from crm.views_common import safe_next, save

bp = Blueprint("info", __name__)


def _session_hours() -> int:
    return current_app.config["PERMANENT_SESSION_LIFETIME"] // 3600


def _contact() -> str:
    """Where to write about the service (CRM_SERVICE_CONTACT_EMAIL); blank when not set."""
    return current_app.config["SERVICE_CONTACT_EMAIL"]


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement, in the sections of GOV.UK's model statement."""
    return render_template("info/accessibility.html", contact=_contact())


@bp.route("/privacy-notice")
def privacy_notice():
    """What Engage records about people, why, for how long, and their rights."""
    return render_template("info/privacy_notice.html", contact=_contact())


@bp.route("/cookies")
def cookies():
    """The one cookie Engage sets, and what it holds."""
    cookie = current_app.config.get("SESSION_COOKIE_NAME") or "session"
    return render_template("info/cookies.html", session_hours=_session_hours(), cookie=cookie)


@bp.route("/language", methods=["POST"])
def switch_language():
    """Change the interface's language: for this browser, and for the signed-in user on
    every device from now on; back to the page the switch was pressed on."""
    chosen = request.form.get("language", "")
    if chosen in LANGUAGES:
        session[SESSION_KEY] = chosen
        if current_user.is_authenticated and current_user.language != chosen:
            user = current_user._get_current_object()
            save(lambda: auth.set_language(user, chosen))
    return redirect(safe_next(request.form.get("next")))
