"""Equality monitoring pages: a member's answers (only for the equality data right; each
view logged), a panel's make-up and the Area or national report (aggregates, suppressed)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm import clock
from crm.auth.forms import ButtonForm
from crm.equality.forms import AnswersForm, ObjectionForm
from crm.forms_common import optional_int
from crm.models.equality import GIVEN_HOW, QUESTIONS
from crm.services import access, panels, reference
from crm.services import equality as service
from crm.services import equality_report as report
from crm.services.memberships import get_membership
from crm.views_common import csv_download, post_button, records_each_view, save, try_save

bp = Blueprint("equality", __name__)


def _threshold() -> int:
    return current_app.config["SUPPRESS_BELOW"]


@bp.route("/memberships/<int:membership_id>/equality")
@records_each_view
def answers(membership_id: int):
    """A member's answers, for someone with the equality data right (the view is logged)."""
    membership = get_membership(current_user, membership_id)
    given = save(lambda: service.view_answers(current_user, membership))
    return render_template(
        "equality/answers.html", membership=membership, answers=given,
        shown=service.shown_answers(given), given_how=GIVEN_HOW,
        log=service.access_log(current_user, membership), actions=service.ACTIONS,
        button_form=ButtonForm())  # fmt: skip


@bp.route("/memberships/<int:membership_id>/equality/edit", methods=["GET", "POST"])
@records_each_view
def edit(membership_id: int):
    """Enter or change a member's answers (the form shows them: the view is logged)."""
    membership = get_membership(current_user, membership_id)
    access.require(current_user, "enter_equality", membership)
    form = AnswersForm()
    if request.method == "GET":
        given = save(lambda: service.view_answers(current_user, membership))
        if given is not None and given.objected_on is None:
            for name in [*QUESTIONS, "given_on", "given_how"]:
                getattr(form, name).data = getattr(given, name)
    if form.validate_on_submit():
        saved, _conflict = try_save(form, lambda: service.save_answers(
            current_user, membership, form.to_data()))  # fmt: skip
        if saved:
            flash(_("The equality monitoring answers have been saved"), "success")
            return redirect(url_for(".answers", membership_id=membership.id))
    return render_template("equality/edit.html", form=form, membership=membership)


@bp.route("/memberships/<int:membership_id>/equality/objection", methods=["GET", "POST"])
def objection(membership_id: int):
    """Record that the member objects to their answers being used."""
    membership = get_membership(current_user, membership_id)
    access.require(current_user, "enter_equality", membership)
    form = ObjectionForm()
    if form.validate_on_submit():
        saved, _conflict = try_save(form, lambda: [service.record_objection(
            current_user, membership, form.objected_on.data)])  # fmt: skip
        if saved:
            flash(_("The objection has been recorded: their answers are in no report"),
                  "success")  # fmt: skip
            return redirect(url_for(".answers", membership_id=membership.id))
    return render_template("equality/objection.html", form=form, membership=membership)


@bp.route("/memberships/<int:membership_id>/equality/withdraw-objection", methods=["POST"])
def withdraw(membership_id: int):
    """The member withdraws their objection."""
    membership = get_membership(current_user, membership_id)
    access.require(current_user, "enter_equality", membership)
    post_button(lambda: service.withdraw_objection(current_user, membership),
                _("The objection has been withdrawn"))  # fmt: skip
    return redirect(url_for(".answers", membership_id=membership.id))


@bp.route("/panels/<int:panel_id>/equality")
def panel(panel_id: int):
    """A panel's declared make-up beside its Area's population (aggregates only)."""
    found = panels.get_panel(current_user, panel_id)
    profile = report.panel_profile(current_user, found, _threshold())
    return render_template("equality/panel.html", panel=found, profile=profile,
                           threshold=_threshold())  # fmt: skip


@bp.route("/panels/<int:panel_id>/equality/answers.csv")
@records_each_view
def answers_csv(panel_id: int):
    """Each active member's answers as a file, for someone with the right (each logged)."""
    found = panels.get_panel(current_user, panel_id)
    rows = save(lambda: service.export_answers(current_user, found))
    return csv_download(f"panel-{found.id}-equality-answers-{clock.today().isoformat()}.csv",
                        service.EXPORT_HEADER, rows)  # fmt: skip


def _chosen_area(areas) -> tuple[int | None, str]:
    """The Area asked for (None: every panel, nationally) and what was wrong with it: someone
    who does not work nationally starts at their first Area; an Area they do not work in is
    not reported (every panel, nationally, is), and the page says so."""
    chosen = request.args.get("area", "")
    area_id = optional_int(chosen) if chosen not in ("", "national") else None
    if chosen == "" and not current_user.is_national and areas:
        area_id = areas[0].id
    if area_id is not None and area_id not in {a.id for a in areas}:
        return None, _("Choose an Area you work in")
    return area_id, ""


@bp.route("/reports/equality")
def area_report():
    """The make-up of an Area's panels, or of every panel nationally (aggregates only)."""
    areas = reference.areas_for(current_user)
    area_id, problem = _chosen_area(areas)
    profile = report.area_profile(current_user, area_id, _threshold())
    return render_template("equality/report.html", profile=profile, areas=areas,
                           area_id=area_id, problem=problem, threshold=_threshold())  # fmt: skip


@bp.route("/reports/equality.csv")
def area_report_csv():
    """The Area's or the national figures as a file, suppressed as on the page."""
    area_id, _problem = _chosen_area(reference.areas_for(current_user))
    profile = report.area_profile(current_user, area_id, _threshold())
    name = f"area-{area_id}" if area_id else "national"
    return csv_download(f"equality-monitoring-{name}-{clock.today().isoformat()}.csv",
                        report.CSV_HEADER, report.csv_rows(profile))  # fmt: skip
