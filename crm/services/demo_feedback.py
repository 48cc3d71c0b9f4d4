"""Demo feedback: case reviews from the demo panels' meetings and points raised at
engagements over two years, in every state, so /priorities and "you said, we did"
tell a story. Older feedback is mostly closed with a response; recent feedback is
still being worked on.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from crm import clock
from crm.extensions import db
from crm.models import (
    CaseworkPriority,
    Community,
    Engagement,
    Feedback,
    FeedbackMove,
    PanelMeeting,
    User,
)
from crm.services import feedback as feedback_service
from crm.services import records

ASSESSMENT_TONE = {
    "handled_well": "positive",
    "observations": "mixed",
    "not_appropriate": "negative",
    "no_conclusion": "neutral",
}


def load_demo_feedback(rng, demo: dict, admin: User) -> dict[str, int]:
    plan = demo["feedback"]
    today = clock.today()
    strands = {p.name: p for p in db.session.scalars(select(CaseworkPriority))}
    communities = {c.name: c for c in db.session.scalars(select(Community))}
    staff = list(db.session.scalars(select(User).where(User.role.in_(["lead", "panels"]))))
    count = 0
    meetings = db.session.scalars(select(PanelMeeting).order_by(PanelMeeting.held_on)).all()
    for meeting in meetings:
        if meeting.panel.type != "lsip":
            continue
        for _ in range(rng.randint(2, 4)):
            strand = rng.choice(list(plan["case_reviews"]))
            assessment = rng.choices(list(ASSESSMENT_TONE), [35, 35, 20, 10])[0]
            f = Feedback(
                source="case_review",
                received_on=meeting.held_on,
                area_id=meeting.panel.area_id,
                panel_id=meeting.panel_id,
                panel_meeting_id=meeting.id,
                summary=rng.choice(plan["case_reviews"][strand]),
                case_reference=f"{rng.randint(1, 99):02d}DM{rng.randint(1000000, 9999999)}",
                assessment=assessment,
                tone=ASSESSMENT_TONE[assessment],
                learning_points=rng.choice(plan["learning"])
                if assessment != "handled_well"
                else "",
                owner=rng.choice(staff),
            )
            f.priorities = [strands[strand]]
            _life(rng, f, plan, today, admin)
            count += 1
    engagements = db.session.scalars(
        select(Engagement).where(Engagement.status == "held").order_by(Engagement.held_on)
    ).all()
    for engagement in engagements:
        if rng.random() > 0.12:
            continue
        strand = rng.choice(list(plan["community"]))
        f = Feedback(
            source="engagement",
            received_on=engagement.held_on,
            area_id=engagement.area_id,
            engagement_id=engagement.id,
            summary=plan["community"][strand],
            tone=rng.choice(["negative", "negative", "mixed", "neutral"]),
            owner=engagement.lead,
        )
        f.priorities = [strands[strand]]
        f.communities = list(engagement.communities) or [communities["Women and girls"]]
        _life(rng, f, plan, today, admin)
        count += 1
    return {"feedback": count}


def _life(rng, f: Feedback, plan: dict, today: date, admin: User) -> None:
    """Walk the feedback through its states as far as its age suggests, dated."""
    age = (today - f.received_on).days
    f.response_due_on = f.received_on + timedelta(days=42)
    moves = [("received", f.received_on, "")]
    day = f.received_on
    stages = ["under_review", "action_agreed", "closed"]
    if age > 120:
        reach = rng.choices([3, 2, 1], [80, 12, 8])[0]
    elif age > 45:
        reach = rng.choices([3, 2, 1, 0], [40, 30, 20, 10])[0]
    else:
        reach = rng.choices([1, 0], [50, 50])[0]
    for stage in stages[:reach]:
        day = min(today, day + timedelta(days=rng.randint(3, 30)))
        if stage == "closed" and rng.random() < 0.1:
            f.no_action_reason = rng.choice(plan["no_action"])
            stage = "closed_no_action"
        elif stage == "closed":
            f.response = rng.choice(plan["responses"])
        moves.append((stage, day, ""))
    if f.assessment == "not_appropriate" and rng.random() < 0.5:
        f.referred_to_qa_on = min(today, f.received_on + timedelta(days=7))
    f.status, f.status_on = moves[-1][0], moves[-1][1]
    f.closed_on = f.status_on if f.status in ("closed", "closed_no_action") else None
    previous = ""
    for status, moved_on, note in moves:
        f.moves.append(
            FeedbackMove(
                from_status=previous,
                to_status=status,
                moved_on=moved_on,
                user=f.owner or admin,
                note=note,
            )  # fmt: skip
        )
        previous = status
    db.session.add(f)
    db.session.flush()
    records.create_audited(None, feedback_service.KIND, f, feedback_service.describe)
