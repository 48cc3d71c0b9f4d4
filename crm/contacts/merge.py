"""Likely duplicate contacts, and merging them (crm/merge_views.py does the work)."""

from __future__ import annotations

from flask import Blueprint

from crm import merge_views
from crm.merge_views import Register

bp = Blueprint("merge", __name__)

REGISTER = Register("contact", "contact", "contacts", "contacts.detail", "contact_id")


@bp.route("/duplicates")
def duplicates():
    """Likely duplicate contacts in your Areas, with why and how likely."""
    return merge_views.duplicates_page(REGISTER)


@bp.route("/duplicates/not-the-same", methods=["POST"])
def dismiss():
    """Say two contacts are not the same: the pair is not offered again."""
    return merge_views.dismiss(REGISTER)


@bp.route("/merge", methods=["GET", "POST"])
def merge():
    """Merge contacts (?ids=1&ids=2): choose the one that stays and each value."""
    return merge_views.merge_page(REGISTER)


@bp.route("/<int:contact_id>/undo-merge", methods=["POST"])
def undo(contact_id: int):
    """Undo the latest merge into a contact: everything goes back as it was."""
    return merge_views.undo(REGISTER, contact_id)
