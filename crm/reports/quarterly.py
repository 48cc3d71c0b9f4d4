"""The quarterly Area report: one page per Area and quarter (or every Area side by side),
printable, and as CSV, Excel and PDF."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from crm import clock
from crm.charts_view import arg_calendar_quarters, chart_download
from crm.services import area_report, reference, report_files
from crm.services.quarters import Quarter
from crm.views_common import arg_int

bp = Blueprint("reports", __name__, url_prefix="/reports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _choices():
    """What the request asks for, and what it got wrong: (area id or None for every Area,
    quarter, public, problems). An Area the user does not work in is treated as not chosen;
    a quarter that is not one falls back to the last whole quarter, with a message."""
    today = clock.today()
    calendar = arg_calendar_quarters()
    problems = {}
    last_whole = Quarter.of(today, calendar).previous()
    asked = request.args.get("quarter", "")
    quarter = Quarter.parse(asked, calendar) if asked else last_whole
    if quarter is None or quarter.starts_on > today:
        problems["quarter"] = ("Choose a quarter that has begun, from the list"
                               if quarter else "Choose a quarter from the list")  # fmt: skip
        quarter = last_whole
    areas = reference.areas_for(current_user)
    # National users see every Area side by side unless they choose one.
    everything = current_user.is_national and request.args.get("area", "all") == "all"
    area_id = None if everything else arg_int("area")
    if not everything and area_id not in {a.id for a in areas}:
        if "area" in request.args and request.args.get("area") != "":
            problems["area"] = "Choose an Area you work in"
        area_id = areas[0].id if areas else None
    public = request.args.get("public") == "1"
    return area_id, quarter, public, problems, areas, calendar


def _reports(area_id, quarter, public):
    threshold = current_app.config["SUPPRESS_BELOW"]
    today = clock.today()
    if area_id is None:
        return area_report.build_all(current_user, quarter, today, public, threshold)
    return [area_report.build(current_user, area_id, quarter, today, public, threshold)]


def _quarter_choices(quarter: Quarter, calendar: bool) -> list[Quarter]:
    """The last eight quarters begun (and the chosen one, if older)."""
    today = clock.today()
    found, q = [], Quarter.of(today, calendar)
    for _ in range(8):
        found.append(q)
        q = q.previous()
    if quarter not in found:
        found.append(quarter)
    return found


@bp.route("/quarterly")
def quarterly():
    """The report for the chosen Area and quarter (?area=<id>|all&quarter=2026-Q2&public=1)."""
    area_id, quarter, public, problems, areas, calendar = _choices()
    reports = _reports(area_id, quarter, public)
    charts = [c for r in reports[:1] for c in r.charts()] if len(reports) == 1 else []
    if (download := chart_download(*charts)) is not None:
        return download
    return render_template(
        "reports/quarterly.html", reports=reports, quarter=quarter, public=public,
        problems=problems, areas=areas, area_id=area_id, calendar=calendar,
        quarters=_quarter_choices(quarter, calendar),
        side_by_side=area_report.side_by_side(reports) if len(reports) > 1 else None,
    )  # fmt: skip


@bp.route("/quarterly.<any(csv, xlsx, pdf):kind>")
def quarterly_file(kind: str):
    area_id, quarter, public, _, _, _ = _choices()
    reports = _reports(area_id, quarter, public)
    who = "all-areas" if area_id is None else f"area-{area_id}"
    name = f"quarterly-report-{who}-{quarter.key}{'-public' if public else ''}.{kind}"
    if kind == "csv":
        body, mimetype = report_files.csv_text(reports), "text/csv"
    elif kind == "xlsx":
        body, mimetype = report_files.xlsx_bytes(reports, _title(reports, quarter)), XLSX
    else:
        html = render_template("reports/quarterly_print.html", reports=reports,
                               quarter=quarter, public=public,
                               title=_title(reports, quarter),
                               side_by_side=area_report.side_by_side(reports)
                               if len(reports) > 1 else None)  # fmt: skip
        body, mimetype = report_files.pdf_bytes(html), "application/pdf"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _title(reports, quarter: Quarter) -> str:
    if len(reports) == 1:
        return reports[0].title
    return f"Every Area: quarterly report, {quarter.short_label}"
