"""The mapping exercise form: the day, who ran it, and a row per stakeholder of the Area
with its scores filled in from the register (a plain form: no JavaScript needed)."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, InputRequired

from crm.forms_common import GovDateField, OnceForm, max_length, not_future, optional_int, strip
from crm.services.mapping import Position
from crm.stakeholders.forms import SCORE_CHOICES

ASPECTS = ("influence", "interest")


class ExerciseForm(OnceForm):
    held_on = GovDateField(
        "Date of the exercise", widget=GovDateInput(),
        validators=[InputRequired(message="Enter the date of the exercise")],
    )  # fmt: skip
    run_by_id = SelectField(
        "Who ran it", widget=GovSelect(), coerce=optional_int, validate_choice=False,
        validators=[InputRequired(message="Select who ran the exercise")],
    )  # fmt: skip
    title = StringField("Title (optional)", widget=GovTextInput(),
                        validators=[max_length("Title", 200)])  # fmt: skip
    notes = TextAreaField("Notes (optional)", widget=GovTextArea())
    submit = SubmitField("Save the exercise", widget=GovSubmitInput())

    stakeholders: list = []

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        valid = not_future(self.held_on, "Date of the exercise") and valid
        for s in self.stakeholders:
            influence, interest = (self[f"{aspect}_{s.id}"] for aspect in ASPECTS)
            if influence.errors or interest.errors or bool(influence.data) == bool(interest.data):
                continue
            missing = interest if influence.data else influence
            missing.errors = [
                *missing.errors,
                f"Enter both influence and interest for {s.name}, or neither",
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

    for s in stakeholders:
        for aspect in ASPECTS:
            current = getattr(s, aspect)
            message = f"Select a score of 1 to 5 for the {aspect} of {s.name}, or Not assessed"
            setattr(Form, f"{aspect}_{s.id}", SelectField(
                f"{aspect.title()} of {s.name}", widget=GovSelect(), choices=SCORE_CHOICES,
                default="" if current is None else str(current), validate_choice=False,
                validators=[AnyOf([value for value, _ in SCORE_CHOICES], message=message)],
            ))  # fmt: skip
        setattr(Form, f"note_{s.id}", StringField(
            f"Note on {s.name}", widget=GovTextInput(),
            validators=[max_length(f"Note on {s.name}", 500)],
        ))  # fmt: skip
    form = Form()
    form.stakeholders = stakeholders
    form.run_by_id.choices = [("", "Choose a person")] + [(u.id, u.name) for u in staff]
    return form
