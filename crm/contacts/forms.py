from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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

from crm.forms_common import OnceForm, optional_int, strip
from crm.models.stakeholder import CONTACT_METHODS


class ContactForm(OnceForm):
    name = StringField(
        _l("Full name"),
        widget=GovTextInput(),
        validators=[
            InputRequired(message=_l("Enter the contact's full name")),
            Length(max=200, message=_l("Full name must be 200 characters or fewer")),
        ],
    )
    job_title = StringField(
        _l("Job title"),
        widget=GovTextInput(),
        validators=[Length(max=200, message=_l("Job title must be 200 characters or fewer"))],
    )
    role_at_stakeholder = StringField(
        _l("Role at the organisation"),
        widget=GovTextInput(),
        validators=[
            Length(max=200, message=_l("Role at the organisation must be 200 characters or fewer"))
        ],
    )
    area_id = SelectField(
        _l("Area"),
        widget=GovSelect(),
        coerce=optional_int,
        validators=[InputRequired(message=_l("Select the Area"))],
        validate_choice=False,
    )
    email = StringField(
        _l("Email address"),
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=254, message=_l("Email address must be 254 characters or fewer")),
            Email(
                message=_l("Enter an email address in the correct format, like name@example.com")
            ),
        ],
    )
    phone = StringField(
        _l("Phone number"),
        widget=GovTextInput(),
        validators=[Length(max=40, message=_l("Phone number must be 40 characters or fewer"))],
    )
    preferred_contact_method = SelectField(
        _l("Preferred contact method"),
        widget=GovRadioInput(),
        choices=list(CONTACT_METHODS.items()),
        default="none",
    )
    accessibility_needs = TextAreaField(
        _l("Accessibility needs"),
        widget=GovTextArea(),
        description=_l("For example, large print, Braille, an interpreter, step-free access"),
    )
    preferred_language = StringField(
        _l("Preferred language or format"),
        widget=GovTextInput(),
        validators=[
            Length(
                max=100, message=_l("Preferred language or format must be 100 characters or fewer")
            )
        ],
    )
    notes = TextAreaField(_l("Notes"), widget=GovTextArea())
    version = HiddenField()
    confirm_duplicate = BooleanField(
        _l("This is a different person: save anyway"), widget=GovCheckboxInput()
    )
    submit = SubmitField(_l("Save contact"), widget=GovSubmitInput())

    def set_choices(self, areas) -> None:
        self.area_id.choices = [("", _("Choose an Area"))] + [(a.id, a.name) for a in areas]

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
        _l("Role at the organisation"),
        widget=GovTextInput(),
        validators=[
            Length(max=200, message=_l("Role at the organisation must be 200 characters or fewer"))
        ],
    )
    submit = SubmitField(_l("Add to this organisation"), widget=GovSubmitInput())
