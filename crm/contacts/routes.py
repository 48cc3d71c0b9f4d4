"""The contacts register pages: people, their organisations and their consent."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.forms import ButtonForm
from crm.contacts import merge
from crm.contacts.forms import ContactForm, LinkStakeholderForm
from crm.forms_common import optional_int
from crm.merge_views import merged_redirect
from crm.services import (
    access,
    audit,
    consent,
    engagements,
    memberships,
    merges,
    reference,
    register_export,
)
from crm.services import contacts as service
from crm.services import erasure as erasures
from crm.services.lookup import search_stakeholders
from crm.services.stakeholders import get_stakeholder
from crm.views_common import (
    archive_page,
    arg_int,
    arg_page,
    form_version,
    post_button,
    register_file,
    save,
    save_once,
    try_save,
)

bp = Blueprint("contacts", __name__, url_prefix="/contacts")


def _form(**kwargs) -> ContactForm:
    form = ContactForm(**kwargs)
    form.set_choices(reference.areas_for(current_user))
    return form


def _duplicates(form: ContactForm, exclude_id: int | None = None) -> list:
    if form.confirm_duplicate.data:
        return []
    data = form.to_data()
    return service.possible_duplicates(current_user, data["email"], exclude_id)


def _returning(form: ContactForm, contact=None):
    """An erasure of someone with this email: flagged before a new contact is saved, or
    before an existing one is given that email."""
    email = form.to_data()["email"]
    if form.confirm_duplicate.data or (contact is not None and email == contact.email):
        return None
    return erasures.erased_with_email(email)


def list_filters() -> service.ContactFilters:
    """The list's filters, from the query string (the list and its CSV share them)."""
    return service.ContactFilters(
        q=request.args.get("q", "")[:200],
        area_id=arg_int("area"),
        stakeholder_id=arg_int("stakeholder"),
        consent_for=arg_int("consent"),
        archived=request.args.get("archived") == "1",
        sort=request.args.get("sort", "name"),
        page=arg_page(),
    )


@bp.route("")
def index():
    """Search and page through the contacts in your Areas."""
    filters = list_filters()
    page = service.list_contacts(current_user, filters, current_app.config["PAGE_SIZE"])
    return render_template(
        "contacts/index.html",
        page=page,
        filters=filters,
        areas=reference.areas_for(current_user),
        left_out=consent.do_not_contact_count(current_user, filters),
        purposes=consent.purposes_offered(),
        consented=consent.consented_purposes(c.id for c in page.items),
    )


@bp.route("/register.<any(csv, xlsx):file_format>")
def export_register(file_format: str):
    """The register as the list shows it (its filters and order), every page, with ids:
    people marked do not contact are in it, and marked."""
    rows = register_export.contact_rows(current_user, list_filters())
    return register_file(file_format, "contacts", register_export.contact_header(), rows)


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Add a contact, optionally at a stakeholder (?stakeholder=ID)."""
    access.require_edit(current_user, service.KIND)
    stakeholder_id = arg_int("stakeholder")
    stakeholder = get_stakeholder(current_user, stakeholder_id) if stakeholder_id else None
    form = _form()
    if request.method == "GET" and stakeholder:
        form.area_id.data = stakeholder.area_id
    duplicates, returning = [], None
    if (form.validate_on_submit() and not (duplicates := _duplicates(form))
            and not (returning := _returning(form))):
        created, already = save_once(
            form,
            service.KIND,
            lambda: service.create_contact(
                current_user,
                form.to_data(),
                stakeholder,
                (form.role_at_stakeholder.data or "").strip(),
            ),
        )
        if already:
            return already
        if created:
            flash(_("%(name)s has been added", name=created.name), "success")
            return redirect(url_for(".detail", contact_id=created.id))
    return render_template(
        "contacts/form.html", form=form, stakeholder=stakeholder, duplicates=duplicates,
        returning=erasures.returning_warning(returning) if returning else "",
    )


@bp.route("/<int:contact_id>")
def detail(contact_id: int):
    """One contact: details, consent, organisations and change history."""
    if moved := merged_redirect(merge.REGISTER, contact_id):
        return moved
    contact = service.get_contact(current_user, contact_id, include_archived=True)
    return render_template(
        "contacts/detail.html",
        contact=contact,
        affiliations=[
            a
            for a in contact.affiliations
            if access.may_read(current_user, a.stakeholder) and a.stakeholder.archived_at is None
        ],
        elsewhere=sum(
            1 for a in contact.affiliations if not access.may_read(current_user, a.stakeholder)
        ),
        history=audit.history(service.KIND, merges.merged_ids(service.KIND, contact.id)),
        last_merge=merges.latest_merge_into(service.KIND, contact.id),
        timeline=engagements.contact_timeline(current_user, contact.id),
        last_engaged_on=engagements.contact_last_engaged_on(contact.id),
        memberships=memberships.for_contact(current_user, contact.id),
        consent_now=consent.current_consent(current_user, contact.id),
        consent_history=consent.consent_history(current_user, contact.id),
        dnc_history=consent.do_not_contact_history(current_user, contact.id),
        button_form=ButtonForm(),
    )


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
def edit(contact_id: int):
    """Change a contact's details; a save over someone else's change is refused."""
    contact = service.get_contact(current_user, contact_id)
    access.require(current_user, "edit", contact)
    form = _form()
    if request.method == "GET":
        form.load(contact)
    duplicates, conflict, returning = [], None, None
    if (form.validate_on_submit() and not (duplicates := _duplicates(form, contact.id))
            and not (returning := _returning(form, contact))):
        saved, conflict = try_save(
            form,
            lambda: service.update_contact(
                current_user, contact, form.to_data(), form_version(form)
            ),
        )
        if saved:
            flash(_("%(name)s has been updated", name=saved.name), "success")
            return redirect(url_for(".detail", contact_id=contact.id))
    return render_template(
        "contacts/form.html", form=form, contact=contact, duplicates=duplicates, conflict=conflict,
        returning=erasures.returning_warning(returning) if returning else "",
    )  # fmt: skip


@bp.route("/<int:contact_id>/organisations", methods=["GET", "POST"])
def link(contact_id: int):
    """Find a stakeholder by name and record that the contact belongs to it."""
    contact = service.get_contact(current_user, contact_id)
    access.require(current_user, "edit", contact)
    form = LinkStakeholderForm()
    if form.validate_on_submit():
        stakeholder_id = optional_int(form.stakeholder_id.data)
        if stakeholder_id is None:
            flash(_("Select an organisation from the search results"), "error")
        else:
            stakeholder = get_stakeholder(current_user, stakeholder_id)
            role = (form.role.data or "").strip()
            save(lambda: service.link_stakeholder(current_user, contact, stakeholder, role))
            flash(_("%(contact)s is now linked to %(stakeholder)s", contact=contact.name,
                    stakeholder=stakeholder.name), "success")  # fmt: skip
            return redirect(url_for(".detail", contact_id=contact.id))
    q = request.args.get("q", "")[:200]
    return render_template(
        "contacts/link.html",
        contact=contact,
        form=form,
        q=q,
        results=search_stakeholders(current_user, q, min_length=1),
    )


@bp.route("/<int:contact_id>/organisations/<int:stakeholder_id>/remove", methods=["POST"])
def unlink(contact_id: int, stakeholder_id: int):
    """Record that the contact no longer belongs to a stakeholder."""
    contact = service.get_contact(current_user, contact_id)
    post_button(
        lambda: service.unlink_stakeholder(current_user, contact, stakeholder_id),
        _("The organisation has been removed from this contact"),
    )
    return redirect(url_for(".detail", contact_id=contact.id))


@bp.route("/<int:contact_id>/archive", methods=["GET", "POST"])
def archive(contact_id: int):
    """Archive a contact, once confirmed: they leave lists, searches and counts."""
    contact = service.get_contact(current_user, contact_id)
    return archive_page(
        contact, contact.name,
        _("They will leave the contacts list and searches. Their engagements and panel "
          "memberships stay on record."),
        lambda: service.archive_contact(current_user, contact),
        url_for(".detail", contact_id=contact.id), url_for(".index"),
    )  # fmt: skip


@bp.route("/<int:contact_id>/restore", methods=["POST"])
def restore(contact_id: int):
    """Bring an archived contact back (administrators only)."""
    access.require_admin(current_user)
    contact = service.get_contact(current_user, contact_id, include_archived=True)
    post_button(
        lambda: service.restore_contact(current_user, contact),
        _("%(name)s has been restored", name=contact.name),
    )
    return redirect(url_for(".detail", contact_id=contact.id))
