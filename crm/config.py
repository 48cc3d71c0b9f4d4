"""Configuration, read from CRM_* environment variables.

Defaults suit a developer's machine (a SQLite file under instance/). In
production (CRM_ENV=production) the app refuses to start without a secret key,
rather than falling back to a guessable one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("CRM_PROJECT_ROOT", Path(__file__).resolve().parent.parent))


class ConfigError(RuntimeError):
    """Raised when the app is started with configuration it must not run with."""


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = (os.environ.get(name) or "").strip()
    if not value:
        return default
    if not value.isascii() or not value.lstrip("-").isdigit():
        raise ConfigError(f"{name} must be a whole number, like {default}, not {value!r}")
    return int(value)


def default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'instance' / 'engage.db'}"


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(overrides: dict | None = None) -> dict:
    """Build the Flask config from the environment, then apply test overrides."""
    env = os.environ.get("CRM_ENV", "development")
    config = {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("CRM_SECRET_KEY"),
        # Keys the one-way fingerprints of erased people's emails; without it, the secret
        # key does (and rotating that key then stops a returning email being noticed).
        "ERASURE_KEY": os.environ.get("CRM_ERASURE_KEY"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("CRM_DATABASE_URL") or default_database_url()
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("CRM_SECURE_COOKIES", env == "production"),
        "PERMANENT_SESSION_LIFETIME": _env_int("CRM_SESSION_HOURS", 8) * 3600,
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "PAGE_SIZE": _env_int("CRM_PAGE_SIZE", 25),
        # Map tiles: "osm" (OpenStreetMap, the default), "none", or a URL template
        # like https://tiles.example.org/{z}/{x}/{y}.png with CRM_MAP_TILES_ATTRIBUTION.
        "MAP_TILES": os.environ.get("CRM_MAP_TILES", "osm"),
        "MAP_TILES_ATTRIBUTION": os.environ.get("CRM_MAP_TILES_ATTRIBUTION", ""),
        # Where people write about the service: its accessibility, their data (named on the
        # accessibility statement and the privacy notice; blank: "your IT service desk").
        "SERVICE_CONTACT_EMAIL": os.environ.get("CRM_SERVICE_CONTACT_EMAIL", ""),
        # No form is anywhere near this; a larger request is refused before it is read.
        "MAX_CONTENT_LENGTH": _env_int("CRM_MAX_REQUEST_MB", 5) * 1024 * 1024,
        # Sign-in throttling: after SLOW_AFTER failures in the window each further
        # try must wait; after LOCK_AFTER failures the account or address is refused.
        "SIGNIN_WINDOW_MINUTES": _env_int("CRM_SIGNIN_WINDOW_MINUTES", 15),
        "SIGNIN_SLOW_AFTER": _env_int("CRM_SIGNIN_SLOW_AFTER", 3),
        "SIGNIN_LOCK_AFTER": _env_int("CRM_SIGNIN_LOCK_AFTER", 10),
        "SIGNIN_SLOW_AFTER_PER_ADDRESS": _env_int("CRM_SIGNIN_SLOW_AFTER_PER_ADDRESS", 50),
        # How many proxies in front of the app set X-Forwarded-For and -Proto (0: none).
        # Without it, behind a proxy every user shares the proxy's address.
        "PROXY_HOPS": _env_int("CRM_PROXY_HOPS", 0),
        # Request logs: "text" (key=value lines) or "json" (JSON lines).
        "LOG_FORMAT": os.environ.get("CRM_LOG_FORMAT", "text").strip().lower(),
        # Rate limits (crm/rate_limits.py), counted in this storage: memory:// is each
        # worker's own (development); production shares Redis (redis://host:6379/0).
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": os.environ.get("CRM_RATELIMIT_STORAGE_URL", "memory://"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("CRM_RATELIMIT_KEY_PREFIX", "engage"),
        # Figures shown outside the service (a report's "public" version) give counts
        # below this as "fewer than N", so nobody can be picked out of a small number.
        "SUPPRESS_BELOW": _env_int("CRM_SUPPRESS_BELOW", 10),
        # The job queue: sqlite:///path (default: instance/jobs.db), redis://host:6379/0
        # (production: shared by every app server and worker), or "immediate" (tests).
        "JOBS_URL": os.environ.get("CRM_JOBS_URL", ""),
        # The queue's name: installations sharing one Redis each need their own.
        "JOBS_NAME": os.environ.get("CRM_JOBS_NAME", "engage"),
        # A running job whose worker has been silent this long has stopped: it failed.
        "JOB_STALE_SECONDS": _env_int("CRM_JOB_STALE_SECONDS", 60),
        # How long a job's file (a report's PDF, a subject access export) is kept for the
        # person who asked; then it is deleted and has to be made again.
        "JOB_FILE_DAYS": _env_int("CRM_JOB_FILE_DAYS", 7),
        # When the worker applies the retention rules each night (HH:MM, UTC), as a job
        # administrators see on /jobs; "off" leaves it to cron (`flask crm apply-retention`).
        "RETENTION_AT": os.environ.get("CRM_RETENTION_AT", "02:30").strip().lower(),
        # Where uploads wait for the job that reads them (default: instance/uploads); a
        # folder every app server and worker shares when they are on different machines.
        "UPLOAD_FOLDER": os.environ.get("CRM_UPLOAD_FOLDER", ""),
        # Two-factor sign-in (an authenticator app): always for these roles; for everyone
        # with CRM_REQUIRE_2FA. Anyone may turn it on for themselves.
        "TWO_FACTOR_ROLES": ("admin",),
        "REQUIRE_2FA": _env_bool("CRM_REQUIRE_2FA", False),
        # Single sign-on with OpenID Connect, offered when an issuer (or its discovery
        # URL), a client id and a secret are set. See crm/auth/sso.py.
        "OIDC_ISSUER": os.environ.get("CRM_OIDC_ISSUER", "").strip(),
        "OIDC_DISCOVERY_URL": os.environ.get("CRM_OIDC_DISCOVERY_URL", "").strip(),
        "OIDC_CLIENT_ID": os.environ.get("CRM_OIDC_CLIENT_ID", "").strip(),
        "OIDC_CLIENT_SECRET": os.environ.get("CRM_OIDC_CLIENT_SECRET", ""),
        "OIDC_LABEL": os.environ.get("CRM_OIDC_LABEL", "").strip() or "your work account",
        # Accept the provider's email without email_verified (Entra ID never sends it).
        "OIDC_TRUST_EMAIL": _env_bool("CRM_OIDC_TRUST_EMAIL", False),
        # The provider enforces MFA for Engage, so its sign-in needs no Engage code.
        "OIDC_TRUSTS_MFA": _env_bool("CRM_OIDC_TRUSTS_MFA", False),
        # How long an invitation link (to set one's password) works, in days.
        "INVITE_DAYS": _env_int("CRM_INVITE_DAYS", 7),
    }
    if overrides:
        config.update(overrides)
    # A failed statement's message leaves out its values (restricted text, a password's
    # hash), so the traceback Flask logs for an error holds none of them.
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"hide_parameters": True} | config[
        "SQLALCHEMY_ENGINE_OPTIONS"
    ]
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # The planner's default page costs are for spinning disks; on SSDs they
        # steer it away from the indexes that keep the list pages fast.
        page_cost = os.environ.get("CRM_PG_RANDOM_PAGE_COST", "1.1")
        config["SQLALCHEMY_ENGINE_OPTIONS"] = config["SQLALCHEMY_ENGINE_OPTIONS"] | {
            "connect_args": {"options": f"-c random_page_cost={float(page_cost)}"}
        }
    if not isinstance(config["SUPPRESS_BELOW"], int) or config["SUPPRESS_BELOW"] < 2:
        # Below 2, a count of one person would be shown: special category data among them.
        raise ConfigError("CRM_SUPPRESS_BELOW must be a whole number of at least 2 (10 by "
                          "default): smaller counts are shown as 'fewer than' it")
    if not config["SECRET_KEY"]:
        # `flask crm check-deploy` is the one command made to be run before the key is
        # set: it reports the missing key as one of its problems, with the others.
        if env == "production" and "check-deploy" not in sys.argv[1:]:
            raise ConfigError("Set CRM_SECRET_KEY: Engage will not start in production without it.")
        # A fresh random key per process: sessions end on restart, which is what
        # a developer's machine wants, and nothing guessable is ever used.
        config["SECRET_KEY"] = os.urandom(32).hex()
    return config
