"""/admin/audit: the audit trail across every record, newest first, filtered and paged."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from crm.services import audit_trail as service
from crm.views_common import SAVED_PAGES, arg_date, arg_int, arg_page

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

# Where each kind of record is seen, to link an event to it.
RECORD_PAGES = SAVED_PAGES | {
    "user": ("admin.users.detail", "user_id"),
    "community": ("admin.communities.edit", "community_id"),
    "area": ("admin.areas.edit", "area_id"),
    "purpose": ("admin.purposes.edit", "purpose_id"),
    "area_boundary": ("admin.areas.edit", "area_id"),  # filed under its Area's id
}


def _filters() -> service.TrailFilters:
    kind = request.args.get("kind", "")
    return service.TrailFilters(
        user_id=arg_int("user"),
        kind=kind if kind in service.RECORD_KINDS else "",
        record_id=arg_int("record"),
        date_from=arg_date("from"),
        date_to=arg_date("to"),
        page=arg_page(),
    )


def record_url(event) -> str | None:
    page = RECORD_PAGES.get(event.record_type)
    return url_for(page[0], **{page[1]: event.record_id}) if page else None


@bp.route("")
def index():
    """Who changed what, and when, across every record you may see."""
    filters = _filters()
    page = service.search(current_user, filters, current_app.config["PAGE_SIZE"])
    return render_template(
        "admin/audit.html", page=page, filters=filters, kinds=service.RECORD_KINDS,
        people=service.people(current_user), kind_label=service.kind_label,
        record_url=record_url,
    )  # fmt: skip
