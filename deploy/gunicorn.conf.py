"""Gunicorn's settings for Engage: `gunicorn --config deploy/gunicorn.conf.py` (what
`make serve` and the systemd unit in docs/deploy.md run). Every setting comes from a
CRM_WEB_* environment variable, with a default that suits one server.

Before any worker starts, the master runs the checks `flask --app crm crm check-deploy`
runs (crm/services/deploy_check.py). With CRM_ENV=production a problem stops it (exit
1, a line per problem); otherwise, as for a demo on a laptop, the problems are printed
and it serves anyway.

Workers keep nothing in memory that another needs: sessions are signed cookies checked
against the database, sign-in throttling is in the database, rate limits in
CRM_RATELIMIT_STORAGE_URL (Redis in production; memory:// is each worker's own, for a
demo only), jobs in CRM_JOBS_URL's queue. Outside production one random secret key is
made here, before the workers are forked, so a cookie signed by one worker is accepted
by the next.
"""

from __future__ import annotations

import os
import secrets
import subprocess  # noqa: S404 - the checks, run by this same Python
import sys


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


wsgi_app = "crm:create_app()"
# Where the reverse proxy reaches the app: host:port, or unix:/run/engage/gunicorn.sock.
bind = [address.strip() for address in os.environ.get("CRM_WEB_BIND", "127.0.0.1:8000").split(",")]
workers = _env_int("CRM_WEB_WORKERS", 2 * _cores())
# Threads in each worker (gunicorn's gthread worker when more than 1): a request waiting
# on the database or a file lets another in the same worker run.
threads = _env_int("CRM_WEB_THREADS", 4)
# A worker silent this long is killed and replaced. With CRM_WEB_THREADS=1 (gunicorn's
# sync worker) that is the longest a request may take (a report's PDF for every Area
# is the slowest page); with threads, only a worker stuck as a whole is. On a restart,
# workers get graceful_timeout to finish what they are doing.
timeout = _env_int("CRM_WEB_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (staggered), so memory a long-lived
# process gathers (maps, PDFs) is given back. Not often: a new worker costs about 4.5 s
# of CPU (the app, then every template compiled); at 1,000 requests, four workers
# serving 70 requests a second spent a third of a core starting again.
max_requests = 20000
max_requests_jitter = 2000
# X-Forwarded-Proto and -For are read by the app alone (Werkzeug's ProxyFix, trusting
# CRM_PROXY_HOPS proxies), not by gunicorn as well: one rule for whom to believe.
secure_scheme_headers: dict[str, str] = {}
# No control socket (gunicornc): it would sit at one path per user, shared by every
# gunicorn that user runs. systemd's reload (SIGHUP) restarts the workers gracefully.
control_socket_disable = True

_ENV = os.environ.get("CRM_ENV", "development")
_MADE_KEY = _ENV != "production" and not os.environ.get("CRM_SECRET_KEY")
if _MADE_KEY and __name__ != "__main__":
    # Inherited by every worker; sessions end when the server stops, as with `make run`.
    os.environ["CRM_SECRET_KEY"] = secrets.token_hex(32)


def on_starting(server) -> None:
    """Refuse to serve for real (CRM_ENV=production) what `check-deploy` refuses; in
    development, say what is unsafe and serve anyway.

    The checks run in a process of their own (this file, run as a script), so the master
    imports nothing of Engage's: workers it forks after a reload (SIGHUP) load the code
    as it is then, not as it was when the master started."""
    environ = dict(os.environ)
    if _MADE_KEY:  # made above for the demo: a real server must set its own
        environ.pop("CRM_SECRET_KEY", None)
    checked = subprocess.run([sys.executable, __file__], env=environ, check=False)  # noqa: S603
    if checked.returncode == 0:
        return
    if _ENV == "production":
        print("Engage will not serve with these problems (CRM_ENV=production): correct "
              "them and start it again", file=sys.stderr)  # fmt: skip
        sys.exit(1)
    print("Serving anyway, as CRM_ENV is not 'production': fine for a demo, never "
          "for real records", file=sys.stderr)  # fmt: skip


def post_worker_init(worker) -> None:
    """The app is loaded: compile every template now, not in the first requests that
    need them (about 2 s of CPU for the lot, which made a new worker's first pages 200 ms
    slower each); then move everything made so far (the app, its models, its routes,
    the templates) out of the garbage collector's way. Python's full collections walk
    every object still tracked, and with the app's tens of thousands of them one request
    in four or five paid about 130 ms for one (measured at a million engagements)."""
    import gc

    env = getattr(getattr(worker, "wsgi", None), "jinja_env", None)
    if env is not None:
        for name in env.list_templates(filter_func=lambda name: name.endswith(".html")):
            env.get_template(name)
    gc.freeze()


def print_deploy_problems() -> int:
    """`check-deploy`'s problems for this environment, a `Problem:` line each on stderr;
    1 if there are any."""
    from crm import create_app
    from crm.config import ConfigError
    from crm.services import deploy_check

    try:
        app = create_app()
    except ConfigError as problem:  # production without a secret key
        found = [str(problem)]
    else:
        with app.app_context():
            found = deploy_check.problems(app.config, os.environ, app.debug)
    for problem in found:
        print(f"Problem: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(print_deploy_problems())
