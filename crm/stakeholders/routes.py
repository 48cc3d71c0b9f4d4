"""The stakeholder register pages. Views are thin: the rules live in services.stakeholders."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.forms import ButtonForm
from crm.merge_views import merged_redirect
from crm.models import Stakeholder
from crm.models.stakeholder import STAKEHOLDER_STATUSES, STAKEHOLDER_TYPES
from crm.services import (
    access,
    audit,
    engagements,
    geocoding,
    merges,
    reference,
    register_export,
)
from crm.services import stakeholders as service
from crm.stakeholders import merge
from crm.stakeholders.forms import StakeholderForm
from crm.views_common import (
    archive_page,
    arg_int,
    arg_page,
    form_version,
    post_button,
    register_file,
    save_once,
    try_save,
)

bp = Blueprint("stakeholders", __name__, url_prefix="/stakeholders")


def filters_from_args() -> service.StakeholderFilters:
    """The register's filters from the query string (the mapping grid reads the same)."""
    args = request.args
    return service.StakeholderFilters(
        q=args.get("q", "")[:200],
        area_id=arg_int("area"),
        type=args.get("type", "") if args.get("type") in STAKEHOLDER_TYPES else "",
        community_id=arg_int("community"),
        seldom_heard=args.get("seldom_heard") == "1",
        status=args.get("status", "") if args.get("status") in STAKEHOLDER_STATUSES else "",
        owner_id=arg_int("owner"),
        archived=args.get("archived") == "1",
        sort=args.get("sort", "name"),
        page=arg_page(),
    )


def _form(stakeholder: Stakeholder | None = None) -> StakeholderForm:
    form = StakeholderForm()
    owner = {stakeholder.owner_id} if stakeholder and stakeholder.owner_id else set()
    form.set_choices(
        reference.areas_for(current_user),
        reference.staff_for(current_user, owner),
        reference.communities_offered(stakeholder.communities if stakeholder else ()),
    )
    return form


@bp.route("")
def index():
    """Search, filter and page through the stakeholders in your Areas."""
    filters = filters_from_args()
    page = service.list_stakeholders(current_user, filters, current_app.config["PAGE_SIZE"])
    return render_template(
        "stakeholders/index.html",
        page=page,
        filters=filters,
        areas=reference.areas_for(current_user),
        communities=reference.all_communities(),
        staff=reference.staff_for(current_user),
        types=STAKEHOLDER_TYPES,
        statuses=STAKEHOLDER_STATUSES,
    )


@bp.route("/register.<any(csv, xlsx):file_format>")
def export_register(file_format: str):
    """The register as the list shows it (its filters and order), every page, with ids."""
    rows = register_export.stakeholder_rows(current_user, filters_from_args())
    return register_file(file_format, "stakeholders", register_export.stakeholder_header(), rows)


def _duplicates(form: StakeholderForm, exclude_id: int | None = None) -> list:
    if form.confirm_duplicate.data:
        return []
    data = form.to_data()
    return service.possible_duplicates(
        current_user, data["name"], data["postcode"], data["email"], exclude_id
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Add a stakeholder."""
    access.require_edit(current_user, service.KIND)
    form = _form()
    duplicates = []
    if form.validate_on_submit() and not (duplicates := _duplicates(form)):
        created, already = save_once(
            form,
            service.KIND, lambda: service.create_stakeholder(current_user, form.to_data())
        )
        if already:
            return already
        if created:
            flash(_("%(name)s has been added", name=created.name), "success")
            return redirect(url_for(".detail", stakeholder_id=created.id))
    return render_template("stakeholders/form.html", form=form, duplicates=duplicates)


@bp.route("/<int:stakeholder_id>")
def detail(stakeholder_id: int):
    """Everything about one stakeholder: details, contacts and change history."""
    if moved := merged_redirect(merge.REGISTER, stakeholder_id):
        return moved
    stakeholder = service.get_stakeholder(current_user, stakeholder_id, include_archived=True)
    return render_template(
        "stakeholders/detail.html",
        stakeholder=stakeholder,
        geocode_labels=geocoding.STATUS_LABELS,
        contacts=service.contacts_of(stakeholder),
        timeline=engagements.stakeholder_timeline(current_user, stakeholder.id),
        last_engaged_on=stakeholder.last_engaged_on,
        history=audit.history(service.KIND, merges.merged_ids(service.KIND, stakeholder.id)),
        last_merge=merges.latest_merge_into(service.KIND, stakeholder.id),
        button_form=ButtonForm(),
    )


@bp.route("/<int:stakeholder_id>/edit", methods=["GET", "POST"])
def edit(stakeholder_id: int):
    """Change a stakeholder's details; a save over someone else's change is refused."""
    stakeholder = service.get_stakeholder(current_user, stakeholder_id)
    access.require(current_user, "edit", stakeholder)
    form = _form(stakeholder)
    if request.method == "GET":
        form.load(stakeholder)
    duplicates, conflict = [], None
    if form.validate_on_submit() and not (duplicates := _duplicates(form, stakeholder.id)):
        saved, conflict = try_save(
            form,
            lambda: service.update_stakeholder(
                current_user, stakeholder, form.to_data(), form_version(form)
            ),
        )
        if saved:
            flash(_("%(name)s has been updated", name=saved.name), "success")
            return redirect(url_for(".detail", stakeholder_id=stakeholder.id))
    return render_template(
        "stakeholders/form.html",
        form=form,
        stakeholder=stakeholder,
        duplicates=duplicates,
        conflict=conflict,
    )


@bp.route("/<int:stakeholder_id>/archive", methods=["GET", "POST"])
def archive(stakeholder_id: int):
    """Archive a stakeholder, once confirmed: it leaves lists, searches and counts."""
    stakeholder = service.get_stakeholder(current_user, stakeholder_id)
    return archive_page(
        stakeholder, stakeholder.name,
        _("It will leave the register, searches, the map and the counts. Its engagements stay."),
        lambda: service.archive_stakeholder(current_user, stakeholder),
        url_for(".detail", stakeholder_id=stakeholder.id), url_for(".index"),
    )  # fmt: skip


@bp.route("/<int:stakeholder_id>/restore", methods=["POST"])
def restore(stakeholder_id: int):
    """Bring an archived stakeholder back (administrators only)."""
    access.require_admin(current_user)
    stakeholder = service.get_stakeholder(current_user, stakeholder_id, include_archived=True)
    post_button(
        lambda: service.restore_stakeholder(current_user, stakeholder),
        _("%(name)s has been restored", name=stakeholder.name),
    )
    return redirect(url_for(".detail", stakeholder_id=stakeholder.id))
