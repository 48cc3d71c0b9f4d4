"""Every kind of background job, each a thin wrapper over the service that does the work.

Long work runs here rather than in a request: the ONS Postcode Directory import,
placing every record that has a postcode but no location, the reports' PDFs, the nightly
retention rules, subject access exports, and spreadsheet imports applied and undone.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from crm.services import geocoding, postcode_import
from crm.services.jobs import JobFailed, Outcome, Report, handler


def _asker(params: dict, refusal):
    """The person who asked for the job, who must still be able to sign in: the job acts
    as them (their Areas, their rights). `refusal` (a lazy text) says otherwise."""
    from crm.extensions import db
    from crm.models import User

    user = db.session.get(User, params["user_id"])
    if user is None or not user.active:
        raise JobFailed(str(refusal))
    return user


@handler("postcodes")
def import_postcodes(params: dict, report: Report) -> Outcome:
    """Load an uploaded directory file into its postcode set (which commits each batch,
    so a half-read file leaves the lookups as they were)."""
    path = Path(params["path"])
    if not path.exists():
        raise JobFailed(_("The uploaded file is no longer there: upload it again"))

    def progress(done: int, total: int, loaded: int) -> None:
        report(done, total, ngettext("%(count)s postcode loaded", "%(count)s postcodes loaded",
                                     loaded, count=format(loaded, ",")))

    try:
        loaded = postcode_import.load(params["set_id"], path, progress)
    except postcode_import.ImportProblem as problem:
        path.unlink(missing_ok=True)  # the file is wrong: trying it again would not help
        raise JobFailed(_("Not imported: %(problem)s. Lookups still use the data they "
                          "used before.", problem=problem)) from None  # fmt: skip
    path.unlink(missing_ok=True)
    return Outcome(ngettext("Imported %(count)s postcode; lookups now use it",
                            "Imported %(count)s postcodes; lookups now use them",
                            loaded, count=format(loaded, ",")),
                   link="maps.admin.postcodes")  # fmt: skip


# The tables geocoding places, as its progress names them.
_TABLES = {"stakeholders": _l("stakeholders"), "engagements": _l("engagements")}


@handler("geocode")
def place_records(params: dict, report: Report) -> Outcome:
    """Give stakeholders and engagements with a postcode and no location their place."""

    def progress(table: str, done: int, total: int) -> None:
        report(done, total, _("Placing %(records)s", records=_TABLES.get(table, table)))

    counts = geocoding.geocode_all(progress)
    placed = ngettext("Placed %(count)s record from their postcode",
                      "Placed %(count)s records from their postcode",
                      counts["postcode"], count=format(counts["postcode"], ","))
    not_found = ngettext("%(count)s postcode not found (marked so, and listed on the map)",
                         "%(count)s postcodes not found (marked so, and listed on the map)",
                         counts["not_found"], count=format(counts["not_found"], ","))
    return Outcome(_("%(placed)s; %(not_found)s", placed=placed, not_found=not_found),
                   link="maps.index")  # fmt: skip


@handler("report_pdf")
def report_pdf(params: dict, report: Report) -> Outcome:
    """A report as a PDF, made as the person who asked sees it (their Areas, their rights)."""
    from werkzeug.datastructures import MultiDict

    from crm.reports.quarterly import make_file

    user = _asker(params, _l("The account that asked for this PDF can no longer sign in"))
    report(0, 1, _("Making the PDF"))
    name, mimetype, body = make_file(user, params["report"], "pdf", MultiDict(params["args"]))
    return Outcome(_("The PDF is ready"), file_name=name, file_type=mimetype, file_data=body)


@handler("retention")
def apply_retention(params: dict, report: Report) -> Outcome:
    """Apply the retention rules, as the person who asked (None: a scheduled run)."""
    from crm.extensions import db
    from crm.models import User
    from crm.services import retention

    user = db.session.get(User, params["user_id"]) if params.get("user_id") else None
    if params.get("user_id") and (user is None or not user.active):
        raise JobFailed(_("The account that asked for this can no longer sign in"))
    report(0, 1, _("Applying the retention rules"))
    run = retention.apply(user)
    return Outcome(_("Retention applied: %(summary)s", summary=run.summary),
                   link="admin.retention.index")  # fmt: skip


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
        raise JobFailed(_("The account that asked for this export can no longer make it"))
    report(0, 1, _("Gathering everything held about the person"))
    from crm.services.access import AccessDenied, RecordNotFound

    try:
        name, body = service.make_export(user, params["request_id"])
    except (AccessDenied, RecordNotFound):
        raise JobFailed(_("The account that asked for this export may no longer see the "
                          "person, or make it")) from None  # fmt: skip
    return Outcome(_("The subject access export is ready"), file_name=name,
                   file_type="application/zip", file_data=body)  # fmt: skip


@handler("import")
def apply_import(params: dict, report: Report) -> Outcome:
    """Apply a previewed spreadsheet import, as the person who asked: all of it (the
    runner commits it with the job's ending) or nothing."""
    from crm.services import imports
    from crm.services.access import AccessDenied, RecordNotFound

    user = _asker(params, _l("The account that asked for this import can no longer sign in"))
    try:
        record = imports.apply(user, params["import_id"], report)
    except imports.ImportRefused as refused:
        raise JobFailed(_("Nothing was imported: %(why)s", why=refused)) from None
    except (AccessDenied, RecordNotFound):
        raise JobFailed(_("Nothing was imported: the account that asked may no longer "
                          "import these records")) from None  # fmt: skip
    return Outcome(
        ngettext("Imported %(file)s: %(count)s record created, %(updated)s updated, "
                 "%(skipped)s skipped or unchanged",
                 "Imported %(file)s: %(count)s records created, %(updated)s updated, "
                 "%(skipped)s skipped or unchanged",
                 record.created_count, file=record.file_name,
                 count=format(record.created_count, ","),
                 updated=format(record.updated_count, ","),
                 skipped=format(record.skipped_count, ",")),
        link="imports.index",
    )


@handler("undo_import")
def undo_import(params: dict, report: Report) -> Outcome:
    """Undo an applied spreadsheet import, as the person who asked: all of it (the runner
    commits it with the job's ending) or nothing."""
    from crm.services import imports
    from crm.services.access import AccessDenied, RecordNotFound

    user = _asker(params, _l("The account that asked for this undo can no longer sign in"))
    report(0, None, _("Putting the records back"))
    try:
        record, changed = imports.undo_queued(user, params["import_id"])
    except imports.ImportRefused as refused:
        raise JobFailed(_("Nothing was undone: %(why)s", why=refused)) from None
    except (AccessDenied, RecordNotFound):
        raise JobFailed(_("Nothing was undone: the account that asked may no longer "
                          "undo this import")) from None  # fmt: skip
    return Outcome(
        ngettext("The import of %(file)s has been undone: %(count)s record put back or "
                 "archived",
                 "The import of %(file)s has been undone: %(count)s records put back or "
                 "archived", changed, file=record.file_name, count=format(changed, ",")),
        link="imports.index",
    )
