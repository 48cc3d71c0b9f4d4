"""The membership refresh planner on hand-made panels: every rule at its boundary dates.

No database: the planner is a pure function of a panel's state and a date.
"""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from crm.services.panel_refresh import (
    MemberState,
    PanelState,
    Plan,
    add_months,
    check_plan,
    project,
    review,
    term_end_for,
    vetting_state,
    vetting_text,
)

TODAY = date(2026, 11, 22)
WOMEN, DEAF, ROMA = 1, 2, 3


def member(i: int, name: str, **kw) -> MemberState:
    values = {
        "membership_id": i,
        "contact_id": 100 + i,
        "name": name,
        "role": "member",
        "status": "active",
        "term_start": date(2025, 1, 1),
        "term_end": date(2027, 12, 31),
        "term_number": 1,
        "vetting_status": "cleared",
        "vetting_expires_on": date(2029, 1, 1),
    } | kw
    return MemberState(**values)


def panel(*members: MemberState, **kw) -> PanelState:
    values = {
        "target_size": 4,
        "max_terms": 2,
        "term_months": 24,
        "tor_review_due": date(2027, 6, 1),
        "targets": {},
        "community_names": {WOMEN: "Women", DEAF: "Deaf people", ROMA: "Roma"},
        "members": members,
    } | kw
    return PanelState(**values)


def test_month_arithmetic_keeps_to_the_last_day_of_short_months():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert term_end_for(date(2026, 4, 1), 24) == date(2028, 3, 31)
    assert term_end_for(date(2026, 3, 31), 1) == date(2026, 4, 29)


def test_terms_ending_within_90_days_counting_today_and_the_90th_day():
    horizon = TODAY + timedelta(days=90)
    state = panel(
        member(1, "Ends today", term_end=TODAY),
        member(2, "Ends on day 90", term_end=horizon),
        member(3, "Ends on day 91", term_end=horizon + timedelta(days=1)),
        member(4, "Ended yesterday", term_end=TODAY - timedelta(days=1)),
        member(5, "Applicant", status="applicant", term_end=TODAY),
    )
    ending = review(state, TODAY).terms_ending
    assert [t.member.name for t in ending] == ["Ended yesterday", "Ends today", "Ends on day 90"]
    assert [t.already_ended for t in ending] == [True, False, False]


def test_another_term_is_allowed_only_below_the_maximum():
    state = panel(
        member(1, "First term", term_end=TODAY, term_number=1),
        member(2, "Second term", term_end=TODAY, term_number=2),
        max_terms=2,
    )
    may = {t.member.name: t.may_renew for t in review(state, TODAY).terms_ending}
    assert may == {"First term": True, "Second term": False}


def test_vacancies_count_only_active_members_in_a_seat():
    state = panel(
        member(1, "Chair", role="chair"),
        member(2, "Vice", role="vice_chair"),
        member(3, "Observer", role="observer"),
        member(4, "Adviser", role="legal_adviser"),
        member(5, "Applicant", status="applicant"),
        target_size=4,
    )
    report = review(state, TODAY)
    assert (report.seats_filled, report.vacancies) == (2, 2)
    full = panel(*(member(i, f"M{i}") for i in range(1, 6)), target_size=4)
    assert review(full, TODAY).vacancies == 0  # more than the target is not a negative vacancy


def test_community_gaps_against_each_minimum():
    state = panel(
        member(1, "A", communities=frozenset({WOMEN, DEAF})),
        member(2, "B", communities=frozenset({WOMEN})),
        member(3, "Observer", role="observer", communities=frozenset({ROMA})),
        member(4, "Applicant", status="applicant", communities=frozenset({ROMA})),
        targets={WOMEN: 2, DEAF: 2, ROMA: 1},
    )
    gaps = review(state, TODAY).community_gaps
    assert [(g.name, g.active, g.minimum, g.short_by) for g in gaps] == [
        ("Deaf people", 1, 2, 1),
        ("Roma", 0, 1, 1),
    ]


def test_vetting_expired_expiring_and_not_cleared():
    horizon = TODAY + timedelta(days=90)
    state = panel(
        member(1, "Expired yesterday", vetting_expires_on=TODAY - timedelta(days=1)),
        member(2, "Expires today", vetting_expires_on=TODAY),
        member(3, "Expires day 90", vetting_expires_on=horizon),
        member(4, "Expires day 91", vetting_expires_on=horizon + timedelta(days=1)),
        member(5, "In progress", vetting_status="in_progress", vetting_expires_on=None),
        member(6, "Not required", vetting_status="not_required", vetting_expires_on=None),
    )
    found = {v.member.name: v.problem for v in review(state, TODAY).vetting}
    assert found == {
        "Expired yesterday": "expired",
        "Expires today": "expires soon",
        "Expires day 90": "expires soon",
        "In progress": "not cleared",
    }


def test_absence_flag_from_three_meetings_in_a_row():
    state = panel(member(1, "Twice", absence_streak=2), member(2, "Three times", absence_streak=3))
    assert [m.name for m in review(state, TODAY).absent] == ["Three times"]


def test_terms_of_reference_overdue_the_day_after_the_review_date():
    assert not review(panel(tor_review_due=TODAY), TODAY).tor_overdue
    assert review(panel(tor_review_due=TODAY - timedelta(days=1)), TODAY).tor_overdue
    missing = review(panel(tor_review_due=None), TODAY)
    assert missing.tor_missing and not missing.tor_overdue and missing.needs_attention


def test_a_healthy_panel_needs_nothing():
    state = panel(*(member(i, f"M{i}", communities=frozenset({WOMEN}),
                           role="chair" if i == 1 else "member") for i in range(1, 5)),
                  targets={WOMEN: 2})  # fmt: skip
    assert not review(state, TODAY).needs_attention


def test_a_panel_with_no_chair_or_a_wanted_vice_chair_is_flagged():
    members = [member(1, "Chair", role="chair"), member(2, "Member")]
    assert review(panel(*members), TODAY).missing_roles == []
    assert review(panel(*members, wants_vice_chair=True), TODAY).missing_roles == ["vice_chair"]
    no_chair = review(panel(member(2, "Member"), wants_vice_chair=True), TODAY)
    assert no_chair.missing_roles == ["chair", "vice_chair"] and no_chair.needs_attention
    # An applicant appointed as chair is not a chair until appointed; an observer never.
    assert review(panel(member(3, "Observer", role="observer")), TODAY).missing_roles == ["chair"]
    # The preview shows the effect of ending the chair's membership.
    after = review(project(panel(*members), Plan(end={1: "resigned"}), TODAY), TODAY)
    assert after.missing_roles == ["chair"]


@pytest.mark.parametrize("status, expires, state", [
    ("cleared", None, "current"),
    ("cleared", TODAY + timedelta(days=91), "current"),
    ("cleared", TODAY + timedelta(days=90), "expires soon"),
    ("cleared", TODAY, "expires soon"),
    ("cleared", TODAY - timedelta(days=1), "expired"),
    ("not_required", TODAY - timedelta(days=1), "expired"),
    ("in_progress", None, "not cleared"),
    ("refused", TODAY + timedelta(days=400), "not cleared"),
])  # fmt: skip
def test_one_rule_for_where_vetting_stands(status, expires, state):
    assert vetting_state(status, expires, TODAY) == state


def test_vetting_is_never_called_cleared_once_it_has_expired():
    assert vetting_text("Cleared", "cleared", date(2026, 11, 21), TODAY) == (
        "Expired on 21 November 2026"
    )
    assert vetting_text("Cleared", "cleared", date(2027, 1, 5), TODAY) == (
        "Cleared, expires 5 January 2027 (within 90 days)"
    )
    assert vetting_text("Cleared", "cleared", date(2028, 1, 5), TODAY) == (
        "Cleared, expires 5 January 2028"
    )
    assert vetting_text("In progress", "in_progress", None, TODAY) == "In progress"


def test_an_ending_takes_effect_when_the_plan_says():
    """Term completed: the term's last day. Any other reason: today. Either: as set."""
    chair = member(1, "Chair", role="chair", term_start=date(2025, 1, 30),
                   term_end=date(2027, 1, 29))  # fmt: skip
    completed = Plan(end={1: "term_completed"})
    assert completed.ends_on(chair, TODAY) == date(2027, 1, 29)
    assert Plan(end={1: "resigned"}).ends_on(chair, TODAY) == TODAY
    chosen = Plan(end={1: "term_completed"}, end_on={1: date(2026, 12, 31)})
    assert chosen.ends_on(chair, TODAY) == date(2026, 12, 31)
    state = panel(chair)
    assert check_plan(state, chosen) == []
    too_late = Plan(end={1: "resigned"}, end_on={1: date(2027, 1, 30)})
    assert check_plan(state, too_late) == [
        "Chair's membership must end on or before their term ends, on 29 January 2027"
    ]
    too_early = Plan(end={1: "resigned"}, end_on={1: date(2025, 1, 29)})
    assert check_plan(state, too_early) == [
        "Chair's membership cannot end before their term started, on 30 January 2025"
    ]


def test_plan_renews_ends_and_appoints_and_shows_the_effect_on_the_gaps():
    state = panel(
        member(1, "Renewing", term_end=date(2026, 12, 31), communities=frozenset({WOMEN})),
        member(2, "Leaving", term_end=date(2026, 12, 31), communities=frozenset({DEAF})),
        member(
            3,
            "New",
            status="shortlisted",
            term_start=None,
            term_end=None,
            communities=frozenset({ROMA}),
        ),  # fmt: skip
        targets={WOMEN: 1, DEAF: 1, ROMA: 1},
    )
    plan = Plan(renew={1: ""}, end={2: "term_completed"}, appoint=frozenset({3}))
    assert check_plan(state, plan) == []
    after = project(state, plan, TODAY)
    renewed, appointed = after.member(1), after.member(3)
    assert after.member(2) is None
    assert (renewed.term_start, renewed.term_end, renewed.term_number) == (
        date(2027, 1, 1), date(2028, 12, 31), 2,
    )  # fmt: skip
    assert (appointed.status, appointed.term_start, appointed.term_end) == (
        "active", TODAY, date(2028, 11, 21),
    )  # fmt: skip
    before_gaps = [g.name for g in review(state, TODAY).community_gaps]
    after_gaps = [g.name for g in review(after, TODAY).community_gaps]
    assert before_gaps == ["Roma"] and after_gaps == ["Deaf people"]
    assert review(after, TODAY).terms_ending == []


def test_renewal_beyond_the_maximum_needs_a_reason():
    state = panel(member(1, "Long serving", term_number=2, term_end=TODAY), max_terms=2)
    problems = check_plan(state, Plan(renew={1: "  "}))
    assert problems == [
        "Long serving has served 2 consecutive terms, the panel's maximum of 2: "
        "record why they should serve another"
    ]
    assert check_plan(state, Plan(renew={1: "Continuity while the chair is recruited"})) == []


def test_plan_refuses_contradictions_and_strangers():
    state = panel(
        member(1, "Active"),
        member(2, "Applicant", status="applicant"),
        member(3, "Chair", role="chair"),
        member(4, "Wants chair", role="chair", status="applicant"),
        member(5, "Active again", contact_id=101, status="applicant"),  # same person as 1
    )
    assert check_plan(state, Plan(renew={1: ""}, end={1: "resigned"})) == [
        "Active cannot be both renewed and ended"
    ]
    assert check_plan(state, Plan(end={2: "resigned"})) == [
        "Only active members can have their membership ended"
    ]
    assert check_plan(state, Plan(end={1: ""})) == ["Select why Active's membership is ending"]
    assert check_plan(state, Plan(renew={99: ""})) == [
        "Only active members with a term end date can be renewed"
    ]
    assert check_plan(state, Plan(appoint=frozenset({1}))) == ["Only applicants can be appointed"]
    assert check_plan(state, Plan(appoint=frozenset({5}))) == [
        "Active again is already an active member of this panel"
    ]
    assert check_plan(state, Plan(appoint=frozenset({4}))) == [
        "The panel would have two chairs: Chair and Wants chair"
    ]
    # Ending the current chair in the same plan makes room for the new one.
    assert check_plan(state, Plan(end={3: "stood_down"}, appoint=frozenset({4}))) == []


def test_projection_leaves_the_original_state_untouched():
    state = panel(member(1, "A", term_end=TODAY))
    project(state, Plan(renew={1: ""}), TODAY)
    assert state.member(1).term_number == 1
    assert replace(state) == state


def test_member_flags_name_every_reason_a_member_needs_a_decision():
    from crm.services.panel_refresh import member_flags

    state = panel(
        member(1, "Ending", term_end=TODAY + timedelta(days=10)),
        member(
            2,
            "Lapsed",
            term_end=TODAY - timedelta(days=1),
            absence_streak=3,
            vetting_expires_on=TODAY - timedelta(days=1),
        ),  # fmt: skip
        member(3, "Fine"),
    )
    assert member_flags(review(state, TODAY)) == {
        1: ["Term ending soon"],
        2: ["Term has ended", "Vetting expired", "Absent 3 meetings in a row"],
    }
