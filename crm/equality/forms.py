"""Forms for equality monitoring: a member's answers, their objection, an Area's population."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired

from crm.forms_common import GovDateField, not_future
from crm.models.equality import GIVEN_HOW, QUESTIONS
from crm.services.equality import options
from crm.services.equality_report import REPORTED, field_name


def _question(name: str) -> SelectField:
    label = QUESTIONS[name][0]
    return SelectField(label, widget=GovRadioInput(), default="", validate_choice=False,
                       choices=[*options(name).items(), ("", _l("Not answered"))])  # fmt: skip


class AnswersForm(FlaskForm):
    """Every answer is voluntary; "not answered" is a choice like the others. Values are
    checked by the service (equality.save_answers), which names the field it refuses."""

    age_band = _question("age_band")
    disability = _question("disability")
    ethnicity = _question("ethnicity")
    religion = _question("religion")
    sex = _question("sex")
    gender_same = _question("gender_same")
    sexual_orientation = _question("sexual_orientation")
    given_on = GovDateField(
        _l("Date the answers were given"), widget=GovDateInput(),
        invalid_message=_l("Date the answers were given must be a real date"),
        validators=[InputRequired(message=_l("Enter the date the answers were given"))])
    given_how = SelectField(_l("How they were given"), widget=GovRadioInput(), default="",
                            validate_choice=False,
                            choices=[*GIVEN_HOW.items(), ("", _l("Not recorded"))])  # fmt: skip
    submit = SubmitField(_l("Save answers"), widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return not_future(self.given_on, _("The date the answers were given")) and valid

    def to_data(self) -> dict:
        return {name: getattr(self, name).data for name in [*QUESTIONS, "given_on", "given_how"]}


class ObjectionForm(FlaskForm):
    objected_on = GovDateField(
        _l("Date they objected"), widget=GovDateInput(),
        invalid_message=_l("Date they objected must be a real date"),
        validators=[InputRequired(message=_l("Enter the date they objected"))])
    submit = SubmitField(_l("Record the objection"), widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return not_future(self.objected_on, _("The date they objected")) and valid


def population_form(values: dict[str, str] | None = None) -> FlaskForm:
    """A percentage field per category of every question (ethnicity by its 5 groups)."""

    class PopulationForm(FlaskForm):
        submit = SubmitField(_l("Save the population profile"), widget=GovSubmitInput())

    for question, (label, categories) in REPORTED.items():
        for category, name in categories.items():
            setattr(PopulationForm, field_name(question, category), StringField(
                name, widget=GovTextInput(),
                description=_l("%(question)s, per cent", question=label)))
    form = PopulationForm(data=values or {})
    form.questions = [(label, [getattr(form, field_name(question, c)) for c in categories])
                      for question, (label, categories) in REPORTED.items()]  # fmt: skip
    return form
