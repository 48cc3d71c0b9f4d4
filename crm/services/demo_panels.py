"""Demo panels: an LSIP per demo Area and the national Community Accountability Forum.

Dates are relative to the day the demo is loaded, so the refresh page always has
something to catch: terms ending within 90 days (one at the maximum), a gap in
representation, expired and expiring vetting, a member absent from the last three
meetings, and (in one Area) terms of reference overdue for review.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm import clock
from crm.extensions import db
from crm.models import (
    Area,
    Attendance,
    Community,
    Contact,
    Membership,
    Panel,
    PanelMeeting,
    PanelTarget,
    TermsOfReference,
    User,
)
from crm.services import memberships, panel_meetings, panels, records
from crm.services.panel_refresh import add_months, term_end_for


def load_demo_panels(rng, demo: dict, admin: User) -> dict[str, int]:
    today = clock.today()
    plan = demo["panels"]
    communities = {c.name: c for c in db.session.scalars(select(Community))}
    counts = {"panels": 0, "memberships": 0, "meetings": 0}
    for index, area_name in enumerate(demo["areas"]):
        area = db.session.scalars(select(Area).where(Area.name == area_name)).one()
        contacts = list(
            db.session.scalars(
                select(Contact).where(Contact.area_id == area.id).order_by(Contact.id).limit(40)
            )
        )
        panel = _panel(
            f"{area_name} Local Scrutiny Involvement Panel (demo)", "lsip", area, plan,
            communities, plan["lsip_targets"], overdue=index == 0, today=today,
        )  # fmt: skip
        people = rng.sample(contacts, 16)
        counts["memberships"] += _lsip_members(rng, panel, people, communities, today)
        counts["meetings"] += _meetings(rng, panel, plan, today, every_months=3, absentee=True)
        counts["panels"] += 1
    everyone = list(db.session.scalars(select(Contact).order_by(Contact.id)))
    caf = _panel(
        "Community Accountability Forum (demo)", "caf", None, plan, communities,
        plan["caf_targets"], overdue=False, today=today, size=8, quorum=4, frequency="twice_yearly",
    )  # fmt: skip
    counts["memberships"] += _caf_members(rng, caf, rng.sample(everyone, 10), communities, today)
    counts["meetings"] += _meetings(rng, caf, plan, today, every_months=6, absentee=False)
    counts["panels"] += 1
    for panel in db.session.scalars(select(Panel)):
        records.create_audited(admin, panels.KIND, panel, panels.describe)
    return counts


def _panel(name, kind, area, plan, communities, targets, overdue, today, size=10, quorum=4,
           frequency="quarterly") -> Panel:  # fmt: skip
    panel = Panel(
        name=name,
        type=kind,
        area=area,
        purpose=plan["purposes"][kind],
        term_months=24,
        max_terms=2,
        target_size=size,
        quorum=quorum,
        meeting_frequency=frequency,
        # One Area's review is overdue, so the list and the refresh page show it.
        tor_review_due=today - timedelta(days=45) if overdue else today + timedelta(days=200),
    )
    panel.targets = [PanelTarget(community=communities[n], minimum=m) for n, m in targets.items()]
    first, second = plan["terms"]
    panel.terms_of_reference = [
        TermsOfReference(text=first, adopted_on=add_months(today, -40)),
        TermsOfReference(text=second, adopted_on=add_months(today, -16)),
    ]
    db.session.add(panel)
    db.session.flush()
    return panel


def _member(panel, contact, today, role="member", start_months_ago=12, term=1, status="active",
            communities=(), vetting_expires=None, **extra) -> Membership:  # fmt: skip
    start = add_months(today, -start_months_ago)
    applied = start - timedelta(days=70)
    m = Membership(
        panel=panel,
        contact=contact,
        role=role,
        status=status,
        applied_on=applied,
        shortlisted_on=applied + timedelta(days=21),
        term_number=term,
        vetting_status="cleared",
        vetting_on=applied + timedelta(days=40),
        vetting_expires_on=vetting_expires or add_months(applied, 36),
        confidentiality_signed_on=start,
        induction_completed_on=start + timedelta(days=14),
        communities=list(communities),
        **extra,
    )
    if status in ("active", "ended"):
        m.term_start = start
        m.term_end = term_end_for(start, panel.term_months)
    else:
        m.term_number = 1
        m.applied_on = today - timedelta(days=start_months_ago * 7)
        m.shortlisted_on = m.applied_on + timedelta(days=14) if status == "shortlisted" else None
        m.vetting_status, m.vetting_on, m.vetting_expires_on = "in_progress", None, None
        m.confidentiality_signed_on = m.induction_completed_on = None
    db.session.add(m)
    return m


def _lsip_members(rng, panel, people, communities, today) -> int:
    """Sixteen people: eight serving, four past, two applicants (and a renewed chain)."""
    women = communities["Women and girls"]
    disabled = communities["Disabled adults"]
    caribbean = communities["Black Caribbean people"]
    older = communities["Older people"]
    # The chair renewed once: the first term ended "renewed", the second ends within 90 days.
    first = _member(panel, people[0], today, "chair", start_months_ago=46, communities=[women])
    first.status, first.ended_on, first.end_reason = "ended", first.term_end, "renewed"
    db.session.flush()
    _member(panel, people[0], today, "chair", start_months_ago=22, term=2, communities=[women],
            previous_id=first.id)  # fmt: skip
    _member(panel, people[1], today, "vice_chair", start_months_ago=23, communities=[disabled])
    _member(panel, people[2], today, start_months_ago=14, communities=[caribbean, women])
    _member(panel, people[3], today, start_months_ago=10, communities=[older],
            vetting_expires=today - timedelta(days=20))  # expired  # fmt: skip
    _member(panel, people[4], today, start_months_ago=8, communities=[women],
            vetting_expires=today + timedelta(days=40))  # expires soon  # fmt: skip
    _member(panel, people[5], today, start_months_ago=16)  # the absentee (see _meetings)
    _member(panel, people[6], today, "observer", start_months_ago=6)
    _member(panel, people[7], today, "legal_adviser", start_months_ago=18)
    for person, reason, months in (
        (people[8], "term_completed", 40),
        (people[9], "resigned", 30),
        (people[10], "stood_down", 26),
        (people[11], "removed", 34),
    ):
        past = _member(panel, person, today, start_months_ago=months, communities=[older])
        past.status, past.end_reason = "ended", reason
        past.ended_on = min(past.term_end, add_months(today, -(months - 14)))
        if reason == "removed":
            past.end_note = "Did not keep case details confidential (demo)."
    # Applicants: one shortlisted who would close the Gypsy, Roma and Traveller gap.
    _member(panel, people[12], today, status="shortlisted", start_months_ago=6,
            communities=[communities["Gypsy, Roma and Traveller communities"]])  # fmt: skip
    _member(panel, people[13], today, status="applicant", start_months_ago=3, communities=[older])
    withdrawn = _member(panel, people[14], today, status="applicant", start_months_ago=20)
    withdrawn.status, withdrawn.end_reason = "ended", "not_appointed"
    withdrawn.ended_on = withdrawn.applied_on + timedelta(days=60)
    db.session.flush()
    return 15


def _caf_members(rng, panel, people, communities, today) -> int:
    muslim = communities["Muslim communities"]
    older = communities["Older people"]
    _member(panel, people[0], today, "chair", start_months_ago=20, communities=[older])
    _member(panel, people[1], today, "vice_chair", start_months_ago=12, communities=[muslim])
    for n, person in enumerate(people[2:7]):
        _member(panel, person, today, start_months_ago=4 + 4 * n)
    past = _member(panel, people[7], today, start_months_ago=30)
    past.status, past.end_reason = "ended", "term_completed"
    past.ended_on = past.term_end
    _member(panel, people[8], today, status="applicant", start_months_ago=2)
    db.session.flush()
    return 9


def _meetings(rng, panel, plan, today, every_months: int, absentee: bool) -> int:
    """Meetings over the last two years, with attendance for whoever was serving."""
    count = 0
    absent_member = None
    if absentee:
        # The longest-serving ordinary member misses the last three meetings.
        absent_member = db.session.scalars(
            select(Membership)
            .where(Membership.panel_id == panel.id, Membership.status == "active",
                   Membership.role == "member")
            .order_by(Membership.term_start)
        ).first()  # fmt: skip
    for months_ago in range(24, 0, -every_months):
        held_on = add_months(today, -months_ago) - timedelta(days=rng.randint(0, 10))
        serving = panel_meetings.expected_members(panel, held_on)
        meeting = PanelMeeting(
            panel=panel,
            held_on=held_on,
            online=rng.random() < 0.3,
            place="Area office, meeting room 2 (demo)",
            quorum=panel.quorum,
            agenda="1. Declarations of interest\n2. Case reviews\n3. Matters arising",
            cases_reviewed=rng.randint(4, 10) if panel.type == "lsip" else 0,
            case_themes=", ".join(rng.sample(plan["case_themes"], 2))
            if panel.type == "lsip"
            else "",
        )
        for m in serving:
            status = rng.choices(["present", "apologies", "absent"], [80, 14, 6])[0]
            if m is absent_member and months_ago <= 3 * every_months:
                status = "absent"  # absent from the last three meetings
            elif m is absent_member:
                status = "present"
            meeting.attendance.append(Attendance(membership=m, status=status))
        db.session.add(meeting)
        db.session.flush()
        records.create_audited(None, panel_meetings.KIND, meeting, panel_meetings.describe)
        count += 1
    for m in db.session.scalars(select(Membership).where(Membership.panel_id == panel.id)):
        records.create_audited(None, memberships.KIND, m, memberships.describe)
    return count
