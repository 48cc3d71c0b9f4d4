"""Importing panel members: a spreadsheet of a panel's members, past and present, through
the import pages. Each row goes through the membership service's rules (the preview
names the row that breaks one, even against an earlier row of the file), re-importing
changes nothing, and undo archives what was added (on no roster or list) and puts back
what was changed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import AuditEvent, Membership, SpreadsheetImport
from crm.models.common import utcnow
from crm.services import equality_report, memberships, panels
from tests.conftest import sign_in
from tests.import_files import csv_bytes
from tests.route_table import EVERYONE, ROUTES, fill, make_records
from tests.test_imports import apply, text_of, upload

HEADER = ["Panel", "Member", "Role", "Status", "Term start", "Term end", "Ended",
          "Why it ended", "Vetting", "Communities represented"]  # fmt: skip


def _people(make_contact):
    return {
        "amara": make_contact(name="Amara Osei", email="amara@example.org"),
        "ben": make_contact(name="Ben Carter", email="ben@example.org"),
        "chloe": make_contact(name="Chloe Evans", email=""),
    }


def _amara_imported(client, signed_in, make_panel, make_contact) -> int:
    """The coordinator imports Amara onto the Mersey-Cheshire LSIP; the panel's id."""
    panel_id = make_panel()
    _people(make_contact)
    signed_in("panels")
    rows = [HEADER, ["Mersey-Cheshire LSIP", "amara@example.org", "", "", "01/04/2025", "",
                     "", "", "", ""]]  # fmt: skip
    apply(client, upload(client, csv_bytes(rows), "members.csv", kind="members"))
    return panel_id


def _roster_names(app, panel_id: int) -> list[str]:
    with app.app_context():
        panel = db.session.get(panels.Panel, panel_id)
        return [m.contact.name for m in memberships.roster(panel)]


def _last_import_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(SpreadsheetImport.id)))


def test_members_imported_again_changed_and_undone(app, client, signed_in, make_panel,
                                                  make_contact):  # fmt: skip
    panel_id = make_panel()
    _people(make_contact)
    signed_in("panels")
    rows = [
        ["Members of the LSIP, as kept by the coordinator", "", "", "", "", "", "", "", "", ""],
        HEADER,
        ["mersey-cheshire  lsip", "amara@example.org", "Chair", "", "01/04/2025", "", "", "",
         "Cleared", "Deaf and hard of hearing people"],
        ["Mersey-Cheshire LSIP", "BEN@example.org", "", "Ended", "01/04/2023", "31/03/2025",
         "31/03/2025", "Term completed", "", ""],
        ["Mersey-Cheshire LSIP", "Chloe Evans", "Member", "Active", "2025-06-01", "", "", "", "",
         ""],
    ]
    preview = upload(client, csv_bytes(rows), "members.csv", kind="members")
    page = text_of(client.get(preview))
    assert "Header row 2" in page and "3 to create" in page, page
    assert "Finished" in apply(client, preview)
    assert _roster_names(app, panel_id) == ["Amara Osei", "Chloe Evans"]
    with app.app_context():
        amara = db.session.scalar(select(Membership).join(Membership.contact).where(
            memberships.Contact.name == "Amara Osei"))  # fmt: skip
        assert amara.role == "chair" and amara.vetting_status == "cleared"
        # A blank term end takes the panel's term length, as on the form.
        assert amara.term_end == date(2027, 3, 31)
        assert [c.name for c in amara.communities] == ["Deaf and hard of hearing people"]
        past = memberships.past_members(db.session.get(panels.Panel, panel_id))
        assert [(m.contact.name, m.end_reason) for m in past] == [("Ben Carter", "term_completed")]
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.record_type == "membership", AuditEvent.action == "created")) == 3

    again = upload(client, csv_bytes(rows), "members.csv", kind="members")
    assert "0 to create" in text_of(client.get(again)) and "3 unchanged" in text_of(
        client.get(again))

    changed = [row[:] for row in rows]
    changed[4][1], changed[4][2] = "Chloe Evans", "Vice chair"
    third = upload(client, csv_bytes(changed), "members.csv", kind="members")
    assert "1 to update" in text_of(client.get(third))
    apply(client, third)
    with app.app_context():
        assert db.session.scalar(select(Membership.role).join(Membership.contact).where(
            memberships.Contact.name == "Chloe Evans")) == "vice_chair"  # fmt: skip
    assert client.post(f"/imports/{_last_import_id(app)}/undo").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Membership.role).join(Membership.contact).where(
            memberships.Contact.name == "Chloe Evans")) == "member"  # fmt: skip

    first_id = _last_import_id(app) - 2
    assert client.post(f"/imports/{first_id}/undo").status_code == 302
    # What it added is archived: on no roster, list or history, and never deleted.
    assert _roster_names(app, panel_id) == []
    with app.app_context():
        panel = db.session.get(panels.Panel, panel_id)
        assert memberships.past_members(panel) == []
        assert memberships.history(panel, date(2020, 1, 1), date(2030, 1, 1)) == []
        assert db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.archived_at.is_not(None))) == 3  # fmt: skip
    panel_page = text_of(client.get(f"/panels/{panel_id}"))
    assert "Amara Osei" not in panel_page and "Ben Carter" not in panel_page


def test_a_row_breaking_a_panel_rule_is_named_and_nothing_is_saved(
        app, client, signed_in, make_panel, make_contact, make_membership):  # fmt: skip
    panel_id = make_panel()
    people = _people(make_contact)
    make_membership(panel_id, people["amara"], role="chair", status="active",
                    term_start=date(2025, 4, 1))
    signed_in("panels")
    rows = [
        HEADER,
        # Ben cannot be chair while Amara is; Chloe's two active rows clash with each other.
        ["Mersey-Cheshire LSIP", "ben@example.org", "Chair", "Active", "01/05/2025", "", "",
         "", "", ""],
        ["Mersey-Cheshire LSIP", "Chloe Evans", "Member", "Active", "01/05/2025", "", "", "",
         "", ""],
        ["Mersey-Cheshire LSIP", "Chloe Evans", "Member", "Active", "01/06/2025", "", "", "",
         "", ""],
        ["Mersey-Cheshire LSIP", "Ben Carter", "Member", "Ended", "01/05/2020", "", "", "", "",
         ""],
        ["Hate Crime Panel", "nobody@example.org", "Memberr", "", "", "", "", "", "", ""],
    ]
    preview = upload(client, csv_bytes(rows), "members.csv", kind="members")
    page = text_of(client.get(preview))
    problems = page.split("Every problem, by row", 1)[1]
    assert "2 Role The panel already has a chair, Amara Osei" in problems, page
    assert " 3 " not in problems  # the first of Chloe's rows is fine on its own
    assert "4 Status Chloe Evans is already an active member of this panel" in problems
    assert "5 Ended Enter the date the membership ended" in problems
    assert '6 Panel There is no panel called "Hate Crime Panel" that you can see' in problems
    assert '6 Member There is no contact "nobody@example.org" that you can see' in problems
    assert '6 Role "Memberr" is not a role Engage knows. Did you mean "Member"?' in problems
    assert "6 problems" in page
    response = client.post(preview, data={"apply": "Import"})
    assert "/jobs/" not in (response.location or "")
    # The preview's dry run left nothing behind.
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.record_type == "membership")) == 0  # fmt: skip


def test_members_only_on_panels_the_user_looks_after(app, client, signed_in, make_panel,
                                                    make_contact):  # fmt: skip
    make_panel("North West", name="North West LSIP")
    make_panel(None, name="Community Accountability Forum", type="caf")
    make_contact(name="Amara Osei", email="amara@example.org")
    signed_in("panels")  # Mersey-Cheshire only
    rows = [HEADER,
            ["North West LSIP", "amara@example.org", "", "", "01/04/2025", "", "", "", "", ""],
            ["Community Accountability Forum", "amara@example.org", "", "", "01/04/2025", "", "",
             "", "", ""]]  # fmt: skip
    page = text_of(client.get(upload(client, csv_bytes(rows), "members.csv", kind="members")))
    assert '2 Panel There is no panel called "North West LSIP" that you can see' in page
    assert ('3 Panel You cannot add members to "Community Accountability Forum": ask '
            "someone who looks after it") in page


def test_a_member_since_recorded_at_a_meeting_keeps_the_import_from_being_undone(
        app, client, signed_in, make_panel, make_contact, make_meeting):  # fmt: skip
    panel_id = _amara_imported(client, signed_in, make_panel, make_contact)
    with app.app_context():
        membership_id = db.session.scalar(select(Membership.id))
    make_meeting(panel_id, held_on=date(2025, 6, 1), attendance={membership_id: "present"})
    response = client.post(f"/imports/{_last_import_id(app)}/undo", follow_redirects=True)
    assert "has since been recorded at a meeting" in text_of(response)
    assert _roster_names(app, panel_id) == ["Amara Osei"]


def test_the_members_template_has_every_column_and_a_row_of_guidance(client, signed_in):
    signed_in("panels")
    response = client.get("/imports/templates/members.csv")
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Engage ID,Panel,Member,Role,Status,Applied")
    assert lines[1].startswith("Guidance")


def test_only_those_who_keep_panels_import_members(client, signed_in):
    signed_in("lead")  # leads keep stakeholders and engagements, not panels
    assert client.get("/imports/templates/members.csv").status_code == 403
    response = client.post("/imports/new", data={"kind": "members"})
    assert "Panel members" not in response.get_data(as_text=True)


PANEL_PAGES = ("panels.", "reports.", "equality.", "main.home")


def test_an_archived_membership_is_on_no_panel_page_report_or_file(
        app, factories, make_user, make_membership):  # fmt: skip
    """Every page and file about panels, every report, and home, for every role: a
    membership an undone import added (archived) is on none of them, whatever its status;
    its own page opens for administrators only."""
    ids = make_records(app, factories, "Mersey-Cheshire")
    admin = make_user("admin", national=True)
    figures = ("/reports/quarterly.csv?quarter=2026-Q1&area=all", "/reports/equality",
               "/reports/equality.csv?area=national")
    before = _pages(app, admin, figures)
    ghosts = [
        make_membership(ids["p"], name="Quentin Undone", status="active", role="chair",
                        term_start=date(2026, 4, 1)),
        make_membership(ids["p"], name="Quentin Undone", status="ended",
                        term_start=date(2024, 1, 1), ended_on=date(2026, 5, 1),
                        end_reason="resigned"),
        make_membership(ids["p"], name="Quentin Undone", status="applicant", role="member",
                        term_start=None, applied_on=date(2026, 9, 1)),
    ]  # fmt: skip
    with app.app_context():
        for ghost in ghosts:
            db.session.get(Membership, ghost).archived_at = utcnow()
        db.session.commit()
    # Counted in no figure either: the reports read as they did before.
    assert _pages(app, admin, figures) == before
    with app.app_context():  # equality counts are suppressed in so small a panel: asked here
        ghost_contacts = {db.session.get(Membership, ghost).contact_id for ghost in ghosts}
        assert not ghost_contacts & {person for _, _, person, _ in equality_report._members()}
    checked = 0
    for role in sorted(EVERYONE):
        client = app.test_client()
        sign_in(client, make_user(role, national=role == "admin"))
        for endpoint, (method, path, roles) in sorted(ROUTES.items()):
            if method != "GET" or role not in roles or "{m}" in path or not (
                    endpoint.startswith(PANEL_PAGES)):
                continue
            response = client.get(fill(path, ids))
            body = response.get_data()
            if response.mimetype in ("text/html", "text/csv"):
                assert b"Quentin" not in body, (role, endpoint)
                checked += 1
            response.close()
        opened = client.get(f"/memberships/{ghosts[0]}").status_code
        assert opened == (200 if role == "admin" else 404), role
    assert checked > 40


def _pages(app, user, paths) -> list[str]:
    client = app.test_client()
    sign_in(client, user)
    return [text_of(client.get(path)) for path in paths]


def _export_row(membership_id: int, name: str, role: str, status: str, start: str,
                ended: str = "", why: str = "") -> list[str]:  # fmt: skip
    return [str(membership_id), "Mersey-Cheshire LSIP", name, role, status, start, "", ended,
            why, "", ""]


ID_HEADER = ["Engage ID", *HEADER]


def test_a_chair_handed_over_in_one_file_and_undone_only_while_the_rules_allow(
        app, client, signed_in, make_panel, make_contact, make_membership):  # fmt: skip
    panel_id = make_panel()
    people = _people(make_contact)
    chair = make_membership(panel_id, people["amara"], role="chair", status="active",
                            term_start=date(2025, 4, 1))
    signed_in("panels")
    rows = [ID_HEADER,
            # A new chair first in the file: the term ending below is written first.
            ["", "Mersey-Cheshire LSIP", "ben@example.org", "Chair", "Active", "01/10/2026",
             "", "", "", "", ""],
            _export_row(chair, "amara@example.org", "Chair", "Ended", "01/04/2025",
                        "30/09/2026", "Term completed")]  # fmt: skip
    preview = upload(client, csv_bytes(rows), "members.csv", kind="members")
    page = text_of(client.get(preview))
    assert "1 to create" in page and "1 to update" in page, page
    apply(client, preview)
    assert _roster_names(app, panel_id) == ["Ben Carter"]
    assert client.post(f"/imports/{_last_import_id(app)}/undo").status_code == 302
    assert _roster_names(app, panel_id) == ["Amara Osei"]  # the chair again, Ben archived

    # Amara's term ended by a file alone; Chloe then made chair by hand: Amara cannot go
    # back as chair beside her, and the undo says so, changing nothing.
    ended = [ID_HEADER, _export_row(chair, "amara@example.org", "Chair", "Ended",
                                    "01/04/2025", "30/09/2026", "Term completed")]
    apply(client, upload(client, csv_bytes(ended), "members.csv", kind="members"))
    make_membership(panel_id, people["chloe"], role="chair", status="active",
                    term_start=date(2026, 10, 15))
    response = client.post(f"/imports/{_last_import_id(app)}/undo", follow_redirects=True)
    assert ("Amara Osei's membership cannot go back as it was: The panel already has a "
            "chair, Chloe Evans") in text_of(response)
    assert _roster_names(app, panel_id) == ["Chloe Evans"]


def test_one_membership_twice_in_a_file_is_a_problem_on_the_second_row(
        app, client, signed_in, make_panel, make_contact, make_membership):  # fmt: skip
    panel_id = make_panel()
    people = _people(make_contact)
    held = make_membership(panel_id, people["amara"], status="active",
                           term_start=date(2025, 4, 1))
    signed_in("panels")
    rows = [ID_HEADER, _export_row(held, "amara@example.org", "Chair", "Active", "01/04/2025"),
            _export_row(held, "amara@example.org", "Member", "Active", "01/04/2025")]
    page = text_of(client.get(upload(client, csv_bytes(rows), "members.csv", kind="members")))
    assert f"3 Engage ID Engage ID {held} is also on row 2: keep one row for each record" in page


def test_an_import_onto_a_panel_archived_since_is_not_undone(
        app, client, signed_in, make_panel, make_contact):  # fmt: skip
    panel_id = _amara_imported(client, signed_in, make_panel, make_contact)
    with app.app_context():
        db.session.get(panels.Panel, panel_id).archived_at = utcnow()
        db.session.commit()
    response = client.post(f"/imports/{_last_import_id(app)}/undo", follow_redirects=True)
    assert response.status_code == 200
    assert "The panel Mersey-Cheshire LSIP has been archived since the import" in text_of(
        response)


def test_someone_who_asked_not_to_be_contacted_joins_only_when_chosen(
        app, client, signed_in, make_panel, make_contact):  # fmt: skip
    """As the membership form asks first, the import holds the row for a yes."""
    panel_id = make_panel()
    make_contact(name="Amara Osei", email="amara@example.org", do_not_contact=True)
    signed_in("panels")
    rows = [HEADER, ["Mersey-Cheshire LSIP", "amara@example.org", "", "", "01/04/2025", "",
                     "", "", "", ""]]  # fmt: skip
    preview = upload(client, csv_bytes(rows), "members.csv", kind="members")
    page = text_of(client.get(preview))
    assert "Row 2: amara@example.org Amara Osei asked not to be contacted. It is not " \
           "imported unless you choose to." in page and "0 to create" in page, page
    apply(client, preview, **{"choice-2": "create"})
    assert _roster_names(app, panel_id) == ["Amara Osei"]
