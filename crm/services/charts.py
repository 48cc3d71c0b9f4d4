"""Charts drawn on the server, the GOV.UK way: one helper for every chart in the app.

A `Chart` is plain data (categories, and one or more named series of numbers). From it
come the SVG (`chart.svg()`, drawn by crm/services/chart_svg.py), the same numbers as a
table (`chart.table()`) and as CSV (`chart.csv()`), so the picture, the table beneath it
and the download can never disagree. templates/macros/chart.html shows all three, and
charts_view.chart_download answers a page's `?chart=<key>&format=csv`.

Design rules the drawing keeps: the value axis starts at zero with round ticks; every
series has its own pattern (bars) or dash style and marker (lines) as well as its own
colour, and a legend that names it; values are written beside the bars; text is GOV.UK
black on white.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from crm.services.csv_export import to_csv

Number = int | float
KINDS = ("bar", "hbar", "stacked", "line")
KEY = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class Table(NamedTuple):
    header: list[str]
    rows: list[list]  # the first cell names the row; the rest are numbers or None


@dataclass
class Chart:
    """One chart's data and words.

    kind: "bar" (grouped vertical bars), "hbar" (horizontal bars, for long category
    names), "stacked" (vertical bars stacked, non-negative values) or "line".
    series: each series' name and its values, one per category (None: no figure).
    rows: whether the table has a row per category (the default) or per series (a
    trend over time reads best with time across).
    """

    key: str  # lower-case words joined by hyphens: the page's ?chart= and the CSV's name
    title: str
    summary: str  # one sentence saying what the chart shows
    categories: Sequence[str]
    series: Mapping[str, Sequence[Number | None]]
    kind: str = "bar"
    unit: str = ""  # what the numbers count: "Feedback received"
    category_label: str = _l("Category")  # the table's heading for the categories
    series_label: str = _l("Series")  # ... and for the series
    rows: str = "categories"
    values: dict[str, tuple[Number | None, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # A chart made wrong is a programmer's mistake: these errors are not interface.
        if not KEY.fullmatch(self.key):
            raise ValueError(  # i18n: not interface
                f"A chart's key is lower-case words and hyphens, not {self.key!r}")
        if self.kind not in KINDS:
            raise ValueError(  # i18n: not interface
                f"A chart is one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.rows not in ("categories", "series"):
            raise ValueError(  # i18n: not interface
                "A chart's table has a row per 'categories' or per 'series'")
        # Its words as text in the language of the page (a label given lazily is read now).
        self.title, self.summary, self.unit = str(self.title), str(self.summary), str(self.unit)
        self.category_label, self.series_label = str(self.category_label), str(self.series_label)
        self.categories = [str(c) for c in self.categories]
        self.values = {}
        for name, values in self.series.items():
            values = tuple(values)
            if len(values) != len(self.categories):
                raise ValueError(  # i18n: not interface
                    f"Series {name!r} needs one value for each category")
            if any(not _is_number(v) for v in values if v is not None):
                raise ValueError(  # i18n: not interface
                    f"Series {name!r} has a value that is not a number")
            if self.kind == "stacked" and any(v < 0 for v in values if v is not None):
                raise ValueError(  # i18n: not interface
                    "A stacked chart cannot show negative values")
            self.values[str(name)] = values

    @property
    def names(self) -> list[str]:
        return list(self.values)

    @property
    def is_empty(self) -> bool:
        """True if there is nothing to draw: no categories, no series or no figure but 0."""
        return not any(v for values in self.values.values() for v in values)

    def table(self) -> Table:
        """The chart's numbers as a table: a header and rows, values as they are."""
        if self.rows == "series":
            return Table(
                [self.series_label, *self.categories],
                [[name, *values] for name, values in self.values.items()],
            )
        return Table(
            [self.category_label, *self.names],
            [
                [category, *(values[i] for values in self.values.values())]
                for i, category in enumerate(self.categories)
            ],
        )

    def shown(self, value: Number | None) -> str:
        """A value as the table shows it (see format_number)."""
        return format_number(value)

    def csv(self) -> str:
        """The table as CSV (cells a spreadsheet would run as formulas neutralised)."""
        return to_csv(*self.table())

    def svg(self) -> Markup:
        from crm.services.chart_svg import render

        return render(self)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def format_number(value: Number | None) -> str:
    """A value as a person reads it: 1,234 or 12.5; "No figure" for None."""
    if value is None:
        return _("No figure")
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def ticks(low: Number, high: Number, whole: bool = True, most: int = 6) -> list[Number]:
    """Round tick values from at or below min(low, 0) to at or above max(high, 0).

    The axis always includes 0 (bars start at zero); steps are 1, 2, 2.5 or 5 times a
    power of ten (never fractions when every value is a whole number).
    """
    low, high = min(low, 0), max(high, 0)
    if low == high:
        high = 1
    span = high - low
    magnitude = 10 ** math.floor(math.log10(span / most))
    steps = [m * magnitude for m in (1, 2, 2.5, 5, 10)]
    if whole:
        steps = [s for s in steps if float(s).is_integer()] or [1]
    step = next((s for s in steps if span / s <= most), steps[-1])
    first, last = math.floor(low / step), math.ceil(high / step)
    return [_tidy(n * step) for n in range(first, last + 1)]


def _tidy(value: float) -> Number:
    value = round(float(value), 10)
    return int(value) if value.is_integer() else value
