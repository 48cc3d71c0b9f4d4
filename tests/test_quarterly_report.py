"""The quarterly Area report: each figure against a hand-made quarter, on the page and in
every file; the public version's small numbers; who may see which Area."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.extensions import db
from crm.models import Stakeholder, User
from crm.services import area_report
from crm.services.quarters import Quarter
from tests.conftest import TODAY, area, made_pdf, sign_in
from tests.test_probe import pdf_text

Q1 = Quarter(2026, 1)  # April to June 2026: its first day is a financial year's first


@pytest.fixture
def quarter_made_by_hand(app, make_engagement, make_stakeholder, make_panel, make_membership,
                         make_meeting, make_feedback, make_plan, make_plan_action):  # fmt: skip
    """Mersey-Cheshire's Q1 2026-27, with records just outside it, archived, planned, and
    in another Area. The expected figures are written beside each record."""
    faith = make_stakeholder(type="faith", name="St Anne's Church", latitude=53.4,
                             longitude=-2.9)  # fmt: skip
    make_stakeholder(name="Nowhere Group")  # no location: cannot be placed on the map
    # Engagements: two in the quarter (1 April and 30 June), one the day before it, one a
    # year earlier; an archived one, a planned one and another Area's do not count.
    make_engagement(held_on=date(2026, 4, 1), type="meeting", stakeholder_ids=[faith],
                    communities=["Women and girls"], latitude=53.4, longitude=-2.9,
                    created_at=datetime(2026, 4, 1, 15, tzinfo=UTC))  # fmt: skip
    # ...the second entered in July, after the quarter ended: a late entry.
    make_engagement(held_on=date(2026, 6, 30), communities=["Women and girls", "Migrants"],
                    created_at=datetime(2026, 7, 3, tzinfo=UTC))
    make_engagement(held_on=date(2026, 3, 31), type="meeting")
    make_engagement(held_on=date(2025, 5, 15), type="forum")
    make_engagement(held_on=date(2026, 5, 10), archived_at=datetime(2026, 5, 11, tzinfo=UTC))
    make_engagement(held_on=date(2026, 5, 20), status="planned")
    make_engagement("West Midlands", held_on=date(2026, 5, 10), type="meeting")
    # A panel of three seats (quorum 3) and an observer: quorate in May, not in June.
    panel = make_panel(quorum=3)
    chair = make_membership(panel, role="chair", name="Chair Person")
    member = make_membership(panel, name="Member One")
    joined = make_membership(panel, name="Member Two", term_start=date(2026, 5, 1),
                             term_end=date(2028, 4, 30))  # fmt: skip
    observer = make_membership(panel, role="observer", name="Observer Person")
    make_membership(panel, name="Left Early", status="ended", ended_on=date(2026, 6, 15),
                    end_reason="resigned")  # fmt: skip
    make_meeting(panel, held_on=date(2026, 5, 10), cases_reviewed=4,
                 attendance={chair: "present", member: "present", joined: "present",
                             observer: "present"})  # fmt: skip
    make_meeting(panel, held_on=date(2026, 6, 20),
                 attendance={chair: "present", member: "present", joined: "absent"})
    make_meeting(panel, held_on=date(2026, 7, 1), cases_reviewed=9,
                 attendance={chair: "present"})  # next quarter
    # Feedback: two received in the quarter (one still open, one closed after 21 days),
    # plus one the day before, an archived one and another Area's.
    make_feedback(received_on=date(2026, 4, 5), priorities=("Hate crime",))
    make_feedback(received_on=date(2026, 5, 20), status="closed", closed_on=date(2026, 6, 10),
                  priorities=("Violence against women and girls",),
                  response="Witness care now calls within a day")  # fmt: skip
    make_feedback(received_on=date(2026, 3, 31))
    make_feedback(received_on=date(2026, 5, 6), archived_at=datetime(2026, 5, 7, tzinfo=UTC))
    make_feedback("West Midlands", received_on=date(2026, 5, 5))
    make_feedback(source="case_review", received_on=date(2026, 5, 10),
                  assessment="handled_well", priorities=("Hate crime",))  # fmt: skip
    # The plan: one action started in May (a change), one due in May and not done.
    plan = make_plan()
    make_plan_action(plan, updates=[(date(2026, 5, 10), "on_track", "Mapping began")],
                     due_on=date(2026, 10, 1))  # fmt: skip
    make_plan_action(plan, what="Publish the community map", due_on=date(2026, 5, 1))
    with app.app_context():
        return {"area": area("Mersey-Cheshire").id, "other": area("West Midlands").id}


def _report(app, user, area_id, quarter=Q1, public=False):
    with app.app_context():
        return area_report.build(db.session.get(User, user.id), area_id, quarter, TODAY, public)


def test_each_figure_is_the_one_worked_out_by_hand(app, make_user, quarter_made_by_hand):
    lead = make_user("lead")
    with app.app_context():
        lead = db.session.get(User, lead.id)
        report = area_report.build(lead, quarter_made_by_hand["area"], Q1, TODAY)
        f = report.figure
        assert report.title == "Mersey-Cheshire: quarterly report, Q1 2026-27"
        # 1. Engagement activity: this quarter, the one before, the same one last year.
        assert [f("engagement", "totals", "Engagements held", c) for c in (1, 2, 3)] == [2, 1, 1]
        assert [f("engagement", "by-type", "Meeting", c) for c in (1, 2, 3)] == [1, 1, 0]
        assert f("engagement", "by-type", "Community Conversation") == 1
        assert f("engagement", "by-type", "Forum or network meeting", 3) == 1
        assert f("engagement", "by-community", "Women and girls") == 2
        assert f("engagement", "by-community", "Migrants") == 1
        assert f("engagement", "by-stakeholder-type", "Faith organisation") == 1
        # 2. Reach: of the 13 seldom-heard communities, Migrants alone was reached.
        assert f("reach", "seldom-heard-summary", "Reached") == 1
        assert f("reach", "seldom-heard-summary", "Not reached") == 12
        assert f("reach", "seldom-heard-reached", "Migrants", 2) == date(2026, 6, 30)
        # 3. Panels: two meetings, one quorate; seats filled 5 of 6; four cases reviewed.
        assert f("panels", "panel-summary", "Meetings held") == 2
        assert f("panels", "panel-summary", "Meetings quorate") == 1
        assert f("panels", "panel-summary", "Members' attendance (seats filled at meetings)") \
            == "83%"
        assert f("panels", "panel-summary", "Cases reviewed") == 4
        assert f("panels", "panel-summary", "Members who started a term") == 1
        assert f("panels", "panel-summary", "Members whose term ended") == 1
        assert f("panels", "assessments", "Handled well") == 1
        # 4. Feedback (the case review is feedback too): three received, two still open.
        assert f("feedback", "feedback-summary", "Received") == 3
        assert f("feedback", "feedback-summary", "Still open") == 2
        assert f("feedback", "feedback-summary", "Closed in the quarter (whenever received)") == 1
        assert f("feedback", "feedback-summary", "Median days from receipt to closing") \
            == "21 days"
        assert f("feedback", "by-priority", "Hate crime") == 2
        assert f("feedback", "by-priority", "Violence against women and girls", 4) == "21 days"
        said = [row for s in report.sections for t in s.tables if t.key == "you-said-we-did"
                for row in t.rows]  # fmt: skip
        assert said and said[0][2] == "Witness care now calls within a day"
        # 5. The plan: two actions, one changed status, one overdue by the quarter's end.
        assert f("plans", "plan-summary", "Actions") == 2
        assert f("plans", "plan-summary", "Status changed") == 1
        assert f("plans", "plan-summary", "Overdue") == 1
        assert f("plans", "plan-summary", "On track") == 1
        # 6. Notes: the stakeholder with no location; the engagement entered in July.
        assert f("notes", "data-notes", "Stakeholders that cannot be placed on the map "
                 "(no location)") == 1  # fmt: skip
        assert f("notes", "data-notes", "Engagements this quarter entered after it ended") == 1
        assert f("notes", "data-notes", "Engagements this quarter that cannot be placed on the "
                 "map") == 1  # fmt: skip


def test_calendar_quarters_give_the_same_months_under_their_own_name(
    app, make_user, quarter_made_by_hand
):
    lead = make_user("lead")
    calendar = Quarter.parse("2026-C2", calendar=True)
    report = _report(app, lead, quarter_made_by_hand["area"], calendar)
    assert report.quarter.short_label == "2026 Q2"
    assert report.figure("engagement", "totals", "Engagements held", 1) == 2


def test_the_page_shows_the_figures_charts_with_their_tables_and_the_map_link(
    app, client, make_user, quarter_made_by_hand
):
    sign_in(client, make_user("senior"))
    page = client.get("/reports/quarterly?quarter=2026-Q1").get_data(as_text=True)
    assert "Mersey-Cheshire: Q1 2026-27 (April to June 2026)" in page
    for heading in ("1. Engagement activity", "2. Reach and gaps", "3. Panels", "4. Feedback",
                    "5. Objectives and action plan", "6. Notes on the data"):  # fmt: skip
        assert heading in page
    area_id = quarter_made_by_hand["area"]
    row = re.search(rf'id="{area_id}-engagement-totals".*?</table>', page, re.S).group(0)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row) == ["2", "1", "1"]
    assert f'id="engagements-by-type-area-{area_id}"' in page
    assert f'href="/map?area={area_id}"' in page
    # Each chart's CSV is the data of its table.
    csv_text = client.get(f"/reports/quarterly?quarter=2026-Q1&chart=engagements-by-type-area-"
                          f"{area_id}&format=csv").get_data(as_text=True)  # fmt: skip
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0] == ["Type", "Q1 2026-27", "Q4 2025-26", "Q1 2025-26"]
    assert ["Meeting", "1", "1", "0"] in rows


def test_the_public_version_says_fewer_than_ten_everywhere(app, client, make_user,
                                                          quarter_made_by_hand):  # fmt: skip
    sign_in(client, make_user("lead"))
    args = "quarter=2026-Q1&public=1"
    page = client.get(f"/reports/quarterly?{args}").get_data(as_text=True)
    area_id = quarter_made_by_hand["area"]
    row = re.search(rf'id="{area_id}-engagement-totals".*?</table>', page, re.S).group(0)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row) == ["fewer than 10"] * 3
    # Counts of communities, and of the service's own plan actions, pick nobody out.
    reach = re.search(rf'id="{area_id}-reach-seldom-heard-summary".*?</table>', page, re.S)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", reach.group(0)) == ["1", "12"]
    plan = re.search(rf'id="{area_id}-plans-plan-summary".*?</table>', page, re.S)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", plan.group(0))[:3] == ["2", "1", "1"]
    assert "app-chart" not in page  # charts would show the small numbers
    lines = list(csv.DictReader(io.StringIO(
        client.get(f"/reports/quarterly.csv?{args}").get_data(as_text=True))))  # fmt: skip
    held = [r for r in lines if r["Row"] == "Engagements held"]
    assert [r["Value"] for r in held] == ["fewer than 10"] * 3
    people = [r for r in lines if r["Section"] not in ("Objectives and action plan",)
              and r["Table"] != "Seldom-heard communities"]  # fmt: skip
    assert not [r for r in people if r["Value"].isdigit() and int(r["Value"]) < 10]
    workbook = load_workbook(io.BytesIO(client.get(f"/reports/quarterly.xlsx?{args}").data))
    values = [c for ws in workbook for row in ws.iter_rows(values_only=True) for c in row]
    assert "fewer than 10" in values
    engagement = [c for row in workbook["Engagement activity"].iter_rows(values_only=True)
                  for c in row]  # fmt: skip
    assert not [v for v in engagement if isinstance(v, int) and v < 10]
    text = pdf_text(made_pdf(client, f"/reports/quarterly.pdf?{args}").data)
    assert "fewer than 10" in text and "public version" in text


def test_the_threshold_is_set_by_crm_suppress_below(app, make_user, quarter_made_by_hand):
    lead = make_user("lead")
    with app.app_context():
        lead = db.session.get(User, lead.id)
        report = area_report.build(lead, quarter_made_by_hand["area"], Q1, TODAY, True, 2)
        table = next(t for s in report.sections for t in s.tables if t.key == "totals")
        assert [c.text for c in table.cells()[0][1:]] == ["2", "fewer than 2", "fewer than 2"]


def test_the_excel_has_a_sheet_per_section_and_the_pdf_the_figures(
    app, client, make_user, quarter_made_by_hand
):
    sign_in(client, make_user("lead"))
    response = client.get("/reports/quarterly.xlsx?quarter=2026-Q1")
    assert response.status_code == 200
    assert 'filename="quarterly-report-area-' in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Engagement activity", "Reach and gaps", "Panels",
                                   "Feedback", "Objectives and action plan",
                                   "Notes on the data"]  # fmt: skip
    rows = list(workbook["Engagement activity"].iter_rows(values_only=True))
    assert ("Engagements held", 2, 1, 1) in [tuple(r[:4]) for r in rows]
    pdf = made_pdf(client, "/reports/quarterly.pdf?quarter=2026-Q1")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    text = " ".join(pdf_text(pdf.data).split())
    assert "Mersey-Cheshire: quarterly report, Q1 2026-27" in text
    assert "Engagement activity" in text and "Publish the community map" in text
    assert "Witness care now calls within a day" in text


def test_hostile_text_stays_text_in_every_file(app, client, make_user, make_plan,
                                               make_plan_action):  # fmt: skip
    hostile = '=HYPERLINK("http://evil.example")<script>alert(1)</script>'
    plan = make_plan(starts_on=date(2026, 4, 1))
    make_plan_action(plan, what=hostile)
    sign_in(client, make_user("lead"))
    page = client.get("/reports/quarterly?quarter=2026-Q1").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    workbook = load_workbook(io.BytesIO(client.get("/reports/quarterly.xlsx?quarter=2026-Q1").data))
    cells = [c for ws in workbook for row in ws.iter_rows() for c in row if c.value == hostile]
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula
    lines = client.get("/reports/quarterly.csv?quarter=2026-Q1").get_data(as_text=True)
    assert "'=HYPERLINK" in lines


def test_each_user_sees_only_their_areas_and_national_users_every_area_side_by_side(
    app, client, make_user, quarter_made_by_hand
):
    other = quarter_made_by_hand["other"]
    lead = make_user("lead")
    with app.app_context(), pytest.raises(area_report.NotAllowed):
        area_report.build(db.session.get(User, lead.id), other, Q1, TODAY)
    sign_in(client, lead)
    for asked in (f"area={other}", "area=all", "area=999999", "area=x"):
        page = client.get(f"/reports/quarterly?quarter=2026-Q1&{asked}").get_data(as_text=True)
        assert "West Midlands:" not in page and "Mersey-Cheshire: Q1 2026-27" in page, asked
    refused = client.get(f"/reports/quarterly?quarter=2026-Q1&area={other}")
    assert "Choose an Area you work in" in refused.get_data(as_text=True)
    csv_text = client.get(f"/reports/quarterly.csv?quarter=2026-Q1&area={other}").get_data(
        as_text=True)  # fmt: skip
    assert "West Midlands" not in csv_text
    client.post("/sign-out")
    sign_in(client, make_user("admin", national=True, email="national@engage.test"))
    page = client.get("/reports/quarterly?quarter=2026-Q1").get_data(as_text=True)
    table = re.search(r'id="all-areas".*?</table>', page, re.S).group(0)
    header = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', table)
    held = re.search(r"Engagements held</th>(.*?)</tr>", table, re.S).group(1)
    counts = dict(zip(header[1:], re.findall(r"<td[^>]*>([^<]*)</td>", held), strict=True))
    assert counts["Mersey-Cheshire"] == "2" and counts["West Midlands"] == "1"
    assert len(counts) == 14  # every Area


def test_a_quarter_not_yet_begun_or_not_a_quarter_gets_a_message(app, client, make_user):
    sign_in(client, make_user("panels"))
    for asked in ("2027-Q4", "2026-Q9", "nonsense", "2026-C1"):
        response = client.get(f"/reports/quarterly?quarter={asked}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "There is a problem" in page and "Choose a" in page, asked
        assert "Q2 2026-27 (July to September 2026)" in page  # the last whole quarter


def test_the_report_counts_the_same_stakeholder_once_per_engagement(app, make_user,
                                                                    make_stakeholder,
                                                                    make_engagement):  # fmt: skip
    one = make_stakeholder(type="faith", name="Mosque")
    two = make_stakeholder(type="faith", name="Temple")
    make_engagement(held_on=date(2026, 5, 1), stakeholder_ids=[one, two])
    lead = make_user("lead")
    with app.app_context():
        mc = area("Mersey-Cheshire").id
        assert db.session.query(Stakeholder).count() == 2
        report = area_report.build(db.session.get(User, lead.id), mc, Q1, TODAY)
        assert report.figure("engagement", "by-stakeholder-type", "Faith organisation") == 1


def _rows(page: str, table_id: str) -> dict[str, list[str]]:
    """A report table's rows on the page: {first cell: the other cells}."""
    table = re.search(rf'id="{table_id}".*?</table>', page, re.S).group(0)
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = [c.strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def test_the_annual_report_counts_each_characteristic_and_each_objective(
    app, client, make_user, make_plan, make_plan_action, make_engagement, quarter_made_by_hand
):
    """The year April 2026 to March 2027 (the one in progress; chosen explicitly), always
    public: engagements reaching each characteristic once each, and the objectives."""
    from crm.models import Objective

    with app.app_context():
        confidence = db.session.scalar(select(Objective.id).where(
            Objective.title == "Public confidence"))  # fmt: skip
    # The seeded objectives ran 2019 to 2022; a plan running this year still serves one.
    plan = make_plan(title="Confidence plan")
    make_plan_action(plan, objective_ids=[confidence], due_on=date(2026, 6, 1),
                     updates=[(date(2026, 5, 1), "on_track", "Begun"),
                              (date(2026, 8, 1), "done", "Finished")])  # fmt: skip
    make_plan_action(plan, objective_ids=[confidence], due_on=date(2026, 7, 1))  # overdue
    area_id = quarter_made_by_hand["area"]
    sign_in(client, make_user("lead"))
    response = client.get(f"/reports/annual?year=2026&area={area_id}")
    page = response.get_data(as_text=True)
    assert "Mersey-Cheshire: 2026-27 (April 2026 to March 2027)" in page
    assert "This report is for publication" in page and "app-chart" not in page
    rows = _rows(page, f"{area_id}-characteristics-by-characteristic")
    # Two engagements reached women and girls (sex); one reached migrants (another basis).
    assert rows["Sex"] == ["fewer than 10", "fewer than 10", "1 of 1"]
    assert rows["Another basis"][2].startswith("1 of ")
    objectives = _rows(page, f"{area_id}-objectives-objective-progress")
    # Actions, not started, on track, at risk, off track, done, dropped, overdue, evidence.
    assert objectives["Public confidence"] == ["2", "1", "0", "0", "0", "1", "0", "1", "0"]
    # The same year with the threshold at 1: the characteristic counts themselves.
    with app.app_context():
        from crm.services import annual_report
        from crm.services.quarters import Year

        lead = db.session.get(User, make_user("lead").id)
        report = annual_report.build(lead, [area_id], Year(2026), TODAY, threshold=1)[0]
        assert report.figure("characteristics", "by-characteristic", "Sex", 1) == 2
        assert report.figure("characteristics", "by-characteristic", "Another basis", 1) == 1
        assert report.figure("characteristics", "by-characteristic", "Sex", 2) == 0
        # The year before: no plan served it and its own period had ended, so not listed.
        earlier = annual_report.build(lead, [area_id], Year(2025), TODAY, threshold=1)[0]
        with pytest.raises(KeyError):
            earlier.figure("objectives", "objective-progress", "Public confidence")
    # Files: always public.
    workbook = load_workbook(io.BytesIO(client.get(f"/reports/annual.xlsx?year=2026&area="
                                                   f"{area_id}").data))  # fmt: skip
    assert workbook.sheetnames[:2] == [
        "Engagement with people who shar", "Progress against each equality"]
    assert "fewer than 10" in client.get(f"/reports/annual.csv?year=2026&area={area_id}").get_data(
        as_text=True)  # fmt: skip


def test_the_annual_report_refuses_other_areas_and_odd_years(app, client, make_user,
                                                             quarter_made_by_hand):  # fmt: skip
    other = quarter_made_by_hand["other"]
    lead = make_user("lead")
    with app.app_context(), pytest.raises(area_report.NotAllowed):
        from crm.services import annual_report
        from crm.services.quarters import Year

        annual_report.build(db.session.get(User, lead.id), [other], Year(2026), TODAY)
    sign_in(client, lead)
    for asked in ("year=2030", "year=x", "year=26", f"area={other}"):
        page = client.get(f"/reports/annual?{asked}").get_data(as_text=True)
        assert "There is a problem" in page and "West Midlands:" not in page, asked
        assert "Mersey-Cheshire: 2025-26 (April 2025 to March 2026)" in page, asked


def test_objective_progress_as_at_a_past_period_reads_where_each_action_stood_then(
    app, make_user, make_plan, make_plan_action
):
    from crm.models import Objective
    from crm.services import objectives

    with app.app_context():
        confidence = db.session.scalar(select(Objective).where(
            Objective.title == "Public confidence"))  # fmt: skip
        confidence_id = confidence.id
    plan = make_plan()
    make_plan_action(plan, objective_ids=[confidence_id], due_on=date(2026, 5, 1),
                     updates=[(date(2026, 5, 1), "on_track", "Begun"),
                              (date(2026, 8, 1), "done", "Finished")])  # fmt: skip
    lead = make_user("lead")
    with app.app_context():
        lead = db.session.get(User, lead.id)
        chosen = [db.session.get(Objective, confidence_id)]
        then = objectives.progress(lead, chosen, TODAY, Q1)[confidence_id]
        # Due in May and still open at the end of June: overdue then.
        assert then.by_status == {"on_track": 1} and then.overdue == 1
        now = objectives.progress(lead, chosen, TODAY)[confidence_id]
        assert now.by_status == {"done": 1} and now.overdue == 0


def test_a_pdf_is_made_in_the_background_on_a_page_that_offers_it(app, client, make_user,
                                                                   quarter_made_by_hand):
    sign_in(client, make_user("lead"))
    report = client.get("/reports/quarterly?quarter=2026-Q1").get_data(as_text=True)
    assert 'action="/reports/quarterly.pdf?quarter=2026-Q1"' in report and "Make a PDF" in report
    offer = client.get("/reports/quarterly.pdf?quarter=2026-Q1").get_data(as_text=True)
    assert "Make a PDF of this report" in offer
    assert "Mersey-Cheshire: quarterly report, Q1 2026-27" in offer
    job_page = client.post("/reports/quarterly.pdf?quarter=2026-Q1", follow_redirects=True)
    page = job_page.get_data(as_text=True)
    assert "PDF of Mersey-Cheshire: quarterly report, Q1 2026-27" in page
    assert "The PDF is ready" in page
    name = re.search(r'download>Download (quarterly-report-area-\d+-2026-Q1\.pdf)</a>', page)
    assert name, page
    # Someone else cannot have it.
    other = app.test_client()
    sign_in(other, make_user("lead"))
    job = re.search(r'href="(/jobs/\d+/file)"', page).group(1)
    assert other.get(job).status_code == 403
