"""The home page's dashboards, one per role, against figures worked out by hand: today is
30 November 2026, so this quarter is Q3 2026-27 (October to December) and the one before
Q2 (July to September). Mersey-Cheshire is the Area; West Midlands' records must stay out
of every Mersey-Cheshire figure; archived, planned and out-of-period records count
nowhere; 31 March and 1 April fall in different quarters."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, date, datetime

import pytest

from crm.extensions import db
from crm.models import User
from crm.services import home_dashboards
from tests.conftest import TODAY, sign_in

ARCHIVED = datetime(2026, 11, 1, tzinfo=UTC)
EIGHT = ["Q4 2024-25", "Q1 2025-26", "Q2 2025-26", "Q3 2025-26", "Q4 2025-26", "Q1 2026-27",
         "Q2 2026-27", "Q3 2026-27"]  # fmt: skip


@pytest.fixture
def made_by_hand(app, make_user, make_engagement, make_feedback, make_plan, make_plan_action,
                 make_panel, make_membership, make_meeting):  # fmt: skip
    users = {role: make_user(role) for role in ("lead", "senior", "panels")}
    users["admin"] = make_user("admin", national=True)
    lead = users["lead"].id
    # Engagements: the lead led two this quarter (1 October and today) and one the day
    # before it; someone else one in August; 1 April and 31 March either side of a
    # financial year; 31 December 2024 is before the eight quarters. Archived, planned and
    # West Midlands engagements count for no Mersey-Cheshire figure.
    make_engagement(held_on=date(2026, 10, 1), type="meeting", lead_id=lead,
                    communities=["Migrants", "Women and girls"])  # fmt: skip
    make_engagement(held_on=TODAY, lead_id=lead, communities=["Women and girls"])
    make_engagement(held_on=date(2026, 9, 30), type="meeting", lead_id=lead,
                    communities=["Migrants"])  # fmt: skip
    make_engagement(held_on=date(2026, 8, 15), type="forum", communities=["Black Caribbean people"])
    make_engagement(held_on=date(2026, 4, 1), type="outreach")
    make_engagement(held_on=date(2026, 3, 31), type="outreach")
    make_engagement(held_on=date(2024, 12, 31), type="meeting")
    make_engagement(held_on=date(2026, 10, 15), type="meeting", lead_id=lead,
                    communities=["Sex workers"], archived_at=ARCHIVED)  # fmt: skip
    make_engagement(held_on=date(2026, 11, 20), status="planned", lead_id=lead)
    make_engagement("West Midlands", held_on=date(2026, 10, 20), type="meeting",
                    communities=["Sex workers"])  # fmt: skip
    # Feedback: this quarter one open past its response date, one closed and a case review
    # (open, no date); the day before the quarter one open, not yet due; a case review in
    # August; one from October 2025, open and overdue; archived and West Midlands ones.
    make_feedback(received_on=date(2026, 10, 1), response_due_on=date(2026, 11, 15))
    make_feedback(received_on=date(2026, 11, 2), status="closed", closed_on=date(2026, 11, 20),
                  priorities=("Violence against women and girls",))  # fmt: skip
    make_feedback(received_on=date(2026, 9, 30), response_due_on=date(2026, 12, 15))
    make_feedback(received_on=date(2026, 10, 5), archived_at=ARCHIVED)
    make_feedback(source="case_review", received_on=date(2026, 10, 20), assessment="handled_well")
    make_feedback(source="case_review", received_on=date(2026, 8, 1), status="closed",
                  closed_on=date(2026, 8, 20), assessment="not_appropriate")  # fmt: skip
    make_feedback(received_on=date(2025, 10, 1), response_due_on=date(2025, 11, 1))
    make_feedback("West Midlands", received_on=date(2026, 10, 10),
                  response_due_on=date(2026, 11, 1))  # fmt: skip
    make_feedback("West Midlands", source="case_review", received_on=date(2026, 10, 11),
                  assessment="observations")  # fmt: skip
    # Plans: the running one has an action on track, one not started and overdue (due in
    # October), one done, and an archived one; an ended plan and West Midlands' don't count.
    plan = make_plan()
    make_plan_action(plan, updates=[(date(2026, 5, 10), "on_track", "Begun")],
                     due_on=date(2027, 1, 1))  # fmt: skip
    make_plan_action(plan, due_on=date(2026, 10, 1))
    make_plan_action(plan, updates=[(date(2026, 6, 1), "done", "Finished")])
    make_plan_action(plan, updates=[(date(2026, 6, 1), "on_track", "Begun")], archived_at=ARCHIVED)
    ended = make_plan(starts_on=date(2025, 4, 1), ends_on=date(2026, 3, 31))
    make_plan_action(ended, updates=[(date(2025, 6, 1), "at_risk", "Slow")])
    west = make_plan("West Midlands")
    make_plan_action(west, updates=[(date(2026, 6, 1), "at_risk", "Slow")])
    # A panel of six seats with three filled (and an observer): two terms end within 90
    # days, the second of them a last term; no member represents Migrants.
    panel = make_panel(targets={"Migrants": 1})
    chair = make_membership(panel, role="chair", name="Chair Person", term_end=date(2026, 12, 31))
    member = make_membership(panel, name="Member Two", term_end=date(2028, 1, 1), term_number=2)
    last = make_membership(panel, name="Member Three", term_end=date(2027, 2, 1), term_number=2)
    observer = make_membership(panel, role="observer", name="Observer Person",
                               term_end=date(2028, 1, 1))  # fmt: skip
    # Seven meetings: the last six count; an archived one and next month's do not.
    for month in (1, 3, 5, 7, 9):
        make_meeting(panel, held_on=date(2026, month, 10), attendance={chair: "present"})
    make_meeting(panel, held_on=date(2025, 11, 1), attendance={chair: "absent"})
    make_meeting(panel, held_on=date(2026, 11, 10), attendance={
        chair: "present", member: "apologies", last: "absent", observer: "present"})  # fmt: skip
    make_meeting(panel, held_on=date(2026, 10, 1), attendance={chair: "absent"},
                 archived_at=ARCHIVED)  # fmt: skip
    make_meeting(panel, held_on=date(2026, 12, 10), attendance={chair: "absent"})
    make_panel("West Midlands", name="West Midlands LSIP")
    return users


def _board(app, user, calendar=False) -> home_dashboards.Board:
    return home_dashboards.build(db.session.get(User, user.id), TODAY, calendar)


def _section(board, key):
    return next(s for s in board.sections if s.key == key)


def _chart(board, key):
    return next(c for c in board.charts if c.key == key)


def _stats(section) -> list[tuple[str, int]]:
    return [(s.label, s.value) for s in section.stats]


def test_the_leads_dashboard(app, made_by_hand):
    with app.app_context():
        board = _board(app, made_by_hand["lead"])
        assert [s.key for s in board.sections] == ["your-engagements", "communities"]
        yours = _section(board, "your-engagements")
        assert _stats(yours) == [("led by you in Q3 2026-27", 2), ("in Q2 2026-27", 1)]
        assert yours.stats[0].link.args == {"from": "2026-10-01", "to": "2026-12-31",
                                            "status": "held",
                                            "lead": made_by_hand["lead"].id}  # fmt: skip
        assert _chart(board, "your-engagements").table() == (
            ["Type", "Q2 2026-27", "Q3 2026-27"],
            [["Meeting", 1, 1], ["Community Conversation", 0, 1]],
        )
        reached = _section(board, "communities")
        assert _stats(reached) == [
            ("communities reached in Q3 2026-27", 2),
            ("of the 13 seldom-heard communities reached in Q3 2026-27", 1),
            ("seldom-heard communities not reached in the last 6 months", 11),
        ]
        # Reached only by an archived engagement and in another Area: still a gap.
        assert "Sex workers" in reached.items and "Migrants" not in reached.items
        assert "Black Caribbean people" not in reached.items  # reached in August
        assert _chart(board, "communities-reached").table().rows == [
            ["Migrants (seldom heard)", 1, 1],
            ["Women and girls", 0, 2],
            ["Black Caribbean people (seldom heard)", 1, 0],
        ]


def test_the_senior_leaders_dashboard(app, made_by_hand):
    with app.app_context():
        board = _board(app, made_by_hand["senior"])
        assert [s.key for s in board.sections] == ["engagements", "communities", "panels",
                                                   "feedback", "plans", "reports"]  # fmt: skip
        assert _stats(_section(board, "engagements")) == [("held in Q3 2026-27", 2),
                                                          ("in Q2 2026-27", 2)]  # fmt: skip
        # Eight quarters by type: 1 April and 31 March in their own quarters; December
        # 2024 before the first.
        assert _chart(board, "engagements-by-type").table() == (["Type", *EIGHT], [
            ["Meeting", 0, 0, 0, 0, 0, 0, 1, 1],
            ["Community Conversation", 0, 0, 0, 0, 0, 0, 0, 1],
            ["Forum or network meeting", 0, 0, 0, 0, 0, 0, 1, 0],
            ["Outreach event", 0, 0, 0, 0, 1, 1, 0, 0],
        ])  # fmt: skip
        assert _chart(board, "communities-reached").table().rows == [
            ["Migrants (seldom heard)", 2], ["Women and girls", 2],
            ["Black Caribbean people (seldom heard)", 1]]  # fmt: skip
        feedback = _section(board, "feedback")
        assert _stats(feedback) == [("received in Q3 2026-27", 3),
                                    ("open, whenever received", 4),
                                    ("open and past the date a response was due", 2)]  # fmt: skip
        # The last four quarters' feedback (not October 2025's), open and closed.
        rows = {r[0]: r[1:] for r in _chart(board, "feedback-by-priority").table().rows}
        assert rows == {"Hate crime": [3, 1], "Violence against women and girls": [0, 1]}
        assert _stats(_section(board, "plans")) == [("actions in the plans running today", 3),
                                                    ("open actions overdue", 1)]  # fmt: skip
        assert dict(_chart(board, "plan-status").table().rows) == {
            "Not started": 1, "On track": 1, "At risk": 0, "Off track": 0, "Done": 1,
            "Dropped": 0}  # fmt: skip
        health = _section(board, "panels").grids[0]
        assert [[getattr(c, "text", c) for c in row] for row in health.rows] == [
            ["Mersey-Cheshire LSIP", "3 of 6", 3, 2, 1, "Nothing"]]  # fmt: skip
        assert [link.endpoint for link in _section(board, "reports").links] == [
            "reports.quarterly", "maps.index"]  # fmt: skip


def test_the_panel_coordinators_dashboard(app, made_by_hand):
    with app.app_context():
        board = _board(app, made_by_hand["panels"])
        assert [s.key for s in board.sections] == ["panels", "attendance", "case-reviews"]
        grids = {g.key: g.rows for g in _section(board, "panels").grids}
        assert grids["terms-ending"] == [
            ["Mersey-Cheshire LSIP", "Chair Person", "31 December 2026", "Yes"],
            ["Mersey-Cheshire LSIP", "Member Three", "1 February 2027",
             "No, the last term allowed"]]  # fmt: skip
        assert grids["representation-gaps"] == [["Mersey-Cheshire LSIP", "Migrants", 0, 1]]
        attendance = [c for c in board.charts if c.key.startswith("attendance-panel-")]
        assert len(attendance) == 1  # not West Midlands' panel
        assert attendance[0].table() == (["Meeting", "Present", "Apologies", "Absent"], [
            ["10 Jan 2026", 1, 0, 0], ["10 Mar 2026", 1, 0, 0], ["10 May 2026", 1, 0, 0],
            ["10 Jul 2026", 1, 0, 0], ["10 Sep 2026", 1, 0, 0], ["10 Nov 2026", 1, 1, 1]])
        reviews = _section(board, "case-reviews")
        assert _stats(reviews) == [("reviewed in Q3 2026-27", 1), ("reviewed in Q2 2026-27", 1)]
        assert _chart(board, "case-review-assessments").table() == (
            ["Assessment", "Q2 2026-27", "Q3 2026-27"],
            [["Handled well", 0, 1], ["Not handled appropriately", 1, 0]],
        )


def _row(grid, label):
    return next(row[1:] for row in grid.rows if row[0] == label)


def _value(cell):
    return getattr(cell, "value", cell)


def test_a_national_administrator_sees_every_area_side_by_side(app, made_by_hand):
    with app.app_context():
        board = _board(app, made_by_hand["admin"])
        grid = _section(board, "areas").grids[0]
        assert len(grid.header) == 15  # the figure's name and the 14 Areas
        columns = {name: i for i, name in enumerate(grid.header[1:])}

        def figures(label):
            values = [_value(c) for c in _row(grid, label)]
            return values[columns["Mersey-Cheshire"]], values[columns["West Midlands"]]

        assert figures("Engagements held this quarter") == (2, 1)
        assert figures("Engagements held the quarter before") == (2, 0)
        assert figures("Communities reached this quarter") == (2, 1)
        assert figures("Seldom-heard communities reached this quarter (of 13)") == (1, 1)
        assert figures("Seldom-heard communities not reached in the last 6 months") == (11, 12)
        assert figures("Panels needing attention") == (1, 1)
        assert figures("Panel vacancies") == (3, 6)
        assert figures("Panel terms ending in 90 days") == (2, 0)
        assert figures("Panel representation gaps") == (1, 0)
        assert figures("Feedback received this quarter") == (3, 2)
        assert figures("Feedback open") == (4, 2)
        assert figures("Feedback past the date a response was due") == (2, 1)
        assert figures("Case reviews this quarter") == (1, 1)
        assert figures("Plan actions on track") == (1, 0)
        assert figures("Plan actions at risk or off track") == (0, 1)
        assert figures("Plan actions overdue") == (1, 1)  # West Midlands': due October
        rows = dict((r[0], r[1:]) for r in _chart(board, "engagements-by-area").table().rows)
        assert rows["Mersey-Cheshire"] == [2, 2] and rows["West Midlands"] == [0, 1]
        assert len(rows) == 14


def test_an_area_user_sees_only_their_area(app, client, make_user, made_by_hand):
    west = make_user("senior", areas=("West Midlands",))
    with app.app_context():
        board = _board(app, west)
        assert _stats(_section(board, "engagements")) == [("held in Q3 2026-27", 1),
                                                          ("in Q2 2026-27", 0)]  # fmt: skip
        feedback = _stats(_section(board, "feedback"))
        assert feedback[:2] == [("received in Q3 2026-27", 2), ("open, whenever received", 2)]
    for role in ("lead", "senior", "panels"):
        sign_in(client, made_by_hand[role])
        page = client.get("/").get_data(as_text=True)
        assert "West Midlands" not in page, role
        client.post("/sign-out")


def _table(page: str, table_id: str) -> list[list[str]]:
    """A table's rows on the page (its header row too), each cell's text."""
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", found, re.S)
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
             for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


@pytest.mark.parametrize("role", ["lead", "senior", "panels", "admin"])
def test_each_chart_has_its_table_and_its_csv_is_that_table(app, client, made_by_hand, role):
    sign_in(client, made_by_hand[role])
    page = client.get("/").get_data(as_text=True)
    with app.app_context():
        charts = _board(app, made_by_hand[role]).charts
    assert charts
    for chart in charts:
        table = chart.table()
        expected = [table.header, *([str(v) for v in row] for row in table.rows)]
        if not chart.is_empty:
            shown = _table(page, f"{chart.key}-table")
            assert shown == [table.header, *([row[0], *(chart.shown(v) for v in row[1:])]
                                             for row in table.rows)], chart.key  # fmt: skip
        response = client.get(f"/?chart={chart.key}&format=csv")
        assert response.mimetype == "text/csv"
        assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == expected


@pytest.mark.parametrize("role", ["lead", "senior", "panels", "admin"])
def test_every_figure_is_the_count_of_the_list_it_links_to(client, made_by_hand, role):
    sign_in(client, made_by_hand[role])
    home = client.get("/").get_data(as_text=True)
    figures = re.findall(r'href="([^"]+)" data-count="(\d+)"', home)
    assert len(figures) >= 6
    for href, count in figures:
        page = client.get(html.unescape(href)).get_data(as_text=True)
        shown = re.search(r'id="result-count"[^>]*>\s*<strong>([\d,]+)', page)
        assert shown and int(shown.group(1).replace(",", "")) == int(count), (role, href)


def test_calendar_quarters_name_the_same_months_their_own_way(app, client, made_by_hand):
    with app.app_context():
        board = _board(app, made_by_hand["senior"], calendar=True)
        chart = _chart(board, "engagements-by-type")
        assert chart.categories == ["2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4", "2026 Q1",
                                    "2026 Q2", "2026 Q3", "2026 Q4"]  # fmt: skip
        outreach = dict(zip(chart.categories, chart.values["Outreach event"], strict=True))
        assert outreach["2026 Q1"] == 1 and outreach["2026 Q2"] == 1  # 31 March, 1 April
        assert _stats(_section(board, "engagements"))[0] == ("held in 2026 Q4", 2)
    sign_in(client, made_by_hand["senior"])
    page = client.get("/?quarters=calendar").get_data(as_text=True)
    assert "2026 Q4 (October to December 2026)" in page
    assert '<option value="calendar" selected' in page
    assert "Q3 2026-27 (October to December 2026)" in client.get("/").get_data(as_text=True)


def test_odd_quarters_and_chart_values_answer_without_error(client, made_by_hand):
    sign_in(client, made_by_hand["senior"])
    for query in ("quarters=lunar", "quarters=", "quarters=calendar&quarters=financial",
                  "chart=engagements-by-type", "format=csv", "format=xlsx&chart=plan-status"):
        response = client.get(f"/?{query}")
        assert response.status_code == 200, query
        assert "Engagements held each quarter, by type" in response.get_data(as_text=True)
    for query in ("chart=nonsense&format=csv", "chart=%3Cscript%3E&format=csv",
                  "chart=&format=csv&quarters=x",
                  "chart=attendance-panel-1&format=csv"):  # another role's chart
        assert client.get(f"/?{query}").status_code == 404, query


def test_a_dashboard_with_nothing_to_show_says_so(client, make_user):
    sign_in(client, make_user("senior", areas=("Wessex",)))
    page = client.get("/").get_data(as_text=True)
    assert page.count("No data for this period.") == 4
    assert "You have no panels." in page
