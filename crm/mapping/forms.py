"""The mapping exercise form: the day, who ran it, and a row per stakeholder of the Area
with its scores filled in from the register (a plain form: no JavaScript needed)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length

from crm.forms_common import GovDateField, OnceForm, not_future, optional_int, strip
from crm.services.mapping import Position
from crm.stakeholders.forms import SCORE_CHOICES

ASPECTS = ("influence", "interest")


class ExerciseForm(OnceForm):
    held_on = GovDateField(
        _l("Date of the exercise"), widget=GovDateInput(),
        validators=[InputRequired(message=_l("Enter the date of the exercise"))],
    )  # fmt: skip
    run_by_id = SelectField(
        _l("Who ran it"), widget=GovSelect(), coerce=optional_int, validate_choice=False,
        validators=[InputRequired(message=_l("Select who ran the exercise"))],
    )  # fmt: skip
    title = StringField(_l("Title (optional)"), widget=GovTextInput(), validators=[
        Length(max=200, message=_l("Title must be 200 characters or fewer"))])  # fmt: skip
    notes = TextAreaField(_l("Notes (optional)"), widget=GovTextArea())
    submit = SubmitField(_l("Save the exercise"), widget=GovSubmitInput())

    stakeholders: list = []

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        future = _("Date of the exercise must be today or in the past")
        valid = not_future(self.held_on, message=future) and valid
        for s in self.stakeholders:
            influence, interest = (self[f"{aspect}_{s.id}"] for aspect in ASPECTS)
            if influence.errors or interest.errors or bool(influence.data) == bool(interest.data):
                continue
            missing = interest if influence.data else influence
            missing.errors = [
                *missing.errors,
                _("Enter both influence and interest for %(name)s, or neither", name=s.name),
            ]
            valid = False
        return valid

    def to_data(self) -> dict[str, Any]:
        return {
            "held_on": self.held_on.data,
            "run_by_id": self.run_by_id.data,
            "title": strip(self.title.data),
            "notes": strip(self.notes.data),
        }

    def positions(self) -> list[Position]:
        return [
            Position(s.id, optional_int(self[f"influence_{s.id}"].data),
                     optional_int(self[f"interest_{s.id}"].data), strip(self[f"note_{s.id}"].data))
            for s in self.stakeholders
        ]  # fmt: skip


def exercise_form(stakeholders, staff) -> ExerciseForm:
    """The form with a row per stakeholder, each score starting at the register's (a
    stakeholder added since the form was opened keeps its scores when it is saved)."""

    class Form(ExerciseForm):
        pass

    values = [value for value, _label in SCORE_CHOICES]
    for s in stakeholders:
        # Length and AnyOf put their message through %: a % in a name is written %%.
        name = s.name.replace("%", "%%")
        texts = {
            "influence": (_("Influence of %(name)s", name=s.name), _(
                "Select a score of 1 to 5 for the influence of %(name)s, or Not assessed",
                name=name)),
            "interest": (_("Interest of %(name)s", name=s.name), _(
                "Select a score of 1 to 5 for the interest of %(name)s, or Not assessed",
                name=name)),
        }  # fmt: skip
        for aspect in ASPECTS:
            current = getattr(s, aspect)
            label, message = texts[aspect]
            setattr(Form, f"{aspect}_{s.id}", SelectField(
                label, widget=GovSelect(), choices=SCORE_CHOICES,
                default="" if current is None else str(current), validate_choice=False,
                validators=[AnyOf(values, message=message)],
            ))  # fmt: skip
        setattr(Form, f"note_{s.id}", StringField(
            _("Note on %(name)s", name=s.name), widget=GovTextInput(),
            validators=[Length(max=500, message=_(
                "Note on %(name)s must be 500 characters or fewer", name=name))],
        ))  # fmt: skip
    form = Form()
    form.stakeholders = stakeholders
    form.run_by_id.choices = [("", _("Choose a person"))] + [(u.id, u.name) for u in staff]
    return form
