"""Reading an uploaded spreadsheet (CSV, XLSX or ODS) into rows of text.

Shared by the action plan import (plan_sheets) and the register imports (imports):
each says how large a file it takes and what to call it in messages (`Limits`).
No database and no Flask: every rule here can be tested on its own.

Every cell comes back as stripped text: Excel dates as ISO dates, whole numbers without
".0", formulas as the values the spreadsheet last saved (never worked out here). Row
numbers in messages are the file's own (what the person sees down the side of their
spreadsheet), so read_table keeps blank rows inside the table as empty lists.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from openpyxl import load_workbook

from crm.services.csv_export import FORMULA_STARTS

TEXT_EXTENSIONS = ("", "csv", "tsv", "txt")
CSV_SAMPLE_CHARS = 8192
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


class SheetProblem(Exception):
    """The file cannot be read as a table; the message says why, for the person uploading."""


@dataclass(frozen=True)
class Limits:
    """How much a kind of upload may hold, and how its messages name what it should be."""

    max_rows: int
    # An XLSX or ODS is a zip: its parts unzipped past this are too large (or a zip bomb).
    max_unzipped_bytes: int
    # The messages (lazy texts, said in the language of whoever uploads):
    not_a_sheet: str  # what the file must be, said when it is not that
    too_many_rows: str  # "The file has more than %(rows)s rows: an action plan should be..."
    too_large: str  # "The spreadsheet is too large: an action plan should be much smaller"
    spreadsheets: tuple[str, ...] = ("xlsx",)  # besides CSV: "xlsx", "ods"


def _extension(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return name.rpartition(".")[2].lower() if "." in name else ""


def _decode(data: bytes, limits: Limits) -> str:
    """The text of a CSV: UTF-8 (with or without the BOM Excel adds), else Windows-1252.

    Excel's plain "CSV" is Windows-1252 on a UK machine; "CSV UTF-8" starts with a BOM;
    "Unicode Text" is UTF-16 with a BOM.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise SheetProblem(str(limits.not_a_sheet)) from error
    if b"\x00" in data:
        raise SheetProblem(str(limits.not_a_sheet))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise SheetProblem(
            _("The file's text could not be read: save it from Excel as 'CSV UTF-8'")
        ) from error


def _delimiter(text: str) -> str:
    """Comma, semicolon (Excel in much of Europe) or tab, judged from the file's start.

    When the sniffer cannot tell, the one of the three used most wins, comma on a tie: a
    tab-separated file whose rows end in different numbers of tabs still reads as one.
    """
    sample = text[:CSV_SAMPLE_CHARS]
    if len(text) > CSV_SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {delimiter: sample.count(delimiter) for delimiter in (",", ";", "\t")}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] > counts[","] else ","


def _unneutralised(text: str) -> str:
    """A CSV cell without the apostrophe an export put before "=", "+", "-" or "@".

    csv_export adds it so a spreadsheet shows the text rather than running it; reading
    our own export back must give the text as it was.
    """
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def _tidy_row(cells: list[str]) -> list[str]:
    """Cells stripped, trailing empty ones dropped (a blank row becomes [])."""
    row = [cell.strip() for cell in cells]
    while row and not row[-1]:
        row.pop()
    return row


def _finish(rows: list[list[str]]) -> list[list[str]]:
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _too_many_rows(limits: Limits) -> SheetProblem:
    return SheetProblem(str(limits.too_many_rows) % {"rows": f"{limits.max_rows:,}"})


def _read_csv(data: bytes, limits: Limits) -> list[list[str]]:
    text = _decode(data, limits)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[list[str]] = []
    try:
        for cells in reader:
            if len(rows) >= limits.max_rows:
                raise _too_many_rows(limits)
            rows.append(_tidy_row([_unneutralised(cell.strip()) for cell in cells]))
    except csv.Error as error:
        raise SheetProblem(
            _("Row %(row)s: the file could not be read as a CSV: check its quotation marks",
              row=len(rows) + 1)
        ) from error
    return _finish(rows)


def cell_text(value: object) -> str:
    """A spreadsheet cell's value as text: dates as ISO dates, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, timedelta):  # an ODS duration
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, float):
        # 15 significant figures, as Excel shows, so 0.1 + 0.2 reads as "0.3".
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    return str(value).strip()


def _unzipped_size(data: bytes, limits: Limits) -> tuple[int, bool]:
    """The size of a zip's parts unzipped, and whether it is an OpenDocument spreadsheet."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(member.file_size for member in archive.infolist())
            names = archive.namelist()
            is_ods = "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE
    except (zipfile.BadZipFile, KeyError, RuntimeError) as error:
        raise SheetProblem(str(limits.not_a_sheet)) from error
    if unzipped > limits.max_unzipped_bytes:
        raise SheetProblem(str(limits.too_large))
    return unzipped, is_ods


def _read_rows(values, limits: Limits) -> list[list[str]]:
    rows: list[list[str]] = []
    for row in values:
        if len(rows) >= limits.max_rows:
            raise _too_many_rows(limits)
        rows.append(_tidy_row([cell_text(value) for value in row]))
    return _finish(rows)


def _read_xlsx(data: bytes, limits: Limits) -> list[list[str]]:
    """The first sheet's cells, formulas as the values Excel last worked out, never run.

    read_only streams the sheet; data_only gives a formula's cached value (blank when the
    file was never opened in Excel to work it out).
    """
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # any part missing or malformed: not a workbook we can read
        raise SheetProblem(str(limits.not_a_sheet)) from error
    try:
        if not workbook.worksheets:
            raise SheetProblem(_("The spreadsheet has no sheet to read"))
        sheet = workbook.worksheets[0]
        # Some programs record the sheet's size wrongly; read every cell that is there.
        sheet.reset_dimensions()
        return _read_rows(sheet.iter_rows(values_only=True), limits)
    except SheetProblem:
        raise
    except Exception as error:  # a sheet that breaks the reader part way
        raise SheetProblem(str(limits.not_a_sheet)) from error
    finally:
        workbook.close()


def _read_ods(data: bytes, limits: Limits) -> list[list[str]]:
    """The first sheet of an OpenDocument spreadsheet (LibreOffice), read by calamine:
    formulas as their saved values, dates as dates."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise SheetProblem(_("The spreadsheet has no sheet to read"))
        sheet = workbook.get_sheet_by_index(0)
        return _read_rows(sheet.iter_rows(), limits)
    except SheetProblem:
        raise
    except Exception as error:  # a damaged or unreadable workbook
        raise SheetProblem(str(limits.not_a_sheet)) from error


def read_table(data: bytes, filename: str, limits: Limits) -> list[list[str]]:
    """The rows of an uploaded CSV or spreadsheet, every cell a stripped string.

    Which it is comes from the first bytes (XLSX and ODS are zips; an ODS names its
    type inside) and the name. Blank rows inside the table stay as [] so that row
    numbers are the file's own; blank rows at the end and empty cells at the end of a
    row are dropped.
    """
    if data.startswith(b"PK\x03\x04"):
        _size, is_ods = _unzipped_size(data, limits)
        if is_ods:
            if "ods" not in limits.spreadsheets:
                raise SheetProblem(str(limits.not_a_sheet))
            return _read_ods(data, limits)
        return _read_xlsx(data, limits)
    if _extension(filename) not in TEXT_EXTENSIONS:
        raise SheetProblem(str(limits.not_a_sheet))
    return _read_csv(data, limits)
