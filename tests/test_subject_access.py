"""Subject access: everything held about one person, in one ZIP (HTML, JSON, CSV).

A hand-made person appears everywhere (contact record, two organisations, engagements,
a renewed panel membership with its history, a meeting, a declaration, feedback, consent
and do-not-contact history, audit entries); another person shares each of those places.
Every piece of the first is in the JSON and the HTML; nothing of the second is anywhere.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import AuditEvent, Engagement, Membership, Purpose, SubjectAccessRequest, User
from tests.conftest import TODAY, sign_in
from tests.formscrape import post_form

REFERENCE = "SAR-2026-014"

# What the hand-made person left in each part of Engage, to be found in the export.
EVERY_PIECE = {
    "contact record": ["Zadie Everywhere", "zadie@example.org", "Needs a hearing loop",
                       "Prefers afternoon meetings"],
    "organisations and roles": ["Toxteth Women's Network", "Trustee", "Wirral Deaf Club",
                                "Volunteer coordinator"],
    "engagements": ["Hate crime Community Conversation", "Court visit for the forum"],
    "memberships": ["Mersey-Cheshire LSIP", "Stood down to care for family"],
    "membership history": ["Moved to another city"],
    "attendance": ["2026-01-20"],
    "declarations": ["Zadie's sister works for Merseyside Police"],
    "feedback": ["Letters from the court arrived late", "As zadie everywhere told"],
    "consent history": ["Signed form at the drop-in", "Withdrawn by phone"],
    "do not contact": ["Asked for a break from meetings"],
    "audit entries": ["0151 496 0777"],
    "subject access request": [REFERENCE],
}
# The other person, in each of the same places.
OTHER = ["Otto Other", "otto@example.org", "Otto's brother is a magistrate",
         "Otto consented on paper", "Otto asked to stop", "0151 496 0555", "Otto's note"]


def _day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def _edit(client, path: str, changes: dict) -> None:
    body = post_form(client.get(path).get_data(as_text=True), path) | changes
    response = client.post(path, data=body)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]


def _person(app, client, who: str, z: int, s2: int, m: int, e: int, pieces: dict) -> None:
    """Leave a person's marks through the pages, as staff would."""
    with app.app_context():
        news = db.session.scalar(select(Purpose.id).where(
            Purpose.name == "Newsletters and updates"))
    _edit(client, f"/contacts/{z}/edit", {"phone": pieces["phone"], "notes": pieces["notes"]})
    if s2:
        client.post(f"/contacts/{z}/organisations",
                    data={"stakeholder_id": s2, "role": "Volunteer coordinator"})
    for status, method in pieces["consent"]:
        assert client.post(f"/contacts/{z}/consent", data={
            "purpose_id": news, "status": status, "changed_on": _day(date(2026, 3, 2)),
            "method": method}).status_code == 302
    assert client.post(f"/contacts/{z}/do-not-contact", data={
        "do_not_contact": "yes", "changed_on": _day(TODAY),
        "reason": pieces["dnc"]}).status_code == 302
    assert client.post(f"/memberships/{m}/declarations", data={
        "declared_on": _day(TODAY), "text": pieces["declaration"]}).status_code == 302
    _edit(client, f"/memberships/{m}/edit", {"end_note": pieces["end_note"]})


@pytest.fixture
def everywhere(app, client, make_user, make_stakeholder, make_contact, make_engagement,
               make_panel, make_membership, make_meeting, make_feedback):  # fmt: skip
    """Zadie, who is everywhere, and Otto beside her at each place."""
    s1 = make_stakeholder()
    s2 = make_stakeholder(name="Wirral Deaf Club")
    z = make_contact(name="Zadie Everywhere", email="zadie@example.org", stakeholder_id=s1,
                     role="Trustee", accessibility_needs="Needs a hearing loop")  # fmt: skip
    o = make_contact(name="Otto Other", email="otto@example.org", stakeholder_id=s1,
                     role="Chair")  # fmt: skip
    e1 = make_engagement(title="Hate crime Community Conversation", contact_ids=[z, o])
    make_engagement(title="Court visit for the forum", contact_ids=[z], held_on=date(2026, 2, 3))
    make_engagement(title="Otto's own meeting", contact_ids=[o])
    p = make_panel()
    first = make_membership(p, z, status="ended", term_start=date(2023, 1, 1),
                            term_end=date(2024, 12, 31), ended_on=date(2024, 12, 31),
                            end_reason="renewed")  # fmt: skip
    mz = make_membership(p, z, previous_id=first, term_number=2, status="ended",
                         ended_on=date(2026, 6, 1), end_reason="stood_down",
                         end_note="Stood down to care for family")  # fmt: skip
    mo = make_membership(p, o)
    g = make_meeting(p, attendance={mz: "present", mo: "present"})
    make_feedback(engagement_id=e1, summary="Letters from the court arrived late",
                  detail="As zadie everywhere told the conversation")  # fmt: skip
    make_feedback(summary="Otto's note on waiting rooms")
    admin = make_user("admin", national=True)
    sign_in(client, admin)
    _person(app, client, "Zadie", z, s2, mz, e1, {
        "phone": "0151 496 0777", "notes": "Prefers afternoon meetings",
        "consent": [("given", "Signed form at the drop-in"), ("withdrawn", "Withdrawn by phone")],
        "dnc": "Asked for a break from meetings",
        "declaration": "Zadie's sister works for Merseyside Police",
        "end_note": "Moved to another city"})  # fmt: skip
    _person(app, client, "Otto", o, 0, mo, e1, {
        "phone": "0151 496 0555", "notes": "Otto's note",
        "consent": [("given", "Otto consented on paper")], "dnc": "Otto asked to stop",
        "declaration": "Otto's brother is a magistrate", "end_note": "Otto's end"})  # fmt: skip
    client.post("/sign-out")
    return {"z": z, "o": o, "g": g, "admin": admin}


def _export(client, contact_id: int, reference: str = REFERENCE):
    response = client.post(f"/contacts/{contact_id}/subject-access",
                           data={"reference": reference})  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    job_page = response.headers["Location"]
    assert job_page.startswith("/jobs/")
    assert "ready" in client.get(job_page).get_data(as_text=True)
    return client.get(f"{job_page}/file")


def _unzipped(response) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def test_the_export_holds_every_piece_and_nothing_of_anyone_else(app, client, everywhere):
    sign_in(client, everywhere["admin"])
    response = _export(client, everywhere["z"])
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{REFERENCE}.zip"'
    assert "no-store" in response.headers["Cache-Control"]
    files = _unzipped(response)
    assert {"summary.html", "everything.json", "csv/contact.csv", "csv/consent_history.csv",
            "csv/audit_entries.csv", "csv/memberships.csv"} <= set(files)  # fmt: skip
    data = json.loads(files["everything.json"])
    as_json = json.dumps(data, ensure_ascii=False)
    html = files["summary.html"]
    for part, pieces in EVERY_PIECE.items():
        for piece in pieces:
            assert piece in as_json, f"{part}: {piece} missing from the JSON"
            assert piece.replace("'", "&#39;") in html, f"{part}: {piece} missing from the HTML"
    # Each part in its own place, machine-readable.
    assert [m["term_number"] for m in data["memberships"]] == [1, 2]
    assert [c["consent"] for c in data["consent_history"]] == ["Given", "Withdrawn"]
    assert {o["organisation"]: o["role"] for o in data["organisations"]} == {
        "Toxteth Women's Network": "Trustee", "Wirral Deaf Club": "Volunteer coordinator"}
    assert [e["title"] for e in data["engagements"]] == [
        "Hate crime Community Conversation", "Court visit for the forum"]
    everything = "\n".join(files.values())
    for trace in OTHER:
        assert trace not in everything
        assert trace.replace("'", "&#39;") not in everything


def test_changes_to_other_records_that_added_or_removed_them_are_in_the_export(
        app, client, everywhere):  # fmt: skip
    """An engagement's history that took Otto off and put Zadie back: Zadie's export says
    what happened to her, with when and by whom, and nothing of Otto."""
    sign_in(client, everywhere["admin"])
    with app.app_context():
        e1 = db.session.scalar(select(Engagement.id).where(
            Engagement.title == "Hate crime Community Conversation"))
    path = f"/engagements/{e1}/edit"
    for contacts in ([everywhere["o"]], [everywhere["z"]]):
        fields = post_form(client.get(path).get_data(as_text=True), path)
        fields["contact_ids"] = [str(c) for c in contacts]
        fields["location_address"] = ["Toxteth Library, L8 2UE"]
        answer = client.post(path, data=fields)
        assert answer.status_code == 302
    data = json.loads(_unzipped(_export(client, everywhere["z"]))["everything.json"])
    named = data["named_in_history"]
    assert [(n["record"], n["record_id"], n["changes"]) for n in named] == [
        ("engagement", e1, "Contacts: removed them"), ("engagement", e1, "Contacts: added them")]
    assert all(n["by"] and n["at"] for n in named)
    assert "Otto" not in json.dumps(named)
    other = json.loads(_unzipped(_export(client, everywhere["o"], "SAR-OTTO"))["everything.json"])
    assert [n["changes"] for n in other["named_in_history"]] == ["Contacts: removed them"]


def test_the_request_is_recorded_and_the_export_logged(app, client, everywhere):
    sign_in(client, everywhere["admin"])
    _export(client, everywhere["z"])
    with app.app_context():
        (request,) = db.session.scalars(select(SubjectAccessRequest))
        assert (request.contact_id, request.reference, request.requested_by_id) == (
            everywhere["z"], REFERENCE, everywhere["admin"].id)
        assert request.requested_at is not None and request.job_id is not None
        logged = db.session.scalars(select(AuditEvent).where(
            AuditEvent.record_type == "contact", AuditEvent.record_id == everywhere["z"],
            AuditEvent.action == "subject access").order_by(AuditEvent.id))
        assert [(e.user_id, e.changes) for e in logged] == [
            (everywhere["admin"].id, {"Subject access export": ["", REFERENCE]}),
            (everywhere["admin"].id, {"Subject access export downloaded": ["", REFERENCE]})]
    page = client.get(f"/contacts/{everywhere['z']}/subject-access").get_data(as_text=True)
    assert REFERENCE in page and "Requests already made" in page


@pytest.mark.parametrize("reference, message", [
    ("", "Enter the request reference"),
    ("Zadie Everywhere", "must use only letters, numbers"),
    ("../../etc/passwd", "must use only letters, numbers"),
    ("SAR-" + "9" * 40, "40 characters or fewer"),
])  # fmt: skip
def test_a_bad_reference_is_refused_and_nothing_is_recorded(
        app, client, signed_in, make_contact, reference, message):  # fmt: skip
    signed_in("admin", national=True)
    c = make_contact()
    response = client.post(f"/contacts/{c}/subject-access", data={"reference": reference})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(SubjectAccessRequest)).all() == []


@pytest.mark.parametrize("role", ["lead", "senior", "panels"])
def test_refused_without_the_data_protection_right(app, client, make_user, make_contact, role):
    c = make_contact()
    user = make_user(role)
    sign_in(client, user)
    assert client.get(f"/contacts/{c}/subject-access").status_code == 403
    assert client.post(f"/contacts/{c}/subject-access",
                       data={"reference": REFERENCE}).status_code == 403  # fmt: skip
    assert "Subject access" not in client.get(f"/contacts/{c}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(SubjectAccessRequest)).all() == []
        db.session.get(User, user.id).set_rights({"data_protection"})
        db.session.commit()
    # Given the right, the same person may (for a contact they may see).
    assert "Subject access" in client.get(f"/contacts/{c}").get_data(as_text=True)
    assert _export(client, c).status_code == 200
    elsewhere = make_contact("West Midlands", name="Somebody Elsewhere")
    assert client.get(f"/contacts/{elsewhere}/subject-access").status_code == 404


def test_the_file_is_only_for_the_person_who_asked(app, client, make_user, make_contact):
    c = make_contact()
    asker = make_user("admin", national=True)
    sign_in(client, asker)
    job_file = client.post(f"/contacts/{c}/subject-access", data={"reference": REFERENCE}
                           ).headers["Location"] + "/file"  # fmt: skip
    client.post("/sign-out")
    other = make_user("lead")
    with app.app_context():
        db.session.get(User, other.id).set_rights({"data_protection"})
        db.session.commit()
    sign_in(client, other)
    assert client.get(job_file).status_code == 403


def test_equality_answers_only_with_the_equality_right(app, client, make_user, make_contact):
    """Special category data: in the export only for someone who may see it, and logged."""
    from crm.models import EqualityAnswers, EqualityView

    c = make_contact()
    with app.app_context():
        db.session.add(EqualityAnswers(contact_id=c, religion="buddhist",
                                       given_on=date(2026, 4, 1)))  # fmt: skip
        db.session.commit()
    admin = make_user("admin", national=True)
    sign_in(client, admin)
    data = json.loads(_unzipped(_export(client, c))["everything.json"])
    assert data["equality_monitoring"] == []
    assert "equality data right" in data["notes"]["equality_monitoring"]
    with app.app_context():
        assert db.session.scalars(select(EqualityView)).all() == []
        db.session.get(User, admin.id).set_rights({"equality_data"})
        db.session.commit()
    data = json.loads(_unzipped(_export(client, c, "SAR-2026-015"))["everything.json"])
    (answers,) = data["equality_monitoring"]
    assert answers["Religion or belief"] == "Buddhist"
    assert answers["Answers given on"] == "2026-04-01"
    with app.app_context():
        assert [(v.user_id, v.contact_id) for v in db.session.scalars(select(EqualityView))] == [
            (admin.id, c)]


def test_the_file_is_refused_to_other_administrators_and_to_one_who_lost_the_right(
        app, client, make_user, make_contact):  # fmt: skip
    """The export (equality answers included) is for the person who asked alone: another
    national administrator, with or without the right, sees the job's page, not its file."""
    from crm.models import EqualityAnswers

    c = make_contact()
    with app.app_context():
        db.session.add(EqualityAnswers(contact_id=c, religion="buddhist",
                                       given_on=date(2026, 4, 1)))  # fmt: skip
        db.session.commit()
    asker = make_user("admin", national=True)
    plain = make_user("admin", national=True)
    protector = make_user("lead", national=True)
    with app.app_context():
        db.session.get(User, asker.id).set_rights({"equality_data"})
        db.session.get(User, protector.id).set_rights({"data_protection"})
        db.session.commit()
    sign_in(client, asker)
    job_page = client.post(f"/contacts/{c}/subject-access",
                           data={"reference": REFERENCE}).headers["Location"]  # fmt: skip
    assert client.get(f"{job_page}/file").status_code == 200
    assert "Download" in client.get(job_page).get_data(as_text=True)
    client.post("/sign-out")
    for other in (plain, protector):
        sign_in(client, other)
        assert client.get(f"{job_page}/file").status_code == 403
        client.post("/sign-out")
    sign_in(client, plain)
    page = client.get(job_page)
    assert page.status_code == 200 and "ready" in page.get_data(as_text=True)
    assert "Download" not in page.get_data(as_text=True)
    client.post("/sign-out")
    # The asker, once the equality right is taken away, no longer gets a file holding it.
    with app.app_context():
        db.session.get(User, asker.id).set_rights(set())
        db.session.commit()
    sign_in(client, asker)
    assert client.get(f"{job_page}/file").status_code == 403


def test_feedback_about_someone_else_where_they_were_is_left_out(
        app, client, make_user, make_contact, make_panel, make_membership, make_meeting,
        make_feedback):  # fmt: skip
    """Feedback is theirs when it names them, not because they were there: another
    person's feedback at the same meeting (its detail, case reference, response) stays out."""
    z = make_contact(name="Zadie Everywhere")
    p = make_panel()
    mz, mo = make_membership(p, z), make_membership(p, name="Otto Other")
    g = make_meeting(p, attendance={mz: "present", mo: "present"})
    make_feedback(panel_meeting_id=g, panel_id=p, source="panel_meeting",
                  summary="Otto Other's stop and search complaint",
                  detail="Stopped twice on his way home", case_reference="CR-77123",
                  response="Referred to professional standards")  # fmt: skip
    make_feedback(panel_meeting_id=g, panel_id=p, source="panel_meeting",
                  summary="Room was too cold", detail="Zadie Everywhere said so")  # fmt: skip
    make_feedback(summary="Zadie Everywhereton's letter")  # a longer name: not hers
    admin = make_user("admin", national=True)
    sign_in(client, admin)
    files = _unzipped(_export(client, z))
    data = json.loads(files["everything.json"])
    assert [f["summary"] for f in data["feedback"]] == ["Room was too cold"]
    everything = "\n".join(files.values())
    for trace in ("Otto Other", "Stopped twice", "CR-77123", "professional standards",
                  "Everywhereton"):
        assert trace not in everything


def test_feedback_naming_a_former_name_or_their_email_is_theirs(
        app, client, make_user, make_contact, make_feedback):  # fmt: skip
    z = make_contact(name="Zadie Before", email="zadie@example.org")
    make_feedback(summary="Letter from Zadie Before", detail="Asked for an interpreter")
    make_feedback(summary="Email from zadie@example.org", detail="About the forum")
    make_feedback(summary="Zadie Beforehand's note")  # not hers
    sign_in(client, make_user("admin", national=True))
    path = f"/contacts/{z}/edit"
    fields = post_form(client.get(path).get_data(as_text=True), path) | {"name": "Zadie After"}
    assert client.post(path, data=fields).status_code == 302  # married, renamed
    data = json.loads(_unzipped(_export(client, z))["everything.json"])
    assert sorted(f["summary"] for f in data["feedback"]) == [
        "Email from zadie@example.org", "Letter from Zadie Before"]


def test_the_request_readers_check_access_themselves(app, client, make_user, make_contact):
    """requests_for and make_export ask for the right, the contact and (an export) the
    person who asked, whoever calls them."""
    from crm.services import access
    from crm.services import subject_access as service

    c = make_contact()
    far = make_contact("West Midlands", name="Wendy Faraway")
    asker = make_user("admin", national=True)
    sign_in(client, asker)
    client.post(f"/contacts/{c}/subject-access", data={"reference": REFERENCE})
    elsewhere = make_user("admin", areas=("West Midlands",))
    other_admin = make_user("admin", national=True)
    plain = make_user("lead")
    with app.app_context():
        (sar,) = db.session.scalars(select(SubjectAccessRequest))
        get = lambda u: db.session.get(User, u.id)  # noqa: E731
        with pytest.raises(access.RecordNotFound):
            service.requests_for(get(elsewhere), c)
        with pytest.raises(access.RecordNotFound):
            service.requests_for(get(asker), 999_999)
        with pytest.raises(access.AccessDenied):
            service.requests_for(get(plain), c)
        assert [r.id for r in service.requests_for(get(asker), c)] == [sar.id]
        assert service.requests_for(get(asker), far) == []
        with pytest.raises(access.RecordNotFound):
            service.make_export(get(elsewhere), sar.id)
        with pytest.raises(access.AccessDenied):
            service.make_export(get(other_admin), sar.id)
        with pytest.raises(access.AccessDenied):
            service.make_export(get(plain), sar.id)
        assert service.make_export(get(asker), sar.id)[0] == f"{REFERENCE}.zip"
        db.session.rollback()


def test_each_download_is_recorded_and_the_file_goes_after_its_days(app, client, everywhere,
                                                                   monkeypatch):  # fmt: skip
    from datetime import UTC, datetime, timedelta

    from crm.jobs import runner
    from crm.models import Job

    sign_in(client, everywhere["admin"])
    first = _export(client, everywhere["z"])  # made, then downloaded once
    assert first.status_code == 200
    with app.app_context():
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        job_id, finished = job.id, job.finished_at
    assert client.get(f"/jobs/{job_id}/file").status_code == 200  # and again
    with app.app_context():
        downloads = [e.changes for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.record_type == "contact", AuditEvent.record_id == everywhere["z"])
            .order_by(AuditEvent.id))
            if "Subject access export downloaded" in (e.changes or {})]  # fmt: skip
    assert downloads == [{"Subject access export downloaded": ["", REFERENCE]}] * 2
    monkeypatch.setitem(app.config, "NOW", finished.astimezone(UTC) + timedelta(days=8))
    gone = client.get(f"/jobs/{job_id}/file")
    assert gone.status_code == 302
    page = client.get(gone.headers["Location"]).get_data(as_text=True)
    assert "no longer kept (files are kept for 7 days)" in page and "/file" not in page
    with app.app_context():
        runner.reap()
        assert db.session.get(Job, job_id).result_data is None
    assert datetime.now(UTC) - finished < timedelta(days=1)  # the real file was fresh


def test_a_membership_an_undone_import_added_is_still_theirs_in_the_export(
        app, client, everywhere):  # fmt: skip
    """Archived (on no roster) but never deleted: the export lists it, saying when."""
    with app.app_context():
        first = db.session.scalars(select(Membership).where(
            Membership.contact_id == everywhere["z"]).order_by(Membership.id)).first()
        first.archived_at = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
        db.session.commit()
    sign_in(client, everywhere["admin"])
    data = json.loads(_unzipped(_export(client, everywhere["z"]))["everything.json"])
    assert [m["archived_on"] for m in data["memberships"]] == ["2026-11-02", ""]
