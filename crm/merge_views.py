"""The duplicates and merge pages the stakeholder and contact registers share: each
register's blueprint (crm/stakeholders/merge.py, crm/contacts/merge.py) has thin views
that call these with its own Register."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from wtforms import HiddenField, RadioField

from crm.auth.forms import ButtonForm
from crm.forms_common import optional_int
from crm.services import access, duplicates, merges, reference
from crm.services.records import Page
from crm.views_common import arg_int, arg_page, save

MOST_MERGED = 10


@dataclass(frozen=True)
class Register:
    kind: str  # "stakeholder"
    noun: str  # "stakeholder"
    plural: str  # "stakeholders"
    detail: str  # "stakeholders.detail"
    id_arg: str  # "stakeholder_id"

    @property
    def model(self) -> Any:
        return merges.MODELS[self.kind]

    def detail_url(self, record_id: int) -> str:
        return url_for(self.detail, **{self.id_arg: record_id})


def _says(register: Register, contacts: str, stakeholders: str) -> str:
    """The register's own wording of a sentence: each is written out whole for each register,
    so every language can word it its own way."""
    return contacts if register.kind == "contact" else stakeholders


class PairForm(FlaskForm):
    """Two records someone says are not the same."""

    first_id = HiddenField()
    second_id = HiddenField()


def duplicates_page(register: Register):
    """Likely duplicates the user may merge, best first, a page at a time."""
    access.require(current_user, "merge", register.kind)
    area_id = arg_int("area")
    pairs = duplicates.likely_duplicates(current_user, register.kind, area_id)
    size = current_app.config["PAGE_SIZE"]
    page = Page(items=[], total=len(pairs), page=arg_page(), page_size=size)
    page.page = min(page.page, page.pages)
    page.items = pairs[(page.page - 1) * size : page.page * size]
    return render_template(
        "merge/duplicates.html", register=register, page=page, pair_form=PairForm(),
        records=duplicates.records_by_id(current_user, register.kind, page.items),
        areas=reference.areas_for(current_user), area_id=area_id,
    )  # fmt: skip


def dismiss(register: Register):
    """Mark a pair as not the same: it is never offered again."""
    access.require(current_user, "merge", register.kind)
    form = PairForm()
    first, second = optional_int(form.first_id.data), optional_int(form.second_id.data)
    if not (first and second and first != second):
        flash(_says(register, _("Select 2 different contacts"),
                    _("Select 2 different stakeholders")), "error")  # fmt: skip
    elif form.validate_on_submit():
        save(lambda: duplicates.dismiss(current_user, register.kind, first, second))
        flash(_("The two records will not be shown as duplicates again"), "success")
    # Back to the Area and page they were on (the scan of every Area is the slow one).
    return redirect(url_for(f"{request.blueprint}.duplicates", area=arg_int("area"),
                            page=arg_int("page")))


def _chosen(register: Register) -> list[Any]:
    """The records named in ?ids=, each one the user may see (or not found), in order."""
    ids = list(dict.fromkeys(optional_int(i) for i in request.args.getlist("ids")))
    if len(ids) > MOST_MERGED:
        abort(404)
    return [access.get_scoped(register.model, i or 0, current_user) for i in ids]


def _merge_form(register: Register, chosen: list[Any]) -> FlaskForm:
    defaults = merges.default_choices(register.kind, chosen) if chosen else {}

    class MergeForm(FlaskForm):
        survivor = RadioField(
            _says(register, _("Which contact stays?"), _("Which stakeholder stays?")),
            widget=GovRadioInput(), coerce=optional_int,
            choices=[(r.id, _("%(name)s (record %(number)s)", name=r.name, number=r.id))
                     for r in chosen],
            default=chosen[0].id if chosen else None, validate_choice=False,
        )  # fmt: skip

    for field, label in merges.FIELDS[register.kind]:
        setattr(MergeForm, f"field_{field}", RadioField(
            label, coerce=optional_int, choices=[(r.id, str(r.id)) for r in chosen],
            default=defaults.get(field), validate_choice=False))  # fmt: skip
    return MergeForm()


def merge_page(register: Register):
    """Merge records side by side: which one stays, and each field's value."""
    access.require(current_user, "merge", register.kind)
    chosen = _chosen(register)
    for record in chosen:
        access.require(current_user, "merge", record)
    form = _merge_form(register, chosen)
    problem = "" if len(chosen) >= 2 else _says(
        register,
        _("Select at least 2 contacts to merge"),
        _("Select at least 2 stakeholders to merge"),
    )
    if not problem and form.validate_on_submit():
        by_id = {r.id: r for r in chosen}
        survivor = by_id.get(form.survivor.data)
        choices = {f: form[f"field_{f}"].data for f, _label in merges.FIELDS[register.kind]}
        others = [r for r in chosen if r is not survivor]
        try:
            if survivor is None:
                raise merges.MergeRefused(_says(register, _("Select the contact that stays"),
                                                _("Select the stakeholder that stays")))
            save(lambda: merges.merge(current_user, register.kind, survivor, others, choices))
        except merges.MergeRefused as refused:
            problem = str(refused)
        else:
            merged = len(others) + 1
            flash(_says(
                register,
                ngettext("%(num)d contact has been merged into one",
                         "%(num)d contacts have been merged into one", merged),
                ngettext("%(num)d stakeholder has been merged into one",
                         "%(num)d stakeholders have been merged into one", merged),
            ), "success")  # fmt: skip
            return redirect(register.detail_url(survivor.id))
    return render_template(
        "merge/merge.html", register=register, form=form, chosen=chosen, problem=problem,
        fields=merges.FIELDS[register.kind], text=merges.field_text,
    )  # fmt: skip


def undo(register: Register, record_id: int):
    """Undo the latest merge into a record."""
    record = access.get_scoped(register.model, record_id, current_user)
    if ButtonForm().validate_on_submit():
        try:
            save(lambda: merges.undo(current_user, register.kind, record))
        except merges.MergeRefused as refused:
            flash(str(refused), "error")
        else:
            flash(_("The merge has been undone"), "success")
    return redirect(register.detail_url(record.id))


def merged_redirect(register: Register, record_id: int):
    """For a merged record's page: a redirect to the record it was merged into, or None."""
    target = merges.merged_into(current_user, register.kind, record_id)
    return redirect(register.detail_url(target)) if target else None
