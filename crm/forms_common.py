"""Field helpers shared by the register forms: postcodes, coordinates, optional choices."""

from __future__ import annotations

import secrets
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, HiddenField, ValidationError
from wtforms.validators import Length

from crm import clock
from crm.services.validation import UK_LATITUDE, UK_LONGITUDE, normalise_postcode


def new_submission_token() -> str:
    return secrets.token_urlsafe(24)


class OnceForm(FlaskForm):
    """A create form, saved once however often it is posted: it carries a one-time token
    (see views_common.save_once). Templates render it with the CSRF token."""

    submission = HiddenField(default=new_submission_token)


def max_length(label: str, limit: int) -> Length:
    """A length limit whose message names the field, in GOV.UK voice."""
    return Length(
        max=limit,
        message=_l(
            "%(label)s must be %(limit)s characters or fewer", label=label, limit=format(limit, ",")
        ),
    )


def strip(value: str | None) -> str:
    """Trimmed text, without NUL characters (PostgreSQL cannot store them)."""
    return (value or "").replace("\x00", "").strip()


class UKPostcode:
    """Accept any UK postcode however it is spaced or cased, and store it normalised."""

    def __call__(self, form, field: Field) -> None:
        if not strip(field.data):
            field.data = ""
            return
        normalised = normalise_postcode(field.data)
        if normalised is None:
            raise ValidationError(_("Enter a real UK postcode, like CH1 2AB"))
        field.data = normalised


def parse_coordinate(field: Field, name: str, bounds: tuple[float, float]) -> float | None:
    text = strip(field.data)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(
            _(
                "%(name)s must be a number, like %(example)s",
                name=name,
                example=format(bounds[0] + 3, ".4f"),
            )
        ) from None
    if not bounds[0] <= value <= bounds[1]:
        raise ValidationError(
            _(
                "%(name)s must be in the UK, between %(low)s and %(high)s",
                name=name,
                low=bounds[0],
                high=bounds[1],
            )
        )
    return value


def validate_coordinates(form) -> bool:
    """Latitude and longitude: each a number in the UK, and both or neither."""
    ok = True
    values = {}
    for key, field, name, bounds in (
        ("latitude", form.latitude, _("Latitude"), UK_LATITUDE),
        ("longitude", form.longitude, _("Longitude"), UK_LONGITUDE),
    ):
        try:
            values[key] = parse_coordinate(field, name, bounds)
        except ValidationError as problem:
            field.errors.append(str(problem))
            ok = False
    if ok and (values["latitude"] is None) != (values["longitude"] is None):
        missing = form.longitude if values["longitude"] is None else form.latitude
        missing.errors.append(_("Enter both latitude and longitude, or neither"))
        ok = False
    return ok


# The largest id a record can have (PostgreSQL's integer); the databases number from 1.
MAX_ID = 2**31 - 1
MISSING_ID = -1


def optional_int(value) -> int | None:
    """A chosen id, or None if nothing was chosen. A number no record could have (too
    large for the database, or not a number) is MISSING_ID: it matches nothing, and a
    service asked to use it says to choose from the list."""
    if value in (None, "", "None"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return MISSING_ID
    return number if -MAX_ID <= number <= MAX_ID else MISSING_ID


def record_id(value) -> int:
    """The coerce for a multiple choice of records: each an id, or MISSING_ID."""
    number = optional_int(value)
    return MISSING_ID if number is None else number


# The years a date may be in: outside them, date arithmetic (a term's end, a period's
# start) would leave the calendar Python and the databases can hold.
EARLIEST, LATEST = 1900, 2999


def in_calendar(value: date | None) -> bool:
    return value is not None and EARLIEST <= value.year <= LATEST


def calendar_date(values: list[str]) -> date | None:
    """Day, month and year boxes as a date within the years the app works with, or None."""
    try:
        day, month, year = (int(str(v).strip()) for v in values[:3])
        if not EARLIEST <= year <= LATEST:
            return None
        return date(year, month, day)
    except (TypeError, ValueError):
        return None


class GovDateField(DateField):
    """A date typed as day, month and year boxes (all posted under one name).

    Always holds exactly three raw values, so a form posted with the boxes
    missing gets a message rather than breaking the page, and accepts
    one-digit days and months as people type them.
    """

    def __init__(self, label=None, validators=None, invalid_message=None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.invalid_message = invalid_message or _l("%(label)s must be a real date", label=label)

    def process_formdata(self, valuelist):
        values = [str(v).strip() for v in (valuelist or [])][:3]
        values += [""] * (3 - len(values))
        self.raw_data = values
        if not any(values):
            self.data = None
            return
        try:
            day, month, year = (int(v) for v in values)
        except ValueError:
            self.data = None
            raise ValueError(str(self.invalid_message)) from None
        if not 1000 <= year <= 9999:
            self.data = None
            raise ValueError(
                _("%(label)s must include a 4-digit year, like 2026", label=self.label.text)
            )
        if not EARLIEST <= year <= LATEST:
            self.data = None
            raise ValueError(
                _(
                    "%(label)s must be between %(earliest)s and %(latest)s",
                    label=self.label.text,
                    earliest=EARLIEST,
                    latest=LATEST,
                )
            )
        try:
            self.data = date(year, month, day)
        except ValueError:
            self.data = None
            raise ValueError(str(self.invalid_message)) from None


class WholeNumber:
    """A whole number typed into a text box, within bounds, stored as an int.

    WTForms' IntegerField answers "Not a valid integer value"; this names the
    field and the range, as the GOV.UK pattern asks. Each message may be given whole
    instead (enter, not_whole, out_of_range), so it is translated as one sentence.
    """

    def __init__(self, label: str, minimum: int, maximum: int, required: bool = True,
                 enter=None, not_whole=None, out_of_range=None):  # fmt: skip
        self.label, self.minimum, self.maximum, self.required = label, minimum, maximum, required
        self.enter, self.not_whole, self.out_of_range = enter, not_whole, out_of_range

    def __call__(self, form, field: Field) -> None:
        text = strip(field.data if isinstance(field.data, str) else str(field.data or ""))
        if not text:
            field.data = None
            if self.required:
                raise ValidationError(
                    self.enter or _("Enter the %(label)s", label=str(self.label).lower()))
            return
        try:
            value = int(text)
        except ValueError:
            raise ValidationError(
                self.not_whole or _(
                    "%(label)s must be a whole number, like %(example)s",
                    label=self.label,
                    example=self.minimum + 1,
                )
            ) from None
        if not self.minimum <= value <= self.maximum:
            raise ValidationError(
                self.out_of_range or _(
                    "%(label)s must be between %(minimum)s and %(maximum)s",
                    label=self.label,
                    minimum=self.minimum,
                    maximum=self.maximum,
                )
            )
        field.data = value


def not_future(field: Field, label: str = "", message=None) -> bool:
    """Mark a date field that lies in the future (with the message, if given whole, so
    it is translated as one sentence); True if it does not."""
    if field.data and field.data > clock.today():
        message = message or _("%(label)s must be today or in the past", label=label)
        field.errors = [*field.errors, message]
        return False
    return True
