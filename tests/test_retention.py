"""Retention: rules set by an administrator, a dry run against boundary dates (one day either
side of each limit, TODAY injected), applying as a job and as a command, a second run that
changes nothing, and legal holds skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import (
    AuditEvent,
    ConsentRecord,
    Contact,
    Declaration,
    EqualityAnswers,
    Erasure,
    Feedback,
    Job,
    Membership,
    Purpose,
    RetentionAction,
    RetentionRun,
)
from crm.services import retention
from tests.conftest import TODAY, sign_in
from tests.test_route_access import snapshot

YEARS = 6
CUTOFF = date(TODAY.year - YEARS, TODAY.month, TODAY.day)  # 30 November 2020
BEFORE, AFTER = CUTOFF - timedelta(days=1), CUTOFF + timedelta(days=1)
LONG_AGO = datetime(2015, 1, 1, tzinfo=UTC)


@pytest.fixture
def world(app, make_user, make_engagement, make_panel, make_membership, make_feedback):
    """Contacts, memberships and feedback one day either side of each limit."""
    admin = make_user("admin", national=True)
    ids = {}
    with app.app_context():
        from tests.conftest import area

        def contact(name, **kw):
            row = Contact(name=name, area=area("Mersey-Cheshire"), created_at=LONG_AGO, **kw)
            db.session.add(row)
            db.session.flush()
            ids[name] = row.id
            return row.id

        for name in ("Engaged before", "Engaged after", "Engaged on the day", "Held before",
                     "Ended before", "Active member", "New"):  # fmt: skip
            contact(name)
        consented = contact("Consent after")
        purpose = db.session.scalars(select(Purpose).order_by(Purpose.id)).first()
        db.session.add(ConsentRecord(contact_id=consented, purpose_id=purpose.id, basis="consent",
                                     status="given", changed_on=AFTER))  # fmt: skip
        db.session.get(Contact, ids["New"]).created_at = datetime(2026, 1, 1, tzinfo=UTC)
        db.session.commit()
    make_engagement(contact_ids=[ids["Engaged before"], ids["Held before"]], held_on=BEFORE)
    make_engagement(contact_ids=[ids["Engaged after"]], held_on=AFTER)
    make_engagement(contact_ids=[ids["Engaged on the day"]], held_on=CUTOFF)
    p = make_panel()
    ended = dict(status="ended", term_start=date(2016, 1, 1), term_end=date(2019, 12, 31),
                 end_reason="resigned", end_note="Moved to Leeds")  # fmt: skip
    ids["m before"] = make_membership(p, ids["Ended before"], **ended, ended_on=BEFORE)
    ids["m after"] = make_membership(p, ids["Engaged after"], **ended, ended_on=AFTER)
    make_membership(p, ids["Active member"], term_start=date(2014, 1, 1))
    closed = dict(status="closed", detail="Said by a named victim", names_person=True)
    ids["f before"] = make_feedback(**closed, closed_on=BEFORE)
    ids["f after"] = make_feedback(**closed, closed_on=AFTER)
    with app.app_context():
        db.session.add(Declaration(membership_id=ids["m before"], declared_on=date(2017, 1, 1),
                                   text="Trustee of a victims' charity"))  # fmt: skip
        db.session.commit()
    return admin, ids


def _set_rules(client) -> None:
    for kind in ("inactive_contacts", "ended_memberships", "closed_feedback"):
        response = client.post("/admin/retention", data={
            f"{kind}-years": str(YEARS), f"{kind}-active": "y", f"{kind}-submit": "Save rule"})
        assert response.status_code == 302


def _hold(client, contact_id: int) -> None:
    response = client.post(f"/contacts/{contact_id}/legal-hold",
                           data={"reason": "Civil claim pending"})  # fmt: skip
    assert response.status_code == 302


def test_dry_run_lists_what_is_past_each_limit_and_why_and_changes_nothing(app, client, world):
    admin, ids = world
    sign_in(client, admin)
    _set_rules(client)
    _hold(client, ids["Held before"])
    before = snapshot(app)
    with app.app_context():
        found = {(d.record_type, d.record_id): d for d in retention.due()}
    assert set(found) == {
        ("contact", ids["Engaged before"]), ("contact", ids["Held before"]),
        ("contact", ids["Ended before"]), ("membership", ids["m before"]),
        ("feedback", ids["f before"]),
    }  # fmt: skip
    assert found[("contact", ids["Held before"])].held
    assert "29 November 2020" in found[("contact", ids["Engaged before"])].why
    page = client.get("/admin/retention/dry-run").get_data(as_text=True)
    assert "Engaged before" in page and "Skipped: on legal hold" in page
    assert "Engaged after" not in page and "Engaged on the day" not in page
    assert snapshot(app) == before


@pytest.mark.parametrize("today, due", [
    (date(2026, 12, 1), True),  # the day after the limit
    (date(2026, 11, 30), False),  # the limit itself: kept
    (date(2026, 11, 29), False),  # the day before
])  # fmt: skip
def test_the_limit_moves_with_the_injected_day(app, client, world, today, due):
    admin, ids = world
    sign_in(client, admin)
    _set_rules(client)
    with app.app_context():
        found = {(d.record_type, d.record_id) for d in retention.due(today)}
    assert (("contact", ids["Engaged on the day"]) in found) == due


def test_applying_as_a_job_erases_anonymises_and_skips_held_records(app, client, world):
    admin, ids = world
    sign_in(client, admin)
    _set_rules(client)
    _hold(client, ids["Held before"])
    response = client.post("/admin/retention/apply")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Retention applied" in job_page
    with app.app_context():
        erased = set(db.session.scalars(select(Erasure.contact_id)))
        assert erased == {ids["Engaged before"], ids["Ended before"]}
        assert db.session.get(Contact, ids["Held before"]).name == "Held before"
        assert db.session.get(Membership, ids["m before"]).end_note == ""
        assert db.session.get(Membership, ids["m after"]).end_note == "Moved to Leeds"
        assert db.session.get(Membership, ids["m before"]).status == "ended"
        assert db.session.get(Feedback, ids["f before"]).detail == ""
        assert db.session.get(Feedback, ids["f after"]).detail == "Said by a named victim"
        run = db.session.scalars(select(RetentionRun)).one()
        assert "1 on legal hold skipped" in run.summary
        assert db.session.scalar(select(func.count()).select_from(RetentionAction)) == 4
    assert "Erased person" in client.get("/admin/erasures").get_data(as_text=True)


def test_feedback_on_legal_hold_keeps_its_text_until_the_hold_is_lifted(app, client, world):
    admin, ids = world
    sign_in(client, admin)
    _set_rules(client)
    page = client.get(f"/feedback/{ids['f before']}").get_data(as_text=True)
    assert f"/feedback/{ids['f before']}/legal-hold" in page and "On legal hold" not in page
    assert client.post(f"/feedback/{ids['f before']}/legal-hold", data={"reason": ""}
                       ).status_code == 200  # a reason is needed  # fmt: skip
    held = client.post(f"/feedback/{ids['f before']}/legal-hold",
                       data={"reason": "Complaint to the Ombudsman"})  # fmt: skip
    assert held.status_code == 302
    assert "On legal hold" in client.get(f"/feedback/{ids['f before']}").get_data(as_text=True)
    dry = client.get("/admin/retention/dry-run").get_data(as_text=True)
    assert "on legal hold" in dry.lower()
    client.post("/admin/retention/apply")
    with app.app_context():
        assert db.session.get(Feedback, ids["f before"]).detail == "Said by a named victim"
        assert "1 on legal hold skipped" in db.session.scalars(select(RetentionRun)).one().summary
        changes = [e.changes for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.record_type == "feedback", AuditEvent.record_id == ids["f before"])
            .order_by(AuditEvent.id))]  # fmt: skip
        assert {"Legal hold": ["No", "Yes"]} in changes
    assert client.post(f"/feedback/{ids['f before']}/legal-hold/remove").status_code == 302
    client.post("/admin/retention/apply")
    with app.app_context():
        assert db.session.get(Feedback, ids["f before"]).detail == ""


def test_a_second_run_changes_nothing(app, client, world):
    admin, ids = world
    sign_in(client, admin)
    _set_rules(client)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["crm", "apply-retention"])
    assert first.exit_code == 0 and "Retention applied" in first.output
    before = snapshot(app)
    second = runner.invoke(args=["crm", "apply-retention"])
    assert "0 erased" in second.output and "0 ended memberships" in second.output
    after = snapshot(app)
    assert {t: rows for t, rows in after.items() if t != "retention_runs"} == {
        t: rows for t, rows in before.items() if t != "retention_runs"}


def test_the_worker_applies_the_rules_each_night_once(app, client, world, monkeypatch):
    """The queue's schedule fires at CRM_RETENTION_AT (02:30 by default) and queues one run
    a night, whatever number of workers fire it; the run is a job administrators follow."""
    from crm.jobs import queue, runner

    admin, ids = world
    sign_in(client, admin)
    _set_rules(client)
    with app.app_context():
        huey = queue.queue().huey
    due = {task.name for task in huey.read_periodic(datetime(2026, 11, 30, 2, 30))}
    assert "engage.nightly_retention" in due
    assert "engage.nightly_retention" not in {
        task.name for task in huey.read_periodic(datetime(2026, 11, 30, 3, 30))}
    night = datetime(2026, 11, 30, 2, 30, tzinfo=UTC)
    monkeypatch.setitem(app.config, "NOW", night)
    with app.app_context():
        first = runner.start_nightly_retention()
        assert first is not None and runner.start_nightly_retention() is None  # a 2nd worker
        assert db.session.get(Job, first.id).status == "done"
        assert ids["Engaged before"] in set(db.session.scalars(select(Erasure.contact_id)))
    monkeypatch.setitem(app.config, "NOW", night + timedelta(days=1))
    with app.app_context():
        with queue.queue().huey.lock_task("engage.nightly_retention"):  # another worker's
            assert runner.start_nightly_retention() is None
        assert runner.start_nightly_retention() is not None
        assert db.session.scalar(select(func.count()).select_from(RetentionRun)) == 2
    assert "Retention rules applied (nightly)" in client.get("/jobs").get_data(as_text=True)


@pytest.mark.parametrize("setting, at", [("02:30", (2, 30)), ("23:05", (23, 5)), ("off", None)])
def test_the_nightly_time_is_read_or_refused(setting, at):
    from crm.jobs.queue import retention_time

    assert retention_time(setting) == at
    for bad in ("2.30", "25:00", "02:60", "2:3", "nightly"):
        with pytest.raises(ValueError, match="CRM_RETENTION_AT must be a time like 02:30"):
            retention_time(bad)


def test_rules_off_do_nothing_and_bad_years_are_refused(app, client, world):
    admin, _ = world
    sign_in(client, admin)
    with app.app_context():
        assert retention.due() == []
    for years in ("", "0", "abc", "101", "9" * 30):
        response = client.post("/admin/retention", data={
            "closed_feedback-years": years, "closed_feedback-submit": "Save rule"})
        assert response.status_code == 200
        assert "Enter a number of years from 1 to 100" in response.get_data(as_text=True)
    with app.app_context():
        assert retention.rules()[2][1] is None


@pytest.mark.parametrize("years, saved", [
    ("\u00b2", None),  # "²".isdigit() is true, but int() refuses it
    ("\u0667", None),  # an Arabic-Indic seven
    ("-1", None), ("1e3", None), ("7.0", None), ("+7", None), ("0x7", None),
    (str(10**9), None), ("1000", None),
    (" 7 ", 7),  # spaces either side are trimmed
    ("1", 1), ("100", 100), ("007", 7),
])  # fmt: skip
def test_the_years_kept_are_ascii_digits_from_1_to_100(app, client, world, years, saved):
    admin, _ = world
    sign_in(client, admin)
    response = client.post("/admin/retention", data={
        "closed_feedback-years": years, "closed_feedback-submit": "Save rule"})
    with app.app_context():
        rule = retention.rules()[2][1]
        assert (rule.years if rule else None) == saved
    if saved is None:
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Enter a number of years from 1 to 100" in page
        assert "govuk-error-summary" in page and "govuk-error-message" in page
    else:
        assert response.status_code == 302


@pytest.mark.parametrize("role", ["lead", "senior", "panels"])
def test_retention_pages_are_refused_without_the_right(app, client, make_user, world, role):
    sign_in(client, make_user(role))
    assert client.get("/admin/retention").status_code == 403
    assert client.get("/admin/retention/dry-run").status_code == 403
    assert client.post("/admin/retention/apply").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RetentionRun)) == 0


def test_the_dry_run_and_applying_cover_only_the_users_areas(app, client, make_user, world,
                                                             make_panel, make_membership,
                                                             make_feedback):  # fmt: skip
    """A one-Area officer with the data protection right sees and applies the rules to their
    Area's records alone: another Area's due contact, membership and feedback, and national
    ones, are neither listed nor touched (as erasing by hand needs read access)."""
    admin, ids = world
    sign_in(client, admin)
    _set_rules(client)
    with app.app_context():
        from tests.conftest import area

        far = Contact(name="Far Away Person", area=area("West Midlands"), created_at=LONG_AGO,
                      notes="Far notes")  # fmt: skip
        db.session.add(far)
        db.session.commit()
        far_id = far.id
    ended = dict(status="ended", term_start=date(2016, 1, 1), term_end=date(2019, 12, 31),
                 end_reason="resigned", end_note="Far term", ended_on=BEFORE)  # fmt: skip
    far_member = make_membership(make_panel("West Midlands", name="WM panel"), **ended)
    national_member = make_membership(make_panel(None, name="National panel"), **ended)
    closed = dict(status="closed", detail="Far detail", closed_on=BEFORE)
    far_feedback = make_feedback("West Midlands", **closed)
    national_feedback = make_feedback(None, **closed)
    officer = make_user("lead", areas=("Mersey-Cheshire",))
    with app.app_context():
        from crm.models import User

        db.session.get(User, officer.id).set_rights(["data_protection"])
        db.session.commit()
        everywhere = {(d.record_type, d.record_id) for d in retention.due()}
    assert {("contact", far_id), ("membership", far_member), ("membership", national_member),
            ("feedback", far_feedback), ("feedback", national_feedback)} <= everywhere
    client.post("/sign-out")
    sign_in(client, officer)
    page = client.get("/admin/retention/dry-run").get_data(as_text=True)
    assert "Engaged before" in page
    assert "Far Away Person" not in page and "another Area" not in page
    assert client.get("/admin/retention").status_code == 403  # the rules: administrators
    response = client.post("/admin/retention/apply")
    assert "Retention applied" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    with app.app_context():
        erased = set(db.session.scalars(select(Erasure.contact_id)))
        assert ids["Engaged before"] in erased and far_id not in erased
        assert db.session.get(Contact, far_id).notes == "Far notes"
        assert db.session.get(Membership, ids["m before"]).end_note == ""
        for m in (far_member, national_member):
            assert db.session.get(Membership, m).end_note == "Far term"
        for f in (far_feedback, national_feedback):
            assert db.session.get(Feedback, f).detail == "Far detail"
        assert db.session.get(Feedback, ids["f before"]).detail == ""
        done = set(db.session.execute(select(RetentionAction.record_type,
                                             RetentionAction.record_id)).all())  # fmt: skip
        assert not done & {("contact", far_id), ("membership", far_member),
                           ("membership", national_member), ("feedback", far_feedback),
                           ("feedback", national_feedback)}  # fmt: skip


def test_many_people_erased_in_one_run_are_all_swept(app, client, world):
    """More values than SQLite takes in one condition (its depth limit is 1,000)."""
    admin, _ = world
    with app.app_context():
        from tests.conftest import area

        db.session.add_all([
            Contact(name=f"Many Person {n:03}", email=f"many{n:03}@example.org",
                    area=area("Mersey-Cheshire"), created_at=LONG_AGO,
                    notes=f"Rings back, Many Person {n:03}")
            for n in range(120)
        ])  # fmt: skip
        db.session.commit()
    sign_in(client, admin)
    _set_rules(client)
    assert app.test_cli_runner().invoke(args=["crm", "apply-retention"]).exit_code == 0
    with app.app_context():
        left = db.session.scalar(select(func.count()).select_from(Contact).where(
            Contact.name.like("Many Person%") | Contact.notes.like("%Many Person%")
            | Contact.email.like("many%")))  # fmt: skip
        assert left == 0
        assert db.session.scalar(select(func.count()).select_from(Erasure)) == 120 + 3


def test_ended_memberships_rule_deletes_equality_answers_once_no_membership_remains(
    app, client, make_user, make_contact, make_panel, make_membership
):
    """Answers given for panel membership go when the person's last membership is anonymised
    and they hold none now; a current member's, or one whose later term is not yet due, stay."""
    admin = make_user("admin", national=True)
    p = make_panel()
    old = dict(status="ended", term_start=date(2010, 1, 1), term_end=date(2012, 1, 1),
               ended_on=date(2012, 1, 1), end_reason="resigned")  # fmt: skip
    ids = {}
    for name in ("Only old terms", "Now a member", "Ended lately"):
        # Consent this year: the person is not due for erasure, only their old term.
        ids[name] = make_contact(name=name, created_at=datetime(TODAY.year, 1, 1, tzinfo=UTC))
        make_membership(p, ids[name], **old)
        make_membership(p, ids[name], **old | {"term_start": date(2012, 1, 2),
                                               "term_end": date(2013, 1, 1),
                                               "ended_on": date(2013, 1, 1)})  # fmt: skip
    make_membership(p, ids["Now a member"], term_start=date(2025, 1, 1))
    make_membership(p, ids["Ended lately"], **old | {"term_start": date(2024, 1, 1),
                                                     "term_end": date(2025, 1, 1),
                                                     "ended_on": AFTER + timedelta(days=1000)})
    with app.app_context():
        for contact_id in ids.values():
            db.session.add(EqualityAnswers(contact_id=contact_id, religion="buddhist",
                                           given_on=date(2011, 1, 1)))  # fmt: skip
        db.session.commit()
    sign_in(client, admin)
    _set_rules(client)
    assert app.test_cli_runner().invoke(args=["crm", "apply-retention"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Erasure)) == 0
        assert db.session.get(EqualityAnswers, ids["Only old terms"]) is None
        assert db.session.get(EqualityAnswers, ids["Now a member"]).religion == "buddhist"
        assert db.session.get(EqualityAnswers, ids["Ended lately"]).religion == "buddhist"
        history = db.session.scalars(select(AuditEvent.changes).where(
            AuditEvent.record_type == "contact",
            AuditEvent.record_id == ids["Only old terms"])).all()  # fmt: skip
        assert {"Equality answers": ["Held", "Deleted (retention: membership ended)"]} in history
        assert "buddhist" not in repr(history)
