"""Is this configuration safe to serve for real? `flask --app crm crm check-deploy` asks.

Each check returns a sentence saying what is wrong and what to set; an empty list means
the configuration passed every check here. What is not checked is said in the README,
not guessed at here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import text

from crm.extensions import db

MIN_SECRET_LENGTH = 32


def problems(config: Mapping[str, Any], environ: Mapping[str, str], debug: bool) -> list[str]:
    """Every problem with serving this app for real, one sentence each."""
    found = []
    if config.get("ENV_NAME") != "production":
        found.append("CRM_ENV is not 'production': set CRM_ENV=production on a real server")
    if debug:
        found.append("Debug mode is on: unset FLASK_DEBUG (the debugger runs any code sent "
                     "to it)")  # fmt: skip
    secret = environ.get("CRM_SECRET_KEY", "")
    if not secret:
        found.append("CRM_SECRET_KEY is not set: set it to a random value of at least "
                     f"{MIN_SECRET_LENGTH} characters, kept out of the repository")  # fmt: skip
    elif len(secret) < MIN_SECRET_LENGTH:
        found.append(f"CRM_SECRET_KEY is {len(secret)} characters: use at least "
                     f"{MIN_SECRET_LENGTH} random characters")  # fmt: skip
    if not config.get("SESSION_COOKIE_SECURE"):
        found.append("Session cookies may travel without HTTPS: set CRM_SECURE_COOKIES=1 "
                     "(or leave it unset with CRM_ENV=production)")  # fmt: skip
    found += _proxy(config)
    found += _tiles(config, environ)
    found += _rate_limit_storage(config)
    found += _job_queue(config)
    found += _single_sign_on(config)
    found += _database()
    return found


def _proxy(config: Mapping[str, Any]) -> list[str]:
    """In production cookies go over HTTPS only, and HTTPS ends at a reverse proxy (the
    app server speaks plain HTTP): so there is one, and unless the app is told to believe
    its X-Forwarded-For, every request seems to come from the proxy's address, and one
    person's failed sign-ins or rate limit slow everyone."""
    if config.get("ENV_NAME") == "production" and not config.get("PROXY_HOPS"):
        return ["CRM_PROXY_HOPS is 0, so every request seems to come from the reverse "
                "proxy and sign-in and rate limits would slow everyone together: set it "
                "to the number of proxies in front of Engage (1 behind nginx)"]  # fmt: skip
    return []


def _tiles(config: Mapping[str, Any], environ: Mapping[str, str]) -> list[str]:
    """Map tiles from a host chosen on purpose: OpenStreetMap's own servers are the
    default for the demo, but their usage policy is not for a service's daily use."""
    setting = str(config.get("MAP_TILES", "")).strip()
    if "CRM_MAP_TILES" not in environ:
        return ["Map tiles come from OpenStreetMap's public servers by default: set "
                "CRM_MAP_TILES to your tile server's URL template, or 'none'"]  # fmt: skip
    if setting.lower() in ("none", "osm"):
        return []
    if not setting.startswith("https://"):
        return [f"CRM_MAP_TILES must be an https:// URL template (it is {setting[:60]!r})"]
    return []


def _rate_limit_storage(config: Mapping[str, Any]) -> list[str]:
    """Rate limits counted in memory are each worker's own: with four workers a client
    gets four times the limit, and every restart forgets it."""
    storage = str(config.get("RATELIMIT_STORAGE_URI", "memory://"))
    if storage.split("://")[0].endswith("memory"):
        return ["Rate limits are counted in each worker's own memory: set "
                "CRM_RATELIMIT_STORAGE_URL to the Redis every worker shares "
                "(redis://host:6379/0)"]  # fmt: skip
    return []


def _job_queue(config: Mapping[str, Any]) -> list[str]:
    """Background jobs need a worker and a queue it shares with the app servers. On
    "immediate" a long job ties up a request; a SQLite queue is a file on one machine,
    so with PostgreSQL (a deployment that may grow to several servers) it must be Redis."""
    url = str(config.get("JOBS_URL") or "")
    if url == "immediate":
        return ["Background jobs run inside web requests (CRM_JOBS_URL=immediate): set "
                "CRM_JOBS_URL to the Redis the app servers and the worker share"]  # fmt: skip
    uses_postgres = str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql")
    if uses_postgres and not url.startswith(("redis://", "rediss://", "unix://")):
        return ["The job queue is a file on this machine while the data is in PostgreSQL: set "
                "CRM_JOBS_URL to the Redis every app server and worker shares "
                "(redis://host:6379/1)"]  # fmt: skip
    return []


def _single_sign_on(config: Mapping[str, Any]) -> list[str]:
    """Single sign-on set up whole or not at all, from a provider over HTTPS; and email
    trusted without email_verified only from one organisation's own directory (Entra's
    common, organizations and consumers issuers admit anyone's tenant or account)."""
    where = str(config.get("OIDC_DISCOVERY_URL") or config.get("OIDC_ISSUER") or "")
    given = [bool(where), bool(config.get("OIDC_CLIENT_ID")),
             bool(config.get("OIDC_CLIENT_SECRET"))]  # fmt: skip
    if not any(given):
        return []
    if not all(given):
        return ["Single sign-on is half set up: set CRM_OIDC_ISSUER (or CRM_OIDC_DISCOVERY_URL), "
                "CRM_OIDC_CLIENT_ID and CRM_OIDC_CLIENT_SECRET, or none of them"]  # fmt: skip
    found = []
    if not where.startswith("https://"):
        found.append(f"The single sign-on provider must be reached over https:// (it is "
                     f"{where[:60]!r})")  # fmt: skip
    shared = ("/common/", "/organizations/", "/consumers/")
    if config.get("OIDC_TRUST_EMAIL") and any(part in where + "/" for part in shared):
        found.append("CRM_OIDC_TRUST_EMAIL trusts the email of anyone the issuer admits, and "
                     "this issuer admits other organisations: use your own tenant's issuer, "
                     "https://login.microsoftonline.com/<tenant id>/v2.0")  # fmt: skip
    return found


def _database() -> list[str]:
    """SQLite serves several workers only in WAL mode (the app asks for it on every
    connection; a file system that cannot do it, such as a network share, refuses)."""
    if db.engine.dialect.name != "sqlite":
        return []
    mode = db.session.execute(text("PRAGMA journal_mode")).scalar()
    if str(mode).lower() != "wal":
        return [f"SQLite is in {mode!r} journal mode, not WAL: put the database file on a "
                "local disk (or use PostgreSQL) so workers do not lock each other out"]
    return []
