"""Feedback pages: the filtered list, recording and editing, moving it along, archiving."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm import clock
from crm.auth.forms import ButtonForm
from crm.feedback.forms import FeedbackForm, StatusForm
from crm.forms_common import optional_int
from crm.models.feedback import ASSESSMENTS, FEEDBACK_SOURCES, FEEDBACK_STATUSES, TONES
from crm.services import access, action_plans, audit, erasure, panel_meetings, panels, reference
from crm.services import feedback as service
from crm.services.engagements import get_engagement
from crm.services.stakeholders import get_stakeholder
from crm.views_common import (
    archive_page,
    arg_date,
    arg_int,
    arg_page,
    form_version,
    post_button,
    save_once,
    try_save,
)

# The package's blueprint: its own pages under /feedback, and the pages of its
# other modules as nested blueprints (feedback.<module>.<page>), registered in crm/__init__.py.
bp = Blueprint("feedback", __name__)

STATUS_FILTERS = {"open": _l("Open (not closed)"), "closed": _l("Closed"), **FEEDBACK_STATUSES}


def filters_from_args() -> service.FeedbackFilters:
    def choice(name: str, allowed) -> str:
        value = request.args.get(name, "")
        return value if value in allowed else ""

    return service.FeedbackFilters(
        q=request.args.get("q", "")[:200],
        priority_id=arg_int("priority"),
        community_id=arg_int("community"),
        source=choice("source", FEEDBACK_SOURCES),
        panel_id=arg_int("panel"),
        status=choice("status", STATUS_FILTERS),
        area_id=arg_int("area"),
        assessment=choice("assessment", ASSESSMENTS),
        tone=choice("tone", TONES),
        date_from=arg_date("from"),
        date_to=arg_date("to"),
        owner_id=arg_int("owner"),
        archived=request.args.get("archived") == "1",
        page=arg_page(),
    )


@bp.route("/feedback")
def index():
    filters = filters_from_args()
    return render_template(
        "feedback/index.html",
        page=service.list_feedback(current_user, filters, current_app.config["PAGE_SIZE"]),
        filters=filters,
        areas=reference.areas_for(current_user),
        panels=panels.list_panels(current_user),
        staff=reference.staff_for(current_user),
        priorities=service.priorities(),
        communities=reference.all_communities(),
        sources=FEEDBACK_SOURCES,
        statuses=STATUS_FILTERS,
        assessments=ASSESSMENTS,
        tones=TONES,
    )


def _form(f=None) -> FeedbackForm:
    form = FeedbackForm()
    keep_priorities = {p.id for p in f.priorities} if f else set()
    form.set_choices(
        reference.areas_for(current_user),
        current_user.is_national,
        panels.list_panels(current_user),
        service.meeting_choices(current_user, keep=f.panel_meeting_id if f else None),
        reference.staff_for(current_user, keep={f.owner_id} if f and f.owner_id else set()),
        service.priorities(include=keep_priorities),
        reference.communities_offered(f.communities if f else ()),
    )
    form.set_serves_choices(*action_plans.serving_choices(current_user, f))
    return form


def _serving(f, form: FeedbackForm):
    """Record, in the same transaction, the objectives and plan actions it served."""
    action_plans.set_served(current_user, f, *form.served())
    return f


def _prefill(form: FeedbackForm) -> None:
    """Start from where the feedback came from: ?meeting=, ?engagement= or ?stakeholder=."""
    if meeting_id := arg_int("meeting"):
        meeting = panel_meetings.get_meeting(current_user, meeting_id)
        form.source.data = "panel_meeting"
        form.panel_id.data, form.panel_meeting_id.data = meeting.panel_id, meeting.id
        form.area_id.data, form.received_on.data = meeting.panel.area_id, meeting.held_on
    if engagement_id := arg_int("engagement"):
        engagement = get_engagement(current_user, engagement_id)
        form.source.data, form.engagement_id.data = "engagement", str(engagement.id)
        form.area_id.data, form.received_on.data = engagement.area_id, engagement.held_on
    if stakeholder_id := arg_int("stakeholder"):
        stakeholder = get_stakeholder(current_user, stakeholder_id)
        form.source.data, form.stakeholder_id.data = "correspondence", str(stakeholder.id)
        form.area_id.data = stakeholder.area_id


def _linked(form: FeedbackForm, f=None) -> dict:
    """The engagement and stakeholder the hidden fields name, to show them by name.

    The ones the feedback already links to are shown even when they are in an Area the
    user does not work in (as "an engagement in another Area"), and kept on saving.
    """
    linked = {}
    if engagement_id := optional_int(form.engagement_id.data):
        linked["engagement"] = (
            f.engagement
            if f is not None and engagement_id == f.engagement_id
            else get_engagement(current_user, engagement_id)
        )
    if stakeholder_id := optional_int(form.stakeholder_id.data):
        linked["stakeholder"] = (
            f.stakeholder
            if f is not None and stakeholder_id == f.stakeholder_id
            else get_stakeholder(current_user, stakeholder_id)
        )
    return linked


@bp.route("/feedback/new", methods=["GET", "POST"])
def new():
    access.require_edit(current_user, service.KIND)
    form = _form()
    if request.method == "GET":
        form.received_on.data = clock.today()
        form.owner_id.data = current_user.id
        _prefill(form)
    if form.validate_on_submit():
        created, already = save_once(
            form,
            service.KIND,
            lambda: _serving(service.create_feedback(
                current_user, form.to_data(), form.priority_ids.data or [],
                form.community_ids.data or [], (form.restricted_detail.data or "").strip(),
            ), form),
        )  # fmt: skip
        if already:
            return already
        if created:
            flash(_("The feedback has been recorded"), "success")
            return redirect(url_for(".detail", feedback_id=created.id))
    return render_template("feedback/form.html", form=form, linked=_linked(form))


@bp.route("/feedback/<int:feedback_id>")
def detail(feedback_id: int):
    f = service.get_feedback(current_user, feedback_id, include_archived=True)
    return render_template(
        "feedback/detail.html",
        f=f,
        serves=action_plans.serves_for(current_user, f),
        history=audit.history(service.KIND, f.id),
        hold=erasure.hold_of(f.id, service.KIND),
        button_form=ButtonForm(),
    )


@bp.route("/feedback/<int:feedback_id>/edit", methods=["GET", "POST"])
def edit(feedback_id: int):
    f = service.get_feedback(current_user, feedback_id)
    access.require(current_user, "edit", f)
    show_restricted = access.can(current_user, "see_restricted", f)
    form = _form(f)
    if request.method == "GET":
        form.load(f)
        form.load_served(action_plans.served_by(f))
    conflict = None
    if request.method == "POST" and not access.can(current_user, "change_owner", f):
        form.owner_id.data = f.owner_id  # not offered: only the owner or an administrator
    if form.validate_on_submit():
        saved, conflict = try_save(
            form,
            lambda: _serving(service.update_feedback(
                current_user, f, form.to_data(), form.priority_ids.data or [],
                form.community_ids.data or [], form_version(form),
                (form.restricted_detail.data or "").strip() if show_restricted else None,
            ), form),
        )  # fmt: skip
        if saved:
            flash(_("The feedback has been updated"), "success")
            return redirect(url_for(".detail", feedback_id=f.id))
    if not show_restricted:
        form.restricted_detail.data = ""
    return render_template(
        "feedback/form.html", form=form, f=f, linked=_linked(form, f), conflict=conflict
    )


def _saved_status(f) -> str:
    """What a status move says once saved: a whole sentence for each status."""
    saved = {
        "received": _("Saved: the feedback is received, not yet reviewed"),
        "under_review": _("Saved: the feedback is under review"),
        "action_agreed": _("Saved: the feedback has action agreed"),
        "closed": _("Saved: the feedback is closed"),
        "closed_no_action": _("Saved: the feedback is closed with no action"),
    }
    return saved.get(f.status) or _("The feedback has been updated")


@bp.route("/feedback/<int:feedback_id>/status", methods=["GET", "POST"])
def status(feedback_id: int):
    """Move the feedback on (or back, saying why); closing records what was done."""
    f = service.get_feedback(current_user, feedback_id)
    access.require(current_user, "edit", f)
    form = StatusForm()
    if request.method == "GET":
        form.moved_on.data = clock.today()
        form.response.data = f.response
    if form.validate_on_submit():
        saved, _conflict = try_save(
            form,
            lambda: service.move_status(
                current_user, f, form.to_status.data, form.moved_on.data,
                form.note.data or "", form.response.data or "", form.no_action_reason.data or "",
            ),
        )  # fmt: skip
        if saved:
            flash(_saved_status(f), "success")
            return redirect(url_for(".detail", feedback_id=f.id))
    return render_template("feedback/status.html", form=form, f=f)


@bp.route("/feedback/<int:feedback_id>/archive", methods=["GET", "POST"])
def archive(feedback_id: int):
    """Archive feedback, once confirmed: it leaves the lists, figures and reports."""
    f = service.get_feedback(current_user, feedback_id)
    return archive_page(
        f, _("this feedback"),
        _("It will leave the feedback list, the priority figures and the 'you said, we did' "
          "report."),
        lambda: service.archive_feedback(current_user, f),
        url_for(".detail", feedback_id=f.id), url_for(".index"),
    )  # fmt: skip


@bp.route("/feedback/<int:feedback_id>/restore", methods=["POST"])
def restore(feedback_id: int):
    access.require_admin(current_user)
    f = service.get_feedback(current_user, feedback_id, include_archived=True)
    post_button(lambda: service.restore_feedback(current_user, f),
                _("The feedback has been restored"))  # fmt: skip
    return redirect(url_for(".detail", feedback_id=f.id))
