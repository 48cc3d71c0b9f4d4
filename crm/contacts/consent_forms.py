"""Forms for a contact's consent, do-not-contact flag and subject access request."""

from __future__ import annotations

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
from wtforms.validators import InputRequired, Regexp

from crm.forms_common import GovDateField, max_length, optional_int, strip
from crm.models.consent import CONSENT_STATUSES


class ConsentForm(FlaskForm):
    purpose_id = SelectField(
        "Purpose", widget=GovSelect(), coerce=optional_int, validate_choice=False,
        validators=[InputRequired(message="Select the purpose")],
    )  # fmt: skip
    status = SelectField(
        "Consent", widget=GovRadioInput(), choices=list(CONSENT_STATUSES.items()),
        validators=[InputRequired(message="Select whether consent was given or withdrawn")],
    )  # fmt: skip
    changed_on = GovDateField(
        "Date it was given or withdrawn", widget=GovDateInput(),
        description="For example, 27 3 2026",
        validators=[InputRequired(message="Enter the date it was given or withdrawn")],
    )  # fmt: skip
    method = StringField(
        "How it was obtained", widget=GovTextInput(), filters=[strip],
        description="For example, signed form at the panel induction, or by email",
        validators=[InputRequired(message="Enter how it was obtained"),
                    max_length("How it was obtained", 300)],
    )  # fmt: skip
    obtained_by = StringField(
        "Obtained by", widget=GovTextInput(), filters=[strip],
        description="Who on our side took it",
        validators=[max_length("Obtained by", 200)],
    )  # fmt: skip
    submit = SubmitField("Record consent", widget=GovSubmitInput())

    def set_choices(self, purposes) -> None:
        self.purpose_id.choices = [("", "Choose a purpose")] + [
            (p.id, f"{p.name} ({p.basis_label})") for p in purposes
        ]

    def data_for_service(self) -> dict:
        names = ("purpose_id", "status", "changed_on", "method", "obtained_by")
        return {name: getattr(self, name).data for name in names}


class DoNotContactForm(FlaskForm):
    do_not_contact = SelectField(
        "Do not contact", widget=GovRadioInput(),
        choices=[("yes", "Do not contact them"), ("no", "They may be contacted again")],
        validators=[InputRequired(message="Select whether they may be contacted")],
    )  # fmt: skip
    changed_on = GovDateField(
        "Date it took effect", widget=GovDateInput(), description="For example, 27 3 2026",
        validators=[InputRequired(message="Enter the date it took effect")],
    )  # fmt: skip
    reason = TextAreaField(
        "Reason", widget=GovTextArea(), filters=[strip],
        description="For example, asked by phone not to be contacted again",
        validators=[max_length("Reason", 2000)],
    )  # fmt: skip
    submit = SubmitField("Save", widget=GovSubmitInput())


class SubjectAccessForm(FlaskForm):
    reference = StringField(
        "Request reference", widget=GovTextInput(), filters=[strip],
        description="The subject access request's own reference, for example SAR-2026-014. "
        "The file is named by it, so do not include the person's name.",
        validators=[
            InputRequired(message="Enter the request reference"),
            max_length("Request reference", 40),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                   message="Request reference must use only letters, numbers, hyphens, "
                   "dots and underscores, like SAR-2026-014"),
        ],
    )  # fmt: skip
    submit = SubmitField("Make the subject access export", widget=GovSubmitInput())
