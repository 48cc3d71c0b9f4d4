"""Reporting quarters. The service's year runs from April to March (its financial year),
so Q1 is April to June: "Q1 2026-27"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from crm.services.panel_refresh import add_months


@dataclass(frozen=True)
class Quarter:
    year: int  # the financial year it belongs to: 2026 means April 2026 to March 2027
    number: int  # 1 to 4

    @classmethod
    def of(cls, day: date) -> Quarter:
        months_since_april = (day.month - 4) % 12
        year = day.year if day.month >= 4 else day.year - 1
        return cls(year, months_since_april // 3 + 1)

    @classmethod
    def parse(cls, key: str | None) -> Quarter | None:
        """"2026-Q1" as a quarter, or None if it is not one (a year 1900 to 2999)."""
        match = re.fullmatch(r"(\d{4})-Q([1-4])", (key or "").strip().upper())
        if not match or not 1900 <= int(match.group(1)) <= 2998:
            return None
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def starts_on(self) -> date:
        return add_months(date(self.year, 4, 1), 3 * (self.number - 1))

    @property
    def ends_on(self) -> date:
        return add_months(self.starts_on, 3) - timedelta(days=1)

    @property
    def key(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        start, end = self.starts_on, self.ends_on
        return (
            f"Q{self.number} {self.year}-{(self.year + 1) % 100:02d} "
            f"({start:%B} to {end:%B %Y})"
        )

    def previous(self) -> Quarter:
        return Quarter.of(self.starts_on - timedelta(days=1))

    def next(self) -> Quarter:
        return Quarter.of(self.ends_on + timedelta(days=1))

    def __contains__(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def period_of(day: date, months: int) -> tuple[date, date]:
    """The reporting period of `months` (1, 3 or 6) counted from April that holds `day`."""
    months_since_april = (day.month - 4) % 12
    year = day.year if day.month >= 4 else day.year - 1
    start = add_months(date(year, 4, 1), months_since_april // months * months)
    return start, add_months(start, months) - timedelta(days=1)
