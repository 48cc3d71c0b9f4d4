"""What a page with charts asks of the request: which quarters, and a chart's CSV.

Every page with charts answers `?chart=<key>&format=csv` with that chart's data
(templates/macros/chart.html makes the link), and `?quarters=calendar` for calendar
quarters instead of financial ones (April to March, the default):

    chart = some_service.chart(current_user, ..., calendar=arg_calendar_quarters())
    if download := chart_download(chart):
        return download
    return render_template("page.html", chart=chart)
"""

from __future__ import annotations

from flask import Response, abort, request

from crm.services.charts import Chart
from crm.views_common import csv_download


def chart_download(*charts: Chart) -> Response | None:
    """The CSV of the chart the request asks for, or None to show the page; a key the
    page has no chart for is not found."""
    if "chart" not in request.args or request.args.get("format") != "csv":
        return None
    for chart in charts:
        if chart.key == request.args["chart"]:
            return csv_download(f"{chart.key}.csv", *chart.table())
    abort(404)


def arg_calendar_quarters() -> bool:
    """True if the page is asked for calendar quarters (`?quarters=calendar`); financial
    quarters otherwise, whatever else it says."""
    return request.args.get("quarters") == "calendar"
