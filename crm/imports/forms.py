"""Forms for the spreadsheet import: the upload, the column mapping, the duplicate choices."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
)
from wtforms import RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired

from crm.forms_common import optional_int
from crm.services.import_fields import Kind

NOT_IN_FILE = ""


class UploadForm(FlaskForm):
    kind = RadioField(_l("What does the file hold?"), widget=GovRadioInput(), choices=[],
                      validators=[InputRequired(message=_l("Select what the file holds"))])
    file = FileField(
        _l("The spreadsheet (CSV, Excel or OpenDocument)"), widget=GovFileInput(),
        validators=[FileRequired(message=_l("Choose the spreadsheet to import"))],
    )  # fmt: skip
    submit = SubmitField(_l("Upload and continue"), widget=GovSubmitInput())

    def set_choices(self, kinds: list[Kind]) -> None:
        self.kind.choices = [(kind.key, kind.label) for kind in kinds]


def mapping_form(kind: Kind, headers: list[str], mapping: dict[str, int]) -> FlaskForm:
    """A select for each field the kind reads: which of the file's columns holds it."""

    class MappingForm(FlaskForm):
        submit = SubmitField(_l("Continue to the preview"), widget=GovSubmitInput())

        def chosen(self) -> dict[str, int | None]:
            return {column.name: optional_int(getattr(self, f"field_{column.name}").data)
                    for column in kind.columns}  # fmt: skip

    options = [(NOT_IN_FILE, _("Not in the file"))] + [
        (str(index), header or _("Column %(number)d (no heading)", number=index + 1))
        for index, header in enumerate(headers)
    ]
    for column in kind.columns:
        label = column.label if column.required else _("%(label)s (optional)", label=column.label)
        field = SelectField(label,
                            widget=GovSelect(), choices=options,
                            default=str(mapping[column.name]) if column.name in mapping
                            else NOT_IN_FILE)  # fmt: skip
        setattr(MappingForm, f"field_{column.name}", field)
    return MappingForm()


class PreviewForm(FlaskForm):
    """The preview's buttons; each possible duplicate's choice is read from the form by
    row (choice-<row>), its options checked by the service."""

    check = SubmitField(_l("Check again with my choices"), widget=GovSubmitInput())
    apply = SubmitField(_l("Import"), widget=GovSubmitInput())
