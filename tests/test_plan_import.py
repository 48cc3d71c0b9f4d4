"""Bringing an action plan in from a spreadsheet, through the pages: upload, a preview of
every row's reading and every problem with nothing saved, then all of it saved or none.

The files are small ones the tests write, shaped like the action plan paper: theme rows with
a number, lettered actions, free-text "By whom", and "By when / Update" cells that mix a
date and a note. (How each cell is read is tested in tests/test_plan_sheets.py.)
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import ActionPlan, ActionUpdate, Area, PlanAction, PlanTheme
from crm.services import action_plans, records
from tests.conftest import TODAY, sign_in
from tests.route_table import EVERYONE, ROUTES

HEADER = ["No.", "Theme", "Action", "By whom", "By when / Update"]
# Every form of "By when / Update" the paper uses, and what it must be read as.
ROWS = [
    ["", "Equality Action Plan 2007-08", "", "", ""],
    HEADER,
    ["1", "Engagement with communities", "a. Hold a community drop-in", "All managers",
     "Sept 07 - ongoing"],
    ["", "", "b. Publish the hate crime leaflet", "Area Business Manager", "Oct-07"],
    ["2", "Staff", "a. Assess training needs", "Equality officer",
     "Ongoing - annual assessment"],
    ["", "", "b. Equality on the team agenda", "All managers",
     "Add to Team Meeting agenda July, October, January - update due July 31st"],
    ["", "", "c. Report to the Area board", "Chief Crown Prosecutor", "2008 March"],
]  # fmt: skip
READINGS = [
    ("1.a", "month", date(2007, 9, 1), "Ongoing"),
    ("1.b", "month", date(2007, 10, 1), None),
    ("2.a", "ongoing", None, "annual assessment"),
    ("2.b", "", None, "Add to Team Meeting agenda July, October, January - update due July 31st"),
    ("2.c", "month", date(2008, 3, 1), None),
]


def csv_bytes(rows, encoding="utf-8") -> bytes:
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value

    return "\r\n".join(",".join(cell(v) for v in row) for row in rows).encode(encoding)


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def text_of(response) -> str:
    html = response.get_data(as_text=True)
    main = html.split('id="main-content"', 1)[-1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).strip()


def area_id(app, name="Mersey-Cheshire") -> int:
    with app.app_context():
        return db.session.scalar(select(Area.id).where(Area.name == name))


def plan_details(app, area="Mersey-Cheshire", **changes) -> dict:
    return {"title": "Imported equality plan", "area_id": str(area_id(app, area)) if area else "",
            "starts_on": ["1", "4", "2007"], "ends_on": ["31", "3", "2008"],
            "update_months": "3", "owner_id": ""} | changes  # fmt: skip


def upload(client, details: dict, data: bytes, filename: str):
    return client.post("/action-plans/import",
                       data=details | {"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")  # fmt: skip


def confirm_form(response) -> tuple[str, dict]:
    """The preview's "Save the plan" form: where it posts and what it sends."""
    from tests.formscrape import post_form

    html = response.get_data(as_text=True)
    action = re.search(r'action="(/action-plans/import/[0-9a-f]+)"', html).group(1)
    return action, post_form(html, action)


def counts(app) -> tuple[int, int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m))
                     for m in (ActionPlan, PlanTheme, PlanAction, ActionUpdate))  # fmt: skip


@pytest.mark.parametrize("kind", ["csv", "xlsx", "cp1252"])
def test_a_plan_is_previewed_then_saved_whole(app, client, signed_in, kind):
    user = signed_in("lead", name="Lee Lead")
    data = {"csv": lambda: csv_bytes(ROWS), "xlsx": lambda: xlsx_bytes(ROWS),
            "cp1252": lambda: csv_bytes(ROWS, "cp1252")}[kind]()  # fmt: skip
    before = counts(app)
    preview = upload(client, plan_details(app, owner_id=str(user.id)), data,
                     "plan.xlsx" if kind == "xlsx" else "plan.csv")  # fmt: skip
    assert preview.status_code == 200
    page = text_of(preview)
    assert "Check the plan before it is saved" in page
    assert "2 themes and 5 actions read from “Equality Action Plan 2007-08”" in page
    for expected in ("By the end of September 2007", "By the end of October 2007", "Ongoing",
                     "No date read", "By the end of March 2008"):  # fmt: skip
        assert expected in page
    assert counts(app) == before, "nothing is saved before the preview is confirmed"
    path, body = confirm_form(preview)
    saved = client.post(path, data=body)
    assert saved.status_code == 302, text_of(saved)
    with app.app_context():
        plan = db.session.scalars(select(ActionPlan).order_by(ActionPlan.id.desc())).first()
        assert (plan.title, plan.owner_id, plan.starts_on) == (
            "Imported equality plan", user.id, date(2007, 4, 1))
        assert [(t.number, t.title) for t in plan.themes] == [
            ("1", "Engagement with communities"), ("2", "Staff")]
        got = [(a.reference, a.due_kind, a.due_on, a.updates[0].note if a.updates else None)
               for a in plan.actions]  # fmt: skip
        assert got == READINGS
        assert plan.actions[1].by_whom == "Area Business Manager"
        assert all(u.updated_on == TODAY for a in plan.actions for u in a.updates)
    again = client.post(path, data=body, follow_redirects=True)
    assert "This was already saved" in text_of(again)
    assert counts(app)[0] == before[0] + 1


def test_a_cp1252_file_keeps_its_pounds_and_dashes(app, client, signed_in):
    signed_in("lead")
    rows = [HEADER, ["1", "Budget", "a. Spend £500 on interpreters – Polish and Roma",
                     "Área manager", "Oct-07"]]  # fmt: skip
    preview = upload(client, plan_details(app), csv_bytes(rows, "cp1252"), "plan.csv")
    page = text_of(preview)
    assert "Spend £500 on interpreters – Polish and Roma" in page and "Área manager" in page


def test_a_by_whom_naming_a_colleague_makes_them_the_owner(app, client, signed_in, make_user):
    signed_in("lead")
    colleague = make_user("panels", name="Priya Coordinator")
    rows = [HEADER, ["1", "Panels", "a. Recruit two members", "priya coordinator", "Oct-07"]]
    path, body = confirm_form(upload(client, plan_details(app), csv_bytes(rows), "plan.csv"))
    assert client.post(path, data=body).status_code == 302
    with app.app_context():
        action = db.session.scalars(select(PlanAction).order_by(PlanAction.id.desc())).first()
        assert (action.owner_id, action.by_whom) == (colleague.id, "")


def test_a_bad_row_is_shown_and_nothing_can_be_saved(app, client, signed_in):
    signed_in("lead")
    rows = ROWS + [["", "", "c. d. Two actions in one cell", "All managers", "Nov-07"],
                   ["x", "", "A theme number that is not a number", "", ""]]  # fmt: skip
    before = counts(app)
    preview = upload(client, plan_details(app), csv_bytes(rows), "plan.csv")
    page = text_of(preview)
    assert preview.status_code == 200
    assert "The plan cannot be saved until the file is corrected" in page
    assert re.search(r"Row 8\b", page), page
    assert "Save the plan" not in page and "Nothing has been saved" in page
    # Nothing is kept to be saved: a made-up confirmation finds no file.
    forced = client.post("/action-plans/import/0123abcd", data=plan_details(app),
                         follow_redirects=True)  # fmt: skip
    assert "no longer waiting to be saved" in text_of(forced)
    assert counts(app) == before


@pytest.mark.parametrize("data, filename, message", [
    (b"%PDF-1.4 not a sheet", "plan.pdf", "The file must be a CSV or an Excel (XLSX) file"),
    (b"Just some words\r\nand more words\r\n", "plan.csv",
     "The file has no header row with 'By whom' and 'By when'"),
    (b"PK\x03\x04 a broken zip", "plan.xlsx", "The file must be a CSV or an Excel (XLSX) file"),
])  # fmt: skip
def test_a_file_that_is_not_a_plan_says_so(app, client, signed_in, data, filename, message):
    signed_in("lead")
    before = counts(app)
    response = upload(client, plan_details(app), data, filename)
    assert response.status_code == 200
    assert message in text_of(response).replace("&#39;", "'")
    assert counts(app) == before


def test_the_plans_own_details_are_checked_before_the_preview(app, client, signed_in):
    signed_in("lead", areas=("Mersey-Cheshire",))
    for details, message in (
        (plan_details(app, area="West Midlands"), "Select an Area you work in"),
        (plan_details(app, area=None), "only national users add national plans"),
        (plan_details(app, ends_on=["1", "1", "2007"]), "The plan must end after it starts"),
        ({k: v for k, v in plan_details(app).items() if k != "title"}, "Enter the plan's title"),
    ):
        response = upload(client, details, csv_bytes(ROWS), "plan.csv")
        assert message in text_of(response).replace("&#39;", "'"), message
        assert "Check the plan before it is saved" not in text_of(response)


def test_saving_is_all_or_nothing(app, client, signed_in, monkeypatch):
    """A failure while the third action is being saved leaves no plan, theme or action."""
    signed_in("lead")
    path, body = confirm_form(upload(client, plan_details(app), csv_bytes(ROWS), "plan.csv"))
    real = records.create_audited
    made = []

    def failing(user, kind, record, describe):
        if kind == action_plans.ACTION:
            made.append(record)
            if len(made) == 3:
                raise records.InvalidValue("title", "The database refused the third action")
        return real(user, kind, record, describe)

    monkeypatch.setattr(records, "create_audited", failing)
    before = counts(app)
    response = client.post(path, data=body)
    assert response.status_code == 200
    assert "The database refused the third action" in text_of(response)
    assert counts(app) == before
    monkeypatch.setattr(records, "create_audited", real)
    assert client.post(path, data=body).status_code == 302  # the file is still waiting
    assert counts(app)[2] == before[2] + 5


def test_nobody_else_can_save_your_upload(app, client, make_user):
    first, second = make_user("lead"), make_user("lead")
    sign_in(client, first)
    path, body = confirm_form(upload(client, plan_details(app), csv_bytes(ROWS), "plan.csv"))
    other = app.test_client()
    sign_in(other, second)
    before = counts(app)
    response = other.post(path, data=body, follow_redirects=True)
    assert "no longer waiting to be saved: upload it again" in text_of(response)
    assert counts(app) == before


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.parametrize("scope", ["own", "other", "national"])
def test_who_may_import_a_plan_and_where(app, make_user, role, scope):
    """Every role, placing the plan in their own Area, another Area, or nationally: only
    those who may add plans save one, and only where they work."""
    user = make_user(role, areas=("Mersey-Cheshire",))
    client = app.test_client()
    sign_in(client, user)
    area = {"own": "Mersey-Cheshire", "other": "West Midlands", "national": None}[scope]
    before = counts(app)
    response = upload(client, plan_details(app, area=area), csv_bytes(ROWS), "plan.csv")
    allowed = role in ROUTES["plans.imports.new"][2]
    if not allowed:
        assert response.status_code == 403
        assert client.post("/action-plans/import/0123abcd", data=plan_details(app)).status_code \
            == 403  # fmt: skip
    elif scope == "own":
        path, body = confirm_form(response)
        assert client.post(path, data=body).status_code == 302
        assert counts(app)[0] == before[0] + 1
        return
    else:
        assert "Check the plan before it is saved" not in text_of(response)
        # A preview made for their own Area, its hidden Area changed before saving.
        path, body = confirm_form(upload(client, plan_details(app), csv_bytes(ROWS), "plan.csv"))
        forged = client.post(path, data=body | {"area_id": plan_details(app, area=area)["area_id"]})
        assert forged.status_code == 200
    assert counts(app) == before
