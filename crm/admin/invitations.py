"""/invitation?token=...: the invited person sets their own password, once, before the
link expires. The token travels in the query string, which the request log leaves out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from crm.admin.forms import SetPasswordForm
from crm.services import invitations as service
from crm.views_common import try_save

bp = Blueprint("invitations", __name__)
# The page holds a live token: it is never sent on to another site.
NO_REFERRER = {"Referrer-Policy": "no-referrer"}
STATUS = {"expired": 410, "used": 410, "unknown": 404}


@bp.route("/invitation", methods=["GET", "POST"])
def accept():
    """Set your password through the one-time link an administrator gave you."""
    token = request.args.get("token", "")
    found, state = service.find_invitation(token)
    if found is None or state != "ok":
        return _unusable(state)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            person, _conflict = try_save(
                form, lambda: service.accept_invitation(token, form.password.data))  # fmt: skip
        except service.InvitationUnusable as unusable:
            return _unusable(unusable.state)
        if person:
            if current_user.is_authenticated:
                logout_user()  # so they sign in as themselves
            flash(_("Your password has been set. Sign in with your email address and new "
                    "password"), "success")  # fmt: skip
            return redirect(url_for("auth.sign_in"))
    return render_template(
        "admin/invitation.html", form=form, person=found.user, token=token
    ), NO_REFERRER


def _unusable(state: str):
    """A clear page for a link that has expired, been used, or never worked."""
    page = render_template("admin/invitation_unusable.html", state=state)
    return page, STATUS[state], NO_REFERRER
