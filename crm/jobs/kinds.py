"""Every kind of background job, each a thin wrapper over the service that does the work.

Long work runs here rather than in a request: the ONS Postcode Directory import and
placing every record that has a postcode but no location.
"""

from __future__ import annotations

from pathlib import Path

from crm.services import geocoding, postcode_import
from crm.services.jobs import JobFailed, Outcome, Report, handler


@handler("postcodes")
def import_postcodes(params: dict, report: Report) -> Outcome:
    """Load an uploaded directory file into its postcode set (which commits each batch,
    so a half-read file leaves the lookups as they were)."""
    path = Path(params["path"])
    if not path.exists():
        raise JobFailed("The uploaded file is no longer there: upload it again")

    def progress(done: int, total: int, loaded: int) -> None:
        report(done, total, f"{loaded:,} postcodes loaded")

    try:
        loaded = postcode_import.load(params["set_id"], path, progress)
    except postcode_import.ImportProblem as problem:
        path.unlink(missing_ok=True)  # the file is wrong: trying it again would not help
        raise JobFailed(f"Not imported: {problem}. Lookups still use the data they used "
                        "before.") from None  # fmt: skip
    path.unlink(missing_ok=True)
    return Outcome(f"Imported {_count(loaded, 'postcode')}; lookups now use them",
                   link="maps.admin.postcodes")  # fmt: skip


@handler("geocode")
def place_records(params: dict, report: Report) -> Outcome:
    """Give stakeholders and engagements with a postcode and no location their place."""

    def progress(table: str, done: int, total: int) -> None:
        report(done, total, f"Placing {table}")

    counts = geocoding.geocode_all(progress)
    return Outcome(
        f"Placed {_count(counts['postcode'], 'record')} from their postcode; "
        f"{_count(counts['not_found'], 'postcode')} not found (marked so, and listed on the "
        "map)",
        link="maps.index",
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


@handler("report_pdf")
def report_pdf(params: dict, report: Report) -> Outcome:
    """A report as a PDF, made as the person who asked sees it (their Areas, their rights)."""
    from werkzeug.datastructures import MultiDict

    from crm.extensions import db
    from crm.models import User
    from crm.reports.quarterly import make_file

    user = db.session.get(User, params["user_id"])
    if user is None or not user.active:
        raise JobFailed("The account that asked for this PDF can no longer sign in")
    report(0, 1, "Making the PDF")
    name, mimetype, body = make_file(user, params["report"], "pdf", MultiDict(params["args"]))
    return Outcome("The PDF is ready", file_name=name, file_type=mimetype, file_data=body)


@handler("retention")
def apply_retention(params: dict, report: Report) -> Outcome:
    """Apply the retention rules, as the person who asked (None: a scheduled run)."""
    from crm.extensions import db
    from crm.models import User
    from crm.services import retention

    user = db.session.get(User, params["user_id"]) if params.get("user_id") else None
    if params.get("user_id") and (user is None or not user.active):
        raise JobFailed("The account that asked for this can no longer sign in")
    report(0, 1, "Applying the retention rules")
    run = retention.apply(user)
    return Outcome(f"Retention applied: {run.summary}", link="admin.retention.index")


@handler("subject_access", file_rights=("data_protection",))
def subject_access(params: dict, report: Report) -> Outcome:
    """Everything held about one contact as a ZIP, for a subject access request; named by
    the request's reference, offered only to the person who asked, while they hold the
    data protection right (and the equality data right, if its answers went in)."""
    from crm.extensions import db
    from crm.models import User
    from crm.services import subject_access as service

    user = db.session.get(User, params["user_id"])
    if user is None or not user.active or not service.may_request(user):
        raise JobFailed("The account that asked for this export can no longer make it")
    report(0, 1, "Gathering everything held about the person")
    from crm.services.access import AccessDenied, RecordNotFound

    try:
        name, body = service.make_export(user, params["request_id"])
    except (AccessDenied, RecordNotFound):
        raise JobFailed("The account that asked for this export may no longer see the "
                        "person, or make it") from None  # fmt: skip
    return Outcome("The subject access export is ready", file_name=name,
                   file_type="application/zip", file_data=body)  # fmt: skip


@handler("import")
def apply_import(params: dict, report: Report) -> Outcome:
    """Apply a previewed spreadsheet import, as the person who asked: all of it (the
    runner commits it with the job's ending) or nothing."""
    from crm.extensions import db
    from crm.models import User
    from crm.services import imports
    from crm.services.access import AccessDenied, RecordNotFound

    user = db.session.get(User, params["user_id"])
    if user is None or not user.active:
        raise JobFailed("The account that asked for this import can no longer sign in")
    try:
        record = imports.apply(user, params["import_id"], report)
    except imports.ImportRefused as refused:
        raise JobFailed(f"Nothing was imported: {refused}") from None
    except (AccessDenied, RecordNotFound):
        raise JobFailed("Nothing was imported: the account that asked may no longer "
                        "import these records") from None  # fmt: skip
    return Outcome(
        f"Imported {record.file_name}: {_count(record.created_count, 'record')} created, "
        f"{record.updated_count:,} updated, {record.skipped_count:,} skipped or unchanged",
        link="imports.index",
    )
