"""Spreadsheets the import tests write: CSV in each encoding and delimiter, XLSX (with a
formula's saved value, as Excel leaves it) and ODS (as LibreOffice saves it)."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from xml.sax.saxutils import escape

from openpyxl import Workbook


def csv_bytes(rows, encoding: str = "utf-8", delimiter: str = ",", bom: bool = False) -> bytes:
    def cell(value) -> str:
        text = str(value)
        if any(c in text for c in f'{delimiter}"\n'):
            return '"' + text.replace('"', '""') + '"'
        return text

    text = "\r\n".join(delimiter.join(cell(v) for v in row) for row in rows) + "\r\n"
    return ("\ufeff" if bom else "").encode(encoding) + text.encode(encoding)


def xlsx_bytes(rows, formulas: dict[str, str] | None = None) -> bytes:
    """An Excel file; `formulas` {cell: saved value} gives each formula cell ("=...") the
    value Excel would have saved with it (openpyxl saves none)."""
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    if not formulas:
        return out.getvalue()
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, value in formulas.items():
                    start = text.index(f'<c r="{ref}"')
                    end = text.index("</c>", start)
                    text = text[:end].replace("<v />", f"<v>{value}</v>") + text[end:]
                data = text.encode()
            target.writestr(item, data)
    return patched.getvalue()


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"'
)


def _ods_cell(value) -> str:
    if isinstance(value, date):
        return (f'<table:table-cell office:value-type="date" office:date-value="{value}">'
                f"<text:p>{value:%d/%m/%Y}</text:p></table:table-cell>")
    if isinstance(value, tuple):  # (formula, saved value)
        formula, saved = value
        return (f'<table:table-cell table:formula="of:{escape(formula)}" '
                f'office:value-type="float" office:value="{saved}"><text:p>{saved}</text:p>'
                "</table:table-cell>")
    if isinstance(value, int | float):
        return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    return (f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}'
            "</text:p></table:table-cell>")


def ods_bytes(rows) -> bytes:
    """An OpenDocument spreadsheet: a date cell stays a date, a formula (given as
    (formula, saved value)) carries its saved value."""
    body = "".join("<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
                   for row in rows)  # fmt: skip
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} '
               'office:version="1.2"><office:body><office:spreadsheet>'
               f'<table:table table:name="Sheet1">{body}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
                'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"/></manifest:manifest>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"),
                         "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()
