"""The demo seed and the migrations."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import (
    Area,
    Community,
    Contact,
    Feedback,
    Membership,
    PanelMeeting,
    Stakeholder,
    User,
)
from crm.services import seeding
from crm.services.validation import UK_LATITUDE, UK_LONGITUDE
from tests.conftest import TODAY, sign_in


# SQLite has no trigram indexes to compare (they are PostgreSQL's alone).
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_reference_data_has_the_14_areas_and_seldom_heard_communities(ctx):
    assert db.session.scalar(select(func.count()).select_from(Area)) == 14
    names = set(db.session.scalars(select(Community.name)))
    assert {
        "Black Caribbean people",
        "Gypsy, Roma and Traveller communities",
        "People seeking asylum and refugees",
        "Disabled adults",
        "Migrants",
    } <= names
    assert db.session.scalar(select(func.count()).where(Community.seldom_heard.is_(True))) >= 5


def test_demo_seed_loads_into_an_empty_database_once(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        stakeholders = db.session.scalars(select(Stakeholder)).all()
        assert len(stakeholders) >= 150
        assert len({s.area_id for s in stakeholders}) >= 3
        for s in stakeholders:
            assert UK_LATITUDE[0] < s.latitude < UK_LATITUDE[1]
            assert UK_LONGITUDE[0] < s.longitude < UK_LONGITUDE[1]
            assert "(demo)" in s.name
        assert db.session.scalar(select(func.count()).select_from(Contact)) > 150
        assert {u.email for u in db.session.scalars(select(User))} == {
            "admin@engage.test",
            "lead@engage.test",
            "senior@engage.test",
            "panels@engage.test",
        }
    again = runner.invoke(args=["crm", "seed-demo"])
    assert again.exit_code == 1 and "only loaded into an empty one" in again.output
    assert runner.invoke(args=["crm", "seed-demo", "--if-empty"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Stakeholder)) == len(stakeholders)
    demo = User(email="senior@engage.test")
    assert sign_in(client, demo, seeding.DEMO_PASSWORD).status_code == 302
    assert "Stakeholders" in client.get("/stakeholders").get_data(as_text=True)


def test_demo_panels_hold_every_situation_the_refresh_page_catches(app):

    from crm.models import Panel
    from crm.services import panels

    assert app.test_cli_runner().invoke(args=["crm", "seed-demo"]).exit_code == 0
    with app.app_context():
        all_panels = db.session.scalars(select(Panel)).all()
        assert any(p.area_id is None and p.type == "caf" for p in all_panels)
        reports = panels.health([p for p in all_panels if p.type == "lsip"], TODAY)
        assert len(reports) == 4
        for report in reports.values():
            assert report.terms_ending and not all(t.may_renew for t in report.terms_ending)
            assert report.community_gaps and report.vacancies and report.applicants
            assert {v.problem for v in report.vetting} >= {"expired", "expires soon"}
            assert [m.absence_streak for m in report.absent] == [3]
        assert sum(r.tor_overdue for r in reports.values()) == 1
        ended = db.session.scalars(select(Membership).where(Membership.status == "ended")).all()
        assert {m.end_reason for m in ended} >= {"renewed", "resigned", "term_completed"}
        assert db.session.scalar(select(func.count()).select_from(PanelMeeting)) >= 30
        statuses = set(db.session.scalars(select(Feedback.status)))
        assert statuses == {"received", "under_review", "action_agreed", "closed",
                            "closed_no_action"}  # fmt: skip
        sources = set(db.session.scalars(select(Feedback.source)))
        assert {"case_review", "engagement"} <= sources


def test_demo_action_plans_show_every_status_what_is_overdue_and_what_is_due(app):
    """Each demo Area's plan: every status, overdue actions, updates due (on the owner's
    home page too), a year of quarterly updates in date order, and evidence from the
    Area's own engagements and feedback, and a document."""
    import json

    from crm.models import ActionPlan, Evidence
    from crm.models.plan import ACTION_STATUSES
    from crm.services import access, action_plans
    from crm.services.quarters import Quarter

    assert app.test_cli_runner().invoke(args=["crm", "seed-demo"]).exit_code == 0
    demo = json.loads((seeding.SEEDS / "demo.json").read_text(encoding="utf-8"))
    with app.app_context():
        plans = db.session.scalars(select(ActionPlan)).all()
        assert sorted(p.area.name for p in plans) == sorted(demo["areas"])
        evidence = db.session.scalars(select(Evidence)).all()
        for plan in plans:
            assert plan.starts_on <= TODAY <= plan.ends_on
            assert plan.owner.role in ("lead", "admin") and access.may_read(plan.owner, plan)
            live = [a for a in plan.actions if a.archived_at is None]
            assert {a.status for a in live} == set(ACTION_STATUSES), plan.title
            overdue = [a for a in live if a.is_open and action_plans.is_overdue(a, TODAY)]
            assert overdue and any(a.owner for a in overdue), plan.title
            assert any(action_plans.update_due(a, TODAY) for a in live), plan.title
            assert action_plans.needing_attention(plan.owner, TODAY, mine=True), plan.title
            for action in live:
                days = [u.updated_on for u in action.updates]
                assert days == sorted(days) and all(d <= TODAY for d in days), action.reference
                moves = ["not_started"] + [u.to_status for u in action.updates]
                assert [u.from_status for u in action.updates] == moves[:-1]
                assert action.status == moves[-1]
                assert all(u.note for u in action.updates if u.to_status in ("done", "dropped"))
                assert all(o.area_id is None for o in action.objectives) and action.objectives
            quarters = {Quarter.of(u.updated_on) for a in live for u in a.updates}
            assert len(quarters) >= 4, "a year of quarterly updates"
            # The monitoring of each of the last four quarters shows the updates made in it.
            quarter = Quarter.of(TODAY)
            for _ in range(4):
                quarter = quarter.previous()
                rows = action_plans.monitoring(plan, quarter, TODAY)
                assert any(r.update for r in rows) and any(r.changed for r in rows), quarter
            # Its evidence: the Area's own engagements and feedback, and a document.
            ours = [e for e in evidence
                    if (e.action and e.action.plan_id == plan.id)
                    or (e.objective and (e.engagement or e.feedback)
                        and (e.engagement or e.feedback).area_id == plan.area_id)]  # fmt: skip
            assert {e.kind for e in ours} >= {"engagement", "feedback", "document"}, plan.title
            for e in ours:
                linked = e.engagement or e.feedback
                assert linked is None or linked.area_id == plan.area_id
                assert e.url == "" or e.url.startswith("https://")
                assert e.added_on <= TODAY


def test_create_user_command(app, monkeypatch):
    monkeypatch.setenv("CRM_NEW_PASSWORD", "a long enough password")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "crm",
            "create-user",
            "--email",
            "New@X.test",
            "--name",
            "New",
            "--role",
            "senior",
            "--area",
            "Wessex",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "new@x.test" in runner.invoke(args=["crm", "list-users"]).output
    bad = runner.invoke(
        args=[
            "crm",
            "create-user",
            "--email",
            "b@x.test",
            "--name",
            "B",
            "--role",
            "lead",
            "--area",
            "Atlantis",
        ]
    )
    assert bad.exit_code != 0 and "There is no Area called Atlantis" in bad.output


def test_upgrading_a_database_with_data_keeps_every_row(tmp_path):
    """Migrations run on a populated database, and SQLite's table rebuilds lose nothing."""
    from flask_migrate import upgrade

    from tests.conftest import make_app

    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = make_app(url)
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO areas (id, name, code) VALUES (1, 'Wessex', 'wessex')"
            )
            conn.exec_driver_sql(
                "INSERT INTO stakeholders (id, name, type, description, address_line1, "
                "address_line2, town, postcode, area_id, status, email, phone, website, "
                "preferred_language, accessible_formats, notes, version, created_at, updated_at) "
                "VALUES (1, 'Kept', 'vcs', '', '', '', '', '', 1, 'active', '', '', '', '', '', "
                "'', 1, '2026-01-01', '2026-01-01')"
            )
            conn.exec_driver_sql(
                "INSERT INTO contacts (id, name, job_title, area_id, email, phone, "
                "preferred_contact_method, accessibility_needs, preferred_language, "
                "consent_given, consent_basis, consent_method, do_not_contact, notes, version, "
                "created_at, updated_at) VALUES (1, 'Kept Person', '', 1, '', '', 'none', '', "
                "'', 0, '', '', 0, '', 1, '2026-01-01', '2026-01-01')"
            )
            conn.exec_driver_sql(
                "INSERT INTO affiliations (contact_id, stakeholder_id, role) VALUES (1, 1, 'Chair')"
            )
        upgrade()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM stakeholders").scalar() == 1
            assert conn.exec_driver_sql("SELECT count(*) FROM affiliations").scalar() == 1
            assert conn.exec_driver_sql("SELECT last_engaged_on FROM stakeholders").scalar() is None
        db.engine.dispose()
