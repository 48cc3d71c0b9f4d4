"""Serving with gunicorn (deploy/gunicorn.conf.py, `make serve`): settings from CRM_WEB_*
variables, `check-deploy`'s problems refused before any worker starts in production (and
only printed in development), and several workers serving one signed-in person."""

from __future__ import annotations

import os
import re
import runpy
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from flask_migrate import upgrade

from crm.extensions import db
from crm.services import auth
from tests.conftest import PASSWORD, make_app

CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).parent / "gunicorn"
SAFE_PRODUCTION = {"CRM_ENV": "production", "CRM_SECRET_KEY": "k" * 40,
                   "CRM_MAP_TILES": "none",
                   "CRM_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0",
                   "CRM_PROXY_HOPS": "1"}  # fmt: skip


@pytest.fixture
def environ(monkeypatch, tmp_path):
    """A clean CRM_ environment (restored afterwards, whatever the config file sets),
    with a SQLite database of the test's own."""
    for name in [n for n in os.environ if n.startswith(("CRM_", "FLASK_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CRM_SECRET_KEY", "")  # so that a key the config makes is undone
    monkeypatch.delenv("CRM_SECRET_KEY")
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{tmp_path / 'engage.db'}")
    return monkeypatch


def _settings() -> dict:
    return runpy.run_path(str(CONFIG))


def test_settings_come_from_crm_web_variables(environ):
    environ.setenv("CRM_WEB_BIND", "unix:/run/engage/gunicorn.sock, 127.0.0.1:9000")
    environ.setenv("CRM_WEB_WORKERS", "3")
    environ.setenv("CRM_WEB_THREADS", "2")
    environ.setenv("CRM_WEB_TIMEOUT", "45")
    settings = _settings()
    assert settings["bind"] == ["unix:/run/engage/gunicorn.sock", "127.0.0.1:9000"]
    assert (settings["workers"], settings["threads"], settings["timeout"]) == (3, 2, 45)
    assert settings["wsgi_app"] == "crm:create_app()"


def test_the_defaults_suit_one_server(environ):
    settings = _settings()
    assert settings["bind"] == ["127.0.0.1:8000"]
    assert settings["workers"] == 2 * len(os.sched_getaffinity(0))
    assert settings["threads"] >= 1 and settings["timeout"] >= 60
    assert settings["secure_scheme_headers"] == {}  # forwarded headers: CRM_PROXY_HOPS only


def test_outside_production_every_worker_gets_the_same_made_up_key(environ):
    _settings()
    made = os.environ["CRM_SECRET_KEY"]  # set in the master, so inherited by each worker
    assert len(made) >= 32
    environ.setenv("CRM_ENV", "production")
    environ.delenv("CRM_SECRET_KEY")
    _settings()
    assert "CRM_SECRET_KEY" not in os.environ  # a real server sets its own


def test_production_without_a_secret_key_is_named_not_a_traceback(environ, capfd):
    environ.setenv("CRM_ENV", "production")
    settings = _settings()
    with pytest.raises(SystemExit):
        settings["on_starting"](None)
    assert "Problem: Set CRM_SECRET_KEY" in capfd.readouterr().err


def test_the_check_command_names_a_missing_key_with_the_other_problems(tmp_path):
    """`flask crm check-deploy` in production with no key: its problems, a line each, and
    no traceback (the app refuses to be made without a key for anything else)."""
    env = _server_env(tmp_path, CRM_ENV="production")
    flask = str(Path(sys.executable).parent / "flask")
    checked = subprocess.run([flask, "--app", "crm", "crm", "check-deploy"], env=env,  # noqa: S603
                             capture_output=True, text=True, check=False)  # fmt: skip
    assert checked.returncode == 1
    assert "Problem: CRM_SECRET_KEY is not set" in checked.stdout
    assert "Problem: Map tiles" in checked.stdout
    assert "Traceback" not in checked.stdout + checked.stderr
    served = subprocess.run([flask, "--app", "crm", "crm", "seed-reference"], env=env,  # noqa: S603
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert served.returncode != 0 and "Set CRM_SECRET_KEY" in served.stdout + served.stderr


def test_a_safe_production_configuration_starts_quietly(environ, capfd):
    for name, value in SAFE_PRODUCTION.items():
        environ.setenv(name, value)
    _settings()["on_starting"](None)
    assert capfd.readouterr().err == ""


def test_development_says_what_is_unsafe_and_serves_anyway(environ, capfd):
    _settings()["on_starting"](None)
    err = capfd.readouterr().err
    assert "Problem: CRM_ENV is not 'production'" in err
    assert "Problem: CRM_SECRET_KEY is not set" in err  # the made-up key is not counted
    assert "Serving anyway" in err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _gunicorn(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - the venv's own gunicorn
        [str(GUNICORN), "--config", str(CONFIG)], env=env, cwd=CONFIG.parent.parent,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _server_env(tmp_path, **extra: str) -> dict[str, str]:
    env = {n: v for n, v in os.environ.items() if not n.startswith(("CRM_", "FLASK_"))}
    return env | {"CRM_DATABASE_URL": f"sqlite:///{tmp_path / 'engage.db'}"} | extra


def test_gunicorn_refuses_to_start_in_production_with_a_line_per_problem(tmp_path):
    server = _gunicorn(_server_env(tmp_path, CRM_ENV="production", CRM_SECRET_KEY="short"))
    output, _ = server.communicate(timeout=60)
    assert server.returncode == 1, output
    problems = [line for line in output.splitlines() if line.startswith("Problem: ")]
    assert any("CRM_SECRET_KEY is 5 characters" in line for line in problems), output
    assert any("OpenStreetMap" in line for line in problems), output
    assert "will not serve" in output and "Booting worker" not in output


def test_several_workers_serve_one_signed_in_person(tmp_path):
    url = f"sqlite:///{tmp_path / 'engage.db'}"
    app = make_app(url)
    with app.app_context():
        upgrade()
        # A lead: an administrator would be asked for a security code first.
        auth.create_user("served@engage.test", "Served Person", PASSWORD, "lead", [], True)
        db.session.commit()
        db.engine.dispose()
    port = _free_port()
    server = _gunicorn(_server_env(tmp_path, CRM_WEB_BIND=f"127.0.0.1:{port}",
                                   CRM_WEB_WORKERS="2", CRM_WEB_THREADS="1",
                                   CRM_MAP_TILES="none"))  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = _get(browser, f"{base}/sign-in", server)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token, page[:500]
        form = {"csrf_token": token.group(1), "email": "served@engage.test",
                "password": PASSWORD}  # fmt: skip
        browser.open(f"{base}/sign-in", urllib.parse.urlencode(form).encode(), timeout=30)
        # Each request is a new connection, taken by whichever worker is free: every one
        # must know the session (one secret key, the session in the database).
        for _ in range(12):
            answer = browser.open(f"{base}/account/password", timeout=30)
            assert answer.status == 200 and answer.url == f"{base}/account/password"
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert output.count("Booting worker") >= 2, output


def _get(browser, url: str, server: subprocess.Popen) -> str:
    """The page, once the server is up (it takes a second or two to start)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return browser.open(url, timeout=30).read().decode()
        except (urllib.error.URLError, ConnectionError):
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
