"""A contact's consent per purpose and do-not-contact flag: recorded as dated changes,
never overwritten; and the contact list as a CSV for contacting people."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.contacts.consent_forms import ConsentForm, DoNotContactForm
from crm.services import access
from crm.services import consent as service
from crm.services.contacts import get_contact
from crm.views_common import try_save

bp = Blueprint("consent", __name__)


@bp.route("/<int:contact_id>/consent", methods=["GET", "POST"])
def record(contact_id: int):
    """Record that a contact gave or withdrew consent for a purpose."""
    contact = get_contact(current_user, contact_id)
    access.require(current_user, "edit", contact)
    form = ConsentForm()
    form.set_choices(service.purposes_offered())
    if form.validate_on_submit():
        saved, _conflict = try_save(
            form, lambda: service.record_consent(current_user, contact, form.data_for_service())
        )
        if saved:
            flash(_("%(name)s's consent has been recorded", name=contact.name), "success")
            return redirect(url_for("contacts.detail", contact_id=contact.id, _anchor="consent"))
    return render_template("contacts/consent_form.html", form=form, contact=contact,
                           purposes=service.purposes_offered())  # fmt: skip


@bp.route("/<int:contact_id>/do-not-contact", methods=["GET", "POST"])
def do_not_contact(contact_id: int):
    """Mark a contact not to be contacted, or lift it, with the date and the reason."""
    contact = get_contact(current_user, contact_id)
    access.require(current_user, "edit", contact)
    form = DoNotContactForm()
    if request.method == "GET":
        form.do_not_contact.data = "no" if contact.do_not_contact else "yes"
    if form.validate_on_submit():
        flag = form.do_not_contact.data == "yes"
        saved, _conflict = try_save(form, lambda: service.set_do_not_contact(
            current_user, contact, flag, form.changed_on.data, form.reason.data))  # fmt: skip
        if saved:
            flash(_("%(name)s is marked do not contact", name=contact.name) if flag
                  else _("%(name)s may be contacted again", name=contact.name),
                  "success")  # fmt: skip
            return redirect(url_for("contacts.detail", contact_id=contact.id, _anchor="consent"))
    return render_template("contacts/do_not_contact_form.html", form=form, contact=contact)


@bp.route("/export.csv")
def export_csv():
    """The contact list (with the list's filters) to contact people: everyone marked do
    not contact is left out, and the file's last line says how many."""
    from crm import clock
    from crm.contacts.routes import list_filters
    from crm.views_common import csv_download

    filters = list_filters()
    filters.archived = False  # archived contacts are not contacted
    rows, left_out = service.contact_list(current_user, filters)
    rows.append([service.left_out_note(left_out)])
    return csv_download(f"contact-list-{clock.today().isoformat()}.csv",
                        service.CONTACT_LIST_HEADER, rows)  # fmt: skip
