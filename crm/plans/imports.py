"""Bringing an existing action plan in from CSV or Excel: read it, show every row's reading
and every problem, then save all of it or nothing."""

from __future__ import annotations

import contextlib
import secrets
import time
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from crm.forms_common import new_submission_token
from crm.plans.forms import ImportForm, PlanForm
from crm.services import access, plan_sheets, reference
from crm.services import action_plans as service
from crm.views_common import save_once, try_save, upload_limit

bp = Blueprint("imports", __name__)  # nested in plans: plans.imports.<page>

LIMIT = 10 * 1024 * 1024  # a plan's spreadsheet is a few hundred KB at most
DRAFT_LIFETIME_SECONDS = 24 * 60 * 60
GONE = _l("The uploaded file is no longer waiting to be saved: upload it again")


def _form(form_class=ImportForm):
    form = form_class()
    form.set_choices(reference.areas_for(current_user), current_user.is_national,
                     reference.staff_for(current_user))  # fmt: skip
    return form


def _draft(token: str) -> Path:
    """Where the uploaded file waits between the preview and saving: the user's own."""
    if not token.isalnum() or len(token) > 64:
        abort(404)
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"plan-import-{current_user.id}-{token}"


def _forget_old_drafts() -> None:
    """Uploads never saved are deleted after a day: they may hold what people wrote."""
    cutoff = time.time() - DRAFT_LIFETIME_SECONDS
    for path in (Path(current_app.instance_path) / "uploads").glob("plan-import-*"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def _preview(form, parsed, token: str):
    areas = {a.id: a.name for a in reference.areas_for(current_user)}
    return render_template("plans/import_preview.html", form=form, parsed=parsed, token=token,
                           areas_by_id=areas)  # fmt: skip


@bp.route("/action-plans/import", methods=["GET", "POST"])
@upload_limit(LIMIT)
def new():
    """Upload the plan and say whose it is; the next page shows how it was read."""
    access.require(current_user, "add", service.PLAN)
    form = _form()
    if request.method == "GET":
        form.owner_id.data = current_user.id
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            parsed = plan_sheets.read_plan(plan_sheets.read_table(data, form.file.data.filename
                                                                  or ""))  # fmt: skip
        except plan_sheets.SheetProblem as problem:
            form.file.errors = [str(problem)]
            parsed = None
        # The plan's own details are checked now, so the preview promises nothing the
        # saving would refuse (an Area the user does not work in, an end before the start).
        try_save(form, lambda: service.check_plan(current_user, form.to_data()))
        if parsed is not None and not any(field.errors for field in form):
            if not parsed.ok:  # every problem shown; nothing kept to save
                return _preview(form, parsed, "")
            _forget_old_drafts()
            token = secrets.token_hex(16)
            _draft(token).write_bytes(data)
            # Each reading is saved once: its own submission token, whatever the upload
            # page carried (a page reached with Back would carry the last one's).
            form.submission.data = new_submission_token()
            return _preview(form, parsed, token)
    return render_template("plans/import.html", form=form)


@bp.route("/action-plans/import/<token>", methods=["POST"])
def confirm(token: str):
    """Save the previewed plan: all of it, in one transaction, or nothing; once, however
    often the button is pressed."""
    access.require(current_user, "add", service.PLAN)
    path = _draft(token)
    parsed = (plan_sheets.read_plan(plan_sheets.read_table(path.read_bytes(), path.name))
              if path.exists() else None)  # fmt: skip
    form = _form(PlanForm)
    if form.validate_on_submit():

        def create():
            if parsed is None:
                raise service.InvalidValue("file", str(GONE))
            return service.import_plan(current_user, form.to_data(), parsed)

        plan, already = save_once(form, service.PLAN, create)
        if already:
            return already
        if plan is not None:
            path.unlink(missing_ok=True)
            count = len(parsed.actions)
            flash(ngettext("%(name)s has been imported: %(num)d action",
                           "%(name)s has been imported: %(num)d actions", count,
                           name=plan.title), "success")  # fmt: skip
            return redirect(url_for("plans.detail", plan_id=plan.id))
    if parsed is None:
        flash(str(GONE), "error")
        return redirect(url_for(".new"))
    return _preview(form, parsed, token)
