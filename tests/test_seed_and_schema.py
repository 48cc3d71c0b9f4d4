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
    Stakeholder,
    User,
)
from crm.services import seeding
from crm.services.validation import UK_LATITUDE, UK_LONGITUDE
from tests.conftest import sign_in


# SQLite has no trigram indexes to compare (they are PostgreSQL's alone).
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_migrations_match_the_models(app):
    import warnings

    with app.app_context(), db.engine.connect() as connection, warnings.catch_warnings():
        # SQLite's reflection cannot read an index on an expression (lower(email)); the
        # comparison leaves those out, and PostgreSQL's run compares them.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
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


def test_the_single_consent_fields_become_the_first_entry_of_the_history(tmp_path):
    """Upgrading past 0020: consent given becomes a dated "given" entry (for engagement and
    invitations, the form's purpose); a basis or method without consent stays in the notes;
    the contacts table is rebuilt and every row that refers to it is kept."""
    from flask_migrate import upgrade

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0017")
        with db.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO areas (id, name, code) VALUES (1, 'Wessex', 'w')")
            for row in ((1, "Given Person", 1, "2026-02-03", "consent", "Signed form", ""),
                        (2, "Basis Only", 0, None, "public_task", "Told at a meeting", "Kind"),
                        (3, "Nothing Said", 0, None, "", "", "")):
                conn.exec_driver_sql(
                    "INSERT INTO contacts (id, name, consent_given, consent_on, consent_basis, "
                    "consent_method, notes, job_title, area_id, email, phone, "
                    "preferred_contact_method, accessibility_needs, preferred_language, "
                    "do_not_contact, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, "
                    "?, '', 1, '', '', 'none', '', '', 0, 1, '2025-01-01', '2025-01-01')", row)
            conn.exec_driver_sql("INSERT INTO stakeholders (id, name, type, description, "
                                 "address_line1, address_line2, town, postcode, area_id, status, "
                                 "email, phone, website, preferred_language, accessible_formats, "
                                 "notes, version, created_at, updated_at) VALUES (1, 'Kept', "
                                 "'vcs', '', '', '', '', '', 1, 'active', '', '', '', '', '', "
                                 "'', 1, '2026-01-01', '2026-01-01')")
            conn.exec_driver_sql("INSERT INTO affiliations (contact_id, stakeholder_id, role) "
                                 "VALUES (1, 1, 'Chair')")
        upgrade()
        with db.engine.connect() as conn:
            records = conn.exec_driver_sql(
                "SELECT r.contact_id, p.name, r.basis, r.status, r.changed_on, r.method "
                "FROM consent_records r JOIN purposes p ON p.id = r.purpose_id").all()
            assert [tuple(r) for r in records] == [
                (1, "Engagement and invitations", "consent", "given", "2026-02-03", "Signed form")]
            notes = dict(conn.exec_driver_sql("SELECT id, notes FROM contacts").all())
            assert notes[2] == ("Kind\n\nRecorded before consent was kept per purpose (consent "
                                "not given): lawful basis Public task; how consent was "
                                "obtained: Told at a meeting.")
            assert notes[1] == notes[3] == ""
            assert conn.exec_driver_sql("SELECT count(*) FROM affiliations").scalar() == 1
            columns = {c[1] for c in conn.exec_driver_sql("PRAGMA table_info(contacts)")}
            assert not columns & {"consent_given", "consent_on", "consent_basis", "consent_method"}
        db.engine.dispose()
