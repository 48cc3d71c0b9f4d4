"""Forms for the administrators' pages and for setting a password through an invitation."""

from __future__ import annotations

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
        "Role",
        widget=GovRadioInput(),
        choices=list(ROLES.items()),
        validate_choice=False,
        validators=[InputRequired(message="Select a role")],
    )


def _national():
    return BooleanField(
        "They work in every Area (national)",
        widget=GovCheckboxInput(),
        description="National staff see and change records in every Area.",
    )


def _area_ids():
    return SelectMultipleField(
        "Areas they work in",
        widget=GovCheckboxesInput(),
        coerce=record_id,
        description="Select all that apply, unless they work in every Area",
        validate_choice=False,
    )


class AccessForm(FlaskForm):
    """A person's role, the Areas they work in (or every Area), and their rights beyond
    the role."""

    role = _role()
    national = _national()
    area_ids = _area_ids()
    rights = SelectMultipleField(
        "Rights beyond their role",
        widget=GovCheckboxesInput(),
        choices=list(RIGHTS.items()),
        description="Only for people whose work needs them: each right shows personal data "
                    "that others never see.",
        validate_choice=False,
    )  # fmt: skip
    submit = SubmitField("Save role, Areas and rights", widget=GovSubmitInput())

    def set_choices(self, areas) -> None:
        self.area_ids.choices = [(a.id, a.name) for a in areas]

    def access(self) -> tuple[str, list[int], bool]:
        return self.role.data or "", list(self.area_ids.data or []), bool(self.national.data)


class InviteForm(AccessForm):
    """A new person: their name and email first, then their role and Areas."""

    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[InputRequired(message="Enter their name"), max_length("Name", 150)],
    )
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip],
        description="They sign in with this address.",
        validators=[
            InputRequired(message="Enter their email address"),
            max_length("Email address", 254),
        ],
    )
    # Declared again so they come after the name and email (the error summary's order).
    role = _role()
    national = _national()
    area_ids = _area_ids()
    rights = None  # given afterwards, on the person's page, once their account exists
    submit = SubmitField("Make the invitation link", widget=GovSubmitInput())


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "Password", widget=GovPasswordInput(),
        description=f"Use {MIN_PASSWORD_LENGTH} characters or more",
        validators=[InputRequired(message="Enter a password")],
    )  # fmt: skip
    confirm_password = PasswordField(
        "Confirm password", widget=GovPasswordInput(),
        validators=[InputRequired(message="Confirm your password"),
                    EqualTo("password", message="The passwords do not match")],
    )  # fmt: skip
    submit = SubmitField("Set password", widget=GovSubmitInput())


class CommunityForm(FlaskForm):
    name = StringField(
        "Name", widget=GovTextInput(), filters=[strip],
        validators=[InputRequired(message="Enter the community's name"), max_length("Name", 150)],
    )  # fmt: skip
    characteristic = SelectField(
        "Protected characteristic", widget=GovSelect(), default="", validate_choice=False,
        choices=[("", "Choose a characteristic")] + list(PROTECTED_CHARACTERISTICS.items()),
        validators=[InputRequired(message="Select the protected characteristic")],
    )  # fmt: skip
    seldom_heard = BooleanField(
        "Seldom heard", widget=GovCheckboxInput(),
        description="A community the service rarely hears from: the coverage pages and the "
        "map flag gaps in engagement with it.",
    )  # fmt: skip
    description = TextAreaField(
        "Description (optional)", widget=GovTextArea(), filters=[strip],
        validators=[max_length("Description", 2000)],
    )  # fmt: skip
    submit = SubmitField("Save community", widget=GovSubmitInput())

    def data_for_service(self) -> dict:
        return {name: getattr(self, name).data for name in
                ("name", "characteristic", "seldom_heard", "description")}  # fmt: skip


class AreaForm(FlaskForm):
    name = StringField(
        "Name", widget=GovTextInput(), filters=[strip],
        validators=[InputRequired(message="Enter the Area's name"), max_length("Name", 100)],
    )  # fmt: skip
    code = StringField(
        "Code", widget=GovTextInput(), filters=[strip],
        description="Lower-case letters, numbers and hyphens. A boundary file may name the "
        "Area by this code (its \"code\" or \"area_code\" property) or by its name.",
        validators=[InputRequired(message="Enter the Area's code"), max_length("Code", 40)],
    )  # fmt: skip
    submit = SubmitField("Save Area", widget=GovSubmitInput())


class PurposeForm(FlaskForm):
    name = StringField(
        "Name", widget=GovTextInput(), filters=[strip],
        validators=[InputRequired(message="Enter the purpose's name"), max_length("Name", 150)],
    )  # fmt: skip
    lawful_basis = SelectField(
        "Lawful basis", widget=GovSelect(), default="", validate_choice=False,
        choices=[("", "Choose a lawful basis")] + list(LAWFUL_BASES.items()),
        validators=[InputRequired(message="Select the lawful basis")],
    )  # fmt: skip
    wording = TextAreaField(
        "Wording shown (for consent)", widget=GovTextArea(), filters=[strip],
        description="What people read and agree to, when the basis is consent.",
        validators=[max_length("Wording shown", 4000)],
    )  # fmt: skip
    submit = SubmitField("Save purpose", widget=GovSubmitInput())

    def data_for_service(self) -> dict:
        return {name: getattr(self, name).data for name in ("name", "lawful_basis", "wording")}
