"""Forms for panels, memberships, terms of reference and meetings."""

from __future__ import annotations

from typing import Any

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
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, Optional

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
from crm.models.panel import (
    ATTENDANCE,
    END_REASONS,
    MEETING_FREQUENCIES,
    MEMBER_ROLES,
    MEMBERSHIP_STATUSES,
    PANEL_TYPES,
    VETTING_STATUSES,
)


class PanelForm(OnceForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the panel's name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    type = SelectField(
        "Type",
        widget=GovSelect(),
        choices=[("", "Choose a type")] + list(PANEL_TYPES.items()),
        validators=[InputRequired(message="Select the type of panel")],
    )
    area_id = SelectField("Area", widget=GovSelect(), coerce=optional_int, validate_choice=False)
    purpose = TextAreaField("Purpose", widget=GovTextArea())
    term_months = StringField(
        "Term length in months", widget=GovTextInput(), default="24",
        validators=[WholeNumber("Term length in months", 1, 120)],
    )  # fmt: skip
    max_terms = StringField(
        "Maximum consecutive terms", widget=GovTextInput(), default="2",
        validators=[WholeNumber("Maximum consecutive terms", 1, 10)],
    )  # fmt: skip
    target_size = StringField(
        "Target size", widget=GovTextInput(), default="10",
        description="How many members in a seat (chair, vice chair, members)",
        validators=[WholeNumber("Target size", 1, 200)],
    )  # fmt: skip
    quorum = StringField(
        "Quorum", widget=GovTextInput(), default="4",
        description="How many members in a seat must be present for a meeting to be quorate",
        validators=[WholeNumber("Quorum", 1, 200)],
    )  # fmt: skip
    meeting_frequency = SelectField(
        "How often it meets",
        widget=GovSelect(),
        choices=list(MEETING_FREQUENCIES.items()),
        default="quarterly",
    )
    tor_review_due = GovDateField(
        "Terms of reference review due", widget=GovDateInput(), description="For example, 31 3 2027"
    )
    wants_vice_chair = BooleanField(
        "The terms of reference ask for a vice chair", widget=GovCheckboxInput(),
        description="Every panel has a chair. With this ticked, a panel without a vice chair "
        "is flagged too.",
    )  # fmt: skip
    terms = TextAreaField("Terms of reference", widget=GovTextArea())
    adopted_on = GovDateField("Date the terms of reference were adopted", widget=GovDateInput())
    targets = HiddenField()  # carries the target composition's errors; the values are typed per row
    version = HiddenField()
    submit = SubmitField("Save panel", widget=GovSubmitInput())

    def set_choices(self, areas, national: bool) -> None:
        first = [("", "National (all Areas)")] if national else [("", "Choose an Area")]
        self.area_id.choices = first + [(a.id, a.name) for a in areas]

    def read_targets(self, formdata, communities) -> dict[int, int]:
        """The minimum for each community typed in its row; blank or 0 means no target."""
        targets, problems = {}, []
        self.target_values = {}
        for c in communities:
            text = strip(formdata.get(f"target-{c.id}"))
            self.target_values[c.id] = text
            if not text:
                continue
            if not text.isdigit() or int(text) > 200:
                problems.append(
                    f"Minimum members for {c.name} must be a whole number from 0 to 200"
                )
            elif int(text):
                targets[c.id] = int(text)
        self.target_problems = problems
        return targets

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.adopted_on.data and not not_future(self.adopted_on, "Date adopted"):
            valid = False
        # Set after the fields are validated, which would otherwise clear them.
        self.targets.errors = list(getattr(self, "target_problems", []))
        return valid and not self.targets.errors

    def to_data(self) -> dict[str, Any]:
        return {
            "name": strip(self.name.data),
            "type": self.type.data,
            "area_id": self.area_id.data,
            "purpose": strip(self.purpose.data),
            "tor_review_due": self.tor_review_due.data,
            "term_months": self.term_months.data,
            "max_terms": self.max_terms.data,
            "target_size": self.target_size.data,
            "quorum": self.quorum.data,
            "meeting_frequency": self.meeting_frequency.data,
            "wants_vice_chair": bool(self.wants_vice_chair.data),
        }

    def load(self, panel) -> None:
        for name in self.to_data():
            value = getattr(panel, name)
            kept = isinstance(value, int) and not isinstance(value, bool)
            getattr(self, name).data = str(value) if kept else value
        self.area_id.data = panel.area_id
        self.target_values = {t.community_id: str(t.minimum) for t in panel.targets}
        self.version.data = str(panel.version)


class TermsForm(OnceForm):
    text = TextAreaField(
        "Terms of reference",
        widget=GovTextArea(),
        validators=[InputRequired(message="Enter the terms of reference")],
    )
    adopted_on = GovDateField(
        "Date adopted", widget=GovDateInput(),
        validators=[InputRequired(message="Enter the date the terms of reference were adopted")],
    )  # fmt: skip
    review_due = GovDateField("Next review due", widget=GovDateInput())
    submit = SubmitField("Adopt these terms of reference", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return not_future(self.adopted_on, "Date adopted") and valid


class MembershipForm(OnceForm):
    role = SelectField("Role", widget=GovSelect(), choices=list(MEMBER_ROLES.items()),
                       default="member")  # fmt: skip
    status = SelectField(
        "Status", widget=GovRadioInput(), choices=list(MEMBERSHIP_STATUSES.items()),
        default="applicant",
    )  # fmt: skip
    applied_on = GovDateField("Date applied", widget=GovDateInput())
    shortlisted_on = GovDateField("Date shortlisted", widget=GovDateInput())
    term_start = GovDateField("Term start", widget=GovDateInput())
    term_end = GovDateField(
        "Term end", widget=GovDateInput(),
        description="Leave blank to use the panel's term length",
    )  # fmt: skip
    term_number = StringField(
        "Which consecutive term this is", widget=GovTextInput(), default="1",
        validators=[WholeNumber("Term number", 1, 20)],
    )  # fmt: skip
    extra_term_reason = TextAreaField(
        "Why they serve beyond the panel's maximum terms",
        widget=GovTextArea(),
        description="Needed only when this term is beyond the maximum",
    )
    ended_on = GovDateField("Date ended", widget=GovDateInput())
    end_reason = SelectField(
        "Why it ended", widget=GovSelect(),
        choices=[("", "Not ended")] + list(END_REASONS.items()),
    )  # fmt: skip
    end_note = TextAreaField("Note about the ending", widget=GovTextArea())
    community_ids = SelectMultipleField(
        "Communities they represent", widget=GovCheckboxesInput(), coerce=record_id,
        validate_choice=False,
    )  # fmt: skip
    vetting_status = SelectField(
        "Vetting", widget=GovSelect(), choices=list(VETTING_STATUSES.items()),
        default="not_started",
    )  # fmt: skip
    vetting_on = GovDateField("Date vetting completed", widget=GovDateInput())
    vetting_expires_on = GovDateField("Vetting expires", widget=GovDateInput())
    confidentiality_signed_on = GovDateField(
        "Date the confidentiality agreement was signed", widget=GovDateInput()
    )
    induction_completed_on = GovDateField(
        "Date induction or training was completed", widget=GovDateInput()
    )
    version = HiddenField()
    # Shown only when the contact being added is marked do not contact.
    confirm_do_not_contact = BooleanField(
        "They asked to take part themselves: add them anyway", widget=GovCheckboxInput()
    )
    submit = SubmitField("Save membership", widget=GovSubmitInput())

    def set_choices(self, communities) -> None:
        self.community_ids.choices = [(c.id, c.name) for c in communities]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field, label in (
            (self.applied_on, "Date applied"),
            (self.shortlisted_on, "Date shortlisted"),
            (self.ended_on, "Date ended"),
            (self.vetting_on, "Date vetting completed"),
            (self.confidentiality_signed_on, "Date the confidentiality agreement was signed"),
            (self.induction_completed_on, "Date induction or training was completed"),
        ):
            valid = not_future(field, label) and valid
        return valid

    def to_data(self) -> dict[str, Any]:
        return {
            "role": self.role.data,
            "status": self.status.data,
            "applied_on": self.applied_on.data,
            "shortlisted_on": self.shortlisted_on.data,
            "term_start": self.term_start.data,
            "term_end": self.term_end.data,
            "term_number": self.term_number.data,
            "extra_term_reason": strip(self.extra_term_reason.data),
            "ended_on": self.ended_on.data,
            "end_reason": self.end_reason.data or "",
            "end_note": strip(self.end_note.data),
            "vetting_status": self.vetting_status.data,
            "vetting_on": self.vetting_on.data,
            "vetting_expires_on": self.vetting_expires_on.data,
            "confidentiality_signed_on": self.confidentiality_signed_on.data,
            "induction_completed_on": self.induction_completed_on.data,
        }

    def load(self, membership) -> None:
        for name in self.to_data():
            value = getattr(membership, name)
            getattr(self, name).data = str(value) if name == "term_number" else value
        self.community_ids.data = [c.id for c in membership.communities]
        self.version.data = str(membership.version)


class DeclarationForm(OnceForm):
    declared_on = GovDateField(
        "Date declared", widget=GovDateInput(),
        validators=[InputRequired(message="Enter the date the interest was declared")],
    )  # fmt: skip
    text = TextAreaField(
        "Interest declared",
        widget=GovTextArea(),
        validators=[InputRequired(message="Enter the interest declared")],
    )
    submit = SubmitField("Add declaration", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return not_future(self.declared_on, "Date declared") and valid


class MeetingForm(OnceForm):
    held_on = GovDateField(
        "Date", widget=GovDateInput(), validators=[InputRequired(message="Enter the date")]
    )
    online = SelectField(
        "Where", widget=GovRadioInput(),
        choices=[("no", "In person"), ("yes", "Online or by phone")], default="no",
    )  # fmt: skip
    place = StringField("Place", widget=GovTextInput(), validators=[max_length("Place", 300)])
    agenda = TextAreaField("Agenda", widget=GovTextArea())
    notes = TextAreaField("Notes", widget=GovTextArea())
    cases_reviewed = StringField(
        "Number of cases reviewed", widget=GovTextInput(), default="0",
        validators=[WholeNumber("Number of cases reviewed", 0, 500)],
    )  # fmt: skip
    case_themes = TextAreaField(
        "Themes of the cases reviewed",
        widget=GovTextArea(),
        description="For example, domestic abuse, disability hate crime",
    )
    version = HiddenField()
    submit = SubmitField("Save meeting", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.online.data == "no" and not strip(self.place.data):
            self.place.errors = [*self.place.errors, "Enter where the meeting took place"]
            valid = False
        return valid

    def to_data(self) -> dict[str, Any]:
        return {
            "held_on": self.held_on.data,
            "online": self.online.data == "yes",
            "place": strip(self.place.data),
            "agenda": strip(self.agenda.data),
            "notes": strip(self.notes.data),
            "cases_reviewed": self.cases_reviewed.data,
            "case_themes": strip(self.case_themes.data),
        }

    def load(self, meeting) -> None:
        data = self.to_data()
        for name in data:
            getattr(self, name).data = getattr(meeting, name)
        self.online.data = "yes" if meeting.online else "no"
        self.cases_reviewed.data = str(meeting.cases_reviewed)
        self.version.data = str(meeting.version)


def attendance_field_name(membership_id: int) -> str:
    return f"attendance_{membership_id}"


def meeting_form(members, required: bool, **kwargs) -> MeetingForm:
    """The meeting form with one present / apologies / absent question per member."""

    class MeetingWithAttendance(MeetingForm):
        pass

    for m in members:
        message = f"Select whether {m.contact.name} was present, sent apologies or was absent"
        setattr(
            MeetingWithAttendance,
            attendance_field_name(m.id),
            SelectField(
                m.contact.name,
                widget=GovRadioInput(),
                choices=list(ATTENDANCE.items()),
                validate_choice=False,
                validators=[
                    InputRequired(message=message) if required else Optional(),
                    AnyOf(list(ATTENDANCE), message=message),
                ],
            ),
        )
    form = MeetingWithAttendance(**kwargs)
    form.members = members
    return form


def attendance_from(form: MeetingForm) -> dict[int, str]:
    return {
        m.id: getattr(form, attendance_field_name(m.id)).data
        for m in form.members
        if getattr(form, attendance_field_name(m.id)).data in ATTENDANCE
    }
