from __future__ import annotations

import re
from datetime import time
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
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length

from crm import clock
from crm.forms_common import (
    GovDateField,
    OnceForm,
    UKPostcode,
    max_length,
    optional_int,
    record_id,
    strip,
)
from crm.models.engagement import ENGAGEMENT_STATUSES, ENGAGEMENT_TYPES, LOCATION_KINDS
from crm.plans.forms import ServesFields

_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})\s*(am|pm)?$|^(\d{1,2})\s*(am|pm)$", re.I)


def parse_time(text: str) -> time | None:
    """'14:30', '2.30pm', '2pm' to a time; None if blank. ValueError if not a time."""
    text = strip(text).lower()
    if not text:
        return None
    match = _TIME.match(text)
    if not match:
        raise ValueError
    hour = int(match.group(1) or match.group(4))
    minute = int(match.group(2) or 0)
    suffix = match.group(3) or match.group(5)
    if suffix:
        if not 1 <= hour <= 12:
            raise ValueError
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    return time(hour, minute)


class TimeText:
    def __init__(self, name: str):
        self.name = name

    def __call__(self, form, field) -> None:
        try:
            parse_time(field.data)
        except ValueError:
            raise ValidationError(
                _("%(name)s must be a time, like 14:30 or 2:30pm", name=self.name)
            ) from None


class ActionForm(Form):
    """One follow-up action row on the new engagement form (blank rows are ignored)."""

    # Not "description": a FormField's own attribute of that name would hide it.
    what = StringField(_l("What needs to be done"), widget=GovTextInput())
    owner_id = SelectField(
        _l("Owner"), widget=GovSelect(), coerce=optional_int, validate_choice=False
    )
    due_on = GovDateField(_l("Due date"), widget=GovDateInput())


class EngagementForm(ServesFields, OnceForm):
    title = StringField(
        _l("Title"),
        widget=GovTextInput(),
        validators=[
            InputRequired(message=_l("Enter a title for the engagement")),
            Length(max=200, message=_l("Title must be 200 characters or fewer")),
        ],
    )
    type = SelectField(
        _l("Type"),
        widget=GovSelect(),
        choices=[("", _l("Choose a type"))] + list(ENGAGEMENT_TYPES.items()),
        validators=[InputRequired(message=_l("Select the type of engagement"))],
    )
    status = SelectField(
        _l("Has it happened?"),
        widget=GovRadioInput(),
        choices=list(ENGAGEMENT_STATUSES.items()),
        default="held",
    )
    held_on = GovDateField(
        _l("Date"), widget=GovDateInput(), validators=[InputRequired(message=_l("Enter the date"))]
    )
    start_time = StringField(
        _l("Start time"), widget=GovTextInput(), validators=[TimeText(_l("Start time"))]
    )
    end_time = StringField(
        _l("End time (optional)"), widget=GovTextInput(), validators=[TimeText(_l("End time"))]
    )
    area_id = SelectField(
        _l("Area"),
        widget=GovSelect(),
        coerce=optional_int,
        validate_choice=False,
        validators=[InputRequired(message=_l("Select the Area"))],
    )
    location_kind = SelectField(
        _l("Where did it take place?"),
        widget=GovRadioInput(),
        choices=list(LOCATION_KINDS.items()),
        default="address",
    )
    location_stakeholder_id = SelectField(
        _l("Whose premises"), widget=GovSelect(), coerce=optional_int, validate_choice=False
    )
    location_address = StringField(
        _l("Address"), widget=GovTextInput(), validators=[max_length(_l("Address"), 300)]
    )
    location_postcode = StringField(
        _l("Postcode"), widget=GovTextInput(), validators=[UKPostcode()]
    )
    lead_id = SelectField(
        _l("Lead"), widget=GovSelect(), coerce=optional_int, validate_choice=False
    )
    staff_ids = SelectMultipleField(
        _l("Other staff present"),
        widget=GovCheckboxesInput(),
        coerce=record_id,
        validate_choice=False,
    )
    stakeholder_ids = SelectMultipleField(coerce=record_id, validate_choice=False)
    contact_ids = SelectMultipleField(coerce=record_id, validate_choice=False)
    community_ids = SelectMultipleField(
        _l("Communities reached"),
        widget=GovCheckboxesInput(),
        coerce=record_id,
        validate_choice=False,
    )
    attendance = StringField(_l("How many people attended"), widget=GovTextInput())
    summary = TextAreaField(_l("Summary of what was said"), widget=GovTextArea())
    issues_raised = TextAreaField(_l("Issues raised"), widget=GovTextArea())
    outcomes = TextAreaField(_l("Outcomes"), widget=GovTextArea())
    restricted_notes = TextAreaField(
        _l("Restricted notes (optional)"),
        widget=GovTextArea(),
        description=_l(
            "Sensitive detail. Only the lead, administrators and the Area's senior "
            "leaders can see this."
        ),
    )
    actions = FieldList(FormField(ActionForm), min_entries=0, max_entries=10)
    version = HiddenField()
    confirm_do_not_contact = BooleanField(
        _l("They asked to take part themselves, or the law requires it: add them anyway"),
        widget=GovCheckboxInput(),
    )
    submit = SubmitField(_l("Save engagement"), widget=GovSubmitInput())

    def set_choices(self, areas, staff, communities, stakeholders) -> None:
        self.area_id.choices = [("", _("Choose an Area"))] + [(a.id, a.name) for a in areas]
        self.lead_id.choices = [("", _("No lead"))] + [(u.id, u.name) for u in staff]
        self.staff_ids.choices = [(u.id, u.name) for u in staff]
        self.community_ids.choices = [
            (c.id, _("%(name)s (seldom heard)", name=c.name) if c.seldom_heard else c.name)
            for c in communities
        ]
        self.location_stakeholder_id.choices = [("", _("Choose the stakeholder"))] + [
            (s.id, s.name) for s in stakeholders
        ]
        for entry in self.actions:
            entry.owner_id.choices = [("", _("No owner"))] + [(u.id, u.name) for u in staff]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._check_rules() and valid

    def _check_rules(self) -> bool:
        ok = True
        try:
            start, end = parse_time(self.start_time.data), parse_time(self.end_time.data)
        except ValueError:
            # The time field says what is wrong with it; every other check still runs, so
            # all the form's problems are reported at once.
            start = end = None
            ok = False
        if start and end and end <= start:
            self.end_time.errors = [
                *self.end_time.errors,
                _("End time must be after the start time"),
            ]
            ok = False
        if end and not start and not strip(self.start_time.data):
            self.start_time.errors = [*self.start_time.errors, _("Enter the start time")]
            ok = False
        held_on = self.held_on.data
        if self.status.data == "held" and held_on and held_on > clock.today():
            self.held_on.errors = [
                *self.held_on.errors,
                _("The date must be today or in the past for an engagement that has been held"),
            ]
            ok = False
        attendance = strip(self.attendance.data)
        if attendance and (not attendance.isdigit() or int(attendance) > 100_000):
            self.attendance.errors = [
                *self.attendance.errors,
                _("How many people attended must be a whole number, like 12"),
            ]
            ok = False
        if self.location_kind.data == "address" and not (
            strip(self.location_address.data) or self.location_postcode.data
        ):
            self.location_address.errors = [
                *self.location_address.errors,
                _("Enter the address or postcode where it took place"),
            ]
            ok = False
        for entry in self.actions:
            if entry.due_on.data and not strip(entry.what.data):
                entry.what.errors = [*entry.what.errors, _("Enter what needs to be done")]
                ok = False
        return ok

    def to_data(self) -> dict[str, Any]:
        attendance = strip(self.attendance.data)
        return {
            "title": strip(self.title.data),
            "type": self.type.data,
            "status": self.status.data or "held",
            "held_on": self.held_on.data,
            "start_time": parse_time(self.start_time.data),
            "end_time": parse_time(self.end_time.data),
            "area_id": self.area_id.data,
            "location_kind": self.location_kind.data,
            "location_stakeholder_id": self._premises(),
            "location_address": strip(self.location_address.data),
            "location_postcode": self.location_postcode.data or "",
            "lead_id": self.lead_id.data,
            "staff_ids": list(self.staff_ids.data or []),
            "stakeholder_ids": list(self.stakeholder_ids.data or []),
            "contact_ids": list(self.contact_ids.data or []),
            "community_ids": list(self.community_ids.data or []),
            "attendance": int(attendance) if attendance else None,
            "summary": strip(self.summary.data),
            "issues_raised": strip(self.issues_raised.data),
            "outcomes": strip(self.outcomes.data),
            "restricted_notes": strip(self.restricted_notes.data),
        }

    def _premises(self) -> int | None:
        """The stakeholder whose premises it was held at; the only one chosen, if one."""
        chosen = list(self.stakeholder_ids.data or [])
        if self.location_stakeholder_id.data or self.location_kind.data != "stakeholder":
            return self.location_stakeholder_id.data
        return chosen[0] if len(chosen) == 1 else None

    def action_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "description": strip(e.what.data),
                "owner_id": e.owner_id.data,
                "due_on": e.due_on.data,
            }
            for e in self.actions
            if strip(e.what.data)
        ]

    def load(self, engagement, *, copy: bool = False) -> None:
        """Fill the form from an engagement: to edit it, or (copy) to log another like it."""
        keep = [
            "type",
            "area_id",
            "location_kind",
            "location_stakeholder_id",
            "location_address",
            "location_postcode",
            "lead_id",
        ]
        if not copy:
            keep += [
                "title",
                "status",
                "held_on",
                "summary",
                "issues_raised",
                "outcomes",
                "restricted_notes",
            ]
            self.attendance.data = (
                "" if engagement.attendance is None else str(engagement.attendance)
            )
            self.start_time.data = (
                engagement.start_time.strftime("%H:%M") if engagement.start_time else ""
            )
            self.end_time.data = (
                engagement.end_time.strftime("%H:%M") if engagement.end_time else ""
            )
            self.contact_ids.data = [c.id for c in engagement.contacts]
            self.version.data = str(engagement.version)
        for name in keep:
            getattr(self, name).data = getattr(engagement, name)
        self.staff_ids.data = [u.id for u in engagement.staff]
        self.stakeholder_ids.data = [s.id for s in engagement.stakeholders]
        self.community_ids.data = [c.id for c in engagement.communities]
