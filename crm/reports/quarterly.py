"""The Area reports: the quarterly report for the board, and the annual equality
information report. One page per Area and period (or every Area side by side), printable,
and as CSV, Excel and PDF."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from crm import clock
from crm.charts_view import arg_calendar_quarters, chart_download
from crm.services import annual_report, area_report, reference, report_files
from crm.services.quarters import Quarter, Year
from crm.views_common import arg_int

bp = Blueprint("reports", __name__, url_prefix="/reports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Kind:
    """What differs between the two reports."""

    name: str  # "quarterly" or "annual": the URL and the file names
    heading: str
    period_arg: str  # the query argument naming the period
    period: type  # Quarter or Year
    always_public: bool


QUARTERLY = Kind("quarterly", "Quarterly report", "quarter", Quarter, False)
ANNUAL = Kind("annual", "Annual equality information report", "year", Year, True)


@dataclass
class Choices:
    area_id: int | None  # None: every Area the user works in, side by side
    period: Quarter | Year
    public: bool
    calendar: bool
    problems: dict[str, str]
    areas: list


def _choices(kind: Kind) -> Choices:
    """What the request asks for, and what it got wrong. An Area the user does not work in
    is treated as not chosen; a period that is not one (or has not begun) falls back to the
    last whole one, with a message."""
    today = clock.today()
    calendar = arg_calendar_quarters()
    problems = {}
    last_whole = kind.period.of(today, calendar).previous()
    asked = request.args.get(kind.period_arg, "")
    period = kind.period.parse(asked, calendar) if asked else last_whole
    if period is None or period.starts_on > today:
        what = kind.period.noun
        problems[kind.period_arg] = (f"Choose a {what} that has begun, from the list"
                                     if period else f"Choose a {what} from the list")  # fmt: skip
        period = last_whole
    areas = reference.areas_for(current_user)
    # National users see every Area side by side unless they choose one.
    everything = current_user.is_national and request.args.get("area", "all") == "all"
    area_id = None if everything else arg_int("area")
    if not everything and area_id not in {a.id for a in areas}:
        if request.args.get("area", "") != "":
            problems["area"] = "Choose an Area you work in"
        area_id = areas[0].id if areas else None
    public = kind.always_public or request.args.get("public") == "1"
    return Choices(area_id, period, public, calendar, problems, areas)


def _reports(kind: Kind, c: Choices) -> list[area_report.Report]:
    threshold = current_app.config["SUPPRESS_BELOW"]
    today = clock.today()
    if kind is ANNUAL:
        ids = [c.area_id] if c.area_id else [a.id for a in c.areas]
        return annual_report.build(current_user, ids, c.period, today, threshold)
    if c.area_id is None:
        return area_report.build_all(current_user, c.period, today, c.public, threshold)
    return [area_report.build(current_user, c.area_id, c.period, today, c.public, threshold)]


def _period_choices(kind: Kind, chosen, calendar: bool) -> list:
    """The last eight periods begun (and the chosen one, if older)."""
    found, period = [], kind.period.of(clock.today(), calendar)
    for _ in range(8):
        found.append(period)
        period = period.previous()
    return found if chosen in found else [*found, chosen]


def _title(kind: Kind, reports, period) -> str:
    where = reports[0].area.name if len(reports) == 1 else "Every Area"
    return f"{where}: {kind.heading.lower()}, {period.short_label}"


def _page(kind: Kind):
    c = _choices(kind)
    reports = _reports(kind, c)
    charts = [ch for r in reports for ch in r.charts()] if len(reports) == 1 else []
    if (download := chart_download(*charts)) is not None:
        return download
    return render_template(
        "reports/quarterly.html", kind=kind, reports=reports, quarter=c.period,
        public=c.public, problems=c.problems, areas=c.areas, area_id=c.area_id,
        calendar=c.calendar, quarters=_period_choices(kind, c.period, c.calendar),
        title=_title(kind, reports, c.period),
        side_by_side=area_report.side_by_side(reports) if len(reports) > 1 else None,
    )  # fmt: skip


def _file(kind: Kind, file_kind: str):
    c = _choices(kind)
    reports = _reports(kind, c)
    who = "all-areas" if c.area_id is None else f"area-{c.area_id}"
    public = "-public" if c.public and not kind.always_public else ""
    name = f"{kind.name}-report-{who}-{c.period.key}{public}.{file_kind}"
    title = _title(kind, reports, c.period)
    if file_kind == "csv":
        body, mimetype = report_files.csv_text(reports), "text/csv"
    elif file_kind == "xlsx":
        body, mimetype = report_files.xlsx_bytes(reports, title), XLSX
    else:
        html = render_template(
            "reports/quarterly_print.html", kind=kind, reports=reports, quarter=c.period,
            public=c.public, title=title,
            side_by_side=area_report.side_by_side(reports) if len(reports) > 1 else None,
        )  # fmt: skip
        body, mimetype = report_files.pdf_bytes(html), "application/pdf"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@bp.route("/quarterly")
def quarterly():
    """The report for the chosen Area and quarter (?area=<id>|all&quarter=2026-Q2&public=1)."""
    return _page(QUARTERLY)


@bp.route("/quarterly.<any(csv, xlsx, pdf):kind>")
def quarterly_file(kind: str):
    return _file(QUARTERLY, kind)


@bp.route("/annual")
def annual():
    """The annual equality information report (?area=<id>|all&year=2026): always public."""
    return _page(ANNUAL)


@bp.route("/annual.<any(csv, xlsx, pdf):kind>")
def annual_file(kind: str):
    return _file(ANNUAL, kind)
