"""The pieces the home page's dashboards are made of (crm/services/home_dashboards.py):
figures, tables and sections as plain data, what each is worked out from, and the
helpers the roles' dashboards share."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.models import Panel, User
from crm.services.charts import Chart
from crm.services.dashboard import Figure
from crm.services.panel_refresh import RefreshReport
from crm.services.quarters import Quarter


@dataclass(frozen=True)
class Stat:
    """A figure in words; with `link`, the list it is the count of."""

    label: str
    value: int
    link: Figure | None = None


@dataclass(frozen=True)
class Link:
    text: str
    endpoint: str
    args: dict = field(default_factory=dict)


@dataclass
class Grid:
    """A table: cells are text, numbers, Stats (a figure, perhaps linked) or Links."""

    key: str
    caption: str
    header: list[str]
    rows: list[list]
    empty: str = _l("None.")


@dataclass
class Section:
    key: str
    title: str
    stats: list[Stat] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    items_title: str = ""  # a list of names under this heading, or items_empty if none
    items: list[str] = field(default_factory=list)
    items_empty: str = ""
    note: str = ""  # a sentence under the heading
    links: list[Link] = field(default_factory=list)


@dataclass
class Context:
    """What every section is worked out from."""

    user: User
    today: date
    quarter: Quarter
    panels: list[Panel]
    health: dict[int, RefreshReport]

    @property
    def previous(self) -> Quarter:
        return self.quarter.previous()

    def quarters(self, n: int) -> list[Quarter]:
        """The last n quarters, oldest first, ending with this one."""
        found = [self.quarter]
        while len(found) < n:
            found.insert(0, found[0].previous())
        return found


def period(q: Quarter) -> tuple[date, date]:
    return q.starts_on, q.ends_on


def quarter_args(q: Quarter, **more) -> dict:
    """A list's filter for the days of a quarter."""
    return {"from": q.starts_on.isoformat(), "to": q.ends_on.isoformat(), **more}


def held_stat(label: str, n: int, q: Quarter, **filters) -> Stat:
    args = quarter_args(q, status="held", **filters)
    return Stat(label, n, Figure(n, "engagements.index", args))


def add_up(counts: Counter, *positions: int) -> Counter:
    """Counts added up over the keys' other parts: add_up(c, 1) is per period."""
    out: Counter = Counter()
    for key, n in counts.items():
        out[key[positions[0]] if len(positions) == 1 else tuple(key[i] for i in positions)] += n
    return out


def reports() -> Section:
    return Section("reports", _("Reports and the map"), links=[
        Link(_("The quarterly Area report"), "reports.quarterly"),
        Link(_("The community map"), "maps.index"),
    ])  # fmt: skip
