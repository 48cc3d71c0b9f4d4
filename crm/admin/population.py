"""/admin/areas/<id>/population: an Area's population profile, to compare panels with."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.equality.forms import population_form
from crm.services import areas
from crm.services import equality_report as report
from crm.views_common import try_save

bp = Blueprint("population", __name__, url_prefix="/admin/areas")


@bp.route("/<int:area_id>/population", methods=["GET", "POST"])
def edit(area_id: int):
    """The percentage of the Area's people in each category (from the census)."""
    area = areas.get_area(current_user, area_id)
    values = None
    if request.method == "GET":
        values = {report.field_name(q, c): format(v.normalize(), "f")
                  for (q, c), v in report.population_of(area.id).items()}  # fmt: skip
    form = population_form(values)
    if form.validate_on_submit():
        saved, _conflict = try_save(form, lambda: [report.save_population(
            current_user, area, request.form)])  # fmt: skip
        if saved:
            flash(_("%(name)s's population profile has been saved", name=area.name), "success")
            return redirect(url_for("admin.areas.index"))
    return render_template("equality/population.html", form=form, area=area)
