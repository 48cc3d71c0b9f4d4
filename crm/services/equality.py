"""A panel member's equality monitoring answers: special category data (DPA 2018 Schedule 1
paragraph 8).

Only people with the "equality data" right see them (access: see_equality) or enter them
(enter_equality), and every time they do is logged (EqualityView: who, when, whose, what
they did; never the values). The audit files a change under the person's contact record
and keeps only that each answer changed (the columns are declared special category).
A person who objects leaves every report, and their answers are no longer shown.
Reports (aggregates only) are in crm/services/equality_report.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm import clock
from crm.extensions import db
from crm.models import EqualityAnswers, EqualityView, Membership, Panel, User
from crm.models.common import restricted_fields
from crm.models.equality import GIVEN_HOW, OBJECTION, PREFER_NOT, QUESTIONS
from crm.services import access, audit
from crm.services.memberships import roster
from crm.services.records import InvalidValue

KIND = "contact"  # changes are filed in the person's own history
ACTIONS = {"viewed": _l("Viewed the answers"), "changed": _l("Changed the answers"),
           "objected": _l("Recorded an objection"), "withdrew": _l("Withdrew the objection"),
           "exported": _l("Exported the answers (the panel's file)")}
LOG_SHOWN = 20
PREFER_NOT_TO_SAY = _l("Prefer not to say")
NOT_ANSWERED = _l("Not answered")


def options(question: str) -> dict[str, str]:
    """A question's answers to choose from, "prefer not to say" last."""
    return {**QUESTIONS[question][1], PREFER_NOT: PREFER_NOT_TO_SAY}


def answer_label(question: str, value: str) -> str:
    return str(options(question).get(value, NOT_ANSWERED) if value else NOT_ANSWERED)


def _describe(answers: EqualityAnswers | None) -> dict[str, Any]:
    """Each answer by its declared label (the audit keeps only that it changed)."""
    labels = restricted_fields(EqualityAnswers)
    if answers is None:
        return {}
    values = {name: getattr(answers, name) or "" for name in labels}
    values["given_on"] = answers.given_on.isoformat() if answers.given_on else ""
    found = {labels[name]: value for name, value in values.items()}
    found[OBJECTION] = f"{answers.objected_on:%-d %B %Y}" if answers.objected_on else ""
    return found


def _log(user: User, contact_id: int, action: str) -> None:
    db.session.add(EqualityView(user_id=user.id, contact_id=contact_id, action=action))


def _answers(membership: Membership) -> EqualityAnswers | None:
    return db.session.get(EqualityAnswers, membership.contact_id)


def view_answers(user: User, membership: Membership) -> EqualityAnswers | None:
    """The member's answers (None if they have given none), for someone with the right;
    the view is logged. The caller commits, so the log stands."""
    access.require(user, "see_equality", membership)
    _log(user, membership.contact_id, "viewed")
    db.session.flush()
    return _answers(membership)


def save_answers(user: User, membership: Membership, data: dict[str, Any]) -> EqualityAnswers:
    """Record the member's answers, the day they gave them and how. Every answer is
    voluntary: one left blank is "not answered"."""
    access.require(user, "enter_equality", membership)
    for question in QUESTIONS:
        if (data.get(question) or "") not in ("", *options(question)):
            raise InvalidValue(question, _("Choose an answer from the list"))
    if (data.get("given_how") or "") not in ("", *GIVEN_HOW):
        raise InvalidValue("given_how", _("Choose how the answers were given from the list"))
    given_on = data.get("given_on")
    if given_on is None:
        raise InvalidValue("given_on", _("Enter the date the answers were given"))
    if given_on > clock.today():
        raise InvalidValue("given_on", _("The date the answers were given must be today or "
                                         "in the past"))  # fmt: skip
    answers = _answers(membership)
    before = _describe(answers)
    if answers is None:
        answers = EqualityAnswers(contact_id=membership.contact_id)
        db.session.add(answers)
    for question in QUESTIONS:
        setattr(answers, question, data.get(question) or "")
    answers.given_on, answers.given_how = given_on, data.get("given_how") or ""
    db.session.flush()
    audit.record_event(user, KIND, membership.contact_id, "updated", before,
                       _describe(answers))  # fmt: skip
    _log(user, membership.contact_id, "changed")
    return answers


def record_objection(user: User, membership: Membership, objected_on: date | None) -> None:
    """The member objects to their answers being used: from now on they are in no report
    and are not shown as answers."""
    access.require(user, "enter_equality", membership)
    if objected_on is None:
        raise InvalidValue("objected_on", _("Enter the date they objected"))
    if objected_on > clock.today():
        raise InvalidValue("objected_on",
                           _("The date they objected must be today or in the past"))
    answers = _answers(membership)
    before = _describe(answers)
    if answers is None:
        answers = EqualityAnswers(contact_id=membership.contact_id)
        db.session.add(answers)
    answers.objected_on = objected_on
    db.session.flush()
    audit.record_event(user, KIND, membership.contact_id, "updated", before,
                       _describe(answers))  # fmt: skip
    _log(user, membership.contact_id, "objected")


def withdraw_objection(user: User, membership: Membership) -> None:
    """The member withdraws their objection: their answers count again."""
    access.require(user, "enter_equality", membership)
    answers = _answers(membership)
    if answers is None or answers.objected_on is None:
        return
    before = _describe(answers)
    answers.objected_on = None
    db.session.flush()
    audit.record_event(user, KIND, membership.contact_id, "updated", before,
                       _describe(answers))  # fmt: skip
    _log(user, membership.contact_id, "withdrew")


def access_log(user: User, membership: Membership) -> list[EqualityView]:
    """Who viewed or changed the member's answers, newest first (for those with the right)."""
    access.require(user, "see_equality", membership)
    return list(db.session.scalars(
        select(EqualityView).where(EqualityView.contact_id == membership.contact_id)
        .order_by(EqualityView.id.desc()).limit(LOG_SHOWN)))  # fmt: skip


EXPORT_HEADER = [_l("Member"), _l("Role"), *(label for label, _choices in QUESTIONS.values()),
                 _l("Given on"), _l("How they were given"), _l("Objected on")]


def export_answers(user: User, panel: Panel) -> list[list[object]]:
    """Each active member's answers, for someone with the right who may read the panel;
    each member exported is logged. An objector's answers are not given, only the date."""
    access.require(user, "see_equality", panel)
    people = [m for m in roster(panel) if m.status == "active"]
    given = {a.contact_id: a for a in db.session.scalars(select(EqualityAnswers).where(
        EqualityAnswers.contact_id.in_([m.contact_id for m in people])))}  # fmt: skip
    rows = []
    for m in people:
        answers = given.get(m.contact_id)
        objected = answers is not None and answers.objected_on is not None
        shown = shown_answers(answers) if answers else []
        rows.append([
            m.contact.name, m.role_label,
            *([a for _question, a in shown] if shown else ["" if objected else _("Not answered")]
              * len(QUESTIONS)),
            "" if objected or not answers or not answers.given_on else answers.given_on,
            "" if objected or not answers else GIVEN_HOW.get(answers.given_how, ""),
            answers.objected_on if objected else "",
        ])  # fmt: skip
        _log(user, m.contact_id, "exported")
    db.session.flush()
    return rows


def shown_answers(answers: EqualityAnswers | None) -> list[tuple[str, str]]:
    """(question, answer) as a person reads them; none for an objector."""
    if answers is None or answers.objected_on is not None:
        return []
    return [(label, answer_label(q, getattr(answers, q)))
            for q, (label, _choices) in QUESTIONS.items()]  # fmt: skip
