"""Erasure that keeps the figures: a person who appears everywhere is erased, every text
column of the database is swept for what identified them, and every count is unchanged."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import String, Text, cast, func, select

from crm.extensions import db
from crm.models import (
    AuditEvent,
    Contact,
    Declaration,
    Engagement,
    Erasure,
    Feedback,
    Job,
    Membership,
    PanelMeeting,
    Stakeholder,
    User,
)
from crm.models.consent import ConsentRecord, Purpose, SubjectAccessRequest
from crm.models.engagement import engagement_contacts
from crm.models.equality import EqualityAnswers
from crm.services import audit, engagement_figures, erasure, memberships
from crm.services import contacts as contact_service
from tests.conftest import sign_in
from tests.formscrape import post_form

OLD_NAME = "Zenobia Featherstonehaugh"
NAME = "Zenobia Quartermaine"
EMAIL = "Zenobia.Q@example.org"
PHONE = "07700 900123"
SENTINEL = "SENTINEL-7Q3X"
ERASED_VALUES = (OLD_NAME, NAME, EMAIL, PHONE, SENTINEL)


@pytest.fixture
def person(app, make_user, make_engagement, make_panel, make_membership, make_meeting,
           make_feedback, make_stakeholder):  # fmt: skip
    """A person who appears everywhere: renamed once (so the history holds an old name),
    at an organisation, at an engagement (and named in its history and summary), an ended
    panel member with notes and a declaration, at a meeting (named in its notes), named in
    feedback, with consent history and equality answers."""
    admin = make_user("admin", national=True)
    s = make_stakeholder()
    # A sole trader's organisation whose address and number are the person's own.
    sole = make_stakeholder(name="Q Consulting", email=EMAIL.lower(), phone=PHONE)
    with app.app_context():
        user = db.session.get(User, admin.id)
        contact = contact_service.create_contact(user, {
            "name": OLD_NAME, "area_id": _area_id(), "email": EMAIL, "phone": PHONE,
            "notes": f"Prefers evenings {SENTINEL}", "job_title": f"Trustee {SENTINEL}"})
        db.session.commit()
        contact_service.update_contact(user, contact, {"name": NAME, "area_id": _area_id()},
                                       contact.version)  # fmt: skip
        contact_service.link_stakeholder(user, contact, db.session.get(Stakeholder, s),
                                         SENTINEL)
        db.session.commit()
        c = contact.id
    e = make_engagement(contact_ids=[c], stakeholder_ids=[s], attendance=25,
                        summary=f"{NAME} raised concerns; write to {EMAIL}")
    p = make_panel()
    m = make_membership(p, c, status="ended", term_start=date(2023, 1, 1),
                        term_end=date(2024, 12, 31), ended_on=date(2025, 1, 2),
                        end_reason="resigned", end_note=f"Moved away {SENTINEL}")  # fmt: skip
    other = make_membership(p, name="Priya Member")
    g = make_meeting(p, attendance={m: "present", other: "present"},
                     notes=f"{NAME} chaired the discussion")
    f = make_feedback(summary="Panel asked for updates",
                      detail=f"Raised by {NAME} ({PHONE})")  # fmt: skip
    with app.app_context():
        user = db.session.get(User, admin.id)
        memberships.add_declaration(user, db.session.get(Membership, m), date(2024, 1, 1),
                                    f"{NAME} is a trustee {SENTINEL}")  # fmt: skip
        # A subject access export made for them: its file holds everything about them.
        job = Job(kind="subject_access", title="Subject access export: SAR-1", status="done",
                  result_name="SAR-1.zip", result_data=NAME.encode())  # fmt: skip
        db.session.add(job)
        db.session.flush()
        db.session.add(SubjectAccessRequest(contact_id=c, reference="SAR-1", job_id=job.id))
        purpose = db.session.scalars(select(Purpose)).first()
        db.session.add(ConsentRecord(contact_id=c, purpose_id=purpose.id, basis="consent",
                                     status="given", changed_on=date(2024, 1, 1),
                                     method=f"Signed form {SENTINEL}",
                                     obtained_by=f"Told by {NAME}"))  # fmt: skip
        db.session.add(EqualityAnswers(contact_id=c, age_band="25_34"))
        # What the engagement service writes when contacts are added: a link naming them.
        contact = db.session.get(Contact, c)
        audit.record_event(user, "engagement", e, "updated", {},
                           {"Contacts": audit.links("contact", [contact])})
        db.session.commit()
    return {"admin": admin, "c": c, "e": e, "p": p, "m": m, "other": other, "g": g, "f": f,
            "sole": sole}


def _area_id() -> int:
    from tests.conftest import area

    return area("Mersey-Cheshire").id


def _figures(p: int, e: int, g: int) -> dict:
    """What must not change: attendance, membership figures, derived engagement figures."""
    count = db.session.scalar
    return {
        "engagement contacts": count(select(func.count()).select_from(engagement_contacts)
                                     .where(engagement_contacts.c.engagement_id == e)),
        "attendance": db.session.get(Engagement, e).attendance,
        "memberships by status": sorted(db.session.execute(
            select(Membership.status, func.count()).where(Membership.panel_id == p)
            .group_by(Membership.status)).all()),
        "present at the meeting": db.session.get(PanelMeeting, g).present,
        "declarations": count(select(func.count()).select_from(Declaration)),
        "corrections": engagement_figures.rebuild(dry_run=True).total,
    }  # fmt: skip


def _found_anywhere(values) -> list[str]:
    """Every (table.column, value) where a value is still stored: every String and Text
    column of every table, and the audit trail's JSON as text."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | Text):
                continue
            for value in values:
                hits = db.session.scalar(select(func.count()).select_from(table)
                                         .where(column.ilike(f"%{value}%")))  # fmt: skip
                if hits:
                    found.append(f"{table.name}.{column.name}: {value}")
    changes = cast(AuditEvent.changes, Text)
    for value in values:
        for form in {value, json.dumps(value)[1:-1]}:
            if db.session.scalar(select(func.count()).where(changes.ilike(f"%{form}%"))):
                found.append(f"audit_events.changes: {value}")
    return found


def _erase(client, c: int, reference="DP-2026-017", reason="Asked to be forgotten"):
    return client.post(f"/contacts/{c}/erase", data={"request_reference": reference,
                                                     "reason": reason})  # fmt: skip


def test_erasure_sweeps_every_text_column_and_keeps_every_figure(app, client, person):
    with app.app_context():
        assert len(_found_anywhere(ERASED_VALUES)) > 10  # the fixture put them everywhere
        before = _figures(person["p"], person["e"], person["g"])
        assert before["corrections"] == 0
    sign_in(client, person["admin"])
    response = _erase(client, person["c"])
    assert response.status_code == 302
    with app.app_context():
        assert _found_anywhere(ERASED_VALUES) == []
        assert _figures(person["p"], person["e"], person["g"]) == before
        assert db.session.get(EqualityAnswers, person["c"]) is None
        assert db.session.scalars(select(Job.result_data)).one() is None
        # An address field is emptied, not given "Erased person N" as an address.
        sole = db.session.get(Stakeholder, person["sole"])
        assert (sole.name, sole.email, sole.phone) == ("Q Consulting", "", "")


def test_an_erased_person_is_shown_as_erased_person_n_everywhere(app, client, person):
    sign_in(client, person["admin"])
    _erase(client, person["c"])
    with app.app_context():
        label = f"Erased person {db.session.scalars(select(Erasure.id)).one()}"
    pages = [f"/memberships/{person['m']}", f"/panels/{person['p']}",
             f"/meetings/{person['g']}", f"/engagements/{person['e']}",
             f"/contacts/{person['c']}", f"/feedback/{person['f']}"]  # fmt: skip
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert not [v for v in ERASED_VALUES if v.lower() in html.lower()], path
    assert label in client.get(f"/memberships/{person['m']}").get_data(as_text=True)
    assert label in client.get(f"/engagements/{person['e']}").get_data(as_text=True)
    # Searching by what identified them finds nothing (the page repeats only the query).
    link = f'href="/contacts/{person["c"]}"'
    for path in (f"/search?q={NAME}", f"/contacts?q={EMAIL}", f"/contacts?q={OLD_NAME}",
                 f"/search?q={PHONE}"):  # fmt: skip
        assert link not in client.get(path).get_data(as_text=True), path
    archived = client.get("/contacts?archived=1").get_data(as_text=True)
    assert link in archived and label in archived and NAME not in archived


def test_a_returning_email_is_flagged_before_a_new_contact_is_saved(app, client, person):
    sign_in(client, person["admin"])
    _erase(client, person["c"], reference="DP-9")
    with app.app_context():
        area_id = _area_id()
    data = {"name": "Someone New", "area_id": str(area_id),
            "email": "ZENOBIA.q@EXAMPLE.org"}  # fmt: skip
    data = post_form(client.get("/contacts/new").get_data(as_text=True), "/contacts/new") | data
    response = client.post("/contacts/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A person with this email was erased on" in html
    assert "under request DP-9" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contact)
                                 .where(Contact.name == "Someone New")) == 0  # fmt: skip
        # The fingerprint alone is kept: the address is nowhere.
        row = db.session.scalars(select(Erasure)).one()
        assert row.email_fingerprint == erasure.fingerprint(EMAIL) != ""
    confirmed = client.post("/contacts/new", data=data | {"confirm_duplicate": "y"})
    assert confirmed.status_code == 302
    other = client.post("/contacts/new", data=data | {"name": "Other", "email": "x@example.org"})
    assert other.status_code == 302


def test_a_returning_email_is_flagged_before_a_contact_is_changed_to_it(app, client, person):
    sign_in(client, person["admin"])
    _erase(client, person["c"], reference="DP-10")
    with app.app_context():
        area_id = _area_id()
    new = post_form(client.get("/contacts/new").get_data(as_text=True), "/contacts/new") | {
        "name": "Someone Else", "area_id": str(area_id), "email": "else@example.org"}
    made = client.post("/contacts/new", data=new)
    path = made.headers["Location"] + "/edit"
    data = post_form(client.get(path).get_data(as_text=True), path) | {
        "email": "Zenobia.Q@example.org"}  # fmt: skip
    response = client.post(path, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "under request DP-10" in html
    with app.app_context():
        assert db.session.scalars(select(Contact.email).where(
            Contact.name == "Someone Else")).one() == "else@example.org"  # fmt: skip
    assert client.post(path, data=data | {"confirm_duplicate": "y"}).status_code == 302
    # Saving again with the email it now has is not flagged again.
    again = post_form(client.get(path).get_data(as_text=True), path)
    assert client.post(path, data=again).status_code == 302


def test_the_erasure_log_records_who_when_why_and_the_request_and_cannot_be_undone(
    app, client, person
):
    sign_in(client, person["admin"])
    _erase(client, person["c"], reference="DP-2026-042", reason="Article 17 request")
    html = client.get("/admin/erasures").get_data(as_text=True)
    assert "DP-2026-042" in html and "Article 17 request" in html
    assert person["admin"].name in html
    again = _erase(client, person["c"])
    assert "This person was erased on" in again.get_data(as_text=True)
    assert "cannot be undone" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Erasure)) == 1
    # Nor by restoring the emptied, archived record: no button, and the route refuses.
    page = client.get(f"/contacts/{person['c']}").get_data(as_text=True)
    assert f'action="/contacts/{person["c"]}/restore"' not in page
    assert client.post(f"/contacts/{person['c']}/restore").status_code == 403
    with app.app_context():
        assert db.session.get(Contact, person["c"]).archived_at is not None


@pytest.mark.parametrize("missing, message", [
    ("request_reference", "Enter the request&#39;s reference"),
    ("reason", "Enter why this person is being erased"),
])  # fmt: skip
def test_an_erasure_needs_a_reason_and_a_reference(app, client, person, missing, message):
    sign_in(client, person["admin"])
    data = {"request_reference": "DP-1", "reason": "Asked", missing: "  "}
    response = client.post(f"/contacts/{person['c']}/erase", data=data)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Contact, person["c"]).name == NAME


@pytest.mark.parametrize("role", ["lead", "senior", "panels"])
def test_refused_without_the_data_protection_right(app, client, make_user, person, role):
    user = make_user(role)
    sign_in(client, user)
    for path in (f"/contacts/{person['c']}/erase", f"/contacts/{person['c']}/legal-hold",
                 "/admin/erasures", "/admin/retention/dry-run"):  # fmt: skip
        assert client.get(path).status_code == 403, path
    assert _erase(client, person["c"]).status_code == 403
    with app.app_context():
        assert db.session.get(Contact, person["c"]).name == NAME


def test_the_right_given_to_another_role_allows_erasure(app, client, make_user, person):
    user = make_user("lead")
    with app.app_context():
        row = db.session.get(User, user.id)
        row.set_rights(["data_protection"])
        db.session.commit()
    sign_in(client, user)
    assert _erase(client, person["c"]).status_code == 302
    with app.app_context():
        assert db.session.get(Contact, person["c"]).name.startswith("Erased person ")


def test_a_person_on_legal_hold_is_not_erased_until_it_is_lifted(app, client, person):
    sign_in(client, person["admin"])
    held = client.post(f"/contacts/{person['c']}/legal-hold", data={"reason": "Civil claim"})
    assert held.status_code == 302
    page = _erase(client, person["c"]).get_data(as_text=True)
    assert "on legal hold" in page
    with app.app_context():
        assert db.session.get(Contact, person["c"]).name == NAME
    client.post(f"/contacts/{person['c']}/legal-hold/remove")
    assert _erase(client, person["c"]).status_code == 302


ANN = ("Ann Smith", "ann.smith@example.org", "0161 496 0000")


def _rows(app, skip) -> dict:
    """Every row of every table (as snapshot() has them), but those `skip(table, row)` names."""
    with app.app_context():
        db.session.expire_all()
        return {
            table.name: sorted(repr(row) for row in db.session.execute(select(table)).all()
                               if not skip(table.name, row._mapping))
            for table in db.metadata.sorted_tables
            if table.name not in ("signin_attempts", "form_submissions")
        }  # fmt: skip


def test_erasing_a_person_leaves_everyone_else_exactly_as_they_were(
    app, client, make_user, make_contact, make_stakeholder, make_engagement, make_feedback
):
    """Erasing "Ann Smith" (ann.smith@example.org): names, addresses and numbers that merely
    contain hers ("Annabel Smithson", "joann.smith@example.org", "Spanners", "0161 496
    00001") are other people's, and stay exactly as they were, in every table and the audit
    trail. Where she is named whole, only her name goes, within the column's length."""
    name, email, phone = ANN
    ann = make_contact(name=name, email=email, phone=phone, notes="Brings spanners")
    admin = make_user("admin", national=True)
    others = [
        make_contact(name="Annabel Smithson", email="joann.smith@example.org",
                     phone="0161 496 00001", notes="Not the same as Ann Smithers; Spanners"),
        make_contact(name="Ann Smithson", email="ann.smith@example.org.uk",
                     notes="Mary-Ann Smith's cousin; see ann.smith@example.organic"),
        make_contact(name="Dr Ann Smith-Jones", email="xann.smith@example.org",
                     phone="+44 0161 496 0000"),
    ]  # fmt: skip
    s = make_stakeholder(name="Annabel Smithson Associates", email="joann.smith@example.org",
                         phone="00161 496 0000")  # fmt: skip
    make_engagement(stakeholder_ids=[s], contact_ids=others,
                    summary="Annabel Smithson and joann.smith@example.org; Spanners")
    make_feedback(detail="Ann Smithers rang from 0161 496 00001 about spanners")
    # Where she is named whole: only her name goes, and a short column keeps its length.
    named = make_feedback(detail=f"Raised by {name} ({email}), cc Annabel Smithson",
                          case_reference=f"{name} / {'x' * 28}")  # fmt: skip
    with app.app_context():
        user = db.session.get(User, admin.id)
        # Another contact's history: their own former name contains hers.
        contact_service.update_contact(user, db.session.get(Contact, others[0]), {
            "name": "Annabel Smithson", "area_id": _area_id()}, 1)  # fmt: skip
        audit.record_event(user, "contact", others[1], "updated",
                           {"Name": "Ann Smithers", "Email": "joann.smith@example.org"},
                           {"Name": "Ann Smithson", "Email": "ann.smith@example.org.uk"})
        db.session.commit()

    def hers(table: str, row) -> bool:
        if table == "erasures":
            return True
        if table == "contacts":
            return row["id"] == ann
        if table == "feedback":
            return row["id"] == named
        if table == "audit_events":
            return (row["record_type"], row["record_id"]) in {("contact", ann),
                                                              ("feedback", named)}
        return row.get("contact_id") == ann

    sign_in(client, admin)
    before = _rows(app, hers)
    assert _erase(client, ann).status_code == 302
    assert _rows(app, hers) == before
    with app.app_context():
        label = f"Erased person {db.session.scalars(select(Erasure.id)).one()}"
        row = db.session.get(Feedback, named)
        assert row.detail == f"Raised by {label} ({label}), cc Annabel Smithson"
        assert name not in row.case_reference and len(row.case_reference) <= 40
        erased = db.session.get(Contact, ann)
        assert (erased.name, erased.email, erased.phone) == (label, "", "")


def test_a_namesake_is_left_as_they_are_and_listed_to_review(app, client, make_user,
                                                             make_contact):  # fmt: skip
    """Two John Smiths sharing an office's switchboard: erasing one leaves the other's name,
    email, phone and history as they were; the erasure page lists them, to be erased in
    their own right if they are the same person."""
    john = make_contact(name="John Smith", email="john.smith@example.org", phone="0161 496 0000")
    other = make_contact(name="John Smith", email="jsmith@other.example", phone="0161 496 0000",
                         notes="Met at the Bolton forum")  # fmt: skip
    sign_in(client, make_user("admin", national=True))
    assert client.post(f"/contacts/{other}/edit", data=post_form(client.get(
        f"/contacts/{other}/edit").get_data(as_text=True), f"/contacts/{other}/edit") | {
        "job_title": "Caretaker"}).status_code == 302  # his own history, naming him
    page = client.get(f"/contacts/{john}/erase").get_data(as_text=True)
    listed = page[page.index('id="namesakes"'):]
    assert f"/contacts/{other}" in listed and "jsmith@other.example" in listed
    assert client.post(f"/contacts/{john}/erase", data={
        "request_reference": "DP-1", "reason": "Asked to be forgotten"}).status_code == 302
    with app.app_context():
        kept = db.session.get(Contact, other)
        assert (kept.name, kept.email, kept.phone, kept.notes) == (
            "John Smith", "jsmith@other.example", "0161 496 0000", "Met at the Bolton forum")
        assert db.session.get(Contact, john).name.startswith("Erased person")
        history = json.dumps([e.changes for e in audit.history("contact", other)])
        assert "Erased person" not in history


def test_feedback_on_legal_hold_is_not_rewritten_by_an_erasure(
        app, client, make_user, make_contact, make_feedback):  # fmt: skip
    person = make_contact(name="Ravi Okonjo", email="ravi@example.org")
    held = make_feedback(detail="Ravi Okonjo complained about the delay")
    free = make_feedback(detail="Ravi Okonjo asked about court dates")
    sign_in(client, make_user("admin", national=True))
    assert client.post(f"/feedback/{held}/legal-hold",
                       data={"reason": "Complaint to the Ombudsman"}).status_code == 302
    assert client.post(f"/contacts/{person}/erase", data={
        "request_reference": "DP-2", "reason": "Asked"}).status_code == 302
    with app.app_context():
        assert db.session.get(Feedback, held).detail == "Ravi Okonjo complained about the delay"
        assert "Ravi Okonjo" not in db.session.get(Feedback, free).detail
