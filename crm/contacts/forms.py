from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, Optional

from crm.forms_common import OnceForm, max_length, optional_int, strip
from crm.models.stakeholder import CONTACT_METHODS


class ContactForm(OnceForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the contact's full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    job_title = StringField(
        "Job title", widget=GovTextInput(), validators=[max_length("Job title", 200)]
    )
    role_at_stakeholder = StringField(
        "Role at the organisation",
        widget=GovTextInput(),
        validators=[max_length("Role at the organisation", 200)],
    )
    area_id = SelectField(
        "Area",
        widget=GovSelect(),
        coerce=optional_int,
        validators=[InputRequired(message="Select the Area")],
        validate_choice=False,
    )
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(message="Enter an email address in the correct format, like name@example.com"),
        ],
    )
    phone = StringField(
        "Phone number", widget=GovTextInput(), validators=[max_length("Phone number", 40)]
    )
    preferred_contact_method = SelectField(
        "Preferred contact method",
        widget=GovRadioInput(),
        choices=list(CONTACT_METHODS.items()),
        default="none",
    )
    accessibility_needs = TextAreaField(
        "Accessibility needs",
        widget=GovTextArea(),
        description="For example, large print, Braille, an interpreter, step-free access",
    )
    preferred_language = StringField(
        "Preferred language or format",
        widget=GovTextInput(),
        validators=[max_length("Preferred language or format", 100)],
    )
    notes = TextAreaField("Notes", widget=GovTextArea())
    version = HiddenField()
    confirm_duplicate = BooleanField(
        "This is a different person: save anyway", widget=GovCheckboxInput()
    )
    submit = SubmitField("Save contact", widget=GovSubmitInput())

    def set_choices(self, areas) -> None:
        self.area_id.choices = [("", "Choose an Area")] + [(a.id, a.name) for a in areas]

    def to_data(self) -> dict[str, Any]:
        return {
            "name": strip(self.name.data),
            "job_title": strip(self.job_title.data),
            "area_id": self.area_id.data,
            "email": strip(self.email.data).lower(),
            "phone": strip(self.phone.data),
            "preferred_contact_method": self.preferred_contact_method.data or "none",
            "accessibility_needs": strip(self.accessibility_needs.data),
            "preferred_language": strip(self.preferred_language.data),
            "notes": strip(self.notes.data),
        }

    def load(self, contact) -> None:
        for name in self.to_data():
            getattr(self, name).data = getattr(contact, name)
        self.version.data = str(contact.version)


class LinkStakeholderForm(FlaskForm):
    stakeholder_id = HiddenField()
    role = StringField(
        "Role at the organisation",
        widget=GovTextInput(),
        validators=[max_length("Role at the organisation", 200)],
    )
    submit = SubmitField("Add to this organisation", widget=GovSubmitInput())
