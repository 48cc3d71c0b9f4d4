"""Equality monitoring reports: the declared make-up of a panel, an Area's panels, or every
panel nationally, as aggregates only, beside the Area's population profile.

Counted: each person (once, however many panels) with an active membership of a live panel
in scope, except those who objected. Every count goes through area_report's Cell and Table
as a public report's do: a count below CRM_SUPPRESS_BELOW reads "fewer than 10", and where
only one count of a question is suppressed the next smallest is withheld as well
(area_report.withhold_second), so the total shown cannot give it away; a share of members
is shown only beside a count that is. Ethnicity is reported by the census's 5 high-level
groups (a category's count could be worked out from its group's otherwise).

The tables nest (each panel within its Area, each Area and national panel within the
national table), so a count hidden in one table could be worked back from the table above
it: the Area's count less its other panels'. A count in the table above is therefore
withheld where only one table below it hides that answer, or where those below that hide it
hold fewer than the threshold between them; that is worked out from the panels up, so the
national table respects what each Area's withholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from crm import i18n
from crm.extensions import db
from crm.models import Area, AreaPopulation, EqualityAnswers, Membership, Panel, User
from crm.models.equality import ETHNIC_GROUPS, PREFER_NOT, QUESTIONS, ethnic_group
from crm.models.panel import LIVE_MEMBERSHIP
from crm.services import access, audit
from crm.services.area_report import SUPPRESS_BELOW, Table, Withheld, withhold_second
from crm.services.records import InvalidValue

NOT_ANSWERED = _l("Not answered")
NOT_SHOWN = _l("not shown")

# What is reported, and what an Area's population profile is entered by: ethnicity by group.
REPORTED: dict[str, tuple[str, dict[str, str]]] = {
    q: (label, {g: name for g, (name, _kinds) in ETHNIC_GROUPS.items()}
        if q == "ethnicity" else cats)
    for q, (label, cats) in QUESTIONS.items()
}


@dataclass
class Profile:
    """One scope's make-up: a table a question, with the population compared if entered."""

    title: str
    tables: list[Table]
    compared_with: str  # whose population profile, or "" if none was entered


@dataclass
class _Scope:
    """A table's people and the tables nested in it (an Area's panels; the Areas and national
    panels within the national table)."""

    people: dict[int, dict[str, str | None]]
    below: list[_Scope]


def _members(*conditions) -> list[tuple[int, int | None, int, dict[str, str | None]]]:
    """(panel, Area, person, answers) for each active membership of a live panel (those the
    conditions choose), leaving out the people who objected: every scope is counted from
    these."""
    columns = [getattr(EqualityAnswers, q) for q in QUESTIONS]
    rows = db.session.execute(
        select(Membership.panel_id, Panel.area_id, Membership.contact_id,
               EqualityAnswers.objected_on, *columns)
        .join(Panel, Panel.id == Membership.panel_id)
        .outerjoin(EqualityAnswers, EqualityAnswers.contact_id == Membership.contact_id)
        .where(Membership.status == "active", LIVE_MEMBERSHIP,
               Panel.archived_at.is_(None),
               *conditions))  # fmt: skip
    return [(r[0], r[1], r[2], dict(zip(QUESTIONS, r[4:], strict=True)))
            for r in rows if r[3] is None]  # fmt: skip


def _scope(members, keep) -> _Scope:
    """The scope of the memberships `keep` chooses, with a scope below it for each panel."""
    panels: dict[int, dict] = {}
    for panel_id, area_id, contact_id, answers in members:
        if keep(panel_id, area_id):
            panels.setdefault(panel_id, {})[contact_id] = answers
    people = {c: a for by_panel in panels.values() for c, a in by_panel.items()}
    return _Scope(people, [_Scope(p, []) for _panel, p in sorted(panels.items())])


def _national(members) -> _Scope:
    """Every panel: each Area's panels as one scope below, each national panel as another."""
    areas = sorted({a for _panel, a, _person, _answers in members if a is not None})
    national = _scope(members, lambda panel, area: area is None)
    below = [_scope(members, lambda panel, area, a=a: area == a) for a in areas]
    people = {c: answers for _panel, _area, c, answers in members}
    return _Scope(people, below + national.below)


def _key(question: str, value: str | None) -> str:
    value = value or ""
    return ethnic_group(value) if question == "ethnicity" else value


def _keys(question: str) -> list[str]:
    return [*REPORTED[question][1], PREFER_NOT, ""]


def hidden(n: int, threshold: int) -> bool:
    return n < threshold or isinstance(n, Withheld)


def _shown_counts(scope: _Scope, question: str, threshold: int) -> list[int]:
    """The scope's count of each answer, those to hide marked: below the threshold, or
    Withheld where a table below could otherwise be worked back, or to protect another."""
    keys = _keys(question)
    counts = [sum(1 for p in scope.people.values() if _key(question, p[question]) == k)
              for k in keys]  # fmt: skip
    below = [_shown_counts(s, question, threshold) for s in scope.below]
    for i, n in enumerate(counts):
        hidden_below = [b[i] for b in below if hidden(b[i], threshold)]
        if n >= threshold and hidden_below and (
                len(hidden_below) == 1 or sum(hidden_below) < threshold):
            counts[i] = Withheld(n)
    return withhold_second(counts, threshold)


def _table(question: str, scope: _Scope, population: dict, threshold: int) -> Table:
    label, categories = REPORTED[question]
    keys = _keys(question)
    names = [*categories.values(), _("Prefer not to say"), NOT_ANSWERED]
    counts = _shown_counts(scope, question, threshold)
    total = len(scope.people)
    header = [_("Answer"), _("Members"), _("Share of members")]
    if population:
        header.append(_("Area population"))
    rows = []
    for key, name, n in zip(keys, names, counts, strict=True):
        share = NOT_SHOWN if hidden(n, threshold) else f"{round(100 * n / total)}%"
        row: list[Any] = [name, n, share]
        if population:
            percent = population.get((question, key))
            row.append("" if key in (PREFER_NOT, "") else (
                percent_text(percent) if percent is not None else _("Not entered")))
        rows.append(row)
    total_row: list[Any] = [_("All members counted"), total, "100%" if total >= threshold else
                            NOT_SHOWN]  # fmt: skip
    if population:
        total_row.append("")
    rows.append(total_row)
    return Table(question, label, header, rows, public=True, threshold=threshold,
                 empty=_("No members."))  # fmt: skip


def _profile(title: str, scope: _Scope, area: Area | None, threshold: int) -> Profile:
    population = population_of(area.id) if area is not None else {}
    tables = [_table(q, scope, population, threshold) for q in REPORTED]
    return Profile(title, tables, area.name if population and area is not None else "")


def panel_profile(user: User, panel: Panel, threshold: int = SUPPRESS_BELOW) -> Profile:
    """A panel's declared make-up, for anyone who may read the panel."""
    access.require(user, "read", panel)
    scope = _scope(_members(Panel.id == panel.id), lambda *_args: True)
    return _profile(panel.name, _Scope(scope.people, []), panel.area, threshold)


def area_profile(user: User, area_id: int | None, threshold: int = SUPPRESS_BELOW) -> Profile:
    """The make-up of an Area's panels (one the user works in), or with no Area of every
    panel nationally (national panels included)."""
    if area_id is None:
        return _profile(_("Every panel, nationally"), _national(_members()), None, threshold)
    area = db.session.get(Area, area_id)
    if area is None or not access.can_see_area(user, area_id):
        raise access.RecordNotFound()
    scope = _scope(_members(Panel.area_id == area_id), lambda *_args: True)
    return _profile(_("%(area)s's panels", area=area.name), scope, area, threshold)


CSV_HEADER = [_l("Question"), _l("Answer"), _l("Members"), _l("Share of members"),
              _l("Area population")]  # fmt: skip


def csv_rows(profile: Profile) -> list[list[str]]:
    """The profile's tables as a file's rows, every count as suppressed on the page."""
    rows = []
    for table in profile.tables:
        for cells in table.cells():
            texts = [c.text for c in cells]
            rows.append([table.caption, *texts, *([""] * (4 - len(texts)))])
    return rows


def population_of(area_id: int) -> dict[tuple[str, str], Decimal]:
    """{(question, category): percent} of an Area's population profile."""
    rows = db.session.scalars(select(AreaPopulation).where(AreaPopulation.area_id == area_id))
    return {(r.question, r.category): Decimal(r.percent) for r in rows}


def percent_text(value: Decimal) -> str:
    """12.50 as "12.5%", 10.00 as "10%"."""
    return f"{format(Decimal(value).normalize(), 'f')}%"


def field_name(question: str, category: str) -> str:
    return f"{question}-{category}"


def _describe(population: dict) -> dict[str, str]:
    """Every category's percentage (blank: not entered), so a removed one is a change too.
    Its labels are kept in the audit trail as written: in English, whoever made the change."""
    with i18n.in_stored_language():
        return {f"Population, {str(label).lower()}: {name}": (
                    percent_text(population[(q, c)]) if (q, c) in population else "")
                for q, (label, categories) in REPORTED.items()
                for c, name in categories.items()}  # fmt: skip


def _percent(name: str, raw: str) -> Decimal | None:
    text = (raw or "").strip().rstrip("%").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidValue(name, _("Enter a percentage, like 12.5")) from None
    if not value.is_finite() or value < 0 or value > 100:
        raise InvalidValue(name, _("Enter a percentage from 0 to 100"))
    if value != value.quantize(Decimal("0.01")):
        raise InvalidValue(name, _("Enter a percentage with at most 2 decimal places"))
    return value


def save_population(user: User, area: Area, data: dict[str, str]) -> None:
    """Replace an Area's population profile: a percentage per category (blank: not entered);
    a question's percentages may not add up to more than 100."""
    access.require(user, "administer", "areas")
    found: dict[tuple[str, str], Decimal] = {}
    for question, (label, categories) in REPORTED.items():
        for category in categories:
            name = field_name(question, category)
            value = _percent(name, data.get(name, ""))
            if value is not None:
                found[(question, category)] = value
        if sum(v for (q, _category), v in found.items() if q == question) > 100:
            first = field_name(question, next(iter(categories)))
            raise InvalidValue(first, _("%(question)s: the percentages add up to more than 100",
                                        question=label))  # fmt: skip
    before = _describe(population_of(area.id))
    db.session.execute(delete(AreaPopulation).where(AreaPopulation.area_id == area.id))
    db.session.add_all(AreaPopulation(area_id=area.id, question=q, category=c, percent=v)
                       for (q, c), v in found.items())  # fmt: skip
    db.session.flush()
    after = _describe(found)
    if after != before:
        audit.record_event(user, "area", area.id, "updated", before, after)
