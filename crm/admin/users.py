"""/admin/users: staff accounts. Invite someone (they set their own password through a
one-time link), change a role and Areas, deactivate and reactivate, make a new link,
reset two-factor sign-in. Each change ends the person's sessions and is audited."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from crm.admin.forms import AccessForm, InviteForm
from crm.auth.forms import ButtonForm
from crm.services import access, areas, audit, invitations, two_factor
from crm.services import users as service
from crm.views_common import post_button, try_save

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _form(form_class):
    form = form_class()
    form.set_choices(areas.all_areas())
    return form


def _link_page(person, token: str):
    """The link, shown this once (only its hash is kept), for the administrator to send."""
    link = url_for("admin.invitations.accept", token=token, _external=True)
    invitation = invitations.pending([person.id]).get(person.id)
    response = render_template("admin/user_link.html", person=person, link=link,
                               invitation=invitation)  # fmt: skip
    return response, 200, {"Referrer-Policy": "no-referrer"}


@bp.route("")
def index():
    """Every staff account: role, Areas, active or not, last sign-in, links waiting."""
    people = service.list_users(current_user)
    return render_template(
        "admin/users.html", people=people, invitations=invitations.pending([p.id for p in people])
    )


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    """Make an account, and the one-time link its owner sets their password with."""
    access.require(current_user, "administer", "users")
    form = _form(InviteForm)
    if form.validate_on_submit():
        made, _conflict = try_save(form, lambda: invitations.invite(
            current_user, form.name.data, form.email.data, *form.access()))  # fmt: skip
        if made:
            return _link_page(*made)
    return render_template("admin/user_invite.html", form=form)


@bp.route("/<int:user_id>")
def detail(user_id: int):
    """One account: what it may do, its invitation link if unused, and its history."""
    person = service.get_user(current_user, user_id)
    return render_template(
        "admin/user.html", person=person, button_form=ButtonForm(),
        invitation=invitations.pending([person.id]).get(person.id),
        two_factor=two_factor.enrolment_of(person) is not None,
        history=audit.history(service.KIND, person.id),
    )  # fmt: skip


@bp.route("/<int:user_id>/access", methods=["GET", "POST"])
def edit_access(user_id: int):
    """Change a role and Areas; the person's sessions end, so they sign in again."""
    person = service.get_user(current_user, user_id)
    form = _form(AccessForm)
    if request.method == "GET":
        form.role.data, form.national.data = person.role, person.is_national
        form.area_ids.data = [a.id for a in person.areas]
        form.rights.data = sorted(person.rights)
    if form.validate_on_submit():
        saved, _conflict = try_save(form, lambda: [service.change_access(
            current_user, person, *form.access(), rights=form.rights.data or [])])  # fmt: skip
        if saved:
            if person.id == current_user.id and saved[0]:
                login_user(person)  # this session carries the new token; the others end
            flash(_("%(name)s's role, Areas and rights have been saved: their sessions have "
                    "ended, so they sign in again", name=person.name) if saved[0]
                  else _("%(name)s's role, Areas and rights have been saved", name=person.name),
                  "success")  # fmt: skip
            if not access.can(current_user, "administer", "users"):
                return redirect(url_for("main.home"))  # they gave up their own administration
            return redirect(url_for(".detail", user_id=person.id))
    return render_template("admin/user_access.html", form=form, person=person)


def _button(person, change, message: str):
    try:
        post_button(change, message)
    except service.KeepOneAdministrator as problem:
        flash(problem.message, "error")
    return redirect(url_for(".detail", user_id=person.id))


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
def deactivate(user_id: int):
    """Stop someone signing in; every session they have ends at once."""
    person = service.get_user(current_user, user_id)
    return _button(person, lambda: service.set_active(current_user, person, False),
                   _("%(name)s has been deactivated: they cannot sign in, and their sessions "
                     "have ended", name=person.name))  # fmt: skip


@bp.route("/<int:user_id>/reactivate", methods=["POST"])
def reactivate(user_id: int):
    """Let a deactivated person sign in again."""
    person = service.get_user(current_user, user_id)
    return _button(
        person,
        lambda: service.set_active(current_user, person, True),
        _("%(name)s has been reactivated: they can sign in again", name=person.name),
    )


@bp.route("/<int:user_id>/link", methods=["POST"])
def new_link(user_id: int):
    """A new one-time link for the person to set their password (the old one stops working)."""
    person = service.get_user(current_user, user_id)
    if not ButtonForm().validate_on_submit():
        return redirect(url_for(".detail", user_id=person.id))
    token = try_save(ButtonForm(), lambda: invitations.new_link(current_user, person))[0]
    if token is None:
        flash(_("Reactivate the account before making a link"), "error")
        return redirect(url_for(".detail", user_id=person.id))
    return _link_page(person, token)


@bp.route("/<int:user_id>/two-factor", methods=["POST"])
def reset_two_factor(user_id: int):
    """Clear someone's two-factor set-up (a lost phone); their sessions end."""
    person = service.get_user(current_user, user_id)
    return _button(person, lambda: service.reset_two_factor(current_user, person),
                   _("%(name)s's two-factor sign-in has been reset, and their sessions have "
                     "ended", name=person.name))  # fmt: skip
