"""Forms for feedback, its status moves, a meeting's case reviews, and casework priorities."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
    not_future,
    optional_int,
    record_id,
    strip,
)
from crm.i18n import day_month_year
from crm.models.feedback import ASSESSMENTS, FEEDBACK_SOURCES, FEEDBACK_STATUSES, TONES
from crm.plans.forms import ServesFields
from crm.services.feedback import looks_like_a_name


class FeedbackForm(ServesFields, OnceForm):
    source = SelectField(
        _l("Where it came from"),
        widget=GovSelect(),
        default="",
        choices=[("", _l("Choose a source"))] + list(FEEDBACK_SOURCES.items()),
        validators=[InputRequired(message=_l("Select where the feedback came from"))],
    )
    received_on = GovDateField(
        _l("Date received"), widget=GovDateInput(),
        invalid_message=_l("Date received must be a real date"),
        validators=[InputRequired(message=_l("Enter the date the feedback was received"))],
    )  # fmt: skip
    area_id = SelectField(_l("Area"), widget=GovSelect(), coerce=optional_int,
                          validate_choice=False)  # fmt: skip
    panel_id = SelectField(_l("Panel"), widget=GovSelect(), coerce=optional_int,
                           validate_choice=False)  # fmt: skip
    panel_meeting_id = SelectField(
        _l("Panel meeting"), widget=GovSelect(), coerce=optional_int, validate_choice=False
    )
    engagement_id = HiddenField()
    stakeholder_id = HiddenField()
    summary = StringField(
        _l("What was said, in a sentence"),
        widget=GovTextInput(),
        validators=[
            InputRequired(message=_l("Enter a summary of the feedback")),
            Length(max=300, message=_l("Summary must be 300 characters or fewer")),
        ],
    )
    detail = TextAreaField(_l("Detail"), widget=GovTextArea())
    restricted_detail = TextAreaField(
        _l("Restricted detail"),
        widget=GovTextArea(),
        description=_l("Sensitive detail. Only the owner, administrators and the Area's senior "
                       "leaders can see this. It never appears in a report."),
    )
    case_reference = StringField(
        _l("Case reference (optional)"),
        widget=GovTextInput(),
        description=_l("The service's own reference, like a URN. Never a person's name."),
        validators=[Length(max=40, message=_l("Case reference must be 40 characters or fewer"))],
    )
    confirm_reference = BooleanField(
        _l("This is the service's own reference, not a name"), widget=GovCheckboxInput()
    )
    assessment = SelectField(
        _l("The panel's assessment (case reviews)"),
        widget=GovSelect(),
        choices=[("", _l("Not a case review"))] + list(ASSESSMENTS.items()),
        default="",
    )
    learning_points = TextAreaField(_l("Learning points"), widget=GovTextArea())
    tone = SelectField(_l("Tone"), widget=GovRadioInput(), choices=list(TONES.items()),
                       default="neutral")  # fmt: skip
    names_person = BooleanField(
        _l("The summary or response names or could identify a person"),
        widget=GovCheckboxInput(),
        description=_l("Feedback marked like this is left out of the public report"),
    )
    priority_ids = SelectMultipleField(
        _l("Casework priorities"), widget=GovCheckboxesInput(), coerce=record_id,
        validate_choice=False,
    )  # fmt: skip
    community_ids = SelectMultipleField(
        _l("Communities it concerns"), widget=GovCheckboxesInput(), coerce=record_id,
        validate_choice=False,
    )
    owner_id = SelectField(_l("Owner"), widget=GovSelect(), coerce=optional_int,
                           validate_choice=False)  # fmt: skip
    response_due_on = GovDateField(
        _l("Response due"), widget=GovDateInput(),
        invalid_message=_l("Response due must be a real date"),
    )  # fmt: skip
    referred_to_qa_on = GovDateField(
        _l("Date referred to casework quality assurance"), widget=GovDateInput(),
        invalid_message=_l("Date referred to casework quality assurance must be a real date"),
    )  # fmt: skip
    version = HiddenField()
    submit = SubmitField(_l("Save feedback"), widget=GovSubmitInput())

    def set_choices(self, areas, national, panels, meetings, staff, priorities, communities):
        first = [("", _("National (all Areas)"))] if national else [("", _("Choose an Area"))]
        self.area_id.choices = first + [(a.id, a.name) for a in areas]
        self.panel_id.choices = [("", _("No panel"))] + [(p.id, p.name) for p in panels]
        self.panel_meeting_id.choices = [("", _("No meeting"))] + [
            (m.id, f"{m.panel.name}, {day_month_year(m.held_on)}") for m in meetings
        ]
        self.owner_id.choices = [("", _("No owner"))] + [(u.id, u.name) for u in staff]
        self.priority_ids.choices = [
            (p.id, _("%(name)s (retired)", name=p.label) if p.is_retired else p.label)
            for p in priorities
        ]
        self.community_ids.choices = [(c.id, c.name) for c in communities]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        received = _("Date received must be today or in the past")
        referred = _("Date referred must be today or in the past")
        valid = not_future(self.received_on, message=received) and valid
        valid = not_future(self.referred_to_qa_on, message=referred) and valid
        if not self.priority_ids.data:
            self.priority_ids.errors = [
                *self.priority_ids.errors, _("Select at least one casework priority"),
            ]  # fmt: skip
            valid = False
        if looks_like_a_name(strip(self.case_reference.data)) and not self.confirm_reference.data:
            self.case_reference.errors = [
                *self.case_reference.errors,
                _("Case reference looks like a person's name: enter the service's own reference, "
                  "or tick the box to confirm it is one"),
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
        _l("What happens next"), widget=GovRadioInput(), choices=list(FEEDBACK_STATUSES.items()),
        validate_choice=False, validators=[InputRequired(message=_l("Select what happens next"))],
    )  # fmt: skip
    moved_on = GovDateField(
        _l("Date"), widget=GovDateInput(), invalid_message=_l("Date must be a real date"),
        validators=[InputRequired(message=_l("Enter the date"))],
    )  # fmt: skip
    response = TextAreaField(
        _l("Response: what was done"), widget=GovTextArea(),
        description=_l('Needed to close it. This is the "we did" of the report.'),
    )  # fmt: skip
    no_action_reason = TextAreaField(
        _l("Why no action is being taken"), widget=GovTextArea(),
        description=_l("Needed to close it with no action"),
    )  # fmt: skip
    note = TextAreaField(
        _l("Note"), widget=GovTextArea(),
        description=_l("Needed when it goes back to an earlier stage: say why"),
    )  # fmt: skip
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


class CaseReviewRow(Form):
    """One case reviewed at a meeting; a row with no summary and no reference is skipped."""

    case_reference = StringField(
        _l("Case reference"), widget=GovTextInput(),
        validators=[Length(max=40, message=_l("Case reference must be 40 characters or fewer"))],
    )  # fmt: skip
    priority_id = SelectField(_l("Casework priority"), widget=GovSelect(), coerce=optional_int,
                              validate_choice=False)  # fmt: skip
    assessment = SelectField(
        _l("Assessment"), widget=GovSelect(),
        choices=[("", _l("Choose the assessment"))] + list(ASSESSMENTS.items()), default="",
    )  # fmt: skip
    tone = SelectField(_l("Tone"), widget=GovSelect(), choices=list(TONES.items()),
                       default="neutral")  # fmt: skip
    summary = StringField(
        _l("What the panel said"), widget=GovTextInput(),
        validators=[Length(max=300,
                           message=_l("What the panel said must be 300 characters or fewer"))],
    )  # fmt: skip
    learning_points = TextAreaField(_l("Learning points"), widget=GovTextArea())
    confirm_reference = BooleanField(
        _l("This is the service's own reference, not a name"), widget=GovCheckboxInput()
    )

    def is_blank(self) -> bool:
        return not (strip(self.summary.data) or strip(self.case_reference.data))


class CaseReviewsForm(OnceForm):
    reviews = FieldList(FormField(CaseReviewRow), min_entries=5, max_entries=20)
    submit = SubmitField(_l("Save the case reviews"), widget=GovSubmitInput())

    def set_choices(self, priorities) -> None:
        choices = [("", _("Choose a priority"))] + [(p.id, p.label) for p in priorities]
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
                _("Enter at least one case review: what the panel said, or the case reference")
            ]
            return False
        for n, row in enumerate(self.reviews, start=1):
            if row.is_blank():
                continue
            for field, message in (
                (row.summary, _("Case %(num)d: enter what the panel said", num=n)),
                (row.priority_id, _("Case %(num)d: select the casework priority", num=n)),
                (row.assessment, _("Case %(num)d: select the panel's assessment", num=n)),
            ):
                if not field.data:
                    field.errors = [*field.errors, message]
                    valid = False
            reference = strip(row.case_reference.data)
            if looks_like_a_name(reference) and not row.confirm_reference.data:
                row.case_reference.errors = [
                    *row.case_reference.errors,
                    _("Case %(num)d: the reference looks like a person's name: enter the "
                      "service's own reference, or tick the box to confirm it is one", num=n),
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
        _l("Name"), widget=GovTextInput(),
        validators=[InputRequired(message=_l("Enter the priority's name")),
                    Length(max=200, message=_l("Name must be 200 characters or fewer"))],
    )  # fmt: skip
    parent_id = SelectField(
        _l("Part of"), widget=GovSelect(), coerce=optional_int, validate_choice=False
    )
    submit = SubmitField(_l("Add priority"), widget=GovSubmitInput())
