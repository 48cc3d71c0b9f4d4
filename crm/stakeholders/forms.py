from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
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
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from crm.forms_common import (
    OnceForm,
    UKPostcode,
    max_length,
    optional_int,
    record_id,
    strip,
    validate_coordinates,
)
from crm.models.stakeholder import STAKEHOLDER_STATUSES, STAKEHOLDER_TYPES

SCORE_CHOICES = [("", "Not assessed")] + [(str(n), str(n)) for n in range(1, 6)]


def _website(form, field) -> None:
    value = strip(field.data)
    if value and not value.lower().startswith(("http://", "https://")):
        field.data = value = "https://" + value
    if value and (" " in value or "." not in value):
        raise ValidationError("Enter a website address, like https://www.example.org.uk")
    if len(value) > 300:
        raise ValidationError("Website must be 300 characters or fewer")


class StakeholderForm(OnceForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the stakeholder's name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    type = SelectField(
        "Type",
        widget=GovSelect(),
        choices=[("", "Choose a type")] + list(STAKEHOLDER_TYPES.items()),
        validators=[InputRequired(message="Select the type of stakeholder")],
    )
    description = TextAreaField("Description", widget=GovTextArea(), validators=[Optional()])
    community_ids = SelectMultipleField(
        "Communities served",
        widget=GovCheckboxesInput(),
        coerce=record_id,
        description="Select all that apply",
        validate_choice=False,
    )
    address_line1 = StringField(
        "Address line 1", widget=GovTextInput(), validators=[max_length("Address line 1", 200)]
    )
    address_line2 = StringField(
        "Address line 2 (optional)",
        widget=GovTextInput(),
        validators=[max_length("Address line 2", 200)],
    )
    town = StringField(
        "Town or city", widget=GovTextInput(), validators=[max_length("Town or city", 100)]
    )
    postcode = StringField("Postcode", widget=GovTextInput(), validators=[UKPostcode()])
    latitude = StringField(
        "Latitude (optional)", widget=GovTextInput(), description="For example, 53.4084"
    )
    longitude = StringField(
        "Longitude (optional)", widget=GovTextInput(), description="For example, -2.9916"
    )
    area_id = SelectField(
        "Area",
        widget=GovSelect(),
        coerce=optional_int,
        validators=[InputRequired(message="Select the Area")],
        validate_choice=False,
    )
    owner_id = SelectField(
        "Relationship owner",
        widget=GovSelect(),
        coerce=optional_int,
        validate_choice=False,
        description="The member of staff who looks after this relationship",
    )
    status = SelectField(
        "Status",
        widget=GovRadioInput(),
        choices=list(STAKEHOLDER_STATUSES.items()),
        default="active",
        validators=[InputRequired(message="Select the stakeholder's status")],
    )
    influence = SelectField(
        "Influence (1 low to 5 high)", widget=GovSelect(), choices=SCORE_CHOICES
    )
    interest = SelectField("Interest (1 low to 5 high)", widget=GovSelect(), choices=SCORE_CHOICES)
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
    website = StringField(
        "Website",
        widget=GovTextInput(),
        validators=[Length(max=300, message="Website must be 300 characters or fewer"), _website],
    )
    preferred_language = StringField(
        "Preferred language",
        widget=GovTextInput(),
        validators=[max_length("Preferred language", 100)],
    )
    accessible_formats = StringField(
        "Accessible formats",
        widget=GovTextInput(),
        description="For example, large print, Braille, Easy Read",
        validators=[max_length("Accessible formats", 300)],
    )
    notes = TextAreaField("Notes", widget=GovTextArea())
    version = HiddenField()
    confirm_duplicate = BooleanField(
        "This is a different organisation: save it anyway", widget=GovCheckboxInput()
    )
    submit = SubmitField("Save stakeholder", widget=GovSubmitInput())

    def set_choices(self, areas, staff, communities) -> None:
        self.area_id.choices = [("", "Choose an Area")] + [(a.id, a.name) for a in areas]
        self.owner_id.choices = [("", "No owner")] + [(u.id, u.name) for u in staff]
        self.community_ids.choices = [
            (c.id, c.name + (" (seldom heard)" if c.seldom_heard else "")) for c in communities
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return validate_coordinates(self) and valid

    def to_data(self) -> dict[str, Any]:
        """The values to save, in the model's own types."""
        lat, lng = strip(self.latitude.data), strip(self.longitude.data)
        return {
            "name": strip(self.name.data),
            "type": self.type.data,
            "description": strip(self.description.data),
            "community_ids": list(self.community_ids.data or []),
            "address_line1": strip(self.address_line1.data),
            "address_line2": strip(self.address_line2.data),
            "town": strip(self.town.data),
            "postcode": self.postcode.data or "",
            "latitude": float(lat) if lat else None,
            "longitude": float(lng) if lng else None,
            "area_id": self.area_id.data,
            "owner_id": self.owner_id.data,
            "status": self.status.data,
            "influence": optional_int(self.influence.data),
            "interest": optional_int(self.interest.data),
            "email": strip(self.email.data).lower(),
            "phone": strip(self.phone.data),
            "website": strip(self.website.data),
            "preferred_language": strip(self.preferred_language.data),
            "accessible_formats": strip(self.accessible_formats.data),
            "notes": strip(self.notes.data),
        }

    def load(self, stakeholder) -> None:
        """Fill the form from a saved stakeholder, for editing."""
        for name in self.to_data():
            if name == "community_ids":
                self.community_ids.data = [c.id for c in stakeholder.communities]
                continue
            value = getattr(stakeholder, name)
            field = getattr(self, name)
            if name in ("influence", "interest"):
                field.data = "" if value is None else str(value)
            elif name in ("latitude", "longitude"):
                field.data = "" if value is None else f"{value:.6f}"
            else:
                field.data = value
        self.version.data = str(stakeholder.version)
