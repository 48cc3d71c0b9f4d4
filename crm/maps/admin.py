"""Administrators' map data: Area boundaries (GeoJSON) and the ONS Postcode Directory."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput, GovSubmitInput
from sqlalchemy import select
from wtforms import BooleanField, SubmitField

from crm.auth.forms import ButtonForm
from crm.extensions import db
from crm.models import PostcodeSet
from crm.services import access, boundaries, jobs, postcode_import
from crm.views_common import save, upload_limit

bp = Blueprint("admin", __name__)  # nested in maps (under /map): maps.admin.<page>

BOUNDARY_LIMIT = 20 * 1024 * 1024
POSTCODE_LIMIT = 2 * 1024 * 1024 * 1024  # the directory's zip is a few hundred MB
# The files the boundaries form offers to choose (its file input's accept attribute).
BOUNDARY_FILE_TYPES = ".geojson,.json,application/geo+json,application/json"


class BoundaryForm(FlaskForm):
    file = FileField(
        _l("GeoJSON file"), widget=GovFileInput(),
        validators=[FileRequired(message=_l("Choose a GeoJSON file"))],
    )  # fmt: skip
    illustrative = BooleanField(
        _l("These are illustrative outlines, not official boundaries"), widget=GovCheckboxInput()
    )
    submit = SubmitField(_l("Import boundaries"), widget=GovSubmitInput())


class PostcodeForm(FlaskForm):
    file = FileField(
        _l("ONS Postcode Directory file (CSV or zip)"), widget=GovFileInput(),
        validators=[FileRequired(message=_l("Choose the ONS Postcode Directory file"))],
    )  # fmt: skip
    submit = SubmitField(_l("Import postcodes"), widget=GovSubmitInput())


@bp.route("/boundaries", methods=["GET", "POST"])
@upload_limit(BOUNDARY_LIMIT)
def area_boundaries():
    """Import Area boundaries; a file with any problem changes nothing."""
    access.require(current_user, "administer", "map_data")
    form = BoundaryForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            text = upload.read().decode("utf-8")
            areas = save(lambda: boundaries.import_boundaries(
                current_user, text, upload.filename or "upload", bool(form.illustrative.data)))
            flash(
                ngettext(
                    "Imported boundaries for %(num)d Area",
                    "Imported boundaries for %(num)d Areas",
                    len(areas),
                ),
                "success",
            )
            return redirect(url_for(".area_boundaries"))
        except UnicodeDecodeError:
            problems = [_("The file is not text in UTF-8: export the GeoJSON as UTF-8")]
        except boundaries.BoundaryProblems as refused:
            problems = refused.problems
    if problems:
        form.file.errors = [_("The file was not imported: see the problems listed")]
    return render_template(
        "maps/boundaries.html",
        form=form,
        problems=problems,
        rows=boundaries.boundaries(),
        accept=BOUNDARY_FILE_TYPES,
    )


def _upload_folder() -> Path:
    # Shared storage when app servers and workers are on different machines.
    folder = Path(current_app.config.get("UPLOAD_FOLDER") or
                  Path(current_app.instance_path) / "uploads")  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@bp.route("/postcodes", methods=["GET", "POST"])
@upload_limit(POSTCODE_LIMIT)
def postcodes():
    """Import a newer ONS Postcode Directory; the page shows its progress until it is in."""
    access.require(current_user, "administer", "map_data")
    form = PostcodeForm()
    if form.validate_on_submit():
        upload = form.file.data
        name = Path(upload.filename or "onspd.csv").name
        try:
            set_id = postcode_import.start(name)
        except postcode_import.ImportUnderWay as busy:
            form.file.errors = [str(busy)]
            return _postcodes_page(form)
        # A random part: two installs (or test runs) sharing a folder never meet.
        suffix = Path(name).suffix.lower() or ".csv"
        path = _upload_folder() / f"postcodes-{set_id}-{secrets.token_hex(8)}{suffix}"
        upload.save(path)
        # The job's name is stored: English, whatever the page's.
        title = f"Import the ONS Postcode Directory: {name}"  # i18n: not interface
        job = save(lambda: jobs.submit(current_user, "postcodes", title,
                                       {"set_id": set_id, "path": str(path)}))
        jobs.start(job)
        flash(
            _("The file is being imported in the background: this page shows how far it has got"),
            "success",
        )
        return redirect(url_for("jobs.detail", job_id=job.id))
    return _postcodes_page(form)


@bp.route("/postcodes/place", methods=["POST"])
def place_records():
    """Place every record with a postcode but no location, as a background job."""
    access.require(current_user, "administer", "map_data")
    if not ButtonForm().validate_on_submit():
        return redirect(url_for(".postcodes"))
    # The job's name is stored: English, whatever the page's.
    title = "Place records that have a postcode but no location"  # i18n: not interface
    job = save(lambda: jobs.submit(current_user, "geocode", title, {}))
    jobs.start(job)
    return redirect(url_for("jobs.detail", job_id=job.id))


def _postcodes_page(form: PostcodeForm):
    sets = list(db.session.scalars(select(PostcodeSet).order_by(PostcodeSet.id.desc()).limit(10)))
    return render_template(
        "maps/postcodes.html",
        form=form,
        place_form=ButtonForm(),
        sets=sets,
        loading=any(s.status == "loading" for s in sets),
    )
