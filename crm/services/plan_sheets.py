"""Action plans as spreadsheets: read an uploaded plan (CSV or Excel) and write one out.

An equality action plan, as Areas keep them, is a table of numbered themes, each with
lettered actions ("a. Team to identify ..."), who will do them ("All Managers") and by when
("Sept 07 - ongoing"). Plans arrive as Excel files, or as CSV saved from Excel, often with a
title and notes above the header, gaps between rows, and dates written however the author
wrote them. This module only reads and writes the table (no database, no Flask), so the
import and export pages decide what to keep, and every rule here can be tested on its own.

Row numbers in messages are the file's own (what the person sees down the side of their
spreadsheet), so read_table keeps blank rows inside the table as empty lists.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from crm.i18n import in_every_language
from crm.services import sheets
from crm.services.csv_export import to_csv
from crm.services.sheets import Limits, SheetProblem  # noqa: F401  (the plan pages catch it here)

NOT_A_SHEET = _l("The file must be a CSV or an Excel (XLSX) file")
NO_HEADER = _l("The file has no header row with 'By whom' and 'By when'")
MAX_ROWS = 5000
# An XLSX is a zip: its parts unzipped past this are not a plan (or are a zip bomb).
MAX_XLSX_UNZIPPED_BYTES = 50 * 1024**2
# The header a written plan has (lazy: in the language of whoever exports it); a plan is
# read back by its "By whom" and "By when" columns, in whichever language it was written.
BY_WHOM, BY_WHEN = _l("By whom"), _l("By when")
HEADER = [_l("No."), _l("Theme"), _l("Action"), BY_WHOM, _l("By when / Update")]


# --- By when ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DueReading:
    """What a "By when / Update" cell says: a day, a month, ongoing, and any words besides."""

    kind: str  # "date", "month", "ongoing", or "" when no date was read
    on: date | None  # the day, or the month's first day
    ongoing: bool  # the text says ongoing (alone, or after a date: "Sept 07 - ongoing")
    note: str  # the text left once the date and "ongoing" are taken out, tidied

    @property
    def first_update(self) -> str:
        """What an imported action keeps as its first update: the words besides the date,
        with "ongoing" kept when it followed a date ("Sept 07 - ongoing")."""
        if self.ongoing and self.kind != "ongoing":
            return f"Ongoing - {self.note}" if self.note else "Ongoing"
        return self.note


_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?"
)
_ORDINAL = r"(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4}|'?\d{2})(?!\w)"
_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


# Tried in this order at each place a word starts, left to right: a day before a month, so
# "31 July 2008" is a day, not July 2008 with "31" left over.
_DAY_PATTERNS = (
    _pattern(r"(?P<year>\d{4})(?P<sep>[-/.])(?P<mon>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?!\d)"),
    _pattern(r"(?P<day>\d{1,2})(?P<sep>[-/.])(?P<mon>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})(?!\d)"),
    _pattern(r"(?P<day>\d{1,2})" + _ORDINAL + r"(?:[\s\-/.]*of)?[\s\-/.]*" + _MONTH
             + r"[\s\-/.,]*" + _YEAR),
    _pattern(_MONTH + r"[\s\-/.]*(?P<day>\d{1,2})" + _ORDINAL + r",?\s+(?P<year>\d{4})(?!\w)"),
)
_MONTH_PATTERNS = (
    _pattern(_MONTH + r"[\s\-/.,]*" + _YEAR),
    _pattern(r"(?P<year>\d{4})[\s\-/.,]+" + _MONTH),
    _pattern(r"(?P<mon>\d{1,2})[-/.](?P<year>\d{4})(?!\d)"),
    _pattern(r"(?P<year>\d{4})[-/.](?P<mon>\d{1,2})(?![\d])"),
)
_ONGOING = _pattern(r"\bon[\s-]?going\b")
# Characters that may sit between the parts of a cell: "Sept 07 - ongoing", "Ongoing."
_BOUNDARY = "-–—,;:./()|"
_EDGE = " -–—,;:./|"


def _year(text: str) -> int | None:
    """A four-digit year, or a two-digit one read as 2000-2069 or 1970-1999."""
    digits = text.lstrip("'")
    year = int(digits)
    if len(digits) == 2:
        return 2000 + year if year < 70 else 1900 + year
    return year if 1900 <= year <= 2099 else None


def _month(match: re.Match[str]) -> int:
    named = match.groupdict().get("month")
    return _MONTH_NUMBERS[named[:3].lower()] if named else int(match["mon"])


def _day_of(match: re.Match[str]) -> date | None:
    """The day a day-shaped match names, or None when no such day exists (31/02/2008)."""
    year = _year(match["year"])
    if year is None:
        return None
    try:
        return date(year, _month(match), int(match["day"]))
    except ValueError:
        return None


def _month_of(match: re.Match[str]) -> date | None:
    """The first day of the month a month-and-year match names, if it is a real month."""
    year = _year(match["year"])
    month = _month(match)
    return date(year, month, 1) if year is not None and 1 <= month <= 12 else None


def _find_date(text: str) -> tuple[str, date, int, int] | None:
    """The first date in the text, as (kind, day, start, end).

    A day that cannot exist ("31/02/2008") is no date, and its month is not read from it
    either; reading goes on after it, so a real month-and-year elsewhere is still found.
    """
    pos = 0
    while pos < len(text):
        if pos and text[pos - 1].isalnum():
            pos += 1
            continue
        end = None
        for kind, patterns, read in (("date", _DAY_PATTERNS, _day_of),
                                     ("month", _MONTH_PATTERNS, _month_of)):
            for pattern in patterns:
                match = pattern.match(text, pos)
                if match:
                    found = read(match)
                    if found is not None:
                        return kind, found, match.start(), match.end()
                    end = match.end()
                    break
            if end is not None:
                break
        pos = end if end is not None else pos + 1
    return None


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Whether the words at start:end are a part of their own ("Sept 07 - ongoing").

    "Work is ongoing with partners" keeps its "ongoing": taking it out would change what
    the note says.
    """
    before = text[:start].rstrip()
    after = text[end:].lstrip()
    return (not before or before[-1] in _BOUNDARY) and (not after or after[0] in _BOUNDARY)


def _tidy(text: str) -> str:
    """One space between words, no empty brackets or doubled separators, no stray edges."""
    text = re.sub(r"\(\s*\)|\[\s*\]", " ", text)
    text = " ".join(text.split())
    text = re.sub(r"([-–—,;:/|])(?:\s*[-–—,;:/|])+", r"\1", text)
    return text.strip(_EDGE)


def read_by_when(text: str) -> DueReading:
    """Read a "By when / Update" cell as plans write it ("Sept 07 - ongoing", "31/07/2008").

    A month with no year ("update due July 31st") is not a date: guessing the year would
    put a made-up due date on the action. Whatever is not the date or "ongoing" is kept
    as the note, so no words the author wrote are lost.
    """
    clean = " ".join((text or "").split())
    found = _find_date(clean)
    kind, on = "", None
    rest = clean
    if found is not None:
        kind, on, start, end = found
        rest = clean[:start] + " " + clean[end:]
    ongoing = False
    pieces: list[str] = []
    last = 0
    for match in _ONGOING.finditer(rest):
        ongoing = True
        if _stands_alone(rest, match.start(), match.end()):
            pieces.append(rest[last:match.start()])
            last = match.end()
    pieces.append(rest[last:])
    if not kind and ongoing:
        kind = "ongoing"
    return DueReading(kind=kind, on=on, ongoing=ongoing, note=_tidy(" ".join(pieces)))


# --- Reading a file into rows --------------------------------------------------------------

# A plan runs to tens of rows, perhaps a few hundred; far more is not a plan, and is
# refused before it fills the memory of the process reading it.
LIMITS = Limits(
    max_rows=MAX_ROWS, max_unzipped_bytes=MAX_XLSX_UNZIPPED_BYTES, not_a_sheet=NOT_A_SHEET,
    too_many_rows=_l("The file has more than %(rows)s rows: an action plan should be much "
                     "shorter"),
    too_large=_l("The spreadsheet is too large: an action plan should be much smaller"),
)  # fmt: skip


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The rows of an uploaded CSV or XLSX plan, every cell a stripped string (see
    sheets.read_table: blank rows inside the table kept as [], so row numbers are the
    file's own)."""
    return sheets.read_table(data, filename, LIMITS)


# --- Reading rows into a plan ----------------------------------------------------------


@dataclass
class ParsedAction:
    """One action as read, with the problems found on its row."""

    row: int
    theme_number: str
    theme_title: str
    letter: str
    what: str
    by_whom: str
    by_when_text: str
    due: DueReading
    problems: list[str] = field(default_factory=list)


@dataclass
class ParsedPlan:
    """A plan as read: its title, themes in order, actions, and every problem found."""

    title: str
    themes: list[tuple[str, str]]
    actions: list[ParsedAction]
    problems: list[str]

    @property
    def ok(self) -> bool:
        """Whether the plan can be taken as it is."""
        return not self.problems


@dataclass(frozen=True)
class _Columns:
    number: int | None
    theme: int | None
    action: int | None
    whom: int
    when: int


_LETTER = re.compile(
    r"\(?(?P<letter>[a-z])(?:\)|\.(?![a-z]\.)|\s*[-–—:](?=\s|$))\s*(?P<what>.*)",
    re.IGNORECASE | re.DOTALL,
)
_THEME_NUMBER = re.compile(r"(?:theme\s*)?(?P<number>\d{1,4})(?:\.0+)?\.?", re.IGNORECASE)


def _plain(cell: str) -> str:
    return " ".join(cell.lower().split())


def _header_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """"by whom" and "by when" as a header says them, in every language (English first):
    worked out once for a file."""
    return (tuple(_plain(said) for said in in_every_language(BY_WHOM)),
            tuple(_plain(said) for said in in_every_language(BY_WHEN)))  # fmt: skip


def _header_columns(cells: list[str], words=None) -> _Columns | None:
    """The columns, if this is the header row (a "By whom" cell and a "By when" cell, in
    English or in Welsh; `words`: _header_words(), when reading many rows)."""
    whom_words, when_words = _header_words() if words is None else words
    plain = [_plain(cell) for cell in cells]
    whom = next((i for i, cell in enumerate(plain) if any(w in cell for w in whom_words)),
                None)  # fmt: skip
    when = next((i for i, cell in enumerate(plain)
                 if any(w in cell for w in when_words) and i != whom), None)  # fmt: skip
    if whom is None or when is None:
        return None
    action = min(whom, when) - 1

    def column(index: int) -> int | None:
        return index if index >= 0 else None

    return _Columns(column(action - 2), column(action - 1), column(action), whom, when)


def _find_header(rows: list[list[str]], words) -> tuple[int, _Columns] | None:
    """The header row's index and the columns it names: the first such row in the file."""
    for index, row in enumerate(rows):
        columns = _header_columns([str(cell) for cell in row], words)
        if columns is not None:
            return index, columns
    return None


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index]


def _title(rows: list[list[str]]) -> str:
    """The first text above the header: the plan's name, as the paper puts it at the top."""
    for row in rows:
        for cell in row:
            if cell.strip():
                return " ".join(cell.split())
    return ""


def _split_letter(text: str) -> tuple[str, str]:
    """("c", "Plan consultation ...") from "c. Plan consultation ..."; ("", text) if none."""
    match = _LETTER.fullmatch(text)
    if match is None:
        return "", text
    return match["letter"].lower(), match["what"].strip()


def _next_letter(used: dict[str, int]) -> str:
    """The letter after the last one used in the theme ("a" for its first action)."""
    if not used:
        return "a"
    last = max(used)
    return chr(ord(last) + 1) if last < "z" else ""


def _holds_next_action(what: str, letter: str) -> bool:
    """Whether the text runs on into the next action ("... (Intranet) d. Ensure staff ...").

    Copying a plan out of a PDF or Word merges rows like this; taken as one action it
    would join two owners into "All Managers All Managers".
    """
    if not letter or letter >= "z":
        return False
    following = chr(ord(letter) + 1)
    return re.search(rf"(?:^|\s)\(?{following}[.)]\s", what, re.IGNORECASE) is not None


class _PlanReader:
    """Reads the rows below the header one at a time, keeping the theme they fall in."""

    def __init__(self, plan: ParsedPlan, columns: _Columns, words) -> None:
        self.plan = plan
        self.columns = columns
        self.words = words
        self.theme: tuple[str, str] | None = None
        self.theme_rows: dict[str, int] = {}
        self.letters: dict[str, dict[str, int]] = {}

    def read(self, row: int, raw: list[str]) -> None:
        cells = [str(cell).strip() for cell in raw]
        if not any(cells) or _header_columns(cells, self.words) is not None:
            return  # a gap, or the header again at the top of a new page
        columns = self.columns
        number_text = _cell(cells, columns.number)
        title = " ".join(_cell(cells, columns.theme).split())
        action = _cell(cells, columns.action)
        whom = _cell(cells, columns.whom)
        when = _cell(cells, columns.when)
        number = _THEME_NUMBER.fullmatch(number_text)
        if number_text and number is None:
            if not (title or action or whom or when):
                return  # words beside the table: a page's title again, a signature, a date
            self.plan.problems.append(
                _("Row %(row)s: the theme number must be a number, like 3", row=row))
        elif number is not None:
            self._start_theme(row, str(int(number["number"])), title)
        elif title and (self.theme is None or title != self.theme[1]):
            self.plan.problems.append(_("Row %(row)s: enter the theme's number", row=row))
        if action:
            self._add_action(row, action, whom, when)
        elif whom or when:
            self.plan.problems.append(_("Row %(row)s: enter what will be done", row=row))

    def _start_theme(self, row: int, number: str, title: str) -> None:
        if self.theme is not None and self.theme[0] == number and title in ("", self.theme[1]):
            return  # a sheet that repeats its theme on every row
        first = self.theme_rows.get(number)
        if first is not None:
            self.plan.problems.append(
                _("Row %(row)s: theme %(number)s is already on row %(first)s: give each theme "
                  "its own number", row=row, number=number, first=first)
            )
            self.theme = next(theme for theme in self.plan.themes if theme[0] == number)
            return
        if not title:
            self.plan.problems.append(
                _("Row %(row)s: enter the title of theme %(number)s", row=row, number=number))
        self.theme = (number, title)
        self.theme_rows[number] = row
        self.plan.themes.append(self.theme)

    def _add_action(self, row: int, action: str, whom: str, when: str) -> None:
        problems: list[str] = []
        number, title = self.theme if self.theme is not None else ("", "")
        if self.theme is None:
            problems.append(_("Row %(row)s: the action comes before any numbered theme",
                              row=row))
        used = self.letters.setdefault(number, {})
        letter, what = _split_letter(action)
        if not letter:
            letter = _next_letter(used)
            problems.append(
                _("Row %(row)s: the action has no letter: it will be %(letter)s", row=row,
                  letter=letter) if letter
                else _("Row %(row)s: the action has no letter: give it one", row=row)
            )
        elif letter in used:
            problems.append(
                _("Row %(row)s: theme %(number)s already has an action %(letter)s (row "
                  "%(first)s): give each action its own letter", row=row, number=number,
                  letter=letter, first=used[letter]) if number
                else _("Row %(row)s: the plan already has an action %(letter)s (row %(first)s): "
                       "give each action its own letter", row=row, letter=letter,
                       first=used[letter])
            )
        if letter and letter not in used:
            used[letter] = row
        if not what:
            problems.append(_("Row %(row)s: enter what will be done", row=row))
        elif _holds_next_action(what, letter):
            following = chr(ord(letter) + 1)
            problems.append(
                _("Row %(row)s: put each action on its own row (this row seems to hold "
                  "actions %(letter)s and %(following)s)", row=row, letter=letter,
                  following=following)
            )
        self.plan.actions.append(ParsedAction(
            row=row, theme_number=number, theme_title=title, letter=letter, what=what,
            by_whom=whom, by_when_text=when, due=read_by_when(when), problems=problems,
        ))
        self.plan.problems.extend(problems)


def read_plan(rows: list[list[str]]) -> ParsedPlan:
    """Read a plan's themes and actions from its rows, and say everything that is wrong.

    The header can be anywhere below a title; columns are found from "By whom" and
    "By when", with the action, theme title and theme number the three columns before
    them, as the paper lays them out. Every problem is listed, so the person uploading can
    put them all right at once.
    """
    plan = ParsedPlan(title="", themes=[], actions=[], problems=[])
    words = _header_words()
    header = _find_header(rows, words)
    if header is None:
        plan.problems.append(str(NO_HEADER))
        return plan
    index, columns = header
    plan.title = _title(rows[:index])
    reader = _PlanReader(plan, columns, words)
    for number, row in enumerate(rows[index + 1:], start=index + 2):
        reader.read(number, row)
    return plan


# --- Writing ---------------------------------------------------------------------------


def plan_rows(themes: list[tuple[str, str, list[tuple[str, str, str, str]]]]) -> list[list[str]]:
    """A plan laid out as the paper is: each theme's first action on the theme's own row.

    themes is [(number, title, [(letter, what, by whom, by when / update), ...]), ...];
    the header comes first (in the page's language), and read_plan reads the rows back to
    the same plan.
    """
    rows = [[str(label) for label in HEADER]]
    for number, title, actions in themes:
        if not actions:
            rows.append([number, title, "", "", ""])
        for position, (letter, what, whom, when) in enumerate(actions):
            action = f"{letter}. {what}" if letter else what
            first = position == 0
            rows.append([number if first else "", title if first else "", action, whom, when])
    return rows


def write_csv(rows: list[list[str]]) -> bytes:
    """The rows as CSV, with a BOM so Excel reads it as UTF-8 ("£", "é", curly quotes).

    Cells a spreadsheet would run as formulas are neutralised by csv_export.
    """
    if not rows:
        return b""
    return to_csv(rows[0], rows[1:]).encode("utf-8-sig")


def xlsx_text(value: object) -> str:
    """Text Excel will store: characters it refuses (control codes) taken out."""
    return ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))


def _column_width(rows: list[list[str]], index: int) -> float:
    """Wide enough for the longest line in the column, within reason (text wraps)."""
    longest = max(
        (len(line) for row in rows if index < len(row) for line in str(row[index]).splitlines()),
        default=0,
    )
    return float(min(max(longest + 2, 6), 60))


def write_xlsx(rows: list[list[str]], title: str) -> bytes:
    """The rows as an Excel file, the title above them, every cell stored as text.

    Storing each cell as a string (not leaving openpyxl to guess) means a cell starting
    with "=" is shown as typed and never becomes a formula.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Action plan")
    workbook.properties.title = xlsx_text(title)[:255]
    wrap = Alignment(wrap_text=True, vertical="top")
    heading = sheet.cell(row=1, column=1)
    heading.value = xlsx_text(title)
    heading.data_type = "s"
    heading.font = Font(bold=True, size=14)
    for row_number, row in enumerate(rows, start=2):
        for column_number, value in enumerate(row, start=1):
            text = xlsx_text(value)
            if not text:
                continue
            cell = sheet.cell(row=row_number, column=column_number)
            cell.value = text
            cell.data_type = "s"
            cell.alignment = wrap
            if row_number == 2:
                cell.font = Font(bold=True)
    for index in range(max((len(row) for row in rows), default=0)):
        sheet.column_dimensions[get_column_letter(index + 1)].width = _column_width(rows, index)
    sheet.freeze_panes = "A3"
    sheet.page_setup.orientation = "landscape"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
