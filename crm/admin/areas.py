"""/admin/areas: each Area's name and code (the code also names it in boundary files)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.admin.forms import AreaForm
from crm.services import areas as service
from crm.services import audit
from crm.views_common import try_save

bp = Blueprint("areas", __name__, url_prefix="/admin/areas")


@bp.route("")
def index():
    """Every Area, its code, and whether its boundary has been imported."""
    return render_template("admin/areas.html", rows=service.list_areas(current_user))


@bp.route("/<int:area_id>", methods=["GET", "POST"])
def edit(area_id: int):
    """Rename an Area or change its code."""
    area = service.get_area(current_user, area_id)
    form = AreaForm(obj=area if request.method == "GET" else None)
    if form.validate_on_submit():
        saved, _conflict = try_save(form, lambda: [service.update_area(
            current_user, area, {"name": form.name.data, "code": form.code.data})])  # fmt: skip
        if saved:
            flash(_("%(name)s has been saved", name=area.name) if saved[0]
                  else _("Nothing was changed"), "success")  # fmt: skip
            return redirect(url_for(".index"))
    return render_template("admin/area.html", form=form, area=area,
                           history=audit.history(service.KIND, area.id))  # fmt: skip
