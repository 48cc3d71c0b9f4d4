"""Subject access: everything Engage holds about a contact, made as a ZIP on the job
queue for someone with the data protection right."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.contacts.consent_forms import SubjectAccessForm
from crm.services import access, jobs
from crm.services import subject_access as service
from crm.services.contacts import get_contact
from crm.views_common import try_save

bp = Blueprint("subject_access", __name__)


@bp.route("/<int:contact_id>/subject-access", methods=["GET", "POST"])
def new(contact_id: int):
    """Record a subject access request and make its export (a ZIP) in the background."""
    contact = get_contact(current_user, contact_id, include_archived=True)
    access.require(current_user, "exercise", service.RIGHT)
    form = SubjectAccessForm()
    if form.validate_on_submit():
        made, _conflict = try_save(form, lambda: service.request_export(
            current_user, contact, form.reference.data))  # fmt: skip
        if made:
            jobs.start(made[1])
            flash(_("The export is being made: its file will be offered here"), "success")
            return redirect(url_for("jobs.detail", job_id=made[1].id))
    return render_template("contacts/subject_access.html", form=form, contact=contact,
                           requests=service.requests_for(current_user, contact.id))  # fmt: skip
