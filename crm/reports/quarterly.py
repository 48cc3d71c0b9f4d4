"""The Area reports: the quarterly report for the board, and the annual equality
information report. One page per Area and period (or every Area side by side), printable,
and as CSV, Excel and PDF."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm import clock, i18n
from crm.auth.forms import ButtonForm
from crm.charts_view import chart_download
from crm.forms_common import optional_int
from crm.models import User
from crm.services import annual_report, area_report, jobs, reference, report_files
from crm.services.quarters import Quarter, Year
from crm.views_common import save

bp = Blueprint("reports", __name__, url_prefix="/reports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Kind:
    """What differs between the two reports."""

    name: str  # "quarterly" or "annual": the URL and the file names
    heading: str  # lazily translated
    period_arg: str  # the query argument naming the period
    period: type  # Quarter or Year
    always_public: bool


QUARTERLY = Kind("quarterly", _l("Quarterly report"), "quarter", Quarter, False)
ANNUAL = Kind("annual", _l("Annual equality information report"), "year", Year, True)
KINDS = {kind.name: kind for kind in (QUARTERLY, ANNUAL)}


@dataclass
class Choices:
    area_id: int | None  # None: every Area the user works in, side by side
    period: Quarter | Year
    public: bool
    calendar: bool
    problems: dict[str, str]
    areas: list


def _choices(kind: Kind, user: User, args) -> Choices:
    """What the query arguments ask for, and what they got wrong. An Area the user does not
    work in is treated as not chosen; a period that is not one (or has not begun) falls
    back to the last whole one, with a message."""
    today = clock.today()
    calendar = args.get("quarters") == "calendar"
    problems = {}
    last_whole = kind.period.of(today, calendar).previous()
    asked = args.get(kind.period_arg, "")
    period = kind.period.parse(asked, calendar) if asked else last_whole
    if period is None or period.starts_on > today:
        problems[kind.period_arg] = _period_problem(kind, unknown=period is None)
        period = last_whole
    areas = reference.areas_for(user)
    # National users see every Area side by side unless they choose one.
    everything = user.is_national and args.get("area", "all") == "all"
    area_id = None if everything else optional_int(args.get("area"))
    if not everything and area_id not in {a.id for a in areas}:
        if args.get("area", "") != "":
            problems["area"] = _("Choose an Area you work in")
        area_id = areas[0].id if areas else None
    public = kind.always_public or args.get("public") == "1"
    return Choices(area_id, period, public, calendar, problems, areas)


def _period_problem(kind: Kind, unknown: bool) -> str:
    """What to say of a period asked for that is not one (unknown) or has not begun."""
    if kind.period is Quarter:
        return (_("Choose a quarter from the list") if unknown
                else _("Choose a quarter that has begun, from the list"))  # fmt: skip
    return (_("Choose a year from the list") if unknown
            else _("Choose a year that has begun, from the list"))  # fmt: skip


def _reports(kind: Kind, c: Choices, user: User) -> list[area_report.Report]:
    threshold = current_app.config["SUPPRESS_BELOW"]
    today = clock.today()
    if kind is ANNUAL:
        ids = [c.area_id] if c.area_id else [a.id for a in c.areas]
        return annual_report.build(user, ids, c.period, today, threshold)
    if c.area_id is None:
        return area_report.build_all(user, c.period, today, c.public, threshold)
    return [area_report.build(user, c.area_id, c.period, today, c.public, threshold)]


def _period_choices(kind: Kind, chosen, calendar: bool) -> list:
    """The last eight periods begun (and the chosen one, if older)."""
    found, period = [], kind.period.of(clock.today(), calendar)
    for _step in range(8):
        found.append(period)
        period = period.previous()
    return found if chosen in found else [*found, chosen]


def _title(kind: Kind, reports, period) -> str:
    where = reports[0].area.name if len(reports) == 1 else None
    return _titled(kind, where, period)


def _titled(kind: Kind, where: str | None, period) -> str:
    """The report's title for an Area (None: every Area) and period, in the page's language."""
    where = where or _("Every Area")
    if kind is ANNUAL:
        return _("%(where)s: annual equality information report, %(period)s", where=where,
                 period=period.short_label)  # fmt: skip
    return _("%(where)s: quarterly report, %(period)s", where=where, period=period.short_label)


def _page(kind: Kind):
    c = _choices(kind, current_user, request.args)
    reports = _reports(kind, c, current_user)
    charts = [ch for r in reports for ch in r.charts()] if len(reports) == 1 else []
    if (download := chart_download(*charts)) is not None:
        return download
    return render_template(
        "reports/quarterly.html", kind=kind, reports=reports, quarter=c.period,
        public=c.public, problems=c.problems, areas=c.areas, area_id=c.area_id,
        calendar=c.calendar, quarters=_period_choices(kind, c.period, c.calendar),
        title=_title(kind, reports, c.period),
        side_by_side=area_report.side_by_side(reports) if len(reports) > 1 else None,
        pdf_form=ButtonForm(),
    )  # fmt: skip


def make_file(user: User, report: str, file_kind: str, args) -> tuple[str, str, bytes]:
    """The report as a file (csv, xlsx or pdf), built as `user` sees it from the page's
    query arguments: (file name, media type, content). A PDF takes seconds, so it is
    made on the job queue (crm/jobs/kinds.py), the others while the person waits."""
    kind = KINDS[report]
    c = _choices(kind, user, args)
    reports = _reports(kind, c, user)
    title = _title(kind, reports, c.period)
    if file_kind == "csv":
        body, mimetype = report_files.csv_text(reports).encode(), "text/csv"
    elif file_kind == "xlsx":
        body, mimetype = report_files.xlsx_bytes(reports, title), XLSX
    else:
        html = render_template(
            "reports/quarterly_print.html", kind=kind, reports=reports, quarter=c.period,
            public=c.public, title=title,
            side_by_side=area_report.side_by_side(reports) if len(reports) > 1 else None,
        )  # fmt: skip
        body, mimetype = report_files.pdf_bytes(html), "application/pdf"
    return _file_name(kind, c, file_kind), mimetype, body


def _file_name(kind: Kind, c: Choices, file_kind: str) -> str:
    who = "all-areas" if c.area_id is None else f"area-{c.area_id}"
    public = "-public" if c.public and not kind.always_public else ""
    return f"{kind.name}-report-{who}-{c.period.key}{public}.{file_kind}"


def _file(kind: Kind, file_kind: str):
    name, mimetype, body = make_file(current_user, kind.name, file_kind, request.args)
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _pdf(kind: Kind):
    """GET: a page offering to make the PDF (for links kept from before); POST: make it on
    the job queue and follow its page, which offers the file when it is ready."""
    c = _choices(kind, current_user, request.args)
    area = next((a.name for a in c.areas if a.id == c.area_id), None)
    public = c.public and not kind.always_public

    def pdf_title() -> str:
        title = _titled(kind, area, c.period)
        return _("%(title)s (public)", title=title) if public else title

    form = ButtonForm()
    if request.method == "POST" and form.validate_on_submit():
        args = {k: request.args[k] for k in ("area", kind.period_arg, "public", "quarters")
                if k in request.args}  # fmt: skip
        with i18n.in_stored_language():  # the job's name is stored: English, whatever the page's
            name = f"PDF of {pdf_title()}"  # i18n: not interface (stored)
        job = save(lambda: jobs.submit(current_user, "report_pdf", name,
                                       {"report": kind.name, "args": args,
                                        "user_id": current_user.id}))  # fmt: skip
        jobs.start(job)
        return redirect(url_for("jobs.detail", job_id=job.id))
    return render_template("reports/make_pdf.html", report_title=pdf_title(), button_form=form)


@bp.route("/quarterly")
def quarterly():
    """The report for the chosen Area and quarter (?area=<id>|all&quarter=2026-Q2&public=1)."""
    return _page(QUARTERLY)


@bp.route("/quarterly.<any(csv, xlsx):kind>")
def quarterly_file(kind: str):
    return _file(QUARTERLY, kind)


@bp.route("/quarterly.pdf", methods=["GET", "POST"])
def quarterly_pdf():
    return _pdf(QUARTERLY)


@bp.route("/annual")
def annual():
    """The annual equality information report (?area=<id>|all&year=2026): always public."""
    return _page(ANNUAL)


@bp.route("/annual.<any(csv, xlsx):kind>")
def annual_file(kind: str):
    return _file(ANNUAL, kind)


@bp.route("/annual.pdf", methods=["GET", "POST"])
def annual_pdf():
    return _pdf(ANNUAL)
