"""The quarterly Area report as files to take away: CSV, Excel (a sheet per section) and
PDF (made on the server by WeasyPrint from the report's own print page).

Every file is drawn from the same `area_report.Report` cells as the page, so a figure
suppressed on the public page is suppressed in every file too.
"""

from __future__ import annotations

import io

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from crm.services.area_report import Report
from crm.services.csv_export import to_csv
from crm.services.plan_sheets import xlsx_text

CSV_HEADER = [_l("Area"), _l("Quarter"), _l("Section"), _l("Table"), _l("Row"), _l("Column"),
              _l("Value")]  # fmt: skip


def csv_text(reports: list[Report]) -> str:
    """Every figure of every report, one to a line (a long table any tool can pivot)."""
    rows = []
    for report in reports:
        for section in report.sections:
            for table in section.tables:
                for cells in table.cells():
                    for column, cell in zip(table.header[1:], cells[1:], strict=False):
                        rows.append([report.area.name, report.quarter.short_label,
                                     section.title, table.caption, cells[0].text,
                                     column, cell.text])  # fmt: skip
    return to_csv(CSV_HEADER, rows)


def xlsx_bytes(reports: list[Report], title: str) -> bytes:
    """A sheet per section (per Area and section when there are several Areas); each
    table under its caption. Counts are numbers, suppressed counts and words are text,
    and text is always stored as text (a cell starting with "=" never becomes a formula)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = xlsx_text(title)[:255]
    used: set[str] = set()
    for report in reports:
        for section in report.sections:
            name = section.title if len(reports) == 1 else f"{report.area.name} {section.title}"
            sheet = workbook.create_sheet(_sheet_name(name, used))
            _write(sheet, [f"{report.title}: {section.title}"], bold=True, size=14)
            for table in section.tables:
                sheet.append([])
                _write(sheet, [table.caption], bold=True)
                _write(sheet, table.header, bold=True)
                cells = table.cells()
                if not cells:
                    _write(sheet, [table.empty])
                for row in cells:
                    _write_cells(sheet, row)
            for note in section.notes:
                sheet.append([])
                _write(sheet, [note])
            _widths(sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_name(name: str, used: set[str]) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\, unique."""
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in name)[:31].strip() or "Sheet"
    candidate, n = clean, 2
    while candidate.lower() in used:
        suffix = f" {n}"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _write(sheet, texts: list[object], bold: bool = False, size: int | None = None) -> None:
    row = sheet.max_row + 1 if sheet.max_row > 1 or sheet.cell(1, 1).value else 1
    for column, text in enumerate(texts, start=1):
        cell = sheet.cell(row=row, column=column)
        cell.value = xlsx_text(text)
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold or size:
            cell.font = Font(bold=bold, size=size or 11)


def _write_cells(sheet, cells) -> None:
    row = sheet.max_row + 1
    for column, cell in enumerate(cells, start=1):
        target = sheet.cell(row=row, column=column)
        number = cell.number
        if number is not None and column > 1:
            target.value = number
        else:
            target.value = xlsx_text(cell.text)
            target.data_type = "s"
        target.alignment = Alignment(wrap_text=True, vertical="top")


def _widths(sheet) -> None:
    for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        longest = max((len(str(v)) for v in column if v is not None), default=6)
        sheet.column_dimensions[get_column_letter(index)].width = float(min(max(longest, 8), 60))


def pdf_bytes(html: str) -> bytes:
    """The report's print page as a PDF (WeasyPrint, with Pango and the system's fonts).

    The print page carries its own styles and pictures (the charts are inline SVG), so
    nothing is fetched: a URL in it is refused rather than read from the network or from
    the app itself (a request to itself would wait forever on a one-worker server)."""
    from weasyprint import HTML  # imported here: it loads Pango, needed only for a PDF

    def refuse(url: str, *args, **kwargs):
        raise ValueError(f"The report's PDF fetches nothing ({url[:80]})")  # i18n: not interface

    return HTML(string=html, url_fetcher=refuse).write_pdf()
