"""Stakeholder mapping pages: the influence x interest grid of the register, the Areas'
mapping exercises, recording one, and comparing two. Every page works without JavaScript."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm import clock
from crm.auth.forms import ButtonForm
from crm.i18n import day_month_year
from crm.mapping.forms import exercise_form
from crm.models.stakeholder import STAKEHOLDER_STATUSES, STAKEHOLDER_TYPES
from crm.services import access, reference
from crm.services import mapping as service
from crm.services.records import InvalidValue
from crm.stakeholders.routes import filters_from_args
from crm.views_common import archive_page, arg_int, post_button, save_once

bp = Blueprint("mapping", __name__, url_prefix="/mapping")
# How templates/mapping/_grid.html draws a grid: the cells' rows, headings and advice.
GRID_TEXT = {"rows": service.ROWS, "labels": service.CELLS, "advice": service.ADVICE}


@bp.route("")
def grid():
    """The influence x interest grid of the stakeholders you can see, filtered as the register."""
    filters = filters_from_args()
    return render_template(
        "mapping/grid.html", grid=service.grid(current_user, filters), filters=filters,
        areas=reference.areas_for(current_user), communities=reference.all_communities(),
        staff=reference.staff_for(current_user), types=STAKEHOLDER_TYPES,
        statuses=STAKEHOLDER_STATUSES, **GRID_TEXT,
    )  # fmt: skip


@bp.route("/exercises")
def exercises():
    """The mapping exercises in your Areas, newest first."""
    area_id = arg_int("area")
    found = service.list_exercises(current_user, area_id)
    return render_template(
        "mapping/exercises.html", exercises=found, area_id=area_id,
        areas=reference.areas_for(current_user), counts=service.position_counts(found),
        previous=service.previous_of(found),
    )  # fmt: skip


@bp.route("/exercises/new", methods=["GET", "POST"])
def new():
    """Record a mapping exercise: each live stakeholder of the Area, its scores filled in."""
    access.require(current_user, "add", service.KIND)
    areas = reference.areas_for(current_user)
    chosen = arg_int("area") or (areas[0].id if len(areas) == 1 else None)
    if chosen is None:
        return render_template("mapping/choose_area.html", areas=areas)
    area = service.get_area(current_user, chosen)
    stakeholders = service.live_stakeholders(area)
    form = exercise_form(stakeholders, service.possible_runners(area))
    if not form.is_submitted():
        form.held_on.data, form.run_by_id.data = clock.today(), current_user.id
    if form.validate_on_submit():
        created, already = save_once(form, service.KIND, lambda: service.record_exercise(
            current_user, area.id, positions=form.positions(), **form.to_data()))  # fmt: skip
        if already:
            return already
        if created:
            flash(_saved_message(created), "success")
            return redirect(url_for(".exercise", exercise_id=created.id))
    return render_template("mapping/form.html", form=form, area=area, stakeholders=stakeholders)


def _saved_message(exercise) -> str:
    latest = service.latest_exercise(exercise.area_id)
    if latest is not None and latest.id != exercise.id:
        return _("The exercise has been saved. The register keeps the scores of the later "
                 "exercise of %(day)s", day=day_month_year(latest.held_on))  # fmt: skip
    return _("The exercise has been saved, and the register's scores are now this exercise's")


@bp.route("/exercises/<int:exercise_id>")
def exercise(exercise_id: int):
    """One exercise: its grid, and each stakeholder's scores and note."""
    found = service.get_exercise(current_user, exercise_id, include_archived=True)
    placed = service.placed_in(current_user, found)
    latest = service.latest_exercise(found.area_id)
    return render_template(
        "mapping/exercise.html", exercise=found, placed=placed, grid=service.grid_of(placed),
        earlier=service.earlier_exercise(found), **GRID_TEXT,
        is_latest=latest is not None and latest.id == found.id, button_form=ButtonForm(),
    )  # fmt: skip


@bp.route("/exercises/<int:exercise_id>/archive", methods=["GET", "POST"])
def archive(exercise_id: int):
    """Archive an exercise recorded in error (asked first)."""
    found = service.get_exercise(current_user, exercise_id)
    return archive_page(
        found, found.name, _("It will leave the list of exercises and the comparisons. If it "
        "is the Area's latest, the register's scores go back to the exercise before it."),
        lambda: service.set_archived(current_user, found, True),
        url_for(".exercise", exercise_id=found.id), url_for(".exercises"),
    )  # fmt: skip


@bp.route("/exercises/<int:exercise_id>/restore", methods=["POST"])
def restore(exercise_id: int):
    found = service.get_exercise(current_user, exercise_id, include_archived=True)
    access.require(current_user, "restore", found)
    post_button(lambda: service.set_archived(current_user, found, False),
                _("%(name)s has been restored", name=found.name))  # fmt: skip
    return redirect(url_for(".exercise", exercise_id=found.id))


@bp.route("/exercises/compare")
def compare():
    """Who moved cell, who is new and who dropped out between two exercises of an Area."""
    chosen = arg_int("from"), arg_int("to")
    choices = service.list_exercises(current_user)
    if None in chosen:
        later = choices[0] if choices else None
        earlier = service.previous_of(choices).get(later.id) if later else None
        return render_template("mapping/compare.html", choices=choices, comparison=None,
                               earlier=earlier, later=later, problems=[])  # fmt: skip
    earlier, later = (service.get_exercise(current_user, i) for i in chosen)
    comparison, problems = None, []
    try:
        comparison = service.compare(current_user, earlier, later)
    except InvalidValue as problem:
        problems = [problem.message]
    return render_template("mapping/compare.html", choices=choices, comparison=comparison,
                           earlier=earlier, later=later, problems=problems)  # fmt: skip
