from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired


class SignInForm(FlaskForm):
    email = StringField(
        _l("Email address"),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter your email address"))],
    )
    password = PasswordField(
        _l("Password"),
        widget=GovPasswordInput(),
        validators=[InputRequired(message=_l("Enter your password"))],
    )
    submit = SubmitField(_l("Sign in"), widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        widget=GovPasswordInput(),
        validators=[InputRequired(message=_l("Enter your current password"))],
    )
    new_password = PasswordField(
        _l("New password"),
        widget=GovPasswordInput(),
        description=_l("Use 12 characters or more"),
        validators=[InputRequired(message=_l("Enter a new password"))],
    )
    confirm_password = PasswordField(
        _l("Confirm new password"),
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message=_l("Confirm your new password")),
            EqualTo("new_password", message=_l("The passwords do not match")),
        ],
    )
    submit = SubmitField(_l("Change password"), widget=GovSubmitInput())


class ButtonForm(FlaskForm):
    """An empty form for POST-only buttons (sign out, archive, restore).

    It carries only the CSRF token."""


class SecurityCodeForm(FlaskForm):
    """A code from an authenticator app (or, where the page says so, a recovery code)."""

    code = StringField(
        _l("Security code"),
        widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the security code"))],
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())
