"""Importing stakeholders and contacts from a spreadsheet, through the pages: upload,
columns, a preview naming every problem (nothing saved), possible duplicates with a
choice, apply as a background job (all or nothing, audited), re-import that duplicates
nothing, and undo. Files are small ones the tests write (tests/import_files.py); how
each kind of file is read is tested in tests/test_sheets.py."""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import (
    Affiliation,
    AuditEvent,
    ConsentRecord,
    Contact,
    Engagement,
    ImportRow,
    Job,
    SpreadsheetImport,
    Stakeholder,
    User,
)
from crm.services import engagement_figures, erasure, import_apply
from crm.services.import_fields import KINDS
from tests.formscrape import post_form
from tests.import_files import csv_bytes, ods_bytes, xlsx_bytes

HEADER = ["Name", "Type", "Postcode", "Communities served", "Phone"]
GOOD = [
    ["Our stakeholders, as kept in 2025", "", "", "", ""],
    HEADER,
    ["Wirral Deaf Club", "Community group", "CH41 1AA", "Deaf and hard of hearing people",
     "0151 496 0001"],
    ["Toxteth Women's Network", "VCS", "l8 1ab", "", ""],
]


def text_of(response) -> str:
    main = response.get_data(as_text=True).split('id="main-content"', 1)[-1]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).strip())


def upload(client, data: bytes, name: str = "stakeholders.csv", kind: str = "stakeholders"):
    """Upload, keep the guessed columns; the preview's address."""
    response = client.post("/imports/new", data={"kind": kind, "file": (io.BytesIO(data), name)})
    assert response.status_code == 302, text_of(response)
    columns = response.location
    chosen = client.post(columns, data=post_form(client.get(columns).get_data(as_text=True),
                                                 columns))  # fmt: skip
    assert chosen.status_code == 302, text_of(chosen)
    return chosen.location


def apply(client, preview: str, **choices) -> str:
    response = client.post(preview, data={"apply": "Import"} | choices)
    assert response.status_code == 302 and response.location.startswith("/jobs/"), text_of(
        response)
    return text_of(client.get(response.location))


def live_names(app, model=Stakeholder) -> list[str]:
    with app.app_context():
        name = model.title if model is Engagement else model.name
        stmt = select(name).where(model.archived_at.is_(None)).order_by(name)
        return list(db.session.scalars(stmt))


def figures_right(app) -> None:
    with app.app_context():
        assert engagement_figures.rebuild(dry_run=True).total == 0


def test_stakeholders_imported_again_and_corrected_then_undone(app, client, signed_in):
    signed_in("lead")
    preview = upload(client, csv_bytes(GOOD))
    page = text_of(client.get(preview))
    assert "Header row 2" in page and "2 to create" in page and "0 to update" in page
    assert "Finished" in apply(client, preview)
    assert live_names(app) == ["Toxteth Women's Network", "Wirral Deaf Club"]
    with app.app_context():
        club = db.session.scalar(select(Stakeholder).where(Stakeholder.name == "Wirral Deaf Club"))
        assert [c.name for c in club.communities] == ["Deaf and hard of hearing people"]
        assert club.postcode == "CH41 1AA" and club.type == "community_group"
        first = db.session.scalar(select(SpreadsheetImport).order_by(SpreadsheetImport.id))
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "import"))
        assert event.user_id is not None and event.changes["Created"] == ["", "2"]
        assert event.changes["SHA-256"][1] == first.file_sha256 and len(first.file_sha256) == 64
        first_id = first.id
    figures_right(app)

    again = upload(client, csv_bytes(GOOD))  # the same file: nothing to do
    assert "0 to create" in text_of(client.get(again)) and "2 unchanged" in text_of(
        client.get(again))
    apply(client, again)
    corrected = [row[:] for row in GOOD]
    corrected[2][4] = "0151 496 0999"
    third = upload(client, csv_bytes(corrected))
    assert "1 to update" in text_of(client.get(third))
    apply(client, third)
    assert live_names(app) == ["Toxteth Women's Network", "Wirral Deaf Club"]
    with app.app_context():
        assert db.session.scalar(select(Stakeholder.phone).where(
            Stakeholder.name == "Wirral Deaf Club")) == "0151 496 0999"  # fmt: skip
        third_id = db.session.scalar(select(func.max(SpreadsheetImport.id)))

    assert client.post(f"/imports/{third_id}/undo").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Stakeholder.phone).where(
            Stakeholder.name == "Wirral Deaf Club")) == "0151 496 0001"  # fmt: skip
    # Changed by hand after the first import: undoing it would lose that, so it is refused.
    with app.app_context():
        club = db.session.scalar(select(Stakeholder).where(Stakeholder.name == "Wirral Deaf Club"))
        club.notes, club.updated_at = "Met them in October", club.updated_at
        db.session.commit()
    refused = client.post(f"/imports/{first_id}/undo", follow_redirects=True)
    assert "1 record was changed after the import" in text_of(refused)
    assert live_names(app) == ["Toxteth Women's Network", "Wirral Deaf Club"]
    figures_right(app)


def test_an_import_undone_lets_the_one_before_it_be_undone(app, client, signed_in):
    signed_in("lead")
    apply(client, upload(client, csv_bytes(GOOD)))
    corrected = [row[:] for row in GOOD]
    corrected[2][4] = "0151 496 0999"
    apply(client, upload(client, csv_bytes(corrected)))
    with app.app_context():
        first, second = db.session.scalars(select(SpreadsheetImport.id).order_by(
            SpreadsheetImport.id))  # fmt: skip
    assert "changed after" in text_of(client.post(f"/imports/{first}/undo",
                                                  follow_redirects=True))  # fmt: skip
    client.post(f"/imports/{second}/undo")
    client.post(f"/imports/{first}/undo")
    assert live_names(app) == []


def test_undo_archives_what_was_created_and_is_audited_within_30_days(app, client, signed_in,
                                                                      monkeypatch):  # fmt: skip
    signed_in("lead")
    apply(client, upload(client, csv_bytes(GOOD)))
    with app.app_context():
        record = db.session.scalar(select(SpreadsheetImport))
        applied_at = record.applied_at
    monkeypatch.setitem(app.config, "NOW", applied_at + timedelta(days=31))
    late = client.post(f"/imports/{record.id}/undo", follow_redirects=True)
    assert "Only an import applied in the last 30 days" in text_of(late)
    assert len(live_names(app)) == 2
    monkeypatch.setitem(app.config, "NOW", applied_at + timedelta(days=29))
    assert "Undo this import" in text_of(client.get(f"/imports/{record.id}"))
    client.post(f"/imports/{record.id}/undo")
    assert live_names(app) == []
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.record_type == "import").order_by(AuditEvent.id)))  # fmt: skip
        assert actions == ["applied", "undone"]
    figures_right(app)


def test_undo_runs_as_a_job_whose_page_says_why_it_was_refused(app, client, signed_in):
    """Undoing a hundred thousand rows takes seconds: it is a background job, like the
    import. While it waits the import says so; refused, nothing changed and the import
    may still be undone."""
    signed_in("lead")
    apply(client, upload(client, csv_bytes(GOOD)))
    with app.app_context():  # its undo waiting for a worker
        record = db.session.scalar(select(SpreadsheetImport))
        waiting = Job(kind="undo_import", title="Undo", status="queued", params="{}")
        db.session.add(waiting)
        db.session.flush()
        first, record.status, record.job_id = record.id, "undoing", waiting.id
        db.session.commit()
    page = text_of(client.get(f"/imports/{first}"))
    assert "Being undone" in page and "See how far it has got" in page
    assert "Undo this import" not in page
    assert "Being undone" in text_of(client.get("/imports"))
    with app.app_context():
        db.session.get(SpreadsheetImport, first).status = "applied"
        db.session.commit()

    done = client.post(f"/imports/{first}/undo")
    assert done.headers["Location"].startswith("/jobs/")
    with app.app_context():
        job = db.session.get(Job, int(done.headers["Location"].rsplit("/", 1)[1]))
        assert (job.kind, job.status) == ("undo_import", "done")
        assert db.session.get(SpreadsheetImport, first).status == "undone"
    assert "has been undone: 2 records put back or archived" in text_of(
        client.get(done.headers["Location"]))  # fmt: skip
    assert live_names(app) == []

    apply(client, upload(client, csv_bytes(GOOD)))
    with app.app_context():
        second = db.session.scalar(select(func.max(SpreadsheetImport.id)))
        club = db.session.scalar(select(Stakeholder).where(
            Stakeholder.name == "Wirral Deaf Club", Stakeholder.archived_at.is_(None)))
        club.notes = "Met them in October"  # changed by hand after the import
        db.session.commit()
    refused = client.post(f"/imports/{second}/undo")
    job_page = text_of(client.get(refused.headers["Location"]))
    assert "Nothing was undone: 1 record was changed after the import" in job_page
    page = text_of(client.get(f"/imports/{second}"))
    assert "Imported" in page and "Undo this import" in page
    assert len(live_names(app)) == 2


def test_a_bad_row_among_good_ones_is_named_and_nothing_is_saved(app, client, signed_in):
    signed_in("lead")
    rows = GOOD + [["", "Faith organisation", "NOT A POSTCODE", "", ""],
                   ["Bootle Faith Forum", "Voluntary", "L20 3AB", "Gypsy Roma Traveller", ""]]
    preview = upload(client, csv_bytes(rows))
    page = text_of(client.get(preview))
    assert "nothing can be imported until it is corrected" in page
    assert "5 Name Enter the name" in page
    assert "5 Postcode Enter a real postcode, like L1 8JQ" in page
    assert ('6 Communities served "Gypsy Roma Traveller" is not a community in Engage. '
            'Did you mean "Gypsy, Roma and Traveller communities"?') in page
    assert ('6 Type "Voluntary" is not a type Engage knows. Did you mean "Voluntary and '
            'community sector organisation"?') in page
    refused = client.post(preview, data={"apply": "Import"}, follow_redirects=True)
    assert "The file has problems" in text_of(refused)
    assert live_names(app) == []


def test_a_row_for_another_area_is_an_error_on_that_row(app, client, signed_in):
    signed_in("lead", areas=("Mersey-Cheshire",))
    rows = [HEADER + ["Area"], GOOD[2] + ["Mersey-Cheshire"], GOOD[3] + ["West Midlands"]]
    page = text_of(client.get(upload(client, csv_bytes(rows))))
    assert ("3 Area West Midlands is not one of your Areas: you can only import into your "
            "own") in page
    assert live_names(app) == []


def test_a_formula_is_read_as_its_saved_value_never_run(app, client, signed_in):
    signed_in("lead")
    rows = [["Name", "Type", "Influence"], ["Wirral Deaf Club", "Community group", "=2+3"]]
    apply(client, upload(client, xlsx_bytes(rows, formulas={"C2": "5"}), "s.xlsx"))
    with app.app_context():
        assert db.session.scalar(select(Stakeholder.influence)) == 5


def test_an_ods_file_is_imported(app, client, signed_in):
    signed_in("lead")
    apply(client, upload(client, ods_bytes([["Name", "Type"], ["Wirral Deaf Club", "vcs"]]),
                         "s.ods"))  # fmt: skip
    assert live_names(app) == ["Wirral Deaf Club"]


def test_possible_duplicates_wait_for_a_choice(app, client, signed_in, make_stakeholder):
    signed_in("lead")
    existing = make_stakeholder(name="Wirral Deaf Club", postcode="CH41 9ZZ")
    rows = [HEADER, GOOD[2], GOOD[3], GOOD[3]]
    preview = upload(client, csv_bytes(rows))
    page = text_of(client.get(preview))
    assert "Row 2: Wirral Deaf Club Like Wirral Deaf Club , already in Engage." in page
    assert "Row 4: Toxteth Women's Network The same as row 3 of the file." in page
    assert "1 to create" in page and "2 to skip" in page
    client.post(preview, data={"check": "Check", "choice-2": f"update:{existing}"})
    assert "1 to update" in text_of(client.get(preview))
    apply(client, preview, **{"choice-2": f"update:{existing}", "choice-4": "skip"})
    assert live_names(app) == ["Toxteth Women's Network", "Wirral Deaf Club"]
    with app.app_context():
        assert db.session.get(Stakeholder, existing).postcode == "CH41 1AA"


def test_every_row_needing_a_choice_is_shown_a_page_at_a_time(
        app, client, signed_in, make_stakeholder, monkeypatch):  # fmt: skip
    """However many rows may already be in Engage, each can be chosen for: a page at a
    time (500 in the app; 2 here), each page's choices kept while the others are made."""
    from crm.imports import routes

    monkeypatch.setattr(routes, "CHOICES_PER_PAGE", 2)
    signed_in("lead")
    for name in ("Alpha Trust", "Beta Trust", "Gamma Trust"):
        make_stakeholder(name=name, postcode="CH41 9ZZ")
    rows = [HEADER] + [[name, "VCS", "L8 1AB", "", ""]
                       for name in ("Alpha Trust", "Beta Trust", "Gamma Trust")]  # fmt: skip
    preview = upload(client, csv_bytes(rows))
    first = text_of(client.get(preview))
    assert "Row 2: Alpha Trust" in first and "Row 3: Beta Trust" in first
    assert "Row 4" not in first and "page 1 of 2" in first and "3 to skip" in first
    second = text_of(client.get(preview + "?page=2"))
    assert "Row 4: Gamma Trust" in second and "Row 2" not in second
    client.post(preview + "?page=2", data={"check": "Check", "choice-4": "create"})
    client.post(preview + "?page=1", data={"check": "Check", "choice-2": "create",
                                           "choice-3": "skip"})  # fmt: skip
    assert "2 to create" in text_of(client.get(preview))  # page 2's choice kept
    apply(client, preview)
    assert live_names(app).count("Gamma Trust") == 2 and live_names(app).count("Beta Trust") == 1


def test_contacts_with_their_organisation_and_role(app, client, signed_in, make_stakeholder,
                                                   make_contact):  # fmt: skip
    admin = signed_in("admin", areas=("Mersey-Cheshire",))
    club = make_stakeholder(name="Wirral Deaf Club")
    gone = make_contact(name="Returning Person", email="back@example.org")
    with app.app_context():
        erasure.erase(db.session.get(User, admin.id), db.session.get(Contact, gone), "Asked",
                      "DP-1")  # fmt: skip
        db.session.commit()
    rows = [["Name", "Email", "Organisation", "Role there", "Consent given"],
            ["Dana Okafor", "dana@example.org", "wirral deaf  club", "Chair", "Yes"],
            ["Back Again", "BACK@example.org", "", "", ""]]  # fmt: skip
    preview = upload(client, csv_bytes(rows), "contacts.csv", "contacts")
    page = text_of(client.get(preview))
    assert "Consent is not imported" in page
    assert "Not imported (no field chosen for them): “Consent given”." in page
    assert "A person with this email was erased on" in page and "1 to skip" in page
    apply(client, preview)
    assert live_names(app, Contact) == ["Dana Okafor"]
    with app.app_context():
        dana = db.session.scalar(select(Contact).where(Contact.name == "Dana Okafor"))
        assert [(a.stakeholder_id, a.role) for a in dana.affiliations] == [(club, "Chair")]
        assert db.session.scalar(select(func.count()).select_from(ConsentRecord).where(
            ConsentRecord.contact_id == dana.id)) == 0  # consent is recorded on her page
    # Imported again with a new role: the role changes, no second contact.
    rows[1][3] = "Treasurer"
    apply(client, upload(client, csv_bytes(rows[:2]), "contacts.csv", "contacts"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contact).where(
            Contact.name == "Dana Okafor")) == 1  # fmt: skip
        assert db.session.scalar(select(Affiliation.role)) == "Treasurer"


def test_a_failed_apply_keeps_nothing_and_the_import_shows_failed(app, client, signed_in,
                                                                   monkeypatch):  # fmt: skip
    signed_in("lead")
    preview = upload(client, csv_bytes(GOOD))
    real = import_apply.Writer.flush

    def failing(self):
        real(self)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(import_apply.Writer, "flush", failing)
    assert "Failed" in apply(client, preview)
    assert live_names(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportRow)) == 0
    assert "Failed: nothing was imported" in text_of(client.get(preview))


def test_templates_have_a_row_of_guidance_that_is_never_imported(app, client, signed_in):
    signed_in("admin")  # who may import every kind
    for kind in KINDS:
        body = client.get(f"/imports/templates/{kind}.csv").get_data()
        lines = body.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("Engage ID,") and lines[1].startswith("Guidance")
    filled = client.get("/imports/templates/stakeholders.csv").get_data() + csv_bytes(
        [["", "Wirral Deaf Club", "vcs"]])
    apply(client, upload(client, filled))
    assert live_names(app) == ["Wirral Deaf Club"]


def test_engagements_go_through_the_engagement_service_and_keep_the_figures_right(
    app, client, signed_in, make_stakeholder, make_contact):  # fmt: skip
    signed_in("lead")
    club = make_stakeholder(name="Wirral Deaf Club")
    make_contact(name="Dana Okafor", email="dana@example.org")
    rows = [["Title", "Type", "Date", "Stakeholders", "Contacts", "Communities", "Attendance"],
            ["Drop-in at the library", "Community Conversation", "01/10/2026",
             "wirral deaf club", "DANA@example.org", "Older people", "12"],
            ["Forum", "Forum or network meeting", "2026-10-08", "Nobody Known", "", "", ""]]
    page = text_of(client.get(upload(client, csv_bytes(rows), "e.csv", "engagements")))
    assert '3 Stakeholders There is no stakeholder called "Nobody Known"' in page
    preview = upload(client, csv_bytes(rows[:2]), "e.csv", "engagements")
    apply(client, preview)
    with app.app_context():
        engagement = db.session.scalar(select(Engagement))
        assert engagement.type == "community_conversation" and engagement.attendance == 12
        assert [s.id for s in engagement.stakeholders] == [club]
        assert [c.name for c in engagement.contacts] == ["Dana Okafor"]
        assert [c.name for c in engagement.communities] == ["Older people"]
        assert db.session.get(Stakeholder, club).last_engaged_on == date(2026, 10, 1)
    figures_right(app)
    again = upload(client, csv_bytes(rows[:2]), "e.csv", "engagements")
    assert "1 unchanged" in text_of(client.get(again))
    rows[1] = ["Drop-in at the library", "Community Conversation", "01/10/2026",
               "Wirral Deaf Club", "", "Older people", "15"]
    corrected = upload(client, csv_bytes(rows[:2]), "e.csv", "engagements")
    assert "1 to update" in text_of(client.get(corrected))
    apply(client, corrected)
    with app.app_context():
        assert db.session.scalar(select(Engagement.attendance)) == 15
        second = db.session.scalar(select(func.max(SpreadsheetImport.id)))
    figures_right(app)
    client.post(f"/imports/{second}/undo")
    with app.app_context():
        assert db.session.scalar(select(Engagement.attendance)) == 12
        first = db.session.scalar(select(func.min(SpreadsheetImport.id)).where(
            SpreadsheetImport.status == "applied"))  # fmt: skip
    client.post(f"/imports/{first}/undo")
    assert live_names(app, Engagement) == []
    with app.app_context():
        assert db.session.get(Stakeholder, club).last_engaged_on is None
    figures_right(app)


@pytest.mark.parametrize("role, kind, allowed", [
    ("lead", "stakeholders", True), ("panels", "contacts", True),
    ("panels", "stakeholders", False), ("senior", "contacts", False)])  # fmt: skip
def test_who_may_import_what(client, signed_in, role, kind, allowed):
    signed_in(role)
    response = client.post("/imports/new", data={
        "kind": kind, "file": (io.BytesIO(csv_bytes(GOOD)), "s.csv")})  # fmt: skip
    assert response.status_code == (302 if allowed else 403 if role == "senior" else 200)


def test_only_the_uploader_and_administrators_follow_an_import(app, client, make_user,
                                                               signed_in):  # fmt: skip
    from tests.conftest import sign_in

    signed_in("lead")
    preview = upload(client, csv_bytes(GOOD))
    for role, status in (("lead", 403), ("admin", 200)):
        other = app.test_client()
        sign_in(other, make_user(role))
        assert other.get(preview).status_code == status
        assert other.post(preview, data={"apply": "Import"}).status_code == 403
        assert other.get(preview.replace("/imports/", "/imports/999999")).status_code == 404
    assert live_names(app) == []


def test_a_worker_killed_mid_apply_leaves_nothing_and_the_import_failed(database_url, make_user,
                                                                       tmp_path):  # fmt: skip
    """A real worker on an embedded queue, killed (kill -9) while it writes the rows: no
    row of the import is kept, its job and the import say it failed, never "running"."""
    import os

    from tests.conftest import make_app, sign_in
    from tests.test_jobs import _wait_for, _worker, kill_when_it_says

    jobs_url = f"sqlite:///{tmp_path / 'jobs.db'}"
    app = make_app(database_url, JOBS_URL=jobs_url, JOB_STALE_SECONDS=2)
    client = app.test_client()
    sign_in(client, make_user("lead"))
    rows = [["Name", "Type"]] + [[f"Community Group {n}", "vcs"] for n in range(60_000)]
    preview = upload(client, csv_bytes(rows))
    env = os.environ | {"FLASK_APP": "crm", "CRM_DATABASE_URL": database_url,
                        "CRM_JOBS_URL": jobs_url, "CRM_JOB_STALE_SECONDS": "2"}  # fmt: skip
    worker = _worker(env)
    try:
        location = client.post(preview, data={"apply": "Import"}).location
        kill_when_it_says(client, location, "Creating records", worker, 90)
        _wait_for(client, location, "Failed", 10)
        assert "Failed: nothing was imported" in text_of(client.get(preview))
        assert live_names(app) == []
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(ImportRow)) == 0
            assert db.session.scalar(select(SpreadsheetImport.status)) == "queued"
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(10)


def test_columns_chosen_are_remembered_for_the_next_file_with_the_same_headers(client,
                                                                             signed_in):
    signed_in("lead")
    rows = [["Group called", "Kind of group"], ["Wirral Deaf Club", "vcs"]]
    first = client.post("/imports/new", data={
        "kind": "stakeholders", "file": (io.BytesIO(csv_bytes(rows)), "s.csv")}).location
    form = post_form(client.get(first).get_data(as_text=True), first)
    assert form["field_name"] == [""]  # nothing guessed from these headings
    refused = client.post(first, data=form)
    assert "Choose the column that holds the name" in text_of(refused)
    form |= {"field_name": ["0"], "field_type": ["1"]}
    assert client.post(first, data=form).status_code == 302
    second = client.post("/imports/new", data={
        "kind": "stakeholders", "file": (io.BytesIO(csv_bytes(rows)), "again.csv")}).location
    form = post_form(client.get(second).get_data(as_text=True), second)
    assert form["field_name"] == ["0"] and form["field_type"] == ["1"]


def test_a_file_that_cannot_be_read_is_refused_on_the_upload_page(client, signed_in):
    signed_in("lead")
    response = client.post("/imports/new", data={
        "kind": "stakeholders", "file": (io.BytesIO(b"%PDF-1.4"), "s.pdf")})  # fmt: skip
    assert response.status_code == 200
    assert "The file must be a CSV, an Excel (XLSX) or an OpenDocument (ODS)" in text_of(response)


def test_an_engagement_row_breaking_the_services_rules_is_named_in_the_preview(
        app, client, signed_in, make_contact):  # fmt: skip
    """Fewer attending than the contacts named: a problem on the row before anything is
    saved (the engagement form's own rule), never a failed job naming nothing."""
    signed_in("lead")
    make_contact(name="Dana Okafor", email="dana@example.org")
    make_contact(name="Sam Patel", email="sam@example.org")
    rows = [["Title", "Type", "Date", "Contacts", "Attendance"],
            ["Drop-in", "Community Conversation", "01/10/2026",
             "dana@example.org; sam@example.org", "1"]]  # fmt: skip
    page = text_of(client.get(upload(client, csv_bytes(rows), "e.csv", "engagements")))
    assert ("2 Attendance Attendance cannot be fewer than the 2 contacts named as "
            "attending") in page
