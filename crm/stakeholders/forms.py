from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
    optional_int,
    record_id,
    strip,
    validate_coordinates,
)
from crm.models.stakeholder import STAKEHOLDER_STATUSES, STAKEHOLDER_TYPES

SCORE_CHOICES = [("", _l("Not assessed"))] + [(str(n), str(n)) for n in range(1, 6)]


def _website(form, field) -> None:
    value = strip(field.data)
    if value and not value.lower().startswith(("http://", "https://")):
        field.data = value = "https://" + value
    if value and (" " in value or "." not in value):
        raise ValidationError(_("Enter a website address, like https://www.example.org.uk"))
    if len(value) > 300:
        raise ValidationError(_("Website must be 300 characters or fewer"))


class StakeholderForm(OnceForm):
    name = StringField(
        _l("Name"),
        widget=GovTextInput(),
        validators=[
            InputRequired(message=_l("Enter the stakeholder's name")),
            Length(max=200, message=_l("Name must be 200 characters or fewer")),
        ],
    )
    type = SelectField(
        _l("Type"),
        widget=GovSelect(),
        choices=[("", _l("Choose a type"))] + list(STAKEHOLDER_TYPES.items()),
        validators=[InputRequired(message=_l("Select the type of stakeholder"))],
    )
    description = TextAreaField(_l("Description"), widget=GovTextArea(), validators=[Optional()])
    community_ids = SelectMultipleField(
        _l("Communities served"),
        widget=GovCheckboxesInput(),
        coerce=record_id,
        description=_l("Select all that apply"),
        validate_choice=False,
    )
    address_line1 = StringField(
        _l("Address line 1"),
        widget=GovTextInput(),
        validators=[Length(max=200, message=_l("Address line 1 must be 200 characters or fewer"))],
    )
    address_line2 = StringField(
        _l("Address line 2 (optional)"),
        widget=GovTextInput(),
        validators=[Length(max=200, message=_l("Address line 2 must be 200 characters or fewer"))],
    )
    town = StringField(
        _l("Town or city"),
        widget=GovTextInput(),
        validators=[Length(max=100, message=_l("Town or city must be 100 characters or fewer"))],
    )
    postcode = StringField(_l("Postcode"), widget=GovTextInput(), validators=[UKPostcode()])
    latitude = StringField(
        _l("Latitude (optional)"), widget=GovTextInput(), description=_l("For example, 53.4084")
    )
    longitude = StringField(
        _l("Longitude (optional)"), widget=GovTextInput(), description=_l("For example, -2.9916")
    )
    area_id = SelectField(
        _l("Area"),
        widget=GovSelect(),
        coerce=optional_int,
        validators=[InputRequired(message=_l("Select the Area"))],
        validate_choice=False,
    )
    owner_id = SelectField(
        _l("Relationship owner"),
        widget=GovSelect(),
        coerce=optional_int,
        validate_choice=False,
        description=_l("The member of staff who looks after this relationship"),
    )
    status = SelectField(
        _l("Status"),
        widget=GovRadioInput(),
        choices=list(STAKEHOLDER_STATUSES.items()),
        default="active",
        validators=[InputRequired(message=_l("Select the stakeholder's status"))],
    )
    influence = SelectField(
        _l("Influence (1 low to 5 high)"), widget=GovSelect(), choices=SCORE_CHOICES
    )
    interest = SelectField(
        _l("Interest (1 low to 5 high)"), widget=GovSelect(), choices=SCORE_CHOICES
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
    website = StringField(
        _l("Website"),
        widget=GovTextInput(),
        validators=[
            Length(max=300, message=_l("Website must be 300 characters or fewer")),
            _website,
        ],
    )
    preferred_language = StringField(
        _l("Preferred language"),
        widget=GovTextInput(),
        validators=[
            Length(max=100, message=_l("Preferred language must be 100 characters or fewer"))
        ],
    )
    accessible_formats = StringField(
        _l("Accessible formats"),
        widget=GovTextInput(),
        description=_l("For example, large print, Braille, Easy Read"),
        validators=[
            Length(max=300, message=_l("Accessible formats must be 300 characters or fewer"))
        ],
    )
    notes = TextAreaField(_l("Notes"), widget=GovTextArea())
    version = HiddenField()
    confirm_duplicate = BooleanField(
        _l("This is a different organisation: save it anyway"), widget=GovCheckboxInput()
    )
    submit = SubmitField(_l("Save stakeholder"), widget=GovSubmitInput())

    def set_choices(self, areas, staff, communities) -> None:
        self.area_id.choices = [("", _("Choose an Area"))] + [(a.id, a.name) for a in areas]
        self.owner_id.choices = [("", _("No owner"))] + [(u.id, u.name) for u in staff]
        self.community_ids.choices = [
            (c.id, _("%(name)s (seldom heard)", name=c.name) if c.seldom_heard else c.name)
            for c in communities
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
