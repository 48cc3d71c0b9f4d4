"""Feedback: recording it, its status rules, case reviews and matters arising, the
figures by priority against a hand-computed fixture, and the "you said, we did" report."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Feedback, FeedbackMove, User
from crm.services import feedback as service
from crm.services import priority_figures
from tests.conftest import area, community, priority

VAWG = "Violence against women and girls"


def _form(app, **overrides):
    with app.app_context():
        data = {
            "source": "other",
            "received_on": ["2", "3", "2026"],
            "area_id": str(area("Mersey-Cheshire").id),
            "summary": "Victims of stalking were not told about special measures",
            "detail": "Raised at the Chester women's centre.",
            "priority_ids": [str(priority("Stalking and harassment").id)],
            "community_ids": [str(community("Women and girls").id)],
            "tone": "negative",
            "response_due_on": ["1", "5", "2026"],
        }
    return data | overrides


def _count(app, model=Feedback) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_lead_records_feedback_and_sees_it_in_the_filtered_list(app, client, signed_in):
    signed_in("lead")
    response = client.post("/feedback/new", data=_form(app))
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for text in ("Victims of stalking were not told", f"{VAWG}: Stalking and harassment",
                 "Women and girls", "Received", "2 March 2026", "Negative"):  # fmt: skip
        assert text in page, text
    with app.app_context():
        vawg = priority(VAWG).id
        hate = priority("Hate crime").id
    listing = client.get(f"/feedback?priority={vawg}&status=open").get_data(as_text=True)
    assert "Victims of stalking" in listing  # a strand counts towards its priority
    assert "Victims of stalking" not in client.get(f"/feedback?priority={hate}").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"priority_ids": []}, "Select at least one casework priority"),
        ({"summary": ""}, "Enter a summary of the feedback"),
        ({"received_on": ["1", "1", "2999"]}, "Date received must be today or in the past"),
        ({"response_due_on": ["1", "1", "2026"]}, "Response due date must be on or after"),
        ({"source": "case_review"}, "Select the panel that reviewed the case"),
        ({"source": "engagement"}, "Select the engagement"),
        ({"case_reference": "Jane Smith"}, "Case reference looks like a person&#39;s name"),
        ({"case_reference": "Mr Okafor"}, "Case reference looks like a person&#39;s name"),
    ],
)
def test_feedback_form_says_what_is_wrong_and_saves_nothing(
    app, client, signed_in, overrides, message
):
    signed_in("lead")
    response = client.post("/feedback/new", data=_form(app, **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(app) == 0


def test_a_service_reference_is_accepted_and_a_name_only_when_confirmed(app, client, signed_in):
    signed_in("lead")
    assert client.post("/feedback/new", data=_form(app, case_reference="05AB1234521"))
    assert _count(app) == 1
    response = client.post(
        "/feedback/new", data=_form(app, case_reference="Operation Larch", confirm_reference="y")
    )
    assert response.status_code == 302
    assert not service.looks_like_a_name("05AB1234521")
    assert service.looks_like_a_name("Amara Okafor")
    assert not service.looks_like_a_name("URN 42")


def test_feedback_from_an_engagement_starts_from_its_page(app, client, signed_in, make_engagement):
    signed_in("panels")
    e = make_engagement(title="Community Conversation in Toxteth", held_on=date(2026, 2, 10))
    form = client.get(f"/feedback/new?engagement={e}").get_data(as_text=True)
    assert "From the engagement" in form and "Community Conversation in Toxteth" in form
    response = client.post(
        "/feedback/new", data=_form(app, source="engagement", engagement_id=str(e))
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"/engagements/{e}" in page


def test_another_areas_engagement_cannot_be_linked(app, client, signed_in, make_engagement):
    signed_in("lead", areas=("Mersey-Cheshire",))
    e = make_engagement("West Midlands")
    response = client.post(
        "/feedback/new", data=_form(app, source="engagement", engagement_id=str(e))
    )
    assert response.status_code == 404
    assert _count(app) == 0


# The status rules


def _move(client, f, to, day="2026-03-10", **extra):
    year, month, d = day.split("-")
    return client.post(
        f"/feedback/{f}/status",
        data={"to_status": to, "moved_on": [d, month, year], **extra},
    )


def test_closing_needs_the_response_and_every_move_is_dated(app, client, signed_in, make_feedback):
    signed_in("lead")
    f = make_feedback(received_on=date(2026, 3, 1))
    assert _move(client, f, "under_review", "2026-03-05").status_code == 302
    refused = _move(client, f, "closed", "2026-03-20")
    assert "Enter the response: what was done about the feedback" in refused.get_data(as_text=True)
    done = _move(client, f, "closed", "2026-03-20",
                 response="Witness care officers now explain special measures")  # fmt: skip
    assert done.status_code == 302
    with app.app_context():
        saved = db.session.get(Feedback, f)
        assert (saved.status, saved.closed_on) == ("closed", date(2026, 3, 20))
        assert [(m.to_status, m.moved_on) for m in saved.moves] == [
            ("received", date(2026, 3, 1)),
            ("under_review", date(2026, 3, 5)),
            ("closed", date(2026, 3, 20)),
        ]


def test_no_skipping_back_silently(app, client, signed_in, make_feedback):
    signed_in("lead")
    f = make_feedback(status="action_agreed", received_on=date(2026, 3, 1),
                      status_on=date(2026, 3, 8))  # fmt: skip
    refused = _move(client, f, "under_review", "2026-03-09")
    assert "Say why it is going back from action agreed to under review" in refused.get_data(
        as_text=True
    )
    assert _move(client, f, "under_review", "2026-03-09",
                 note="The agreed action was not possible").status_code == 302  # fmt: skip
    with app.app_context():
        move = db.session.scalars(select(FeedbackMove).order_by(FeedbackMove.id.desc())).first()
        assert move.note == "The agreed action was not possible"
        assert move.from_status == "action_agreed"


def test_other_status_rules(app, client, signed_in, make_feedback):
    signed_in("lead")
    f = make_feedback(received_on=date(2026, 3, 1), status_on=date(2026, 3, 4))
    for to, day, extra, message in (
        ("closed_no_action", "2026-03-10", {}, "Enter why no action is being taken"),
        ("received", "2026-03-10", {}, "Choose a different status: the feedback is received"),
        ("under_review", "2026-03-03", {}, "Date must be on or after 4 March 2026"),
        ("under_review", "2999-01-01", {}, "Date must be today or in the past"),
    ):
        response = _move(client, f, to, day, **extra)
        assert message in response.get_data(as_text=True), message
    assert _move(client, f, "closed_no_action", "2026-03-10",
                 no_action_reason="Outside the service's remit").status_code == 302  # fmt: skip
    # Reopening a closed one is a step back: it needs a reason too.
    assert "Say why it is going back" in _move(client, f, "under_review").get_data(as_text=True)


def test_the_status_page_and_its_message_read_as_sentences(app, client, signed_in,
                                                          make_feedback):  # fmt: skip
    """The status page says where the feedback stands and since when ("Now: Received,
    since 4 March 2026."), and a move is confirmed as a sentence about the feedback
    ("Saved: the feedback has action agreed"), not "It is received since" or "is now
    action agreed"."""
    signed_in("lead")
    f = make_feedback(received_on=date(2026, 3, 1), status_on=date(2026, 3, 4))
    page = _text(client.get(f"/feedback/{f}/status"))
    assert "Now: Received, since 4 March 2026." in page
    assert "It is received since" not in page
    moved = _move(client, f, "action_agreed", "2026-03-10")
    assert moved.status_code == 302
    page = _text(client.get(moved.headers["Location"]))
    assert "Saved: the feedback has action agreed" in page
    assert "is now action agreed" not in page
    assert "Now: Action agreed, since 10 March 2026." in _text(client.get(f"/feedback/{f}/status"))


def _text(response) -> str:
    """A page's words as a person reads them: tags gone, spaces collapsed."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_senior_leader_cannot_move_feedback(app, client, signed_in, make_feedback):
    signed_in("senior")
    f = make_feedback()
    assert _move(client, f, "under_review").status_code == 403


def test_restricted_detail_is_for_the_owner_admins_and_senior_leaders(
    app, client, signed_in, make_user, make_feedback
):
    owner = make_user("lead")
    f = make_feedback(restricted_detail="The victim's address was disclosed", owner_id=owner.id)
    signed_in("lead")  # another lead in the same Area
    assert "address was disclosed" not in client.get(f"/feedback/{f}").get_data(as_text=True)
    edit = client.get(f"/feedback/{f}/edit").get_data(as_text=True)
    assert "address was disclosed" not in edit
    client.post("/sign-out")
    signed_in("senior")
    assert "address was disclosed" in client.get(f"/feedback/{f}").get_data(as_text=True)


# Case reviews at a meeting, and matters arising


def test_case_reviews_are_recorded_in_one_sitting_and_become_matters_arising(
    app, client, signed_in, make_panel, make_meeting
):
    signed_in("panels")
    p = make_panel()
    first = make_meeting(p, held_on=date(2026, 1, 20))
    second = make_meeting(p, held_on=date(2026, 4, 20))
    with app.app_context():
        da, race = priority("Domestic abuse").id, priority("Race").id
    rows = {
        "reviews-0-case_reference": "05AB1234521", "reviews-0-priority_id": str(da),
        "reviews-0-assessment": "not_appropriate", "reviews-0-tone": "negative",
        "reviews-0-summary": "Bail conditions were not explained to the victim",
        "reviews-0-learning_points": "Explain bail conditions at charge",
        "reviews-1-case_reference": "", "reviews-1-summary": "",
        "reviews-2-case_reference": "07CD7654321", "reviews-2-priority_id": str(race),
        "reviews-2-assessment": "handled_well", "reviews-2-tone": "positive",
        "reviews-2-summary": "Strong use of the uplift for racial aggravation",
    }  # fmt: skip
    incomplete = client.post(
        f"/meetings/{first}/case-reviews",
        data=rows | {"reviews-2-assessment": ""},
    )
    assert "Case 3: select the panel&#39;s assessment" in incomplete.get_data(as_text=True)
    assert _count(app) == 0
    assert client.post(f"/meetings/{first}/case-reviews", data=rows).status_code == 302
    with app.app_context():
        saved = db.session.scalars(select(Feedback).order_by(Feedback.id)).all()
        assert [(f.source, f.received_on, f.panel_meeting_id) for f in saved] == [
            ("case_review", date(2026, 1, 20), first),
            ("case_review", date(2026, 1, 20), first),
        ]
        closed = saved[1]
        closed.status, closed.closed_on, closed.response = "closed", date(2026, 2, 1), "Shared"
        db.session.commit()
    page = client.get(f"/meetings/{first}").get_data(as_text=True)
    assert "Bail conditions were not explained" in page and "Not handled appropriately" in page
    later = client.get(f"/meetings/{second}").get_data(as_text=True)
    arising = later.split('id="matters-arising"')[1]
    assert "Bail conditions were not explained" in arising
    assert "Strong use of the uplift" not in arising  # closed, so not still arising
    earlier = client.get(f"/meetings/{first}").get_data(as_text=True)
    assert "Nothing is still open from earlier meetings" in earlier


# Figures by priority, against a hand-computed fixture


@pytest.fixture
def figures_fixture(make_feedback):
    """Six pieces of VAWG feedback (one outside the period, one in another Area, one
    archived) and one on hate crime:

    in period, Mersey-Cheshire, live, VAWG or a strand:
      A domestic abuse, negative, closed after 10 days, not handled appropriately
      B stalking + VAWG itself, negative, closed after 30 days (counted once)
      C VAWG, positive, open, learning points
      D domestic abuse + race, mixed, closed after 5 days
    so VAWG: 4 feedback, 2 negative, 1 open, 3 closed, median 10 days, 1 not appropriate.
    """
    d = date(2026, 2, 1)
    make_feedback(priorities=["Domestic abuse"], tone="negative", status="closed",
                  received_on=d, closed_on=d + timedelta(days=10), status_on=d,
                  assessment="not_appropriate")  # fmt: skip
    make_feedback(priorities=["Stalking and harassment", VAWG], tone="negative",
                  status="closed", received_on=d, closed_on=d + timedelta(days=30))  # fmt: skip
    make_feedback(priorities=[VAWG], tone="positive", received_on=date(2026, 3, 5),
                  learning_points="Use intermediaries earlier")  # fmt: skip
    make_feedback(priorities=["Domestic abuse", "Race"], tone="mixed", status="closed",
                  received_on=date(2026, 5, 1), closed_on=date(2026, 5, 6))  # fmt: skip
    make_feedback(priorities=[VAWG], received_on=date(2025, 6, 1))  # before the period
    make_feedback("West Midlands", priorities=[VAWG], received_on=d)  # another Area
    from crm.models.common import utcnow

    make_feedback(priorities=[VAWG], received_on=d, archived_at=utcnow())


def test_priority_figures_match_the_hand_computed_fixture(app, make_user, figures_fixture):
    lead_id = make_user("lead", areas=("Mersey-Cheshire",)).id
    with app.app_context():
        user = db.session.get(User, lead_id)
        figures = {
            f.priority.name: f
            for f in priority_figures.figures(user, None, date(2026, 1, 1), date(2026, 6, 30))
        }
    vawg = figures[VAWG]
    assert (vawg.total, vawg.negative, vawg.open, vawg.closed, vawg.not_appropriate) == (
        4, 2, 1, 3, 1,
    )  # fmt: skip
    assert vawg.median_days_to_close == 10
    assert vawg.latest_learning_points == [(date(2026, 3, 5), "Use intermediaries earlier")]
    hate = figures["Hate crime"]
    assert (hate.total, hate.open, hate.closed, hate.median_days_to_close) == (1, 0, 1, 5)
    assert figures["Serious violence"].total == 0


def test_priorities_page_links_each_figure_to_the_feedback_behind_it(
    app, client, signed_in, figures_fixture
):
    signed_in("lead", areas=("Mersey-Cheshire",))
    html = client.get("/priorities?from=2026-01-01&to=2026-06-30").get_data(as_text=True)
    with app.app_context():
        vawg = priority(VAWG).id
    link = f"/feedback?priority={vawg}&amp;from=2026-01-01&amp;to=2026-06-30&amp;tone=negative"
    assert link in html
    listing = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "<strong>2</strong> pieces of feedback" in listing
    trend = client.get("/priorities?from=2026-01-01&to=2026-06-30&view=quarters")
    table = trend.get_data(as_text=True).split('id="priority-trend-table"')[1]
    row = table.split(VAWG)[1].split("</tr>")[0]
    assert [cell.split(">")[-1] for cell in row.split("</td>")[:-1]] == ["3", "1"]


def test_a_retired_priority_keeps_its_feedback(app, client, signed_in, make_feedback):
    signed_in("admin", national=True)
    f = make_feedback(priorities=["Serious violence"], received_on=date(2026, 2, 1))
    with app.app_context():
        sv = priority("Serious violence").id
    assert client.post(f"/priorities/{sv}/retire").status_code == 302
    assert "has been retired" in client.get("/priorities/manage").get_data(as_text=True)
    form = client.get("/feedback/new").get_data(as_text=True)
    assert "Serious violence" not in form  # no longer offered
    edit = client.get(f"/feedback/{f}/edit").get_data(as_text=True)
    assert "Serious violence (retired)" in edit  # but kept where it is used
    figures = client.get("/priorities?from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    assert "Serious violence (retired)" in figures


def test_administrator_adds_a_strand_and_is_told_of_duplicates(app, client, signed_in):
    signed_in("admin", national=True)
    with app.app_context():
        hate = str(priority("Hate crime").id)
        race = str(priority("Race").id)
    assert (
        client.post("/priorities/manage", data={"name": "Age", "parent_id": hate}).status_code
        == 302
    )
    again = client.post("/priorities/manage", data={"name": "age", "parent_id": hate})
    assert "There is already a priority called age there" in again.get_data(as_text=True)
    deep = client.post("/priorities/manage", data={"name": "Too deep", "parent_id": race})
    assert "Priorities have two levels" in deep.get_data(as_text=True)


# You said, we did


def test_you_said_we_did_public_version_leaves_out_what_it_must(
    app, client, signed_in, make_feedback
):
    signed_in("senior")
    closed = {"status": "closed", "closed_on": date(2026, 4, 1), "status_on": date(2026, 4, 1)}
    make_feedback(priorities=["Disability"], summary="Disability hate crime was under-charged",
                  case_reference="05AB1234521", learning_points="Check the uplift",
                  restricted_detail="Victim lives at 4 Elm Road", detail="Internal detail",
                  response="Hate crime coordinators now review every disability case",
                  **closed)  # fmt: skip
    make_feedback(priorities=["Race"], summary="Mrs Ade was not kept informed",
                  names_person=True, response="Apologised to Mrs Ade", **closed)  # fmt: skip
    make_feedback(priorities=["Race"], summary="Still open feedback")
    internal = client.get("/reports/you-said-we-did?from=2026-01-01&to=2026-12-31")
    html = internal.get_data(as_text=True)
    for text in ("Disability hate crime was under-charged", "05AB1234521", "Check the uplift",
                 "Mrs Ade was not kept informed"):  # fmt: skip
        assert text in html, text
    assert "Still open feedback" not in html and "4 Elm Road" not in html
    public = client.get("/reports/you-said-we-did?from=2026-01-01&to=2026-12-31&public=1")
    html = public.get_data(as_text=True)
    assert "Disability hate crime was under-charged" in html
    assert "Hate crime coordinators now review every disability case" in html
    for text in ("05AB1234521", "Check the uplift", "Mrs Ade", "Internal detail", "4 Elm Road"):
        assert text not in html, text
    exported = client.get("/reports/you-said-we-did.csv?from=2026-01-01&to=2026-12-31&public=1")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[0] == ["Casework priority", "Received", "You said", "We did", "Closed"]
    assert rows[1][0] == "Hate crime" and len(rows) == 2


def test_you_said_we_did_for_one_panel(app, client, signed_in, make_panel, make_feedback):
    signed_in("senior")
    p = make_panel()
    closed = {"status": "closed", "closed_on": date(2026, 4, 1), "response": "Done"}
    make_feedback(summary="From the panel", panel_id=p, **closed)
    make_feedback(summary="From elsewhere", **closed)
    html = client.get(f"/reports/you-said-we-did?panel={p}&from=2026-01-01&to=2026-12-31")
    text = html.get_data(as_text=True)
    assert "From the panel" in text and "From elsewhere" not in text


def test_home_page_counts_the_feedback_waiting_for_my_response(
    app, client, signed_in, make_feedback
):
    me = signed_in("lead")
    make_feedback(owner_id=me.id, response_due_on=date(2026, 1, 1), received_on=date(2025, 12, 1),
                  status_on=date(2025, 12, 1))  # fmt: skip
    make_feedback(owner_id=me.id, status="closed", response="Done")
    make_feedback()  # nobody's
    html = client.get("/").get_data(as_text=True)
    assert "1 open" in html.split('id="my-feedback"')[1][:200]
    assert "1 past the response date" in html
    listing = client.get(f"/feedback?owner={me.id}&status=open").get_data(as_text=True)
    assert "<strong>1</strong> piece of feedback" in listing


def test_the_case_review_form_summarises_its_errors(client, signed_in, make_panel, make_meeting):
    """Like every other form: an error summary linking to each field, and "Error:" in the
    title; an all-blank form says what to enter."""
    signed_in("panels")
    g = make_meeting(make_panel())
    blank = client.post(f"/meetings/{g}/case-reviews", data={}).get_data(as_text=True)
    assert "<title>Error: Record the case reviews" in blank
    summary = blank.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert 'href="#reviews-0-summary">Enter at least one case review' in summary
    one_row = client.post(f"/meetings/{g}/case-reviews",
                          data={"reviews-0-summary": "Kept informed"}).get_data(as_text=True)
    summary = one_row.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert 'href="#reviews-0-priority_id">Case 1: select the casework priority' in summary
    assert 'href="#reviews-0-assessment">Case 1: select the panel' in summary
