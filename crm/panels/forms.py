"""Forms for panels, memberships, terms of reference and meetings."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
        _l("Name"),
        widget=GovTextInput(),
        validators=[
            InputRequired(message=_l("Enter the panel's name")),
            Length(max=200, message=_l("Name must be 200 characters or fewer")),
        ],
    )
    type = SelectField(
        _l("Type"),
        widget=GovSelect(),
        choices=[("", _l("Choose a type"))] + list(PANEL_TYPES.items()),
        validators=[InputRequired(message=_l("Select the type of panel"))],
    )
    area_id = SelectField(
        _l("Area"), widget=GovSelect(), coerce=optional_int, validate_choice=False
    )
    purpose = TextAreaField(_l("Purpose"), widget=GovTextArea())
    term_months = StringField(
        _l("Term length in months"), widget=GovTextInput(), default="24",
        validators=[WholeNumber(
            "", 1, 120, enter=_l("Enter the term length in months"),
            not_whole=_l("Term length in months must be a whole number, like 2"),
            out_of_range=_l("Term length in months must be between 1 and 120"),
        )],
    )  # fmt: skip
    max_terms = StringField(
        _l("Maximum consecutive terms"), widget=GovTextInput(), default="2",
        validators=[WholeNumber(
            "", 1, 10, enter=_l("Enter the maximum consecutive terms"),
            not_whole=_l("Maximum consecutive terms must be a whole number, like 2"),
            out_of_range=_l("Maximum consecutive terms must be between 1 and 10"),
        )],
    )  # fmt: skip
    target_size = StringField(
        _l("Target size"), widget=GovTextInput(), default="10",
        description=_l("How many members in a seat (chair, vice chair, members)"),
        validators=[WholeNumber(
            "", 1, 200, enter=_l("Enter the target size"),
            not_whole=_l("Target size must be a whole number, like 2"),
            out_of_range=_l("Target size must be between 1 and 200"),
        )],
    )  # fmt: skip
    quorum = StringField(
        _l("Quorum"), widget=GovTextInput(), default="4",
        description=_l("How many members in a seat must be present for a meeting to be "
                       "quorate"),
        validators=[WholeNumber(
            "", 1, 200, enter=_l("Enter the quorum"),
            not_whole=_l("Quorum must be a whole number, like 2"),
            out_of_range=_l("Quorum must be between 1 and 200"),
        )],
    )  # fmt: skip
    meeting_frequency = SelectField(
        _l("How often it meets"),
        widget=GovSelect(),
        choices=list(MEETING_FREQUENCIES.items()),
        default="quarterly",
    )
    tor_review_due = GovDateField(
        _l("Terms of reference review due"), widget=GovDateInput(),
        description=_l("For example, 31 3 2027"),
        invalid_message=_l("Terms of reference review due must be a real date"),
    )  # fmt: skip
    wants_vice_chair = BooleanField(
        _l("The terms of reference ask for a vice chair"), widget=GovCheckboxInput(),
        description=_l("Every panel has a chair. With this ticked, a panel without a vice "
                       "chair is flagged too."),
    )  # fmt: skip
    terms = TextAreaField(_l("Terms of reference"), widget=GovTextArea())
    adopted_on = GovDateField(
        _l("Date the terms of reference were adopted"), widget=GovDateInput(),
        invalid_message=_l("Date the terms of reference were adopted must be a real date"),
    )  # fmt: skip
    targets = HiddenField()  # carries the target composition's errors; the values are typed per row
    version = HiddenField()
    submit = SubmitField(_l("Save panel"), widget=GovSubmitInput())

    def set_choices(self, areas, national: bool) -> None:
        first = [("", _("National (all Areas)"))] if national else [("", _("Choose an Area"))]
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
                problems.append(_(
                    "Minimum members for %(name)s must be a whole number from 0 to 200",
                    name=c.name,
                ))  # fmt: skip
            elif int(text):
                targets[c.id] = int(text)
        self.target_problems = problems
        return targets

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not not_future(self.adopted_on, message=_("Date adopted must be today or in the past")):
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
        _l("Terms of reference"),
        widget=GovTextArea(),
        validators=[InputRequired(message=_l("Enter the terms of reference"))],
    )
    adopted_on = GovDateField(
        _l("Date adopted"), widget=GovDateInput(),
        invalid_message=_l("Date adopted must be a real date"),
        validators=[InputRequired(
            message=_l("Enter the date the terms of reference were adopted"))],
    )  # fmt: skip
    review_due = GovDateField(
        _l("Next review due"), widget=GovDateInput(),
        invalid_message=_l("Next review due must be a real date"),
    )  # fmt: skip
    submit = SubmitField(_l("Adopt these terms of reference"), widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return (
            not_future(self.adopted_on,
                       message=_("Date adopted must be today or in the past")) and valid
        )


class MembershipForm(OnceForm):
    role = SelectField(_l("Role"), widget=GovSelect(), choices=list(MEMBER_ROLES.items()),
                       default="member")  # fmt: skip
    status = SelectField(
        _l("Status"), widget=GovRadioInput(), choices=list(MEMBERSHIP_STATUSES.items()),
        default="applicant",
    )  # fmt: skip
    applied_on = GovDateField(
        _l("Date applied"),
        widget=GovDateInput(),
        invalid_message=_l("Date applied must be a real date"),
    )
    shortlisted_on = GovDateField(
        _l("Date shortlisted"),
        widget=GovDateInput(),
        invalid_message=_l("Date shortlisted must be a real date"),
    )
    term_start = GovDateField(
        _l("Term start"),
        widget=GovDateInput(),
        invalid_message=_l("Term start must be a real date"),
    )
    term_end = GovDateField(
        _l("Term end"), widget=GovDateInput(),
        description=_l("Leave blank to use the panel's term length"),
        invalid_message=_l("Term end must be a real date"),
    )  # fmt: skip
    term_number = StringField(
        _l("Which consecutive term this is"), widget=GovTextInput(), default="1",
        validators=[WholeNumber(
            "", 1, 20, enter=_l("Enter the term number"),
            not_whole=_l("Term number must be a whole number, like 2"),
            out_of_range=_l("Term number must be between 1 and 20"),
        )],
    )  # fmt: skip
    extra_term_reason = TextAreaField(
        _l("Why they serve beyond the panel's maximum terms"),
        widget=GovTextArea(),
        description=_l("Needed only when this term is beyond the maximum"),
    )
    ended_on = GovDateField(
        _l("Date ended"),
        widget=GovDateInput(),
        invalid_message=_l("Date ended must be a real date"),
    )
    end_reason = SelectField(
        _l("Why it ended"), widget=GovSelect(),
        choices=[("", _l("Not ended"))] + list(END_REASONS.items()),
    )  # fmt: skip
    end_note = TextAreaField(_l("Note about the ending"), widget=GovTextArea())
    community_ids = SelectMultipleField(
        _l("Communities they represent"), widget=GovCheckboxesInput(), coerce=record_id,
        validate_choice=False,
    )  # fmt: skip
    vetting_status = SelectField(
        _l("Vetting"), widget=GovSelect(), choices=list(VETTING_STATUSES.items()),
        default="not_started",
    )  # fmt: skip
    vetting_on = GovDateField(
        _l("Date vetting completed"),
        widget=GovDateInput(),
        invalid_message=_l("Date vetting completed must be a real date"),
    )
    vetting_expires_on = GovDateField(
        _l("Vetting expires"),
        widget=GovDateInput(),
        invalid_message=_l("Vetting expires must be a real date"),
    )
    confidentiality_signed_on = GovDateField(
        _l("Date the confidentiality agreement was signed"),
        widget=GovDateInput(),
        invalid_message=_l("Date the confidentiality agreement was signed must be a real date"),
    )
    induction_completed_on = GovDateField(
        _l("Date induction or training was completed"),
        widget=GovDateInput(),
        invalid_message=_l("Date induction or training was completed must be a real date"),
    )
    version = HiddenField()
    # Shown only when the contact being added is marked do not contact.
    confirm_do_not_contact = BooleanField(
        _l("They asked to take part themselves: add them anyway"), widget=GovCheckboxInput()
    )
    submit = SubmitField(_l("Save membership"), widget=GovSubmitInput())

    def set_choices(self, communities) -> None:
        self.community_ids.choices = [(c.id, c.name) for c in communities]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field, message in (
            (self.applied_on, _("Date applied must be today or in the past")),
            (self.shortlisted_on, _("Date shortlisted must be today or in the past")),
            (self.ended_on, _("Date ended must be today or in the past")),
            (self.vetting_on, _("Date vetting completed must be today or in the past")),
            (self.confidentiality_signed_on,
             _("Date the confidentiality agreement was signed must be today or in the past")),
            (self.induction_completed_on,
             _("Date induction or training was completed must be today or in the past")),
        ):  # fmt: skip
            valid = not_future(field, message=message) and valid
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
        _l("Date declared"), widget=GovDateInput(),
        invalid_message=_l("Date declared must be a real date"),
        validators=[InputRequired(message=_l("Enter the date the interest was declared"))],
    )  # fmt: skip
    text = TextAreaField(
        _l("Interest declared"),
        widget=GovTextArea(),
        validators=[InputRequired(message=_l("Enter the interest declared"))],
    )
    submit = SubmitField(_l("Add declaration"), widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return (
            not_future(self.declared_on,
                       message=_("Date declared must be today or in the past")) and valid
        )


class MeetingForm(OnceForm):
    held_on = GovDateField(
        _l("Date"), widget=GovDateInput(), invalid_message=_l("Date must be a real date"),
        validators=[InputRequired(message=_l("Enter the date"))],
    )  # fmt: skip
    online = SelectField(
        _l("Where"), widget=GovRadioInput(),
        choices=[("no", _l("In person")), ("yes", _l("Online or by phone"))], default="no",
    )  # fmt: skip
    place = StringField(
        _l("Place"), widget=GovTextInput(),
        validators=[Length(max=300, message=_l("Place must be 300 characters or fewer"))],
    )  # fmt: skip
    agenda = TextAreaField(_l("Agenda"), widget=GovTextArea())
    notes = TextAreaField(_l("Notes"), widget=GovTextArea())
    cases_reviewed = StringField(
        _l("Number of cases reviewed"), widget=GovTextInput(), default="0",
        validators=[WholeNumber(
            "", 0, 500, enter=_l("Enter the number of cases reviewed"),
            not_whole=_l("Number of cases reviewed must be a whole number, like 1"),
            out_of_range=_l("Number of cases reviewed must be between 0 and 500"),
        )],
    )  # fmt: skip
    case_themes = TextAreaField(
        _l("Themes of the cases reviewed"),
        widget=GovTextArea(),
        description=_l("For example, domestic abuse, disability hate crime"),
    )
    version = HiddenField()
    submit = SubmitField(_l("Save meeting"), widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.online.data == "no" and not strip(self.place.data):
            self.place.errors = [*self.place.errors, _("Enter where the meeting took place")]
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
        message = _(
            "Select whether %(name)s was present, sent apologies or was absent", name=m.contact.name
        )
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
