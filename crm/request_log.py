"""A log line per request, and logging that keeps personal data out.

Each request gets an id: the incoming X-Request-ID when it looks like one (a proxy's or
load balancer's, so their logs and ours can be joined), otherwise a new one. It goes back
in the response's X-Request-ID header and on the request's line, with the user's id
(never their email or name), the method, the path without its query string (a query can
carry a search for a person's name), the endpoint, the status and the time taken.
Plain text by default; JSON lines with CRM_LOG_FORMAT=json.

Nothing in Engage logs a form value. What libraries log is kept in line here too:
Werkzeug's development server writes each request line with its query (stripped here),
Flask-Limiter names the client's address when it refuses (its notices are left out), and
SQLAlchemy would put a statement's values in an error's message (`hide_parameters`, in
crm/config.py), which Flask logs with the traceback.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler
from sqlalchemy import inspect

LOGGER = logging.getLogger("crm.requests")
# Letters, digits, dots, underscores and hyphens: a UUID, a hex id, a load balancer's
# "Root=1-67891233-abcdef" is refused for its "=", and gets an id of our own.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_PATH_SAFE = "/:@!$&'()*+,;=-._~"  # kept as they are; anything else (a newline) is %-escaped
_QUERY = re.compile(r"\?[^\s\"']*")


class RequestLogFormatter(logging.Formatter):
    """A request's fields as `key=value` text or a JSON object, one line each; any other
    record as its message, with the id of the request it was logged in."""

    def __init__(self, as_json: bool = False) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        fields = dict(getattr(record, "request_fields", None) or {})
        if not fields:
            fields = {"request_id": current_request_id(), "message": record.getMessage()}
        error = self.formatException(record.exc_info) if record.exc_info else ""
        when = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        if self.as_json:
            data = {"time": when, "level": record.levelname, "logger": record.name} | fields
            if error:
                data["error"] = error
            return json.dumps(data, default=str)
        message = fields.pop("message", None)
        words = [f"{key}={'-' if value is None else value}" for key, value in fields.items()
                 if key != "request_id" or value is not None]  # fmt: skip
        line = " ".join([when, record.levelname, record.name, *words, *[message or ""]]).strip()
        return f"{line}\n{error}" if error else line


class StripQueries(logging.Filter):
    """Werkzeug's development server logs each request line whole: its query goes."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = _QUERY.sub("", message), ()
        return True


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def _begin() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _user_id() -> int | None:
    # The user Flask-Login has already loaded for this request (every page, and every
    # error page, asks for it); a request that never asked (a static file) costs no query.
    # Its id from the session's identity map: after a commit, reading user.id would
    # load the whole row again.
    user = g.get("_login_user")
    if user is None or not user.is_authenticated:
        return None
    state = inspect(user, raiseerr=False)
    return state.identity[0] if state is not None and state.identity else None


def _finish(response: Response) -> Response:
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    started = g.get("request_started")
    fields = {
        "request_id": request_id,
        "user_id": _user_id(),
        "method": quote(request.method[:16], safe=""),
        "path": quote(request.path[:300], safe=_PATH_SAFE),
        "endpoint": request.endpoint,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
    }
    LOGGER.info("request", extra={"request_fields": fields})
    return response


def _configure_logging(as_json: bool) -> None:
    """Once per process, however many apps are made: the app's logger ("crm", Flask's
    app.logger) writes through Flask's own handler (to the server's error stream), in
    our format; requests are logged at INFO."""
    default_handler.setFormatter(RequestLogFormatter(as_json))
    crm_logger = logging.getLogger("crm")
    crm_logger.addHandler(default_handler)  # once: a handler already there is not added again
    if crm_logger.level == logging.NOTSET:
        crm_logger.setLevel(logging.INFO)
    werkzeug_logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, StripQueries) for f in werkzeug_logger.filters):
        werkzeug_logger.addFilter(StripQueries())
    limiter_logger = logging.getLogger("flask-limiter")
    if limiter_logger.level == logging.NOTSET:
        # Its notice of each refusal names the client's address; the request's own line
        # (status 429) says what happened. Its warnings (storage unreachable) still show.
        limiter_logger.setLevel(logging.WARNING)


def init_request_log(app: Flask) -> None:
    """Register first, so the time taken covers every other hook and the line, written
    last, has the final status."""
    _configure_logging(app.config.get("LOG_FORMAT", "text") == "json")
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)
