"""Forms for the administrators' pages and for setting a password through an invitation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import EqualTo, InputRequired

from crm.forms_common import max_length, record_id, strip
from crm.models.consent import LAWFUL_BASES
from crm.models.reference import PROTECTED_CHARACTERISTICS
from crm.models.user import RIGHTS, ROLES
from crm.services.auth import MIN_PASSWORD_LENGTH


def _role():
    return RadioField(
        _l("Role"),
        widget=GovRadioInput(),
        choices=list(ROLES.items()),
        validate_choice=False,
        validators=[InputRequired(message=_l("Select a role"))],
    )


def _national():
    return BooleanField(
        _l("They work in every Area (national)"),
        widget=GovCheckboxInput(),
        description=_l("National staff see and change records in every Area."),
    )


def _area_ids():
    return SelectMultipleField(
        _l("Areas they work in"),
        widget=GovCheckboxesInput(),
        coerce=record_id,
        description=_l("Select all that apply, unless they work in every Area"),
        validate_choice=False,
    )


class AccessForm(FlaskForm):
    """A person's role, the Areas they work in (or every Area), and their rights beyond
    the role."""

    role = _role()
    national = _national()
    area_ids = _area_ids()
    rights = SelectMultipleField(
        _l("Rights beyond their role"),
        widget=GovCheckboxesInput(),
        choices=list(RIGHTS.items()),
        description=_l("Only for people whose work needs them: each right shows personal "
                       "data that others never see."),
        validate_choice=False,
    )  # fmt: skip
    submit = SubmitField(_l("Save role, Areas and rights"), widget=GovSubmitInput())

    def set_choices(self, areas) -> None:
        self.area_ids.choices = [(a.id, a.name) for a in areas]

    def access(self) -> tuple[str, list[int], bool]:
        return self.role.data or "", list(self.area_ids.data or []), bool(self.national.data)


class InviteForm(AccessForm):
    """A new person: their name and email first, then their role and Areas."""

    name = StringField(
        _l("Name"),
        widget=GovTextInput(),
        filters=[strip],
        validators=[InputRequired(message=_l("Enter their name")), max_length(_l("Name"), 150)],
    )
    email = StringField(
        _l("Email address"),
        widget=GovTextInput(),
        filters=[strip],
        description=_l("They sign in with this address."),
        validators=[
            InputRequired(message=_l("Enter their email address")),
            max_length(_l("Email address"), 254),
        ],
    )
    # Declared again so they come after the name and email (the error summary's order).
    role = _role()
    national = _national()
    area_ids = _area_ids()
    rights = None  # given afterwards, on the person's page, once their account exists
    submit = SubmitField(_l("Make the invitation link"), widget=GovSubmitInput())


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Password"), widget=GovPasswordInput(),
        description=_l("Use %(num)d characters or more", num=MIN_PASSWORD_LENGTH),
        validators=[InputRequired(message=_l("Enter a password"))],
    )  # fmt: skip
    confirm_password = PasswordField(
        _l("Confirm password"), widget=GovPasswordInput(),
        validators=[InputRequired(message=_l("Confirm your password")),
                    EqualTo("password", message=_l("The passwords do not match"))],
    )  # fmt: skip
    submit = SubmitField(_l("Set password"), widget=GovSubmitInput())


class CommunityForm(FlaskForm):
    name = StringField(
        _l("Name"), widget=GovTextInput(), filters=[strip],
        validators=[InputRequired(message=_l("Enter the community's name")),
                    max_length(_l("Name"), 150)],
    )  # fmt: skip
    characteristic = SelectField(
        _l("Protected characteristic"), widget=GovSelect(), default="", validate_choice=False,
        choices=[("", _l("Choose a characteristic"))] + list(PROTECTED_CHARACTERISTICS.items()),
        validators=[InputRequired(message=_l("Select the protected characteristic"))],
    )  # fmt: skip
    seldom_heard = BooleanField(
        _l("Seldom heard"), widget=GovCheckboxInput(),
        description=_l("A community the service rarely hears from: the coverage pages and "
                       "the map flag gaps in engagement with it."),
    )  # fmt: skip
    description = TextAreaField(
        _l("Description (optional)"), widget=GovTextArea(), filters=[strip],
        validators=[max_length(_l("Description"), 2000)],
    )  # fmt: skip
    submit = SubmitField(_l("Save community"), widget=GovSubmitInput())

    def data_for_service(self) -> dict:
        return {name: getattr(self, name).data for name in
                ("name", "characteristic", "seldom_heard", "description")}  # fmt: skip


class AreaForm(FlaskForm):
    name = StringField(
        _l("Name"), widget=GovTextInput(), filters=[strip],
        validators=[InputRequired(message=_l("Enter the Area's name")),
                    max_length(_l("Name"), 100)],
    )  # fmt: skip
    code = StringField(
        _l("Code"), widget=GovTextInput(), filters=[strip],
        description=_l("Lower-case letters, numbers and hyphens. A boundary file may name "
                       "the Area by this code (its \"code\" or \"area_code\" property) or by "
                       "its name."),
        validators=[InputRequired(message=_l("Enter the Area's code")), max_length(_l("Code"), 40)],
    )  # fmt: skip
    submit = SubmitField(_l("Save Area"), widget=GovSubmitInput())


class PurposeForm(FlaskForm):
    name = StringField(
        _l("Name"), widget=GovTextInput(), filters=[strip],
        validators=[InputRequired(message=_l("Enter the purpose's name")),
                    max_length(_l("Name"), 150)],
    )  # fmt: skip
    lawful_basis = SelectField(
        _l("Lawful basis"), widget=GovSelect(), default="", validate_choice=False,
        choices=[("", _l("Choose a lawful basis"))] + list(LAWFUL_BASES.items()),
        validators=[InputRequired(message=_l("Select the lawful basis"))],
    )  # fmt: skip
    wording = TextAreaField(
        _l("Wording shown (for consent)"), widget=GovTextArea(), filters=[strip],
        description=_l("What people read and agree to, when the basis is consent."),
        validators=[max_length(_l("Wording shown"), 4000)],
    )  # fmt: skip
    submit = SubmitField(_l("Save purpose"), widget=GovSubmitInput())

    def data_for_service(self) -> dict:
        return {name: getattr(self, name).data for name in ("name", "lawful_basis", "wording")}
