"""/admin/purposes: the purposes contacts' details are used for, their lawful basis and,
for consent, the wording people are shown. Never deleted: a retired purpose stays on the
consent histories that name it, offered for no new consent."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.admin.forms import PurposeForm
from crm.auth.forms import ButtonForm
from crm.services import audit
from crm.services import consent as service
from crm.views_common import post_button, try_save

bp = Blueprint("purposes", __name__, url_prefix="/admin/purposes")


@bp.route("", methods=["GET", "POST"])
def index():
    """Every purpose, and a form to add one."""
    purposes = service.list_purposes(current_user)
    form = PurposeForm()
    if form.validate_on_submit():
        added, _conflict = try_save(
            form, lambda: service.add_purpose(current_user, form.data_for_service())
        )
        if added:
            flash(_("%(name)s has been added", name=added.name), "success")
            return redirect(url_for(".index"))
    return render_template("admin/purposes.html", form=form, purposes=purposes,
                           button_form=ButtonForm())  # fmt: skip


@bp.route("/<int:purpose_id>", methods=["GET", "POST"])
def edit(purpose_id: int):
    """Rename a purpose, change its lawful basis or the wording shown."""
    purpose = service.get_purpose(current_user, purpose_id)
    form = PurposeForm(obj=purpose if request.method == "GET" else None)
    if form.validate_on_submit():
        saved, _conflict = try_save(form, lambda: [service.update_purpose(
            current_user, purpose, form.data_for_service())])  # fmt: skip
        if saved:
            flash(_("%(name)s has been saved", name=purpose.name) if saved[0]
                  else _("Nothing was changed"), "success")  # fmt: skip
            return redirect(url_for(".index"))
    return render_template("admin/purpose.html", form=form, purpose=purpose,
                           history=audit.history(service.PURPOSE_KIND, purpose.id),
                           button_form=ButtonForm())  # fmt: skip


@bp.route("/<int:purpose_id>/retire", methods=["POST"])
def retire(purpose_id: int):
    """Stop offering a purpose for new consent; the histories keep it."""
    purpose = service.get_purpose(current_user, purpose_id)
    post_button(lambda: service.set_retired(current_user, purpose, True),
                _("%(name)s has been retired: consent histories keep it",
                  name=purpose.name))  # fmt: skip
    return redirect(url_for(".edit", purpose_id=purpose.id))


@bp.route("/<int:purpose_id>/restore", methods=["POST"])
def restore(purpose_id: int):
    """Offer a retired purpose again."""
    purpose = service.get_purpose(current_user, purpose_id)
    post_button(lambda: service.set_retired(current_user, purpose, False),
                _("%(name)s is offered again", name=purpose.name))  # fmt: skip
    return redirect(url_for(".edit", purpose_id=purpose.id))
