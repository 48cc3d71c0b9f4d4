"""Forms for feedback, its status moves, a meeting's case reviews, and casework priorities."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length

from crm.forms_common import (
    GovDateField,
    OnceForm,
    max_length,
    not_future,
    optional_int,
    record_id,
    strip,
)
from crm.models.feedback import ASSESSMENTS, FEEDBACK_SOURCES, FEEDBACK_STATUSES, TONES
from crm.plans.forms import ServesFields
from crm.services.feedback import looks_like_a_name


class FeedbackForm(ServesFields, OnceForm):
    source = SelectField(
        "Where it came from",
        widget=GovSelect(),
        default="",
        choices=[("", "Choose a source")] + list(FEEDBACK_SOURCES.items()),
        validators=[InputRequired(message="Select where the feedback came from")],
    )
    received_on = GovDateField(
        "Date received", widget=GovDateInput(),
        validators=[InputRequired(message="Enter the date the feedback was received")],
    )  # fmt: skip
    area_id = SelectField("Area", widget=GovSelect(), coerce=optional_int, validate_choice=False)
    panel_id = SelectField("Panel", widget=GovSelect(), coerce=optional_int, validate_choice=False)
    panel_meeting_id = SelectField(
        "Panel meeting", widget=GovSelect(), coerce=optional_int, validate_choice=False
    )
    engagement_id = HiddenField()
    stakeholder_id = HiddenField()
    summary = StringField(
        "What was said, in a sentence",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter a summary of the feedback"),
            Length(max=300, message="Summary must be 300 characters or fewer"),
        ],
    )
    detail = TextAreaField("Detail", widget=GovTextArea())
    restricted_detail = TextAreaField(
        "Restricted detail",
        widget=GovTextArea(),
        description="Sensitive detail. Only the owner, administrators and the Area's senior "
        "leaders can see this. It never appears in a report.",
    )
    case_reference = StringField(
        "Case reference (optional)",
        widget=GovTextInput(),
        description="The service's own reference, like a URN. Never a person's name.",
        validators=[max_length("Case reference", 40)],
    )
    confirm_reference = BooleanField(
        "This is the service's own reference, not a name", widget=GovCheckboxInput()
    )
    assessment = SelectField(
        "The panel's assessment (case reviews)",
        widget=GovSelect(),
        choices=[("", "Not a case review")] + list(ASSESSMENTS.items()),
        default="",
    )
    learning_points = TextAreaField("Learning points", widget=GovTextArea())
    tone = SelectField("Tone", widget=GovRadioInput(), choices=list(TONES.items()),
                       default="neutral")  # fmt: skip
    names_person = BooleanField(
        "The summary or response names or could identify a person",
        widget=GovCheckboxInput(),
        description="Feedback marked like this is left out of the public report",
    )
    priority_ids = SelectMultipleField(
        "Casework priorities", widget=GovCheckboxesInput(), coerce=record_id, validate_choice=False
    )
    community_ids = SelectMultipleField(
        "Communities it concerns", widget=GovCheckboxesInput(), coerce=record_id,
        validate_choice=False,
    )
    owner_id = SelectField("Owner", widget=GovSelect(), coerce=optional_int, validate_choice=False)
    response_due_on = GovDateField("Response due", widget=GovDateInput())
    referred_to_qa_on = GovDateField(
        "Date referred to casework quality assurance", widget=GovDateInput()
    )
    version = HiddenField()
    submit = SubmitField("Save feedback", widget=GovSubmitInput())

    def set_choices(self, areas, national, panels, meetings, staff, priorities, communities):
        first = [("", "National (all Areas)")] if national else [("", "Choose an Area")]
        self.area_id.choices = first + [(a.id, a.name) for a in areas]
        self.panel_id.choices = [("", "No panel")] + [(p.id, p.name) for p in panels]
        self.panel_meeting_id.choices = [("", "No meeting")] + [
            (m.id, f"{m.panel.name}, {m.held_on:%-d %B %Y}") for m in meetings
        ]
        self.owner_id.choices = [("", "No owner")] + [(u.id, u.name) for u in staff]
        self.priority_ids.choices = [
            (p.id, p.label + (" (retired)" if p.is_retired else "")) for p in priorities
        ]
        self.community_ids.choices = [(c.id, c.name) for c in communities]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        valid = not_future(self.received_on, "Date received") and valid
        valid = not_future(self.referred_to_qa_on, "Date referred") and valid
        if not self.priority_ids.data:
            self.priority_ids.errors = [
                *self.priority_ids.errors, "Select at least one casework priority",
            ]  # fmt: skip
            valid = False
        if looks_like_a_name(strip(self.case_reference.data)) and not self.confirm_reference.data:
            self.case_reference.errors = [
                *self.case_reference.errors,
                "Case reference looks like a person's name: enter the service's own reference, "
                "or tick the box to confirm it is one",
            ]
            valid = False
        return valid

    def to_data(self) -> dict[str, Any]:
        return {
            "source": self.source.data,
            "received_on": self.received_on.data,
            "area_id": self.area_id.data,
            "panel_id": self.panel_id.data,
            "panel_meeting_id": self.panel_meeting_id.data,
            "engagement_id": optional_int(self.engagement_id.data),
            "stakeholder_id": optional_int(self.stakeholder_id.data),
            "summary": strip(self.summary.data),
            "detail": strip(self.detail.data),
            "case_reference": strip(self.case_reference.data),
            "assessment": self.assessment.data or "",
            "learning_points": strip(self.learning_points.data),
            "tone": self.tone.data or "neutral",
            "names_person": bool(self.names_person.data),
            "owner_id": self.owner_id.data,
            "response_due_on": self.response_due_on.data,
            "referred_to_qa_on": self.referred_to_qa_on.data,
        }

    def load(self, f) -> None:
        for name in self.to_data():
            getattr(self, name).data = getattr(f, name)
        self.restricted_detail.data = f.restricted_detail
        self.priority_ids.data = [p.id for p in f.priorities]
        self.community_ids.data = [c.id for c in f.communities]
        self.confirm_reference.data = looks_like_a_name(f.case_reference or "")
        self.version.data = str(f.version)


class StatusForm(FlaskForm):
    to_status = SelectField(
        "What happens next", widget=GovRadioInput(), choices=list(FEEDBACK_STATUSES.items()),
        validate_choice=False, validators=[InputRequired(message="Select what happens next")],
    )  # fmt: skip
    moved_on = GovDateField(
        "Date", widget=GovDateInput(), validators=[InputRequired(message="Enter the date")]
    )
    response = TextAreaField(
        "Response: what was done", widget=GovTextArea(),
        description="Needed to close it. This is the \"we did\" of the report.",
    )  # fmt: skip
    no_action_reason = TextAreaField(
        "Why no action is being taken", widget=GovTextArea(),
        description="Needed to close it with no action",
    )  # fmt: skip
    note = TextAreaField(
        "Note", widget=GovTextArea(),
        description="Needed when it goes back to an earlier stage: say why",
    )  # fmt: skip
    submit = SubmitField("Save", widget=GovSubmitInput())


class CaseReviewRow(Form):
    """One case reviewed at a meeting; a row with no summary and no reference is skipped."""

    case_reference = StringField("Case reference", widget=GovTextInput(),
                                 validators=[max_length("Case reference", 40)])  # fmt: skip
    priority_id = SelectField("Casework priority", widget=GovSelect(), coerce=optional_int,
                              validate_choice=False)  # fmt: skip
    assessment = SelectField(
        "Assessment", widget=GovSelect(),
        choices=[("", "Choose the assessment")] + list(ASSESSMENTS.items()), default="",
    )  # fmt: skip
    tone = SelectField("Tone", widget=GovSelect(), choices=list(TONES.items()), default="neutral")
    summary = StringField("What the panel said", widget=GovTextInput(),
                          validators=[max_length("What the panel said", 300)])  # fmt: skip
    learning_points = TextAreaField("Learning points", widget=GovTextArea())
    confirm_reference = BooleanField(
        "This is the service's own reference, not a name", widget=GovCheckboxInput()
    )

    def is_blank(self) -> bool:
        return not (strip(self.summary.data) or strip(self.case_reference.data))


class CaseReviewsForm(OnceForm):
    reviews = FieldList(FormField(CaseReviewRow), min_entries=5, max_entries=20)
    submit = SubmitField("Save the case reviews", widget=GovSubmitInput())

    def set_choices(self, priorities) -> None:
        choices = [("", "Choose a priority")] + [(p.id, p.label) for p in priorities]
        for row in self.reviews:
            row.priority_id.choices = choices

    def validate(self, extra_validators=None) -> bool:
        valid = self._check_rows(super().validate(extra_validators))
        # The list gathered its rows' errors while validating: gather them again, with
        # the ones added above, so the error summary and the page title show them all.
        self.reviews.errors = [row.errors for row in self.reviews]
        return valid

    def _check_rows(self, valid: bool) -> bool:
        filled = [row for row in self.reviews if not row.is_blank()]
        if not filled:
            self.reviews[0].summary.errors = [
                "Enter at least one case review: what the panel said, or the case reference"
            ]
            return False
        for n, row in enumerate(self.reviews, start=1):
            if row.is_blank():
                continue
            for field, message in (
                (row.summary, f"Case {n}: enter what the panel said"),
                (row.priority_id, f"Case {n}: select the casework priority"),
                (row.assessment, f"Case {n}: select the panel's assessment"),
            ):
                if not field.data:
                    field.errors = [*field.errors, message]
                    valid = False
            reference = strip(row.case_reference.data)
            if looks_like_a_name(reference) and not row.confirm_reference.data:
                row.case_reference.errors = [
                    *row.case_reference.errors,
                    f"Case {n}: the reference looks like a person's name: enter the service's "
                    "own reference, or tick the box to confirm it is one",
                ]
                valid = False
        return valid

    def to_reviews(self, owner_id: int | None) -> list[dict[str, Any]]:
        return [
            {
                "case_reference": strip(row.case_reference.data),
                "priority_ids": [row.priority_id.data],
                "assessment": row.assessment.data,
                "tone": row.tone.data or "neutral",
                "summary": strip(row.summary.data),
                "learning_points": strip(row.learning_points.data),
                "owner_id": owner_id,
            }
            for row in self.reviews
            if not row.is_blank()
        ]


class PriorityForm(OnceForm):
    name = StringField(
        "Name", widget=GovTextInput(),
        validators=[InputRequired(message="Enter the priority's name"), max_length("Name", 200)],
    )  # fmt: skip
    parent_id = SelectField(
        "Part of", widget=GovSelect(), coerce=optional_int, validate_choice=False
    )
    submit = SubmitField("Add priority", widget=GovSubmitInput())
