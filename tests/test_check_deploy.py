"""`flask crm check-deploy` refuses a configuration unsafe to serve for real, a line
per problem, and passes a safe one."""

from __future__ import annotations

import pytest

from crm.services import deploy_check
from tests.conftest import make_app

SAFE_ENV = {"CRM_SECRET_KEY": "x" * 40,
            "CRM_MAP_TILES": "https://tiles.example.org/{z}/{x}/{y}.png"}
SAFE = {"ENV_NAME": "production", "SESSION_COOKIE_SECURE": True,
        "MAP_TILES": SAFE_ENV["CRM_MAP_TILES"],
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "JOBS_URL": "redis://127.0.0.1:6379/1", "PROXY_HOPS": 1}  # fmt: skip


def _problems(tmp_path, config=(), environ=(), debug=False) -> list[str]:
    app = make_app(f"sqlite:///{tmp_path / 'deploy.db'}", **(SAFE | dict(config)))
    with app.app_context():
        return deploy_check.problems(app.config, SAFE_ENV | dict(environ), debug)


def test_a_safe_configuration_passes(tmp_path):
    assert _problems(tmp_path) == []


@pytest.mark.parametrize("config, environ, debug, expected", [
    ({"ENV_NAME": "development"}, {}, False, "CRM_ENV is not 'production'"),
    ({}, {}, True, "Debug mode is on"),
    ({}, {"CRM_SECRET_KEY": ""}, False, "CRM_SECRET_KEY is not set"),
    ({}, {"CRM_SECRET_KEY": "short"}, False, "CRM_SECRET_KEY is 5 characters"),
    ({"SESSION_COOKIE_SECURE": False}, {}, False, "Session cookies may travel without HTTPS"),
    ({"MAP_TILES": "http://tiles.example.org/{z}/{x}/{y}.png"},
     {"CRM_MAP_TILES": "http://tiles.example.org/{z}/{x}/{y}.png"}, False,
     "CRM_MAP_TILES must be an https"),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, {}, False,
     "Rate limits are counted in each worker's own memory"),
    ({"JOBS_URL": "immediate"}, {}, False, "Background jobs run inside web requests"),
    ({"PROXY_HOPS": 0}, {}, False, "CRM_PROXY_HOPS is 0"),
    ({"JOBS_URL": "sqlite:////srv/engage/jobs.db",
      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://engage@127.0.0.1/engage"}, {}, False,
     "The job queue is a file on this machine while the data is in PostgreSQL"),
])  # fmt: skip
def test_each_unsafe_setting_is_named(tmp_path, config, environ, debug, expected):
    found = _problems(tmp_path, config, environ, debug)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_tiles_left_to_the_default_are_named(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'deploy.db'}", **SAFE)
    environ = {"CRM_SECRET_KEY": "x" * 40}  # CRM_MAP_TILES not set
    with app.app_context():
        found = deploy_check.problems(app.config, environ, False)
    assert len(found) == 1 and "OpenStreetMap's public servers" in found[0]


def test_sqlite_not_in_wal_mode_is_refused(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'deploy.db'}", **SAFE)
    with app.app_context():
        from sqlalchemy import event

        from crm.extensions import db

        db.engine.dispose()

        @event.listens_for(db.engine, "connect")
        def undo_wal(connection, _record):  # as a file system that cannot do WAL
            connection.execute("PRAGMA journal_mode=DELETE")

        found = deploy_check.problems(app.config, SAFE_ENV, False)
    assert len(found) == 1 and "not WAL" in found[0], found


def test_the_command_exits_non_zero_with_a_line_per_problem(tmp_path, monkeypatch):
    monkeypatch.delenv("CRM_SECRET_KEY", raising=False)
    monkeypatch.delenv("CRM_MAP_TILES", raising=False)
    app = make_app(f"sqlite:///{tmp_path / 'deploy.db'}")
    result = app.test_cli_runner().invoke(args=["crm", "check-deploy"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines and all(line.startswith("Problem: ") for line in lines)
    assert any("CRM_ENV is not 'production'" in line for line in lines)
    monkeypatch.setenv("CRM_SECRET_KEY", "y" * 40)
    monkeypatch.setenv("CRM_MAP_TILES", "none")
    safe = make_app(f"sqlite:///{tmp_path / 'deploy.db'}", ENV_NAME="production",
                    SESSION_COOKIE_SECURE=True, MAP_TILES="none",
                    RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
                    JOBS_URL="redis://127.0.0.1:6379/1", PROXY_HOPS=1)  # fmt: skip
    result = safe.test_cli_runner().invoke(args=["crm", "check-deploy"])
    assert result.exit_code == 0, result.output
    assert "passed every deployment check" in result.output
