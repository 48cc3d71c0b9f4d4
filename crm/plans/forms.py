"""Forms for objectives, action plans, their actions, updates, evidence and the import."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired

from crm.forms_common import (
    GovDateField,
    OnceForm,
    WholeNumber,
    max_length,
    not_future,
    optional_int,
    record_id,
    strip,
)
from crm.models.plan import ACTION_STATUSES, DUE_KINDS, REVIEW_CADENCES, UPDATE_CADENCES
from crm.models.reference import PROTECTED_CHARACTERISTICS

_MEASURE = re.compile(
    r"^(?P<text>.*?)(?:\s*[:(]\s*(?P<baseline>-?\d+(?:\.\d+)?)?\s*(?:->|to|→)\s*"
    r"(?P<target>-?\d+(?:\.\d+)?)\s*(?P<unit>[^)]*)\)?)?\s*$"
)
_ACTIVITY = re.compile(r"^(?P<year>\d{4})(?:-\d{2,4})?\s*[:\-]\s*(?P<text>.+)$")


def area_choices(areas, national: bool, none_text: str) -> list:
    first = [("", none_text)] if national else [("", _("Choose an Area"))]
    return first + [(a.id, a.name) for a in areas]


class ObjectiveForm(OnceForm):
    title = StringField(_l("Title"), widget=GovTextInput(), validators=[
        InputRequired(message=_l("Enter the objective's title")), max_length(_l("Title"), 200)])
    statement = TextAreaField(_l("What we commit to"), widget=GovTextArea())
    starts_in = StringField(_l("First year"), widget=GovTextInput(),
                            validators=[WholeNumber(_l("First year"), 1900, 2999)])
    ends_in = StringField(_l("Last year"), widget=GovTextInput(),
                          validators=[WholeNumber(_l("Last year"), 1900, 2999)])
    area_id = SelectField(_l("Area"), widget=GovSelect(), coerce=optional_int,
                          validate_choice=False)
    characteristics = SelectMultipleField(
        _l("Protected characteristics it concerns"), widget=GovCheckboxesInput(),
        choices=list(PROTECTED_CHARACTERISTICS.items()),
    )
    community_ids = SelectMultipleField(_l("Communities it concerns"), widget=GovCheckboxesInput(),
                                        coerce=record_id, validate_choice=False)
    measures = TextAreaField(
        _l("Measures of success"), widget=GovTextArea(),
        description=_l("One a line. A number with a baseline and a target, if there is one, "
                        "like: Staff declaring their details (62 -> 75 %)"),
    )
    activities = TextAreaField(
        _l("Key activities"), widget=GovTextArea(),
        description=_l("One a line, each starting with its year, like: 2019-20: Conduct a "
                        "stakeholder and community mapping exercise"),
    )
    version = HiddenField()
    submit = SubmitField(_l("Save objective"), widget=GovSubmitInput())  # fmt: skip

    def set_choices(self, areas, national: bool, communities) -> None:
        self.area_id.choices = area_choices(areas, national, _("National (all Areas)"))
        self.community_ids.choices = [(c.id, c.name) for c in communities]

    def read_measures(self) -> list[dict]:
        found = []
        for line in strip(self.measures.data).splitlines():
            line = line.strip()
            if not line:
                continue
            match = _MEASURE.match(line)
            baseline = match.group("baseline") if match else None
            target = match.group("target") if match else None
            found.append({
                "text": (match.group("text") if match and target else line)[:2000],
                "baseline": float(baseline) if baseline else None,
                "target": float(target) if target else None,
                "unit": (match.group("unit") or "").strip()[:40] if match and target else "",
            })  # fmt: skip
        return found

    def read_activities(self, first_year: int) -> list[dict] | None:
        """Each line's year and text; None (and an error on the field) if a line has no year
        and there is no first year to give it."""
        found = []
        for line in strip(self.activities.data).splitlines():
            line = line.strip()
            if not line:
                continue
            match = _ACTIVITY.match(line)
            found.append({"year": int(match.group("year")) if match else first_year,
                          "text": (match.group("text") if match else line).strip()})  # fmt: skip
        return found

    def to_data(self) -> dict[str, Any]:
        return {
            "title": strip(self.title.data), "statement": strip(self.statement.data),
            "starts_in": self.starts_in.data, "ends_in": self.ends_in.data,
            "area_id": self.area_id.data, "characteristics": list(self.characteristics.data or []),
        }  # fmt: skip

    def load(self, o) -> None:
        self.title.data, self.statement.data = o.title, o.statement
        self.starts_in.data, self.ends_in.data = str(o.starts_in), str(o.ends_in)
        self.area_id.data, self.characteristics.data = o.area_id, list(o.characteristics or [])
        self.community_ids.data = [c.id for c in o.communities]
        self.measures.data = "\n".join(_measure_line(m) for m in o.measures)
        self.activities.data = "\n".join(f"{a.year_label}: {a.text}" for a in o.activities)
        self.version.data = str(o.version)


def _measure_line(m) -> str:
    if m.target is None:
        return m.text
    baseline = f"{m.baseline:g} " if m.baseline is not None else ""
    return f"{m.text} ({baseline}-> {m.target:g}{' ' + m.unit if m.unit else ''})"


class PlanForm(OnceForm):
    title = StringField(_l("Title"), widget=GovTextInput(), validators=[
        InputRequired(message=_l("Enter the plan's title")), max_length(_l("Title"), 200)])
    area_id = SelectField(_l("Area"), widget=GovSelect(), coerce=optional_int,
                          validate_choice=False)
    team = StringField(_l("Team (optional)"), widget=GovTextInput(),
                       description=_l("For a team's own plan within the Area"),
                       validators=[max_length(_l("Team"), 200)])
    starts_on = GovDateField(_l("Start date"), widget=GovDateInput(), validators=[
        InputRequired(message=_l("Enter the date the plan starts"))])
    ends_on = GovDateField(_l("End date"), widget=GovDateInput(), validators=[
        InputRequired(message=_l("Enter the date the plan ends"))])
    owner_id = SelectField(_l("Owner"), widget=GovSelect(), coerce=optional_int,
                           validate_choice=False)
    update_months = SelectField(_l("Actions are updated"), widget=GovRadioInput(), coerce=int,
                                choices=list(UPDATE_CADENCES.items()), default=3)
    version = HiddenField()
    submit = SubmitField(_l("Save plan"), widget=GovSubmitInput())  # fmt: skip

    def set_choices(self, areas, national: bool, staff) -> None:
        self.area_id.choices = area_choices(areas, national, _("National (all Areas)"))
        self.owner_id.choices = [("", _("No owner"))] + [(u.id, u.name) for u in staff]

    def to_data(self) -> dict[str, Any]:
        return {
            "title": strip(self.title.data), "area_id": self.area_id.data,
            "team": strip(self.team.data), "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data, "owner_id": self.owner_id.data,
            "update_months": self.update_months.data,
        }  # fmt: skip

    def load(self, p) -> None:
        for name in self.to_data():
            getattr(self, name).data = getattr(p, name)
        self.version.data = str(p.version)


class ThemeForm(OnceForm):
    number = StringField(_l("Number"), widget=GovTextInput(), validators=[
        InputRequired(message=_l("Enter the theme's number, like 2")),
        max_length(_l("Number"), 10)])
    title = StringField(_l("Theme"), widget=GovTextInput(), validators=[
        InputRequired(message=_l("Enter the theme")), max_length(_l("Theme"), 500)])
    submit = SubmitField(_l("Add theme"), widget=GovSubmitInput())  # fmt: skip


class ActionForm(OnceForm):
    theme_id = SelectField(_l("Theme"), widget=GovSelect(), coerce=optional_int,
                           validate_choice=False)
    letter = StringField(_l("Letter (optional)"), widget=GovTextInput(),
                         description=_l("Leave blank for the next free letter"),
                         validators=[max_length(_l("Letter"), 3)])
    what = TextAreaField(_l("What will be done"), widget=GovTextArea(),
                         validators=[InputRequired(message=_l("Enter what will be done"))])
    owner_id = SelectField(_l("Who does it"), widget=GovSelect(), coerce=optional_int,
                           validate_choice=False)
    by_whom = StringField(_l("Or a role or team"), widget=GovTextInput(),
                          description=_l("As the plan says it, like All managers"),
                          validators=[max_length(_l("Role or team"), 200)])
    due_kind = SelectField(_l("By when"), widget=GovRadioInput(), default="date",
                           choices=list(DUE_KINDS.items()))
    due_on = GovDateField(_l("Due date, or any day in the month it is due"),
                          widget=GovDateInput())
    review_months = SelectField(
        _l("If ongoing, how often it is reviewed"), widget=GovSelect(), coerce=optional_int,
        choices=[("", _l("As often as the plan's updates"))] + list(REVIEW_CADENCES.items()),
        validate_choice=False)  # fmt: skip
    key_activity_id = SelectField(_l("Key activity it serves"), widget=GovSelect(),
                                  coerce=optional_int, validate_choice=False)
    objective_ids = SelectMultipleField(_l("Objectives it serves"), widget=GovCheckboxesInput(),
                                        coerce=record_id, validate_choice=False)
    version = HiddenField()
    submit = SubmitField(_l("Save action"), widget=GovSubmitInput())  # fmt: skip

    def set_choices(self, themes, staff, objectives) -> None:
        self.theme_id.choices = [("", _("No theme"))] + [(t.id, f"{t.number} {t.title}")
                                                      for t in themes]  # fmt: skip
        self.owner_id.choices = [("", _("A role or team, named below"))] + [
            (u.id, u.name) for u in staff]
        self.objective_ids.choices = [(o.id, f"{o.title} ({o.area_name}, {o.period_label})")
                                      for o in objectives]  # fmt: skip
        self.key_activity_id.choices = [("", _("None"))] + [
            (a.id, f"{o.title}, {a.year_label}: {a.text}"[:150])
            for o in objectives for a in o.activities
        ]  # fmt: skip

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        needs_date = self.due_kind.data in ("date", "month")
        if needs_date and not self.due_on.data and not self.due_on.errors:
            self.due_on.errors = [*self.due_on.errors, _("Enter the date it is due by")]
            valid = False
        if not self.owner_id.data and not strip(self.by_whom.data):
            self.by_whom.errors = [*self.by_whom.errors,
                                   _("Choose who does it, or name the role or team")]
            valid = False
        return valid

    def to_data(self) -> dict[str, Any]:
        return {
            "what": strip(self.what.data), "owner_id": self.owner_id.data,
            "by_whom": strip(self.by_whom.data), "due_kind": self.due_kind.data,
            "due_on": self.due_on.data, "review_months": self.review_months.data,
            "key_activity_id": self.key_activity_id.data,
            "objective_ids": list(self.objective_ids.data or []),
        }  # fmt: skip

    def load(self, a) -> None:
        self.theme_id.data, self.what.data, self.owner_id.data = a.theme_id, a.what, a.owner_id
        self.by_whom.data, self.due_kind.data, self.due_on.data = a.by_whom, a.due_kind, a.due_on
        self.key_activity_id.data, self.review_months.data = a.key_activity_id, a.review_months
        self.objective_ids.data = [o.id for o in a.objectives]
        self.version.data = str(a.version)


class UpdateForm(OnceForm):
    updated_on = GovDateField(_l("Date of the update"), widget=GovDateInput(), validators=[
        InputRequired(message=_l("Enter the date of the update"))])
    to_status = SelectField(_l("Where it stands now"), widget=GovRadioInput(),
                            choices=list(ACTION_STATUSES.items()))
    note = TextAreaField(_l("Progress"), widget=GovTextArea(),
                         description=_l("What has been done. Needed to mark it done (the final "
                                        "note) or dropped (why)."))
    submit = SubmitField(_l("Save update"), widget=GovSubmitInput())  # fmt: skip

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return not_future(self.updated_on, _("The update's date")) and valid


class EvidenceForm(OnceForm):
    kind = SelectField(_l("What shows the progress"), widget=GovRadioInput(), default="engagement",
                       choices=[("engagement", _l("An engagement")), ("feedback", _l("Feedback")),
                                ("panel_meeting", _l("A panel meeting")),
                                ("document", _l("A document"))])
    engagement_id = SelectField(_l("Engagement"), widget=GovSelect(), coerce=optional_int,
                                validate_choice=False)
    feedback_id = SelectField(_l("Feedback"), widget=GovSelect(), coerce=optional_int,
                              validate_choice=False)
    panel_meeting_id = SelectField(_l("Panel meeting"), widget=GovSelect(), coerce=optional_int,
                                   validate_choice=False)
    title = StringField(_l("Document title"), widget=GovTextInput(),
                        validators=[max_length(_l("Document title"), 300)])
    url = StringField(_l("Link to the document (optional)"), widget=GovTextInput(),
                      validators=[max_length(_l("Link"), 500)])
    submit = SubmitField(_l("Add evidence"), widget=GovSubmitInput())  # fmt: skip

    def set_choices(self, engagements, feedback, meetings) -> None:
        self.engagement_id.choices = [("", _("Choose an engagement"))] + [
            (e.id, f"{e.held_on:%-d %b %Y}: {e.title}") for e in engagements]
        self.feedback_id.choices = [("", _("Choose feedback"))] + [
            (f.id, f"{f.received_on:%-d %b %Y}: {f.summary}") for f in feedback]
        self.panel_meeting_id.choices = [("", _("Choose a meeting"))] + [
            (m.id, f"{m.panel.name}, {m.held_on:%-d %b %Y}") for m in meetings]  # fmt: skip

    def chosen_record(self) -> int | None:
        field = {"engagement": self.engagement_id, "feedback": self.feedback_id,
                 "panel_meeting": self.panel_meeting_id}.get(self.kind.data)  # fmt: skip
        return field.data if field is not None else None


class ServesFields:
    """Mixed into the engagement and feedback forms: the objectives and plan actions the
    record serves, so "what did we do this quarter, for which objective" has an answer."""

    serves_objective_ids = SelectMultipleField(
        _l("Objectives it served"), widget=GovCheckboxesInput(), coerce=record_id,
        validate_choice=False)
    serves_action_ids = SelectMultipleField(
        _l("Plan actions it served"), widget=GovCheckboxesInput(), coerce=record_id,
        validate_choice=False)  # fmt: skip

    def set_serves_choices(self, objectives, actions) -> None:
        self.serves_objective_ids.choices = [
            (o.id, f"{o.title} ({o.area_name}, {o.period_label})") for o in objectives]
        self.serves_action_ids.choices = [
            (a.id, f"{a.reference} {a.what} ({a.plan.title})"[:200]) for a in actions]

    def load_served(self, evidence) -> None:
        self.serves_objective_ids.data = [e.objective_id for e in evidence if e.objective_id]
        self.serves_action_ids.data = [e.action_id for e in evidence if e.action_id]

    def served(self) -> tuple[list[int], list[int]]:
        return (list(self.serves_objective_ids.data or []),
                list(self.serves_action_ids.data or []))  # fmt: skip


class ImportForm(PlanForm):
    """The plan's own details, and its themes and actions from a file like the paper's."""

    file = FileField(_l("The plan as CSV or Excel (XLSX)"), widget=GovFileInput(),
                     validators=[FileRequired(message=_l("Choose the plan's file"))])
    submit = SubmitField(_l("Read the file"), widget=GovSubmitInput())  # fmt: skip
