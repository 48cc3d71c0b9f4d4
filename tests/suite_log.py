"""The whole test run's log, searched when the run ends for what must never be logged.

Every record from every logger (the root logger at DEBUG: the app's request lines,
Flask's, Werkzeug's, Flask-Limiter's, SQLAlchemy's warnings) is written to one file, in
the request log's format. tests/test_request_log.py signs in as SENTINEL_EMAIL with
SENTINEL_PASSWORD, searches for SENTINEL_SEARCH and saves restricted text holding
SENTINEL_RESTRICTED through the pages; if any of them is anywhere in the file when the
run ends, the run fails, whichever test logged it.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import pytest

from crm.request_log import RequestLogFormatter

SENTINEL_PASSWORD = "sentinel-password-Qx7Lw2"
SENTINEL_RESTRICTED = "sentinel-restricted-Kd9Vb4"
SENTINEL_SEARCH = "sentinel-search-Hn3Tz8"
SENTINEL_EMAIL = "sentinel-person-Rw5@engage.test"
SENTINELS = {
    SENTINEL_PASSWORD: "a password",
    SENTINEL_EMAIL: "an email address",
    SENTINEL_RESTRICTED: "restricted text",
    SENTINEL_SEARCH: "search text from a query string",
}
_LOG = pytest.StashKey[tuple[logging.Handler, Path]]()
_PATH = pytest.StashKey[Path]()
WORKER_INPUT = "engage_suite_log"


def _path(config: pytest.Config) -> Path:
    """The run's log file: the one the controlling process made, in a pytest-xdist worker
    (every process writes to the one file, and the controller searches it at the end);
    else a new one."""
    if hasattr(config, "workerinput"):
        return Path(config.workerinput[WORKER_INPUT])
    if _PATH not in config.stash:
        descriptor, name = tempfile.mkstemp(prefix="engage-suite-", suffix=".log")
        os.close(descriptor)
        config.stash[_PATH] = Path(name)
    return config.stash[_PATH]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """pytest-xdist: tell each worker where the run's log is."""
    node.workerinput[WORKER_INPUT] = str(_path(node.config))


def pytest_sessionstart(session: pytest.Session) -> None:
    path = _path(session.config)
    handler = logging.FileHandler(path, mode="a", encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(RequestLogFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for logger in ("crm", "werkzeug"):  # they would otherwise set their own levels
        logging.getLogger(logger).setLevel(logging.DEBUG)
    session.config.stash[_LOG] = (handler, path)


def pytest_sessionfinish(session: pytest.Session) -> None:
    handler, path = session.config.stash[_LOG]
    logging.getLogger().removeHandler(handler)
    handler.close()
    if hasattr(session.config, "workerinput"):
        return  # the controlling process searches the whole run's log once all are done
    text = path.read_text(encoding="utf-8", errors="replace")
    found = [what for sentinel, what in SENTINELS.items() if sentinel in text]
    if not found:
        path.unlink()
        return
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    message = (f"The test run's log holds {' and '.join(found)} (a sentinel of "
               f"tests/suite_log.py): see {path}")  # fmt: skip
    if reporter is not None:
        reporter.write_line(f"\n{message}", red=True, bold=True)
    else:
        print(message)


@pytest.fixture
def suite_log(request: pytest.FixtureRequest) -> Path:
    """The file the whole run's log is written to."""
    handler, path = request.config.stash[_LOG]
    handler.flush()
    return path
