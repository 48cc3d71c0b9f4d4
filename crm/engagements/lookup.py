"""JSON for the type-ahead pickers, within the user's Areas."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user

from crm.services import lookup as service

bp = Blueprint("lookup", __name__, url_prefix="/lookup")


@bp.route("/<kind>")
def search(kind: str):
    """Stakeholders or contacts whose name contains ?q=, as [{id, label}]."""
    finders = {"stakeholders": service.search_stakeholders, "contacts": service.search_contacts}
    if kind not in finders:
        abort(404)
    found = finders[kind](current_user, request.args.get("q", ""))
    return {"results": [{"id": r.id, "label": service.label(current_user, r)} for r in found]}
