"""The app factory's wiring: configuration, templates, assets, headers, health."""

import re

import pytest

from crm import create_app
from crm.config import ConfigError, load_config, normalise_database_url


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("CRM_ENV", "production")
    monkeypatch.delenv("CRM_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="CRM_SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("value, message", [
    ("1", "CRM_SUPPRESS_BELOW must be a whole number of at least 2"),
    ("0", "CRM_SUPPRESS_BELOW must be a whole number of at least 2"),
    ("-5", "CRM_SUPPRESS_BELOW must be a whole number of at least 2"),
    ("ten", "CRM_SUPPRESS_BELOW must be a whole number, like 10, not 'ten'"),
    ("²", "CRM_SUPPRESS_BELOW must be a whole number, like 10"),
])  # fmt: skip
def test_a_suppression_threshold_that_would_show_one_person_is_refused(monkeypatch, value,
                                                                       message):  # fmt: skip
    monkeypatch.setenv("CRM_SUPPRESS_BELOW", value)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config()
    monkeypatch.setenv("CRM_SUPPRESS_BELOW", "2")
    assert load_config()["SUPPRESS_BELOW"] == 2


def test_configuration_comes_from_crm_environment_variables(monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("CRM_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("CRM_PAGE_SIZE", "50")
    config = load_config()
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert config["SECRET_KEY"] == "from-the-environment"
    assert config["PAGE_SIZE"] == 50


def test_default_database_is_a_sqlite_file(monkeypatch):
    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    assert load_config()["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert normalise_database_url("postgres://x/y") == "postgresql+psycopg://x/y"


def test_each_engine_is_set_up_for_several_workers(app):
    """SQLite: WAL, foreign keys, a busy timeout. PostgreSQL: the planner told that random
    reads are cheap (SSDs), so it uses the indexes that keep the lists fast."""
    from crm.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        else:
            assert conn.exec_driver_sql("SHOW random_page_cost").scalar() == "1.1"


def test_health_check_answers_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_health_check_reports_an_unreachable_database(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}},
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


def test_pages_use_only_assets_the_app_serves(client, signed_in):
    signed_in("lead")
    html = client.get("/stakeholders").get_data(as_text=True)
    assert "/static/build/app.css" in html
    assert "/static/build/govuk-frontend.min.js" in html
    # No script, stylesheet, image or font comes from another host.
    assert not re.search(r'<(script|link|img|iframe)[^>]*(src|href)="(https?:)?//', html)
    assert "url(http" not in html
    assert client.get("/static/build/app.css").status_code == 200
    assert client.get("/static/build/govuk-frontend.min.js").status_code == 200
    assert client.get("/static/js/init.mjs").status_code == 200


def test_stylesheet_uses_arial_not_the_gov_uk_typeface(client):
    css = client.get("/static/build/app.css").get_data(as_text=True)
    assert "arial" in css
    assert "GDS Transport" not in css


def test_every_page_gets_security_headers_and_a_fresh_nonce(client):
    first = client.get("/sign-in")
    second = client.get("/sign-in")
    csp = first.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert csp != second.headers["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    html = first.get_data(as_text=True)
    assert html.count("<script") == html.count(f'nonce="{nonce}"')
    assert first.headers["X-Frame-Options"] == "DENY"
    assert first.headers["Cache-Control"] == "no-store"


def test_header_is_the_generic_one_with_the_service_name(client):
    html = client.get("/sign-in").get_data(as_text=True)
    assert "govuk-generic-header" in html
    assert "Engage" in html
    assert "<title>Sign in - Engage</title>" in html


def test_a_huge_request_is_refused_with_a_clear_page(client, signed_in, app):
    signed_in("lead")
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/stakeholders/new", data={"notes": "x" * (limit + 1)})
    assert response.status_code == 413
    assert "What you sent was too large" in response.get_data(as_text=True)


def test_sessions_end_after_the_configured_time(client, signed_in, app):
    signed_in("lead")
    cookie = client.get_cookie("session")
    assert cookie.expires is not None  # a lasting cookie, bounded by CRM_SESSION_HOURS
    assert app.config["PERMANENT_SESSION_LIFETIME"] == 8 * 3600
