"""Likely duplicate stakeholders, and merging them (crm/merge_views.py does the work)."""

from __future__ import annotations

from flask import Blueprint

from crm import merge_views
from crm.merge_views import Register

bp = Blueprint("merge", __name__)

REGISTER = Register("stakeholder", "stakeholder", "stakeholders", "stakeholders.detail",
                    "stakeholder_id")  # fmt: skip


@bp.route("/duplicates")
def duplicates():
    """Likely duplicate stakeholders in your Areas, with why and how likely."""
    return merge_views.duplicates_page(REGISTER)


@bp.route("/duplicates/not-the-same", methods=["POST"])
def dismiss():
    """Say two stakeholders are not the same: the pair is not offered again."""
    return merge_views.dismiss(REGISTER)


@bp.route("/merge", methods=["GET", "POST"])
def merge():
    """Merge stakeholders (?ids=1&ids=2): choose the one that stays and each value."""
    return merge_views.merge_page(REGISTER)


@bp.route("/<int:stakeholder_id>/undo-merge", methods=["POST"])
def undo(stakeholder_id: int):
    """Undo the latest merge into a stakeholder: everything goes back as it was."""
    return merge_views.undo(REGISTER, stakeholder_id)
