"""Rate limits: how often one client may sign in, look things up, export and import.

Every limit is declared here, once, by endpoint, and applied to the view functions when
the app is made; tests/test_rate_limits.py makes sure every lookup, export and import in
the URL map is in the table. Each kind shares one budget across its endpoints (twenty
exports a minute, whichever files they are).

A client is its network address (as ProxyFix reports it, CRM_PROXY_HOPS) and, signed in,
its user id: people sharing an office's address each have their own budget, and a
signed-out flood of sign-ins from one address has one between them. Counts are kept in
CRM_RATELIMIT_STORAGE_URL: memory:// is each worker's own, so production shares Redis
(`flask crm check-deploy` refuses memory:// there).

This is a layer over sign-in throttling (crm/services/auth.py), which stays: that is
counted per account and per address in the database, and holds whatever the storage.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, render_template, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import current_user


@dataclass(frozen=True)
class Rule:
    """A limit string (Flask-Limiter's: "20 per minute; 200 per hour"), the budget it is
    counted in, and the methods it counts (None: every method)."""

    limit: str
    budget: str
    methods: tuple[str, ...] | None = None


# Each sign-in costs an argon2 hash (19 MiB); a whole office may sign in at nine o'clock.
SIGN_IN = Rule("30 per minute; 300 per hour", "sign-in", ("POST",))
# The type-ahead asks at each key pressed from the second on.
LOOKUP = Rule("120 per minute; 2000 per hour", "lookup")
# A PDF takes seconds to make; a person downloads a few files at a time.
EXPORT = Rule("20 per minute; 200 per hour", "export")
# Choosing English or Welsh: a person does it now and then; a stranger may post it too.
LANGUAGE = Rule("30 per minute; 300 per hour", "language", ("POST",))
# Uploads (a postcode directory is hundreds of MB) and the saving of an uploaded plan.
IMPORT = Rule("10 per minute; 60 per hour", "import", ("POST",))

LIMITS: dict[str, Rule] = {
    "auth.sign_in": SIGN_IN,
    # Setting a password through an invitation link: guessing links costs like signing in.
    "admin.invitations.accept": SIGN_IN,
    # A security code, posted by whoever has the password: the same budget as signing in.
    "auth.two_factor.verify": SIGN_IN,
    "info.switch_language": LANGUAGE,
    "engagements.lookup.search": LOOKUP,
    "contacts.consent.export_csv": EXPORT,
    "contacts.export_register": EXPORT,
    "stakeholders.export_register": EXPORT,
    "engagements.export": EXPORT,
    "equality.answers_csv": EXPORT,
    "equality.area_report_csv": EXPORT,
    "feedback.you_said.report_csv": EXPORT,
    "imports.template": EXPORT,
    "jobs.download": EXPORT,
    "maps.download": EXPORT,
    "maps.picture": EXPORT,
    "panels.history_csv": EXPORT,
    "panels.roster_csv": EXPORT,
    "plans.export": EXPORT,
    "reports.annual_file": EXPORT,
    "reports.quarterly_file": EXPORT,
    "reports.annual_pdf": EXPORT,
    "reports.quarterly_pdf": EXPORT,
    "maps.admin.area_boundaries": IMPORT,
    "maps.admin.postcodes": IMPORT,
    "plans.imports.new": IMPORT,
    "plans.imports.confirm": IMPORT,
    # A register's spreadsheet: the upload, and the preview's apply (its POST).
    "imports.new": IMPORT,
    "imports.detail": IMPORT,
}


def client_key() -> str:
    """The client's address, and their user id when signed in."""
    address = request.remote_addr or "unknown"
    if current_user.is_authenticated:
        # The user's id, never get_id(): that is the session token the cookie carries.
        return f"{address} user {current_user.id}"
    return address


def init_rate_limits(app: Flask) -> Limiter:
    """A limiter of this app's own (Flask-Limiter keeps its storage on the extension, so
    one shared by two apps would count in whichever was made last), with every limit in
    LIMITS applied to its view. An endpoint missing from the URL map is an error, so a
    renamed route cannot lose its limit unnoticed."""
    limiter = Limiter(
        client_key,
        strategy="moving-window",
        # Redis unreachable: each worker counts in memory until it is back, rather than
        # refusing every limited request with an error.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.init_app(app)
    for endpoint, rule in LIMITS.items():
        methods = list(rule.methods) if rule.methods else None
        limit = limiter.shared_limit(rule.limit, scope=rule.budget, methods=methods)
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    app.extensions["rate_limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    return limiter


def retry_after_seconds() -> int:
    """Seconds until the limit just breached lets this client in again (at least one)."""
    breached = current_app.extensions["rate_limiter"].current_limit
    if breached is None:
        return 60
    return max(1, math.ceil(breached.window[0] - time.time()))  # window: (reset time, left)


def too_many_requests(_error: RateLimitExceeded):
    seconds = retry_after_seconds()
    wait = (f"{seconds} second{'s' if seconds != 1 else ''}" if seconds < 120
            else f"{math.ceil(seconds / 60)} minutes")  # fmt: skip
    page = render_template("errors/429.html", wait=wait)
    return page, 429, {"Retry-After": str(seconds)}
