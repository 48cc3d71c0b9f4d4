"""/admin/communities: add, rename and describe communities, retire and restore them.
Never deleted: a retired community stays on records and in figures, offered for no new ones."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.admin.forms import CommunityForm
from crm.auth.forms import ButtonForm
from crm.services import access, audit
from crm.services import communities as service
from crm.views_common import post_button, try_save

bp = Blueprint("communities", __name__, url_prefix="/admin/communities")


@bp.route("", methods=["GET", "POST"])
def index():
    """Every community, and a form to add one."""
    access.require(current_user, "administer", "communities")
    form = CommunityForm()
    if form.validate_on_submit():
        added, _conflict = try_save(
            form, lambda: service.add_community(current_user, form.data_for_service())
        )
        if added:
            flash(_("%(name)s has been added", name=added.name), "success")
            return redirect(url_for(".index"))
    return render_template("admin/communities.html", form=form,
                           communities=service.list_communities(current_user),
                           button_form=ButtonForm())  # fmt: skip


@bp.route("/<int:community_id>", methods=["GET", "POST"])
def edit(community_id: int):
    """Rename a community, or change its characteristic, flag or description."""
    community = service.get_community(current_user, community_id)
    form = CommunityForm(obj=community if request.method == "GET" else None)
    if form.validate_on_submit():
        saved, _conflict = try_save(form, lambda: [service.update_community(
            current_user, community, form.data_for_service())])  # fmt: skip
        if saved:
            flash(_("%(name)s has been saved", name=community.name) if saved[0]
                  else _("Nothing was changed"), "success")  # fmt: skip
            return redirect(url_for(".index"))
    return render_template("admin/community.html", form=form, community=community,
                           history=audit.history(service.KIND, community.id),
                           button_form=ButtonForm())  # fmt: skip


@bp.route("/<int:community_id>/retire", methods=["POST"])
def retire(community_id: int):
    """Stop offering a community for new records; records and figures keep it."""
    community = service.get_community(current_user, community_id)
    post_button(lambda: service.set_retired(current_user, community, True),
                _("%(name)s has been retired: records keep it, and it is no longer offered "
                  "for new ones", name=community.name))  # fmt: skip
    return redirect(url_for(".edit", community_id=community.id))


@bp.route("/<int:community_id>/restore", methods=["POST"])
def restore(community_id: int):
    """Offer a retired community again."""
    community = service.get_community(current_user, community_id)
    post_button(
        lambda: service.set_retired(current_user, community, False),
        _("%(name)s is offered again", name=community.name),
    )
    return redirect(url_for(".edit", community_id=community.id))
