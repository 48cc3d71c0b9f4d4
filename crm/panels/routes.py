"""Panel pages: the list with each panel's health, a panel's page, its settings,
terms of reference, and the roster and membership history exports."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm import clock
from crm.auth.forms import ButtonForm
from crm.panels.forms import PanelForm, TermsForm
from crm.services import access, audit, panel_meetings, reference
from crm.services import memberships as membership_service
from crm.services import panels as service
from crm.services.panel_refresh import ABSENCE_LIMIT, represented, review
from crm.templating import url_with_query
from crm.views_common import (
    archive_page,
    arg_date,
    csv_download,
    form_version,
    post_button,
    save_once,
    try_save,
)

# The package's blueprint: its own pages under /panels, and the pages of its
# other modules as nested blueprints (panels.<module>.<page>), registered in crm/__init__.py.
bp = Blueprint("panels", __name__)


def _form(**kwargs) -> PanelForm:
    form = PanelForm(**kwargs)
    form.set_choices(reference.areas_for(current_user), current_user.is_national)
    form.target_values = {}
    return form


@bp.route("/panels")
def index():
    """Every panel the user may see, with what needs attention at a glance."""
    archived = request.args.get("archived") == "1" and access.can_restore(current_user)
    panels = service.list_panels(current_user, include_archived=archived)
    return render_template(
        "panels/index.html",
        panels=panels,
        health=service.health(panels, clock.today()),
        archived=archived,
    )


@bp.route("/panels/new", methods=["GET", "POST"])
def new():
    access.require_edit(current_user, service.KIND)
    form = _form()
    communities = reference.communities_offered()
    if request.method == "POST":
        targets = form.read_targets(request.form, communities)
        if form.validate_on_submit():
            created, already = save_once(
            form,
            service.KIND,
                lambda: service.create_panel(
                    current_user, form.to_data(), targets,
                    (form.terms.data or "").strip(), form.adopted_on.data,
                ),
            )  # fmt: skip
            if already:
                return already
            if created:
                flash(_("%(name)s has been added", name=created.name), "success")
                return redirect(url_for(".detail", panel_id=created.id))
    return render_template("panels/form.html", form=form, communities=communities)


@bp.route("/panels/<int:panel_id>")
def detail(panel_id: int):
    """A panel: its settings, terms of reference, members past and present, and meetings."""
    panel = service.get_panel(current_user, panel_id, include_archived=True)
    state = service.states([panel])[panel.id]
    return render_template(
        "panels/detail.html",
        panel=panel,
        absence_limit=ABSENCE_LIMIT,
        report=review(state, clock.today()),
        roster=membership_service.roster(panel),
        applicants=membership_service.applicants(panel),
        past=membership_service.past_members(panel),
        meetings=panel_meetings.meetings(panel),
        absences={m.membership_id: m.absence_streak for m in state.members},
        represented=represented(state),
        history=audit.history(service.KIND, panel.id),
        button_form=ButtonForm(),
    )


@bp.route("/panels/<int:panel_id>/edit", methods=["GET", "POST"])
def edit(panel_id: int):
    panel = service.get_panel(current_user, panel_id)
    service.require_change(current_user, panel)
    form = _form()
    communities = reference.communities_offered([t.community for t in panel.targets])
    conflict = None
    if request.method == "GET":
        form.load(panel)
    else:
        targets = form.read_targets(request.form, communities)
        if form.validate_on_submit():
            saved, conflict = try_save(
                form,
                lambda: service.update_panel(
                    current_user, panel, form.to_data(), targets, form_version(form)
                ),
            )
            if saved:
                flash(_("%(name)s has been updated", name=saved.name), "success")
                return redirect(url_for(".detail", panel_id=panel.id))
    return render_template(
        "panels/form.html", form=form, panel=panel, communities=communities, conflict=conflict
    )


@bp.route("/panels/<int:panel_id>/terms-of-reference", methods=["GET", "POST"])
def terms(panel_id: int):
    """Adopt a new version of the terms of reference, and set the next review date."""
    panel = service.get_panel(current_user, panel_id)
    service.require_change(current_user, panel)
    form = TermsForm()
    if request.method == "GET" and panel.current_terms:
        form.text.data = panel.current_terms.text
    if form.validate_on_submit():
        adopted, already = save_once(
            form, service.KIND,
            lambda: service.adopt_terms(
                current_user, panel, form.text.data.strip(), form.adopted_on.data,
                form.review_due.data,
            ),
            saved_id=lambda _terms: panel.id,
        )  # fmt: skip
        if already:
            return already
        if adopted:
            flash(_("The new terms of reference have been adopted"), "success")
            return redirect(url_for(".detail", panel_id=panel.id, _anchor="terms"))
    return render_template("panels/terms.html", form=form, panel=panel)


@bp.route("/panels/<int:panel_id>/archive", methods=["GET", "POST"])
def archive(panel_id: int):
    """Archive a panel, once confirmed; its memberships and meetings stay on record."""
    panel = service.get_panel(current_user, panel_id)
    return archive_page(
        panel, panel.name,
        _("It will leave the panel list and the home page. Its memberships, meetings and "
          "feedback stay on record."),
        lambda: service.archive_panel(current_user, panel),
        url_for(".detail", panel_id=panel.id), url_for(".index"),
    )  # fmt: skip


@bp.route("/panels/<int:panel_id>/restore", methods=["POST"])
def restore(panel_id: int):
    access.require_admin(current_user)
    panel = service.get_panel(current_user, panel_id, include_archived=True)
    post_button(
        lambda: service.restore_panel(current_user, panel),
        _("%(name)s has been restored", name=panel.name),
    )
    return redirect(url_for(".detail", panel_id=panel.id))


@bp.route("/panels/<int:panel_id>/roster.csv")
def roster_csv(panel_id: int):
    panel = service.get_panel(current_user, panel_id)
    return csv_download(
        f"panel-{panel.id}-roster-{clock.today().isoformat()}.csv",
        membership_service.ROSTER_HEADER,
        membership_service.roster_rows(panel),
    )


def _history_range() -> tuple[date | None, date | None, list[str]]:
    start, end, problems = arg_date("from"), arg_date("to"), []
    if request.args.get("from") and start is None:
        problems.append(_("From date must be a real date"))
    if request.args.get("to") and end is None:
        problems.append(_("To date must be a real date"))
    if start and end and end < start:
        problems.append(_("To date must be the same as or after the from date"))
    return start, end, problems


@bp.route("/panels/<int:panel_id>/history")
def history(panel_id: int):
    """Everyone who sat on the panel between two dates: the answer to an FOI request."""
    panel = service.get_panel(current_user, panel_id, include_archived=True)
    start, end, problems = _history_range()
    asked = "from" in request.args or "to" in request.args
    if asked and not problems and not (start and end):
        problems.append(_("Enter both a from date and a to date"))
    rows = None
    if asked and not problems:
        rows = membership_service.history(panel, start, end)
    return render_template(
        "panels/history.html", panel=panel, start=start, end=end, problems=problems, rows=rows
    )


@bp.route("/panels/<int:panel_id>/history.csv")
def history_csv(panel_id: int):
    panel = service.get_panel(current_user, panel_id, include_archived=True)
    start, end, problems = _history_range()
    if problems or not (start and end):
        return redirect(url_with_query(".history", request.args, panel_id=panel.id))
    return csv_download(
        f"panel-{panel.id}-membership-{start.isoformat()}-to-{end.isoformat()}.csv",
        membership_service.HISTORY_HEADER,
        membership_service.history_rows(panel, start, end),
    )
