"""Today's date, from one place, so tests can fix it (config TODAY) instead of using the real one.

It is the date in the UK, where the service works, whatever the server's time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

UK = ZoneInfo("Europe/London")


def today() -> date:
    if has_app_context():
        fixed = current_app.config.get("TODAY")
        if fixed is not None:
            return fixed
    return datetime.now(UK).date()


def now() -> datetime:
    """The time now (UTC, timezone-aware): config NOW when a test fixes it, so a test moves
    time on (an invitation link expiring) instead of sleeping."""
    if has_app_context():
        fixed = current_app.config.get("NOW")
        if fixed is not None:
            return fixed
    return datetime.now(UTC)
