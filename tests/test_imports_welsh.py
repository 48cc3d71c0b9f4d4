"""A spreadsheet made on a Welsh page imports exactly as the English one does.

The templates (and the exports an import reads back) are written in the language of
whoever downloads them: their headers, their row of guidance, and the choices a cell
names ("Grŵp cymunedol" for "Community group"). Whoever imports the file, on an English
page or a Welsh one, gets the same records from it: through the services, each kind's
template filled in once in each language, read in each language. An action plan exported
on a Welsh page is read back as the English export is."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from crm import i18n
from crm.extensions import db
from crm.models import Contact, Engagement, Membership, Stakeholder, User
from crm.models.stakeholder import STAKEHOLDER_TYPES
from crm.services import imports, plan_sheets
from crm.services.import_fields import (
    CHOICES,
    KINDS,
    STAKEHOLDERS,
    Names,
    guess_mapping,
    read_cell,
)
from tests.import_files import csv_bytes

# Each kind's rows, by field; a choice by its key, written in the file as its label in the
# file's language.
ROWS = {
    "stakeholders": [
        {"name": "Wirral Deaf Club", "type": "community_group", "postcode": "CH41 1AA",
         "communities": "Deaf and hard of hearing people", "status": "dormant",
         "influence": "4"},
        {"name": "Toxteth Women's Network", "type": "faith", "area": "Mersey-Cheshire",
         "email": "hello@toxteth.example.org", "status": "active"},
    ],
    "contacts": [
        {"name": "Dana Okafor", "email": "dana@example.org", "organisation": "Anfield Foodbank",
         "role": "Trustee", "preferred_contact_method": "in_person"},
        {"name": "Sam Jones", "phone": "0151 496 0002", "preferred_contact_method": "post"},
    ],
    "engagements": [
        {"title": "Drop-in at the library", "type": "community_conversation",
         "status": "held", "held_on": "01/10/2026", "stakeholders": "Anfield Foodbank",
         "communities": "Older people", "attendance": "12"},
        {"title": "Forum on hate crime", "type": "forum", "status": "cancelled",
         "held_on": "2026-10-08"},
    ],
    "members": [
        {"panel": "Mersey-Cheshire LSIP", "contact": "amara@example.org", "role": "chair",
         "term_start": "01/04/2025", "vetting_status": "cleared",
         "communities": "Older people"},
        {"panel": "Mersey-Cheshire LSIP", "contact": "ben@example.org", "status": "ended",
         "role": "vice_chair", "term_start": "01/04/2023", "term_end": "31/03/2025",
         "ended_on": "31/03/2025", "end_reason": "term_completed"},
    ],
}  # fmt: skip

# What each kind's rows make: the records as compared, choices by their keys.
MADE = {
    "stakeholders": [
        ("Toxteth Women's Network", "faith", "active", "", "hello@toxteth.example.org", None,
         []),
        ("Wirral Deaf Club", "community_group", "dormant", "CH41 1AA", "", 4,
         ["Deaf and hard of hearing people"]),
    ],
    "contacts": [
        ("Dana Okafor", "dana@example.org", "", "in_person", [("Anfield Foodbank", "Trustee")]),
        ("Sam Jones", "", "0151 496 0002", "post", []),
    ],
    "engagements": [
        ("Drop-in at the library", "community_conversation", "held", date(2026, 10, 1), 12,
         ["Anfield Foodbank"], ["Older people"]),
        ("Forum on hate crime", "forum", "cancelled", date(2026, 10, 8), None, [], []),
    ],
    "members": [
        ("Amara Osei", "chair", "active", date(2025, 4, 1), None, "", "cleared",
         ["Older people"]),
        ("Ben Carter", "vice_chair", "ended", date(2023, 4, 1), date(2025, 3, 31),
         "term_completed", "not_started", []),
    ],
}  # fmt: skip


def _records(kind: str) -> list[tuple]:
    """The live records of the kind, as compared."""
    if kind == "stakeholders":
        found = db.session.scalars(select(Stakeholder).where(
            Stakeholder.archived_at.is_(None), Stakeholder.name != "Anfield Foodbank"))
        return sorted((s.name, s.type, s.status, s.postcode or "", s.email or "", s.influence,
                       sorted(c.name for c in s.communities)) for s in found)
    if kind == "contacts":
        found = db.session.scalars(select(Contact).where(Contact.archived_at.is_(None)))
        return sorted((c.name, c.email or "", c.phone or "", c.preferred_contact_method,
                       sorted((a.stakeholder.name, a.role) for a in c.affiliations))
                      for c in found)
    if kind == "engagements":
        found = db.session.scalars(select(Engagement).where(Engagement.archived_at.is_(None)))
        return sorted((e.title, e.type, e.status, e.held_on, e.attendance,
                       sorted(s.name for s in e.stakeholders),
                       sorted(c.name for c in e.communities)) for e in found)
    found = db.session.scalars(select(Membership).where(Membership.archived_at.is_(None)))
    return sorted((m.contact.name, m.role, m.status, m.term_start, m.ended_on,
                   m.end_reason or "", m.vetting_status, sorted(c.name for c in m.communities))
                  for m in found)  # fmt: skip


def filled_template(kind: str, language: str) -> bytes:
    """The kind's template as a page in the language gives it (headers and guidance), with
    the rows written below it, each choice as that language names it."""
    with force_locale(language):
        written = list(csv.reader(io.StringIO(imports.template(kind))))
        columns = KINDS[kind].columns
        body = [[str(CHOICES[(kind, c.name)][row[c.name]])
                 if c.reads == "choice" and row.get(c.name) else row.get(c.name, "")
                 for c in columns] for row in ROWS[kind]]  # fmt: skip
    return csv_bytes(written + body)


def _start(user: User, kind: str, data: bytes, language: str):
    with force_locale(language):
        record = imports.start(user, kind, f"{kind}.csv", data)
        db.session.commit()
        assert sorted(record.mapping) == sorted(c.name for c in KINDS[kind].columns), (
            "every column of the template is recognised", record.headers)
        plan = imports.plan_for(user, record)
        assert plan.ok, [(p.row, p.column, p.message) for p in plan.problems]
        assert len(plan.rows) == len(ROWS[kind])  # the row of guidance is never a record
        return record, plan


def _imported(user_id: int, kind: str, data: bytes, other: bytes, language: str) -> list:
    """The records the file makes when imported on a page in the language; the file in
    the other language, imported after it, changes none of them. Then undone."""
    user = db.session.get(User, user_id)
    record, plan = _start(user, kind, data, language)
    assert plan.count("create") == len(ROWS[kind])
    with force_locale(language):
        record.status = "queued"
        imports.apply(user, record.id, lambda *_args: None)
        db.session.commit()
    made = _records(kind)
    _again, plan = _start(user, kind, other, language)
    assert plan.count("unchanged") == len(ROWS[kind]), [(r.row, r.changes) for r in plan.rows]
    with force_locale(language):
        imports.undo(user, record)
        db.session.commit()
    assert _records(kind) == []
    return made


@pytest.mark.parametrize("kind", list(ROWS))
def test_a_welsh_file_imports_the_same_records_as_the_english_one(
        ctx, make_user, make_stakeholder, make_contact, make_panel, kind):  # fmt: skip
    make_stakeholder(name="Anfield Foodbank", type="vcs")
    if kind == "members":
        make_panel()
        make_contact(name="Amara Osei", email="amara@example.org")
        make_contact(name="Ben Carter", email="ben@example.org")
    user = make_user("panels" if kind == "members" else "lead")
    english, welsh = filled_template(kind, "en"), filled_template(kind, "cy")
    # The Welsh template is in Welsh (its headers, guidance and choices, as the catalogue
    # has them).
    assert english.splitlines()[0] != welsh.splitlines()[0]
    for data, other in ((english, welsh), (welsh, english)):
        for language in i18n.LANGUAGES:
            assert _imported(user.id, kind, data, other, language) == MADE[kind], language


def test_a_welsh_choice_label_is_read_whichever_language_reads_it(ctx, monkeypatch):
    """Whatever the catalogue holds: a choice whose label differs in Welsh is read from
    either label, on an English page or a Welsh one, and its column from either header."""
    label = {"en": "Faith organisation", "cy": "Sefydliad ffydd"}
    typo = {"en": "Faith organsation", "cy": "Sefydliad ffyd"}
    monkeypatch.setitem(STAKEHOLDER_TYPES, "faith", LazyString(lambda: label[i18n.language()]))
    column = STAKEHOLDERS.column("type")
    for language in i18n.LANGUAGES:
        with force_locale(language):
            for said in ("Sefydliad ffydd", "FAITH ORGANISATION", "faith"):
                assert read_cell(STAKEHOLDERS, column, said, Names({}, {})) == ("faith", "")
            # A near miss is told the label in the reader's language.
            _value, problem = read_cell(STAKEHOLDERS, column, typo[language], Names({}, {}))
            assert f'"{label[language]}"' in problem.replace("“", '"').replace("”", '"')
            assert guess_mapping(STAKEHOLDERS, ["Enw", "Math"]) == {"name": 0, "type": 1}


def test_an_action_plan_exported_in_welsh_is_read_back_as_the_english_one(ctx):
    plan = [("1", "Engagement", [("a", "Map the boroughs", "All Managers", "Oct-07"),
                                 ("b", "Run a stall at Pride", "Lead", "31/07/2008")]),
            ("2", "Monitoring", [("a", "Record ethnicity", "Lead", "Ongoing")])]  # fmt: skip
    read = {}
    for written in i18n.LANGUAGES:
        with force_locale(written):
            rows = plan_sheets.plan_rows(plan)
            files = {"csv": plan_sheets.write_csv(rows),
                     "xlsx": plan_sheets.write_xlsx(rows, "Equality action plan")}
        for reader in i18n.LANGUAGES:
            with force_locale(reader):
                for kind, data in files.items():
                    parsed = plan_sheets.read_plan(plan_sheets.read_table(data, f"plan.{kind}"))
                    assert parsed.ok, parsed.problems
                    read[(written, reader, kind)] = (tuple(parsed.themes), tuple(
                        (a.theme_number, a.letter, a.what, a.by_whom, a.by_when_text)
                        for a in parsed.actions))
    assert len(set(read.values())) == 1 and len(next(iter(read.values()))[1]) == 3
