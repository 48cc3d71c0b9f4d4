"""Reporting quarters. The service's year runs from April to March (its financial year),
so Q1 is April to June: "Q1 2026-27". Pages that show quarters offer calendar quarters
too (Q1 is January to March: "2026 Q1"), as `Quarter(..., calendar=True)`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from crm.services.panel_refresh import add_months


@dataclass(frozen=True)
class Quarter:
    year: int  # the financial year it belongs to: 2026 means April 2026 to March 2027
    number: int  # 1 to 4
    calendar: bool = False  # a calendar quarter: year is the calendar year, Q1 January

    @classmethod
    def of(cls, day: date, calendar: bool = False) -> Quarter:
        if calendar:
            return cls(day.year, (day.month - 1) // 3 + 1, calendar=True)
        months_since_april = (day.month - 4) % 12
        year = day.year if day.month >= 4 else day.year - 1
        return cls(year, months_since_april // 3 + 1)

    @classmethod
    def parse(cls, key: str | None, calendar: bool = False) -> Quarter | None:
        """A key as a quarter: "2026-Q1" (or with calendar, "2026-C1"), or None if it is
        not one (a year 1900 to 2999)."""
        letter = "C" if calendar else "Q"
        match = re.fullmatch(rf"(\d{{4}})-{letter}([1-4])", (key or "").strip().upper())
        if not match or not 1900 <= int(match.group(1)) <= 2998:
            return None
        return cls(int(match.group(1)), int(match.group(2)), calendar)

    @property
    def starts_on(self) -> date:
        return add_months(date(self.year, 1 if self.calendar else 4, 1), 3 * (self.number - 1))

    @property
    def ends_on(self) -> date:
        return add_months(self.starts_on, 3) - timedelta(days=1)

    @property
    def key(self) -> str:
        return f"{self.year}-{'C' if self.calendar else 'Q'}{self.number}"

    @property
    def short_label(self) -> str:
        """Its short name: "Q1 2026-27", or for a calendar quarter "2026 Q1"."""
        if self.calendar:
            return f"{self.year} Q{self.number}"
        return f"Q{self.number} {self.year}-{(self.year + 1) % 100:02d}"

    @property
    def label(self) -> str:
        """"Q1 2026-27 (April to June 2026)": each span of months a whole text, as the
        Welsh for "to" changes the month after it."""
        said = {"quarter": self.short_label, "year": self.ends_on.year}
        first = self.starts_on.month
        if first == 1:
            return _("%(quarter)s (January to March %(year)s)", **said)
        if first == 4:
            return _("%(quarter)s (April to June %(year)s)", **said)
        if first == 7:
            return _("%(quarter)s (July to September %(year)s)", **said)
        return _("%(quarter)s (October to December %(year)s)", **said)

    noun = "quarter"  # what reports call it: "this quarter", "the quarter before"

    def previous(self) -> Quarter:
        return Quarter.of(self.starts_on - timedelta(days=1), self.calendar)

    def next(self) -> Quarter:
        return Quarter.of(self.ends_on + timedelta(days=1), self.calendar)

    def a_year_before(self) -> Quarter:
        return Quarter(self.year - 1, self.number, self.calendar)

    def __contains__(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class Year:
    """A reporting year: financial (April to March: "2026-27") unless calendar. It answers
    what a Quarter does, so the reports take either."""

    year: int  # the year it starts in
    calendar: bool = False

    noun = "year"

    @classmethod
    def of(cls, day: date, calendar: bool = False) -> Year:
        if calendar:
            return cls(day.year, True)
        return cls(day.year if day.month >= 4 else day.year - 1)

    @classmethod
    def parse(cls, key: str | None, calendar: bool = False) -> Year | None:
        """"2026" as a year (financial: April 2026 to March 2027), or None (1900 to 2998)."""
        match = re.fullmatch(r"(\d{4})", (key or "").strip())
        if not match or not 1900 <= int(match.group(1)) <= 2998:
            return None
        return cls(int(match.group(1)), calendar)

    @property
    def starts_on(self) -> date:
        return date(self.year, 1 if self.calendar else 4, 1)

    @property
    def ends_on(self) -> date:
        return date(self.year, 12, 31) if self.calendar else date(self.year + 1, 3, 31)

    @property
    def key(self) -> str:
        return str(self.year)

    @property
    def short_label(self) -> str:
        """"2026-27" for a financial year, "2026" for a calendar one."""
        return str(self.year) if self.calendar else f"{self.year}-{(self.year + 1) % 100:02d}"

    @property
    def label(self) -> str:
        if self.calendar:
            return _("%(year)s (January to December)", year=self.year)
        return _("%(year)s (April %(start)s to March %(end)s)", year=self.short_label,
                 start=self.year, end=self.year + 1)  # fmt: skip

    def previous(self) -> Year:
        return Year(self.year - 1, self.calendar)

    def next(self) -> Year:
        return Year(self.year + 1, self.calendar)

    def a_year_before(self) -> Year:
        return self.previous()

    def __contains__(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def quarters_between(start: date, end: date, calendar: bool = False) -> list[Quarter]:
    """Every quarter from the one holding `start` to the one holding `end`, in order."""
    found, quarter = [], Quarter.of(start, calendar)
    while quarter.starts_on <= end:
        found.append(quarter)
        quarter = quarter.next()
    return found


def period_of(day: date, months: int) -> tuple[date, date]:
    """The reporting period of `months` (1, 3 or 6) counted from April that holds `day`."""
    months_since_april = (day.month - 4) % 12
    year = day.year if day.month >= 4 else day.year - 1
    start = add_months(date(year, 4, 1), months_since_april // months * months)
    return start, add_months(start, months) - timedelta(days=1)
