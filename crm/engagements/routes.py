"""The engagement log pages: record, find, export, follow up."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from crm import clock
from crm.auth.forms import ButtonForm
from crm.engagements.forms import EngagementForm
from crm.models.engagement import ENGAGEMENT_STATUSES, ENGAGEMENT_TYPES
from crm.services import access, action_plans, audit, consent, reference
from crm.services import engagements as service
from crm.services.lookup import records_by_ids, search_contacts, search_stakeholders
from crm.views_common import (
    archive_page,
    arg_date,
    arg_int,
    arg_page,
    csv_download,
    form_version,
    post_button,
    save_once,
    try_save,
)

# The package's blueprint: its own pages under /engagements, and the pages of its
# other modules as nested blueprints (engagements.<module>.<page>), registered in crm/__init__.py.
bp = Blueprint("engagements", __name__)


def _filters() -> service.EngagementFilters:
    kind = request.args.get("type", "")
    return service.EngagementFilters(
        q=request.args.get("q", "")[:200],
        date_from=arg_date("from"),
        date_to=arg_date("to"),
        area_id=arg_int("area"),
        type=kind if kind in ENGAGEMENT_TYPES else "",
        status=request.args.get("status", "")
        if request.args.get("status") in ENGAGEMENT_STATUSES
        else "",
        community_id=arg_int("community"),
        stakeholder_id=arg_int("stakeholder"),
        lead_id=arg_int("lead"),
        archived=request.args.get("archived") == "1",
        page=arg_page(),
    )


@bp.route("/engagements")
def index():
    """The engagement log, newest first, with filters and a CSV export of what it shows."""
    filters = _filters()
    page = service.list_engagements(current_user, filters, current_app.config["PAGE_SIZE"])
    return render_template(
        "engagements/index.html",
        page=page,
        filters=filters,
        areas=reference.areas_for(current_user),
        communities=reference.all_communities(),
        staff=reference.staff_for(current_user),
        types=ENGAGEMENT_TYPES,
        statuses=ENGAGEMENT_STATUSES,
    )


@bp.route("/engagements/export.csv")
def export():
    """The engagements the list shows, as CSV (restricted notes are never exported)."""
    try:
        rows = service.export_rows(current_user, _filters())
    except service.TooManyToExport:
        return render_template(
            "engagements/too_many.html", limit=service.EXPORT_LIMIT, args=request.args
        ), 400
    header = [
        _("Date"),
        _("Title"),
        _("Type"),
        _("Status"),
        _("Area"),
        _("Lead"),
        _("Stakeholders"),
        _("Contacts"),
        _("Communities reached"),
        _("Attendance"),
        _("Summary"),
        _("Issues raised"),
        _("Outcomes"),
    ]
    return csv_download(
        "engagements.csv",
        header,
        (
            [
                row["held_on"].isoformat(),
                row["title"],
                ENGAGEMENT_TYPES.get(row["type"], row["type"]),
                ENGAGEMENT_STATUSES.get(row["status"], row["status"]),
                row["area"],
                row["lead"] or "",
                "; ".join(row["stakeholders"]),
                "; ".join(row["contacts"]),
                "; ".join(row["communities"]),
                "" if row["attendance"] is None else row["attendance"],
                row["summary"],
                row["issues_raised"],
                row["outcomes"],
            ]
            for row in rows
        ),
    )


def _linked_ids(engagement) -> dict[str, set[int]]:
    """What an engagement already links to: kept as choices even if since archived
    or moved out of the user's staff list, so editing never drops them unseen."""
    if engagement is None:
        return {"stakeholders": set(), "contacts": set(), "staff": set()}
    staff = {u.id for u in engagement.staff} | (
        {engagement.lead_id} if engagement.lead_id else set()
    )
    return {
        "stakeholders": {s.id for s in engagement.stakeholders},
        "contacts": {c.id for c in engagement.contacts},
        "staff": staff,
    }


def _found_stakeholders() -> list:
    """The stakeholders the picker's Search button found (the no-JavaScript way to find
    them), to tick; none unless this request is that search."""
    if request.form.get("find") != "stakeholders":
        return []
    if "found_stakeholders" not in g:
        g.found_stakeholders = search_stakeholders(
            current_user, request.form.get("stakeholder_search", "")
        )
    return g.found_stakeholders


def _set_choices(form: EngagementForm, engagement=None) -> None:
    """Set the choices once the form holds its data: they depend on the stakeholders chosen.

    "Whose premises" offers the stakeholders chosen and, after a search without
    JavaScript, those found to tick, so whose premises is chosen on the same screen as
    they are ticked (with JavaScript, picker.mjs keeps it to the ticked ones)."""
    keep = _linked_ids(engagement)
    chosen = records_by_ids(
        current_user, "stakeholders", form.stakeholder_ids.data or [], keep["stakeholders"]
    )
    chosen_ids = {s.id for s in chosen}
    found = [s for s in _found_stakeholders() if s.id not in chosen_ids]
    form.set_choices(
        reference.areas_for(current_user),
        reference.staff_for(current_user, keep["staff"]),
        reference.communities_offered(engagement.communities if engagement else ()),
        chosen + found,
    )
    form.set_serves_choices(*action_plans.serving_choices(current_user, engagement))


def _pickers(form: EngagementForm, engagement=None) -> dict:
    """What the two type-ahead pickers show: the chosen records, and any search results."""
    find = request.form.get("find", "")
    q_s = request.form.get("stakeholder_search", "")
    q_c = request.form.get("contact_search", "")
    keep = _linked_ids(engagement)
    return {
        "chosen_stakeholders": records_by_ids(
            current_user, "stakeholders", form.stakeholder_ids.data or [], keep["stakeholders"]
        ),
        "chosen_contacts": records_by_ids(
            current_user, "contacts", form.contact_ids.data or [], keep["contacts"]
        ),
        "found_stakeholders": _found_stakeholders(),
        "found_contacts": search_contacts(current_user, q_c) if find == "contacts" else [],
        "stakeholder_search": q_s,
        "contact_search": q_c,
        "searched": find,
    }


def _serving(engagement, form: EngagementForm):
    """Record, in the same transaction, the objectives and plan actions it served."""
    action_plans.set_served(current_user, engagement, *form.served())
    return engagement


def _submitted(form: EngagementForm) -> bool:
    """A real save: not a picker search (the no-JavaScript way to find records)."""
    return not request.form.get("find") and form.validate_on_submit()


def _do_not_contact(form: EngagementForm, engagement=None) -> list:
    """People marked do not contact being added to a planned engagement (an invitation),
    until the form confirms it; a held one records who came, which needs no warning."""
    if form.status.data != "planned":
        return []
    return consent.unconfirmed_do_not_contact(
        current_user, form.contact_ids.data, form.confirm_do_not_contact,
        _linked_ids(engagement)["contacts"])  # fmt: skip


@bp.route("/engagements/new", methods=["GET", "POST"])
def new():
    """Log an engagement; ?from=ID starts from an earlier one ("log another like this")."""
    access.require_edit(current_user, service.KIND)
    form = EngagementForm()
    if request.method == "GET":
        if source_id := arg_int("from"):
            form.load(service.get_engagement(current_user, source_id), copy=True)
        else:
            form.lead_id.data = current_user.id
        form.held_on.data = clock.today()
        for _row in range(3):
            form.actions.append_entry()
    _set_choices(form)
    warned = []
    if _submitted(form) and not (warned := _do_not_contact(form)):
        created, already = save_once(
            form,
            service.KIND,
            lambda: _serving(service.log_engagement(current_user, form.to_data(),
                                                    form.action_rows()), form),
        )  # fmt: skip
        if already:
            return already
        if created:
            flash(_("%(title)s has been recorded", title=created.title), "success")
            return redirect(url_for(".detail", engagement_id=created.id))
    return render_template("engagements/form.html", form=form, do_not_contact=warned,
                           **_pickers(form))  # fmt: skip


@bp.route("/engagements/<int:engagement_id>")
def detail(engagement_id: int):
    """One engagement: what happened, who came, which communities, what must follow."""
    engagement = service.get_engagement(current_user, engagement_id, include_archived=True)
    return render_template(
        "engagements/detail.html",
        engagement=engagement,
        serves=action_plans.serves_for(current_user, engagement),
        history=audit.history(service.KIND, engagement.id),
        button_form=ButtonForm(),
    )


@bp.route("/engagements/<int:engagement_id>/edit", methods=["GET", "POST"])
def edit(engagement_id: int):
    """Change an engagement; a save over someone else's change is refused."""
    engagement = service.get_engagement(current_user, engagement_id)
    access.require(current_user, "edit", engagement)
    form = EngagementForm()
    if request.method == "GET":
        form.load(engagement)
        form.load_served(action_plans.served_by(engagement))
    _set_choices(form, engagement)
    if not access.can(current_user, "see_restricted", engagement):
        # Someone who may not read the notes must not overwrite them unseen either.
        form.restricted_notes.data = engagement.restricted_notes
    if not access.can(current_user, "change_owner", engagement):
        form.lead_id.data = engagement.lead_id
    conflict, warned = None, []
    if _submitted(form) and not (warned := _do_not_contact(form, engagement)):
        saved, conflict = try_save(
            form,
            lambda: _serving(service.update_engagement(
                current_user, engagement, form.to_data(), form_version(form)), form),
        )
        if saved:
            flash(_("%(title)s has been updated", title=saved.title), "success")
            return redirect(url_for(".detail", engagement_id=engagement.id))
    return render_template(
        "engagements/form.html",
        form=form,
        engagement=engagement,
        conflict=conflict,
        do_not_contact=warned,
        hidden=service.hidden_links(current_user, engagement),
        **_pickers(form, engagement),
    )


@bp.route("/engagements/<int:engagement_id>/archive", methods=["GET", "POST"])
def archive(engagement_id: int):
    """Archive an engagement, once confirmed: it leaves the log, timelines and coverage."""
    engagement = service.get_engagement(current_user, engagement_id)
    return archive_page(
        engagement, engagement.title,
        _("It will leave the engagement log, the timelines, the coverage figures and the map."),
        lambda: service.set_archived(current_user, engagement, True),
        url_for(".detail", engagement_id=engagement.id), url_for(".index"),
    )  # fmt: skip


@bp.route("/engagements/<int:engagement_id>/restore", methods=["POST"])
def restore(engagement_id: int):
    """Bring an archived engagement back (administrators only)."""
    access.require_admin(current_user)
    engagement = service.get_engagement(current_user, engagement_id, include_archived=True)
    post_button(
        lambda: service.set_archived(current_user, engagement, False),
        _("%(title)s has been restored", title=engagement.title),
    )
    return redirect(url_for(".detail", engagement_id=engagement.id))
