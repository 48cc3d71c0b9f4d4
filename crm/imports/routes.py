"""Spreadsheet imports: upload a file, choose its columns, preview every row's outcome
and problem, apply it as a background job, undo it within 30 days."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.forms import ButtonForm
from crm.imports.forms import PreviewForm, UploadForm, mapping_form
from crm.services import access, imports, jobs
from crm.services.import_fields import KINDS
from crm.services.records import InvalidValue
from crm.views_common import save, try_save, upload_limit

bp = Blueprint("imports", __name__, url_prefix="/imports")

# An Area's whole register, as CSV, is some tens of MB; a spreadsheet less.
LIMIT = 64 * 1024 * 1024


@bp.route("")
def index():
    """The user's imports, newest first (administrators see everyone's)."""
    access.require(current_user, "import", "records")
    listed = imports.listed(current_user)
    return render_template("imports/index.html",
                           rows=[(record, imports.status_of(record)) for record in listed])


@bp.route("/templates/<any(stakeholders, contacts, engagements, members):kind>.csv")
def template(kind: str):
    """A template to fill in: the kind's columns, and a row of guidance."""
    access.require(current_user, "import", KINDS[kind].record_type)
    return Response(imports.template(kind).encode("utf-8-sig"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'})


@bp.route("/new", methods=["GET", "POST"])
@upload_limit(LIMIT)
def new():
    """Upload a spreadsheet and say what it holds; the next page chooses its columns."""
    access.require(current_user, "import", "records")
    form = UploadForm()
    form.set_choices(imports.kinds_for(current_user))
    if form.validate_on_submit():
        upload = form.file.data
        name = Path(upload.filename or "upload.csv").name
        record, _conflict = try_save(form, lambda: imports.start(current_user, form.kind.data, name,
                                                         upload.read()))
        if record is not None:
            return redirect(url_for(".columns", import_id=record.id))
    return render_template("imports/new.html", form=form, kinds=imports.kinds_for(current_user))


@bp.route("/<int:import_id>/columns", methods=["GET", "POST"])
def columns(import_id: int):
    """Which column holds what (guessed from the headers); remembered for the next file."""
    record = imports.get(current_user, import_id)
    kind = imports.kind_of(record)
    form = mapping_form(kind, record.headers, record.mapping)
    if form.validate_on_submit():
        try:
            save(lambda: imports.set_mapping(current_user, record, form.chosen()))
            return redirect(url_for(".detail", import_id=record.id))
        except InvalidValue as problem:  # a field of the kind: its select on this form
            form[f"field_{problem.field}"].errors = [problem.message]
        except imports.ImportRefused as refused:
            flash(str(refused), "info")
            return redirect(url_for(".detail", import_id=record.id))
    return render_template("imports/columns.html", form=form, record=record, kind=kind)


@bp.route("/<int:import_id>", methods=["GET", "POST"])
def detail(import_id: int):
    """The preview (what each row will do, every problem), then the import's outcome."""
    record = imports.get(current_user, import_id)
    form = PreviewForm()
    if record.status == "draft" and form.validate_on_submit():
        choices = {key.removeprefix("choice-"): value for key, value in request.form.items()
                   if key.startswith("choice-")}  # fmt: skip
        try:
            save(lambda: imports.set_choices(current_user, record, choices))
            if form.apply.data:
                job = save(lambda: imports.submit(current_user, record))
                jobs.start(job)
                flash(_("The import has started: this page shows how far it has got"), "success")
                return redirect(url_for("jobs.detail", job_id=job.id))
        except imports.ImportRefused as refused:
            flash(str(refused), "error")
        return redirect(url_for(".detail", import_id=record.id, page=request.args.get("page")))
    plan = imports.plan_for(current_user, record) if record.status == "draft" else None
    needing = plan.needing_choice if plan else []
    page = ChoicePage(request.args.get("page", 1, type=int), len(needing))
    return render_template(
        "imports/detail.html", record=record, plan=plan, form=form, kind=imports.kind_of(record),
        status=imports.status_of(record), may_undo=imports.may_undo(current_user, record),
        undo_until=imports.undo_until(record), button_form=ButtonForm(), needing=needing,
        choosing=needing[page.first:page.first + CHOICES_PER_PAGE], page=page,
        detail=DETAIL_PAGES[record.kind],
    )  # fmt: skip


# Rows needing a choice are shown a page at a time; each page's choices are kept.
CHOICES_PER_PAGE = 500
# Where a possible duplicate's own page is: (endpoint, its id's argument).
DETAIL_PAGES = {"stakeholders": ("stakeholders.detail", "stakeholder_id"),
                "contacts": ("contacts.detail", "contact_id"),
                "engagements": ("engagements.detail", "engagement_id"),
                "members": ("panels.memberships.detail", "membership_id")}  # fmt: skip


class ChoicePage:
    """Which page of the rows needing a choice is shown (for the register pager)."""

    def __init__(self, asked: int, rows: int) -> None:
        self.pages = max(1, -(-rows // CHOICES_PER_PAGE))
        self.page = min(max(asked, 1), self.pages)
        self.first = (self.page - 1) * CHOICES_PER_PAGE


@bp.route("/<int:import_id>/undo", methods=["POST"])
def undo(import_id: int):
    """Undo the import: what it created is archived, what it updated is put back."""
    record = imports.get(current_user, import_id)
    if ButtonForm().validate_on_submit():
        try:
            job = save(lambda: imports.submit_undo(current_user, record))
            jobs.start(job)
            flash(_("The undo has started: this page shows how far it has got"), "success")
            return redirect(url_for("jobs.detail", job_id=job.id))
        except imports.ImportRefused as refused:
            flash(str(refused), "error")
    return redirect(url_for(".detail", import_id=record.id))
