"""Erasing a person, and legal holds: for people with the data protection right."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from crm.auth.forms import ButtonForm
from crm.forms_common import strip
from crm.services import access, erasure, retention
from crm.services import contacts as contact_service
from crm.views_common import post_button, try_save

bp = Blueprint("erasure", __name__)


class EraseForm(FlaskForm):
    request_reference = StringField(
        _l("Request reference"),
        widget=GovTextInput(),
        filters=[strip],
        description=_l("The reference of the erasure request, or of the decision to erase"),
        validators=[
            InputRequired(message=_l("Enter the request's reference")),
            Length(max=100, message=_l("The reference must be 100 characters or fewer")),
        ],
    )
    reason = TextAreaField(
        _l("Why they are being erased"),
        widget=GovTextArea(),
        filters=[strip],
        validators=[
            InputRequired(message=_l("Enter why this person is being erased")),
            Length(max=2000, message=_l("The reason must be 2,000 characters or fewer")),
        ],
    )
    submit = SubmitField(_l("Erase this person"), widget=GovSubmitInput())


class HoldForm(FlaskForm):
    reason = TextAreaField(
        _l("Why these records must be kept"),
        widget=GovTextArea(),
        filters=[strip],
        validators=[
            InputRequired(message=_l("Enter why these records must be kept")),
            Length(max=2000, message=_l("The reason must be 2,000 characters or fewer")),
        ],
    )
    submit = SubmitField(_l("Place on legal hold"), widget=GovSubmitInput())


def hold_page(record, name: str, what: str, back: str, remove: str):
    """The legal hold page of a contact or a piece of feedback: place or change the hold
    (with why), or lift it. `what` says what a hold keeps, for the page."""
    hold = retention.hold_of(current_user, record)
    form = HoldForm(obj=hold)
    if form.validate_on_submit():
        saved, _conflict = try_save(form, lambda: retention.place_hold(current_user, record,
                                                               form.reason.data))  # fmt: skip
        if saved:
            flash(_("The legal hold has been saved"), "success")
            return redirect(back)
    return render_template("privacy/legal_hold.html", name=name, what=what, back=back,
                           remove=remove, form=form, hold=hold,
                           button_form=ButtonForm())  # fmt: skip


def _contact(contact_id: int):
    contact = contact_service.get_contact(current_user, contact_id, include_archived=True)
    access.require(current_user, "exercise", erasure.RIGHT)
    return contact


@bp.route("/<int:contact_id>/erase", methods=["GET", "POST"])
def erase(contact_id: int):
    """Erase a person: what identifies them goes everywhere; the figures stay. Not undone."""
    contact = _contact(contact_id)
    done, hold = erasure.erasure_of(contact.id), erasure.hold_of(contact.id)
    form = EraseForm()
    if not (done or hold) and form.validate_on_submit():
        saved, _conflict = try_save(form, lambda: erasure.erase(
            current_user, contact, form.reason.data, form.request_reference.data))  # fmt: skip
        if saved:
            flash(_("The person has been erased: they are now %(label)s", label=saved.label),
                  "success")  # fmt: skip
            return redirect(url_for("admin.retention.erasures"))
    return render_template("privacy/erase.html", contact=contact, form=form, done=done,
                           hold=hold, namesakes=[] if done else erasure.namesakes(
                               current_user, contact))  # fmt: skip


@bp.route("/<int:contact_id>/legal-hold", methods=["GET", "POST"])
def legal_hold(contact_id: int):
    """Place a person on legal hold (retention skips them, erasure is refused), or lift it."""
    contact = _contact(contact_id)
    return hold_page(contact, contact.name, _("A person on legal hold is kept, with their "
                                             "memberships, whatever the retention rules say, "
                                             "and cannot be erased until the hold is lifted."),
                     url_for("contacts.detail", contact_id=contact.id),
                     url_for("contacts.erasure.release_hold", contact_id=contact.id))


@bp.route("/<int:contact_id>/legal-hold/remove", methods=["POST"])
def release_hold(contact_id: int):
    """Lift a legal hold: retention applies to them again."""
    contact = _contact(contact_id)
    post_button(lambda: retention.release_hold(current_user, contact),
                _("The legal hold has been lifted"))  # fmt: skip
    return redirect(url_for("contacts.detail", contact_id=contact.id))
