"""A log line per request: its id, the user's id, method, path without the query,
endpoint, status and time; and no password, search text or restricted text in any log
(tests/suite_log.py searches the whole run's log for the sentinels used here)."""

from __future__ import annotations

import json
import logging
import re
import urllib.request

import pytest
from flask.logging import default_handler

from crm.config import load_config
from crm.extensions import db
from crm.request_log import RequestLogFormatter, _configure_logging
from crm.services import auth
from tests.conftest import area, community, make_app, priority
from tests.suite_log import (
    SENTINEL_EMAIL,
    SENTINEL_PASSWORD,
    SENTINEL_RESTRICTED,
    SENTINEL_SEARCH,
    SENTINELS,
)


def _request_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "crm.requests"]


def test_each_request_is_one_line_with_its_id_user_status_and_time(client, signed_in, caplog):
    user = signed_in("lead")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="crm.requests"):
        response = client.get("/stakeholders?q=Okafor&page=2")
    [record] = _request_records(caplog)
    fields = record.request_fields
    assert fields["request_id"] == response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", fields["request_id"])
    assert fields | {"request_id": "", "duration_ms": 0} == {
        "request_id": "", "user_id": user.id, "method": "GET", "path": "/stakeholders",
        "endpoint": "stakeholders.index", "status": 200, "duration_ms": 0}  # fmt: skip
    assert fields["duration_ms"] > 0
    line = RequestLogFormatter().format(record)
    assert f"user_id={user.id} method=GET path=/stakeholders " in line
    assert "\n" not in line and "Okafor" not in line and user.email not in line


def test_a_signed_out_request_and_a_missing_page_are_logged_too(client, caplog):
    with caplog.at_level(logging.INFO, logger="crm.requests"):
        client.get("/sign-in?next=/search%3Fq%3DOkafor")
        client.get("/no-such-page%0Ainjected")
    sign_in, missing = (r.request_fields for r in _request_records(caplog))
    assert (sign_in["user_id"], sign_in["path"], sign_in["status"]) == (None, "/sign-in", 200)
    # A newline in the path is escaped: one request is one line, whatever was asked for.
    assert (missing["endpoint"], missing["status"]) == (None, 404)
    assert missing["path"] == "/no-such-page%0Ainjected"


@pytest.mark.parametrize("incoming, kept", [
    ("5f2c9e1e-8a4b-4c1d-9f0e-2b7a6d3c1e9f", True),
    ("lb.4412_a", True),
    ("has space", False),
    ("semi;colon", False),
    ("Root=1-67891233", False),
    ("x" * 129, False),
])  # fmt: skip
def test_an_incoming_request_id_is_kept_only_if_it_looks_safe(client, caplog, incoming, kept):
    with caplog.at_level(logging.INFO, logger="crm.requests"):
        response = client.get("/healthz", headers={"X-Request-ID": incoming})
    [record] = _request_records(caplog)
    assert response.headers["X-Request-ID"] == record.request_fields["request_id"]
    assert (record.request_fields["request_id"] == incoming) is kept


def test_json_lines_when_crm_log_format_is_json(app, client, caplog, monkeypatch):
    monkeypatch.setenv("CRM_LOG_FORMAT", "json")
    assert load_config({"SECRET_KEY": "x"})["LOG_FORMAT"] == "json"
    monkeypatch.delenv("CRM_LOG_FORMAT")
    assert load_config({"SECRET_KEY": "x"})["LOG_FORMAT"] == "text"
    with caplog.at_level(logging.INFO, logger="crm.requests"):
        client.get("/healthz?probe=1")
    [record] = _request_records(caplog)
    line = RequestLogFormatter(as_json=True).format(record)
    data = json.loads(line)
    assert data["logger"] == "crm.requests" and data["level"] == "INFO"
    assert data["path"] == "/healthz" and data["status"] == 200 and data["user_id"] is None
    assert data["endpoint"] == "main.healthz" and isinstance(data["duration_ms"], float)
    # The app made with it writes every record (Flask's errors too) as JSON.
    try:
        make_app(app.config["SQLALCHEMY_DATABASE_URI"], LOG_FORMAT="json")
        assert default_handler.formatter.as_json
    finally:
        _configure_logging(as_json=False)


def test_werkzeug_request_lines_lose_their_query(live_server, caplog):
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        urllib.request.urlopen(f"{live_server}/sign-in?q={SENTINEL_SEARCH}").read()  # noqa: S310
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any('"GET /sign-in HTTP/1.1" 200' in line for line in lines), lines
    assert not any(SENTINEL_SEARCH in line for line in lines)


def _engagement_form(**overrides) -> dict:
    return {"title": "Community Conversation", "type": "community_conversation",
            "status": "held", "held_on": ["3", "11", "2026"],
            "area_id": str(area("Mersey-Cheshire").id), "location_kind": "address",
            "location_address": "Toxteth Town Hall", "summary": "Talked about reporting",
            "community_ids": [str(community("Black Caribbean people").id)]} | overrides  # fmt: skip


def _feedback_form(**overrides) -> dict:
    return {"source": "other", "received_on": ["2", "3", "2026"], "tone": "negative",
            "area_id": str(area("Mersey-Cheshire").id), "summary": "Victims not told",
            "priority_ids": [str(priority("Hate crime").id)]} | overrides  # fmt: skip


def test_no_password_search_or_restricted_text_is_logged(app, client, suite_log):
    """Through the pages, as a person would: the run's log (every logger, DEBUG) never
    holds them; tests/suite_log.py checks the whole run's log again at the end."""
    with app.app_context():
        auth.create_user(SENTINEL_EMAIL, "Sentinel Person", SENTINEL_PASSWORD, "lead",
                         ["Mersey-Cheshire"])  # fmt: skip
        db.session.commit()
        engagement = _engagement_form(restricted_notes=f"Named a witness: {SENTINEL_RESTRICTED}")
        refused = _engagement_form(title="", restricted_notes=f"Again {SENTINEL_RESTRICTED}")
        feedback = _feedback_form(restricted_detail=f"The victim: {SENTINEL_RESTRICTED}")
    wrong = client.post("/sign-in", data={"email": SENTINEL_EMAIL,
                                          "password": SENTINEL_PASSWORD + "-wrong"})  # fmt: skip
    assert wrong.status_code == 200
    signed_in = client.post("/sign-in", data={"email": SENTINEL_EMAIL,
                                              "password": SENTINEL_PASSWORD})  # fmt: skip
    assert signed_in.status_code == 302
    responses = [
        client.get(f"/search?q={SENTINEL_SEARCH}"),
        client.get(f"/lookup/stakeholders?q={SENTINEL_SEARCH}"),
        client.post("/engagements/new", data=refused),
        client.post("/engagements/new", data=engagement),
        client.post("/feedback/new", data=feedback),
        client.post(
            "/account/password",
            data={
                "current_password": SENTINEL_PASSWORD,
                "new_password": SENTINEL_PASSWORD + "-new",
                "confirm_password": SENTINEL_PASSWORD + "-new",
            },
        ),  # fmt: skip
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 302, 302, 302]
    text = suite_log.read_text(encoding="utf-8")
    for response in (wrong, signed_in, *responses):  # the log did capture these requests
        assert f"request_id={response.headers['X-Request-ID']} " in text
    found = [what for sentinel, what in SENTINELS.items() if sentinel in text]
    assert not found, f"the log holds {found}"
