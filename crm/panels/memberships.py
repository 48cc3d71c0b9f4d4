"""Membership pages: adding a member or applicant, their record, and declarations."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.panels.forms import DeclarationForm, MembershipForm
from crm.services import audit, consent, panels, reference
from crm.services import memberships as service
from crm.services.contacts import get_contact
from crm.services.lookup import search_contacts
from crm.views_common import arg_int, form_version, save_once, try_save

bp = Blueprint("memberships", __name__)


def _form(membership=None, **kwargs) -> MembershipForm:
    form = MembershipForm(**kwargs)
    form.set_choices(reference.communities_offered(membership.communities if membership else ()))
    return form


@bp.route("/panels/<int:panel_id>/members/new", methods=["GET", "POST"])
def new(panel_id: int):
    """Find the contact by name, then record their application or membership."""
    panel = panels.get_panel(current_user, panel_id)
    panels.require_change(current_user, panel, service.KIND)
    contact_id = arg_int("contact")
    if contact_id is None:
        q = request.args.get("q", "")[:200]
        return render_template(
            "panels/choose_contact.html",
            panel=panel,
            q=q,
            results=search_contacts(current_user, q, limit=30, min_length=1),
        )
    contact = get_contact(current_user, contact_id)
    form = _form()
    # Someone marked do not contact is warned of at once, and added only once confirmed.
    warned = consent.not_to_contact(current_user, [contact.id])
    if form.validate_on_submit() and not consent.unconfirmed_do_not_contact(
        current_user, [contact.id], form.confirm_do_not_contact
    ):
        created, already = save_once(
            form,
            service.KIND,
            lambda: service.create_membership(
                current_user, panel, contact, form.to_data(), form.community_ids.data or []
            ),
        )
        if already:
            return already
        if created:
            flash(_("%(name)s has been added to %(panel)s", name=contact.name, panel=panel.name),
                  "success")  # fmt: skip
            return redirect(url_for("panels.detail", panel_id=panel.id, _anchor="members"))
    return render_template("panels/membership_form.html", form=form, panel=panel, contact=contact,
                           do_not_contact=warned)  # fmt: skip


@bp.route("/memberships/<int:membership_id>")
def detail(membership_id: int):
    membership = service.get_membership(current_user, membership_id)
    return render_template(
        "panels/membership.html",
        membership=membership,
        panel=membership.panel,
        history=audit.history(service.KIND, membership.id),
    )


@bp.route("/memberships/<int:membership_id>/edit", methods=["GET", "POST"])
def edit(membership_id: int):
    membership = service.get_membership(current_user, membership_id)
    panels.require_change(current_user, membership.panel, service.KIND)
    form = _form(membership)
    if request.method == "GET":
        form.load(membership)
    conflict = None
    if form.validate_on_submit():
        saved, conflict = try_save(
            form,
            lambda: service.update_membership(
                current_user, membership, form.to_data(), form.community_ids.data or [],
                form_version(form),
            ),
        )  # fmt: skip
        if saved:
            flash(_("%(name)s's membership has been updated", name=membership.contact.name),
                  "success")  # fmt: skip
            return redirect(url_for(".detail", membership_id=membership.id))
    return render_template(
        "panels/membership_form.html",
        form=form,
        panel=membership.panel,
        contact=membership.contact,
        membership=membership,
        conflict=conflict,
    )


@bp.route("/memberships/<int:membership_id>/declarations", methods=["GET", "POST"])
def declare(membership_id: int):
    """Record a member's declaration of interest."""
    membership = service.get_membership(current_user, membership_id)
    panels.require_change(current_user, membership.panel, service.KIND)
    form = DeclarationForm()
    if form.validate_on_submit():
        saved, already = save_once(
            form, service.KIND,
            lambda: service.add_declaration(
                current_user, membership, form.declared_on.data, form.text.data.strip()
            ),
            saved_id=lambda _declaration: membership.id,
        )  # fmt: skip
        if already:
            return already
        if saved:
            flash(_("The declaration of interest has been recorded"), "success")
            return redirect(
                url_for(".detail", membership_id=membership.id, _anchor="declarations")
            )
    return render_template("panels/declaration_form.html", form=form, membership=membership)
