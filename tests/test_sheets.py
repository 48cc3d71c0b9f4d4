"""Reading an uploaded spreadsheet (services/sheets.py), whatever made it: CSV in UTF-8
with or without a BOM and in Windows-1252, split by commas, semicolons or tabs; XLSX and
ODS with dates read as dates, numbers as they show and formulas as their saved values;
a title above the header; blank rows and trailing empty columns."""

from __future__ import annotations

from datetime import date

import pytest

from crm.services import sheets
from crm.services.imports import LIMITS
from tests.import_files import csv_bytes, ods_bytes, xlsx_bytes

ROWS = [["Name", "Town", "Since"], ["Café Ñandú & Co", "Liverpool", "2026-10-01"]]


@pytest.mark.parametrize("encoding, bom", [("utf-8", False), ("utf-8", True),
                                           ("cp1252", False)])  # fmt: skip
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_in_each_encoding_and_delimiter(encoding, bom, delimiter):
    data = csv_bytes(ROWS, encoding, delimiter, bom)
    assert sheets.read_table(data, "people.csv", LIMITS) == ROWS


def test_a_title_row_blank_rows_and_trailing_empty_columns():
    data = csv_bytes([["Our stakeholders", "", ""], ["", "", ""], ["Name", "Town", ""],
                      ["", "", ""], ["A", "B", ""], ["", "", ""]])  # fmt: skip
    assert sheets.read_table(data, "s.csv", LIMITS) == [["Our stakeholders"], [], ["Name", "Town"],
                                                        [], ["A", "B"]]


def test_xlsx_dates_numbers_and_a_formula_as_its_saved_value():
    rows = [["Name", "Since", "Influence", "Score"],
            ["A", date(2026, 10, 1), 4.0, "=2+3"]]  # fmt: skip
    data = xlsx_bytes(rows, formulas={"D2": "5"})
    assert sheets.read_table(data, "s.xlsx", LIMITS) == [
        ["Name", "Since", "Influence", "Score"], ["A", "2026-10-01", "4", "5"]]


def test_ods_dates_numbers_and_a_formula_as_its_saved_value():
    rows = [["Name", "Since", "Influence", "Score"],
            ["A", date(2026, 10, 1), 4, ("=2+3", 5)]]  # fmt: skip
    assert sheets.read_table(ods_bytes(rows), "s.ods", LIMITS) == [
        ["Name", "Since", "Influence", "Score"], ["A", "2026-10-01", "4", "5"]]


@pytest.mark.parametrize("data, name", [(b"%PDF-1.4", "s.pdf"), (b"PK\x03\x04broken", "s.xlsx")])
def test_what_is_not_a_spreadsheet_is_refused_saying_so(data, name):
    with pytest.raises(sheets.SheetProblem, match="must be a CSV, an Excel"):
        sheets.read_table(data, name, LIMITS)
