"""The evidence page an objective and a plan action share: link an engagement, feedback, a
panel meeting or a document to it, once however often the form is posted."""

from __future__ import annotations

from flask import flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user

from crm.plans.forms import EvidenceForm
from crm.services import access
from crm.services import action_plans as service
from crm.views_common import save_once


def evidence_page(target, kind: str, detail_url: str):
    """The form, or on a good save back to the target's evidence. `kind` is the target's
    audit kind, which the form's one-time token is filed under."""
    access.require(current_user, "add_evidence", target)
    form = EvidenceForm()
    form.set_choices(*service.evidence_choices(current_user))
    if form.validate_on_submit():
        added, already = save_once(form, kind, lambda: service.add_evidence(
            current_user, target, form.kind.data, form.chosen_record(), form.title.data or "",
            form.url.data or ""), saved_id=lambda _evidence: target.id)  # fmt: skip
        if already:
            return already
        if added:
            flash(_("The evidence has been added"), "success")
            return redirect(f"{detail_url}#evidence")
    return render_template("plans/evidence_form.html", form=form, target=target, back=detail_url)
