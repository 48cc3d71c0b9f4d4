"""Forms for a contact's consent, do-not-contact flag and subject access request."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Regexp

from crm.forms_common import GovDateField, optional_int, strip
from crm.models.consent import CONSENT_STATUSES


class ConsentForm(FlaskForm):
    purpose_id = SelectField(
        _l("Purpose"), widget=GovSelect(), coerce=optional_int, validate_choice=False,
        validators=[InputRequired(message=_l("Select the purpose"))],
    )  # fmt: skip
    status = SelectField(
        _l("Consent"), widget=GovRadioInput(), choices=list(CONSENT_STATUSES.items()),
        validators=[InputRequired(message=_l("Select whether consent was given or withdrawn"))],
    )  # fmt: skip
    changed_on = GovDateField(
        _l("Date it was given or withdrawn"), widget=GovDateInput(),
        description=_l("For example, 27 3 2026"),
        invalid_message=_l("Date it was given or withdrawn must be a real date"),
        validators=[InputRequired(message=_l("Enter the date it was given or withdrawn"))],
    )  # fmt: skip
    method = StringField(
        _l("How it was obtained"), widget=GovTextInput(), filters=[strip],
        description=_l("For example, signed form at the panel induction, or by email"),
        validators=[InputRequired(message=_l("Enter how it was obtained")),
                    Length(max=300,
                           message=_l("How it was obtained must be 300 characters or fewer"))],
    )  # fmt: skip
    obtained_by = StringField(
        _l("Obtained by"), widget=GovTextInput(), filters=[strip],
        description=_l("Who on our side took it"),
        validators=[Length(max=200, message=_l("Obtained by must be 200 characters or fewer"))],
    )  # fmt: skip
    submit = SubmitField(_l("Record consent"), widget=GovSubmitInput())

    def set_choices(self, purposes) -> None:
        self.purpose_id.choices = [("", _("Choose a purpose"))] + [
            (p.id, f"{p.name} ({p.basis_label})") for p in purposes
        ]

    def data_for_service(self) -> dict:
        names = ("purpose_id", "status", "changed_on", "method", "obtained_by")
        return {name: getattr(self, name).data for name in names}


class DoNotContactForm(FlaskForm):
    do_not_contact = SelectField(
        _l("Do not contact"), widget=GovRadioInput(),
        choices=[("yes", _l("Do not contact them")), ("no", _l("They may be contacted again"))],
        validators=[InputRequired(message=_l("Select whether they may be contacted"))],
    )  # fmt: skip
    changed_on = GovDateField(
        _l("Date it took effect"), widget=GovDateInput(),
        description=_l("For example, 27 3 2026"),
        invalid_message=_l("Date it took effect must be a real date"),
        validators=[InputRequired(message=_l("Enter the date it took effect"))],
    )  # fmt: skip
    reason = TextAreaField(
        _l("Reason"), widget=GovTextArea(), filters=[strip],
        description=_l("For example, asked by phone not to be contacted again"),
        validators=[Length(max=2000, message=_l("Reason must be 2,000 characters or fewer"))],
    )  # fmt: skip
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


class SubjectAccessForm(FlaskForm):
    reference = StringField(
        _l("Request reference"), widget=GovTextInput(), filters=[strip],
        description=_l("The subject access request's own reference, for example SAR-2026-014. "
                       "The file is named by it, so do not include the person's name."),
        validators=[
            InputRequired(message=_l("Enter the request reference")),
            Length(max=40, message=_l("Request reference must be 40 characters or fewer")),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                   message=_l("Request reference must use only letters, numbers, hyphens, "
                              "dots and underscores, like SAR-2026-014")),
        ],
    )  # fmt: skip
    submit = SubmitField(_l("Make the subject access export"), widget=GovSubmitInput())
