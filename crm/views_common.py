"""Small helpers the blueprints share, so each view stays a few lines long."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Response, flash, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from crm.extensions import db
from crm.forms_common import in_calendar, optional_int
from crm.services.csv_export import to_csv
from crm.services.records import EditConflict, InvalidValue

T = TypeVar("T")


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute or scheme-relative URL."""
    if not target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.home")
    if "\\" in target:
        return url_for("main.home")
    return target


def upload_limit(max_bytes: int):
    """A view that takes an upload larger than the app's request limit (CRM_MAX_REQUEST_MB).

    The limit must be in place before anything reads the form, and the CSRF check
    reads it before the view runs: apply_upload_limit, a URL value preprocessor, runs
    earlier still. Werkzeug streams each uploaded file to a temporary file on disk.
    """

    def decorate(view):
        view.upload_limit = max_bytes
        return view

    return decorate


def records_each_view(view):
    """A page whose every view is recorded (who saw a panel member's equality answers): on
    SQLite its transaction takes the write lock at the start, as a POST's does, so the
    record cannot fail with "database is locked" after the page has been read."""
    view.records_each_view = True
    return view


def apply_upload_limit(endpoint: str | None, _values) -> None:
    from flask import current_app

    view = current_app.view_functions.get(endpoint or "")
    limit = getattr(view, "upload_limit", None)
    if limit is not None:
        request.max_content_length = limit


def arg_int(name: str) -> int | None:
    return optional_int(request.args.get(name))


def arg_date(name: str) -> date | None:
    """A date query argument in ISO form (as a browser's date input sends it), or None
    (also for a date outside the years the app works with: see forms_common.EARLIEST)."""
    try:
        value = date.fromisoformat(request.args.get(name, "").replace("\x00", ""))
    except ValueError:
        return None
    return value if in_calendar(value) else None


def arg_page() -> int:
    return max(1, arg_int("page") or 1)


def save(work: Callable[[], T], keep: tuple[type[BaseException], ...] = ()) -> T:
    """Run a service call and commit: the one place a request's changes are committed.

    Services only flush; the request commits here, once, when the work is done. On any
    exception the transaction is rolled back, so nothing is half saved, except for one
    of `keep`, whose changes stand (a failed sign-in attempt stays counted) and are
    committed before it is raised again.
    """
    try:
        result = work()
    except keep:
        db.session.commit()
        raise
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def try_save(form: FlaskForm, save_: Callable[[], Any]) -> tuple[Any, EditConflict | None]:
    """Run a service call and commit; on a rule the service refused, mark the form field.

    Returns (result, conflict). A failed save is rolled back, so the database is
    exactly as it was, and the form keeps everything the user typed.
    """
    try:
        return save(save_), None
    except InvalidValue as problem:
        field = getattr(form, problem.field, None)
        if field is not None:
            field.errors = [*field.errors, problem.message]
        return None, None
    except EditConflict as conflict:
        conflict.load()
        if hasattr(form, "version"):
            # Saving again, having seen the other change, is a deliberate overwrite.
            form.version.data = str(conflict.current_version)
        return None, conflict


# Where to find what a create form made, to say "already saved" with a link to it.
SAVED_PAGES = {
    "stakeholder": ("stakeholders.detail", "stakeholder_id"),
    "contact": ("contacts.detail", "contact_id"),
    "engagement": ("engagements.detail", "engagement_id"),
    "feedback": ("feedback.detail", "feedback_id"),
    "panel": ("panels.detail", "panel_id"),
    "membership": ("panels.memberships.detail", "membership_id"),
    "panel_meeting": ("panels.meetings.detail", "meeting_id"),
    "objective": ("plans.objectives.detail", "objective_id"),
    "action_plan": ("plans.detail", "plan_id"),
    "plan_action": ("plans.actions.detail", "plan_action_id"),
    "mapping_exercise": ("mapping.exercise", "exercise_id"),
}


def save_once(form: FlaskForm, kind: str, create: Callable[[], Any], saved_id=None):
    """try_save for a create form, which saves its record once however often it is posted.

    Returns (created, None), or (None, a response saying it was already saved, with a
    link) when this repeats an earlier submission (see services.submissions).
    `saved_id(result)` is the id of the `kind` record to link to (default: result.id).
    """
    from flask import redirect, url_for
    from flask_login import current_user
    from markupsafe import Markup
    from sqlalchemy.exc import IntegrityError

    from crm.services import submissions

    token = str(getattr(form, "submission", None) and form.submission.data or "")[:64]
    content = submissions.fingerprint(kind, request.form)
    saved_id = saved_id or (lambda result: result.id)

    def already(found) -> tuple[None, Any]:
        endpoint, arg = SAVED_PAGES[found.record_type]
        url = url_for(endpoint, **{arg: found.record_id})
        text = _('This was already saved: <a class="govuk-link" href="%(url)s">see what was '
                 "saved</a>")  # fmt: skip
        # The catalogue's own markup, with the URL escaped as it goes in.
        flash(Markup(text) % {"url": url}, "info")  # noqa: S704
        return None, redirect(url)

    if found := submissions.earlier(current_user, token, content, kind):
        return already(found)

    def create_and_note():
        result = create()
        submissions.note(current_user, token, content, kind, saved_id(result))
        return result

    try:
        created, _conflict = try_save(form, create_and_note)
    except IntegrityError:
        # The same form, saved a moment ago by a request racing this one.
        db.session.rollback()
        found = submissions.earlier(current_user, token, content, kind)
        if found is None:
            raise
        return already(found)
    return created, None


def form_version(form: FlaskForm) -> int:
    """The record version the editor opened (a tampered value counts as stale)."""
    return optional_int(form.version.data) or 0


def csv_download(filename: str, header: list[str], rows) -> Response:
    """A CSV file to save (cells a spreadsheet would run as formulas neutralised)."""
    return Response(
        to_csv(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def register_file(file_format: str, name: str, header: list[str], rows) -> Response:
    """A register's rows as a CSV (streamed as it is written) or an XLSX file to save."""
    from flask import send_file, stream_with_context

    from crm import clock
    from crm.services import register_export

    filename = f"{name}-{clock.today().isoformat()}.{file_format}"
    if file_format == "xlsx":
        return send_file(
            register_export.xlsx_file(header, rows, name.replace("-", " ").capitalize()),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            as_attachment=True,
            download_name=filename,
        )
    return Response(
        stream_with_context(register_export.csv_chunks(header, rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def archive_page(
    record: Any, name: str, consequence: str, archive: Callable[[], Any], back_url: str,
    done_url: str,
):  # fmt: skip
    """Ask first (GOV.UK style), then archive on the confirming POST.

    Archiving is undone only by an administrator, so one click never does it.
    """
    from flask import redirect, render_template
    from flask_login import current_user

    from crm.auth.forms import ButtonForm
    from crm.services import access

    access.require(current_user, "archive", record)
    form = ButtonForm()
    if request.method == "POST" and form.validate_on_submit():
        save(archive)
        flash(_("%(name)s has been archived", name=name), "success")
        return redirect(done_url)
    return render_template(
        "confirm_archive.html", name=name, consequence=consequence, back_url=back_url,
        button_form=form,
    )  # fmt: skip


def post_button(action: Callable[[], Any], message: str) -> None:
    """Run a POST-only button's action (archive, restore, remove), commit, and say so.

    The empty ButtonForm checks the CSRF token; the action itself checks the rules.
    """
    from crm.auth.forms import ButtonForm

    if ButtonForm().validate_on_submit():
        save(action)
        flash(message, "success")
