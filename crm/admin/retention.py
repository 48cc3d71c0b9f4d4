"""/admin/retention: the retention rules (administrators), their dry run and applying them,
and /admin/erasures: the erasure log (the data protection right)."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextInput
from wtforms import BooleanField, HiddenField, StringField, SubmitField

from crm.auth.forms import ButtonForm
from crm.extensions import db
from crm.forms_common import strip
from crm.models import Contact, Feedback, Membership
from crm.models.erasure import DEFAULT_YEARS, RETENTION_KINDS
from crm.services import access, erasure, jobs, retention
from crm.views_common import save, try_save

bp = Blueprint("retention", __name__)


class RuleForm(FlaskForm):
    kind = HiddenField()
    years = StringField(_l("Years kept"), widget=GovTextInput(), filters=[strip],
                        description=_l("After the record went quiet (a whole number)"))
    active = BooleanField(_l("Apply this rule"), widget=GovCheckboxInput())
    submit = SubmitField(_l("Save rule"), widget=GovSubmitInput())


@bp.route("/admin/retention", methods=["GET", "POST"])
def index():
    """The retention rules, one form per kind of record, and the latest runs."""
    access.require(current_user, "administer", "retention")
    forms = {}
    posted = next((k for k in RETENTION_KINDS if f"{k}-submit" in request.form), None)
    for kind, rule in retention.rules():
        form = RuleForm(prefix=kind, formdata=None if kind != posted else request.form,
                        kind=kind, years=str(rule.years if rule else DEFAULT_YEARS[kind]),
                        active=bool(rule and rule.active))  # fmt: skip
        forms[kind] = (form, rule)
        if kind == posted and form.validate_on_submit():
            years = _years(form.years.data)
            saved, _conflict = try_save(form, lambda: retention.set_rule(  # noqa: B023
                current_user, kind, years, form.active.data))  # noqa: B023
            if saved:
                flash(_("%(kind)s: the rule has been saved", kind=RETENTION_KINDS[kind]),
                      "success")  # fmt: skip
                return redirect(url_for(".index"))
    failed = next((form for form, _rule in forms.values() if form.errors), None)
    return render_template("privacy/retention.html", forms=forms, form=failed,
                           runs=retention.runs(current_user), button_form=ButtonForm(),
                           kinds=RETENTION_KINDS)  # fmt: skip


def _years(text: str | None) -> int | None:
    """A whole number of years in ASCII digits (at most three: the rule allows 1 to 100), or
    None, which the service refuses with its message. str.isdigit() is not enough: it is
    true of "²", which int() refuses."""
    return int(text) if text and YEARS_PATTERN.fullmatch(text) else None


YEARS_PATTERN = re.compile(r"[0-9]{1,3}")


@bp.route("/admin/retention/dry-run")
def dry_run():
    """What each active rule would erase or anonymise today, and why; nothing changes."""
    found = retention.dry_run(current_user)
    return render_template("privacy/dry_run.html", rows=[(d, _name(d)) for d in found],
                           kinds=RETENTION_KINDS, button_form=ButtonForm())  # fmt: skip


def _name(due: retention.Due) -> str:
    """How the dry run names a record: a contact's name only for those who may see it."""
    if due.record_type == "contact":
        contact = db.session.get(Contact, due.record_id)
        return contact.name if access.may_read(current_user, contact) else (
            _("A contact in another Area"))
    if due.record_type == "membership":
        membership = db.session.get(Membership, due.record_id)
        who = (membership.contact.name if access.may_read(current_user, membership.contact)
               else None)  # fmt: skip
        panel = (membership.panel.name if access.may_read(current_user, membership.panel)
                 else None)  # fmt: skip
        if who is None:
            return (_("a contact in another Area on %(panel)s", panel=panel) if panel
                    else _("a contact in another Area on a panel in another Area"))
        return (_("%(name)s on %(panel)s", name=who, panel=panel) if panel
                else _("%(name)s on a panel in another Area", name=who))
    feedback = db.session.get(Feedback, due.record_id)
    return (_("Feedback %(number)s", number=feedback.id) if access.may_read(current_user, feedback)
            else _("Feedback in another Area"))  # fmt: skip


@bp.route("/admin/retention/apply", methods=["POST"])
def apply():
    """Apply the rules now, as a background job (its page says what it did)."""
    access.require(current_user, "exercise", erasure.RIGHT)
    if not ButtonForm().validate_on_submit():
        return redirect(url_for(".dry_run"))
    job = save(lambda: jobs.submit(current_user, "retention", _("Apply the retention rules"),
                                   {"user_id": current_user.id}))  # fmt: skip
    jobs.start(job)
    return redirect(url_for("jobs.detail", job_id=job.id))


@bp.route("/admin/erasures")
def erasures():
    """Every erasure: when, by whom, why and under which request. None can be undone."""
    return render_template("privacy/erasures.html", rows=erasure.erasures(current_user))
