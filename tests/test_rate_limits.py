"""Rate limits: every lookup, export and import in the URL map has one; a limit refuses
with a "Too many requests" page and Retry-After; a signed-in user's budget is their own;
apps sharing Redis count together; production with counts in memory is refused."""

from __future__ import annotations

import inspect
import re
import types
import uuid

from flask_wtf import FlaskForm
from wtforms import FileField
from wtforms.fields.core import UnboundField

from crm import rate_limits
from crm.auth.session import PUBLIC_ENDPOINTS
from crm.config import load_config
from crm.rate_limits import EXPORT, IMPORT, LIMITS, LOOKUP, Rule
from tests.conftest import REDIS_URL, make_app, page_title, sign_in

EXPORT_URL = "/engagements/export.csv"
# A download's path ends in its file's extension (export.csv, annual.<any(csv, xlsx, pdf)>);
# .json is data a page fetches for itself (the map's points), not a download.
FILE_SUFFIX = re.compile(r"\.(?:[a-z0-9]+|<[^>]+>)$")


def _is_export(rule) -> bool:
    if "GET" not in rule.methods or rule.rule.endswith(".json") or rule.endpoint == "static":
        return False
    named = any(word in rule.endpoint for word in ("export", "download", "csv", "file"))
    return named or bool(FILE_SUFFIX.search(rule.rule))


def _is_lookup(rule) -> bool:
    return "lookup" in rule.endpoint or "lookup" in rule.rule


def _takes_a_file(view, depth: int = 3) -> bool:
    """The view (or a function of the app's it calls) uses a form with a file field, or
    is marked as taking a large upload (views_common.upload_limit)."""
    view = inspect.unwrap(view)
    if getattr(view, "upload_limit", None) is not None:
        return True
    for used in _names_used(view):
        if isinstance(used, type) and issubclass(used, FlaskForm):
            fields = (getattr(used, name, None) for name in dir(used))
            if any(isinstance(f, UnboundField) and issubclass(f.field_class, FileField)
                   for f in fields):  # fmt: skip
                return True
        elif depth and isinstance(used, types.FunctionType) and used.__module__.startswith("crm"):
            if _takes_a_file(used, depth - 1):
                return True
    return False


def _names_used(function) -> list[object]:
    codes, names = [function.__code__], set()
    while codes:
        code = codes.pop()
        names |= set(code.co_names)
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    scope = function.__globals__
    modules = [m for m in scope.values() if isinstance(m, types.ModuleType)]
    found = [scope[name] for name in names if name in scope]
    return found + [getattr(m, name) for m in modules for name in names if hasattr(m, name)]


def test_every_lookup_export_and_import_in_the_url_map_has_its_limit(app):
    """Built from the URL map, so a new download or upload cannot slip through."""
    expected: dict[str, Rule] = {}
    for rule in app.url_map.iter_rules():
        if _is_lookup(rule):
            expected[rule.endpoint] = LOOKUP
        elif _is_export(rule):
            expected[rule.endpoint] = EXPORT
        elif "POST" in rule.methods and _takes_a_file(app.view_functions[rule.endpoint]):
            expected[rule.endpoint] = IMPORT
    # The classification itself finds what it should (it is not vacuous).
    for endpoint in ("engagements.lookup.search", "engagements.export", "plans.export",
                     "reports.quarterly_file", "maps.download", "maps.admin.postcodes",
                     "maps.admin.area_boundaries", "plans.imports.new"):  # fmt: skip
        assert endpoint in expected, endpoint
    missing = {e: r.budget for e, r in expected.items() if LIMITS.get(e) != r}
    assert not missing, f"add these to crm/rate_limits.py LIMITS: {missing}"
    assert all(LIMITS[e].methods == ("POST",) for e, r in expected.items() if r is IMPORT)


def test_everything_posted_without_signing_in_has_a_limit(app):
    """What a stranger may post (a password, a code, a token) is limited per address."""
    posted = {rule.endpoint for rule in app.url_map.iter_rules()
              if "POST" in rule.methods and rule.endpoint in PUBLIC_ENDPOINTS}  # fmt: skip
    assert "auth.sign_in" in posted
    unlimited = sorted(e for e in posted if e not in LIMITS or "POST" not in
                       (LIMITS[e].methods or ("POST",)))  # fmt: skip
    assert not unlimited, f"add these to crm/rate_limits.py LIMITS: {unlimited}"


def test_every_limit_is_applied_to_its_view(database_url):
    app = _limited_app(database_url)
    limiter = app.extensions["rate_limiter"]
    for endpoint in LIMITS:
        # Flask-Limiter marks the views it wraps with (a weak proxy of) its limiter.
        assert getattr(app.view_functions[endpoint], "__wrapper-limiter-instance") == limiter


def _limited_app(database_url, **overrides):
    """An app with its limits on, counting under a key prefix of its own."""
    config = {"RATELIMIT_ENABLED": True, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    return make_app(database_url, **(config | overrides))


def _signed_in_client(app, user):
    client = app.test_client()
    assert sign_in(client, user).status_code == 302
    return client


def test_a_limit_refuses_with_a_page_saying_when_to_try_again(database_url, make_user, monkeypatch):
    monkeypatch.setitem(LIMITS, "engagements.export", Rule("2 per minute", "export"))
    client = _signed_in_client(_limited_app(database_url), make_user("lead"))
    assert [client.get(EXPORT_URL).status_code for _ in range(2)] == [200, 200]
    refused = client.get(EXPORT_URL)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    page = refused.get_data(as_text=True)
    assert page_title(page).startswith("Too many requests")
    assert re.search(r"Wait \d+ seconds? and try again", page)
    assert client.get("/engagements").status_code == 200  # pages are not limited


def test_sign_in_is_limited_per_address_and_only_when_posted(database_url, monkeypatch):
    monkeypatch.setitem(LIMITS, "auth.sign_in", Rule("3 per minute", "sign-in", ("POST",)))
    client = _limited_app(database_url).test_client()
    attempt = {"email": "nobody@engage.test", "password": "not the password"}
    assert {client.get("/sign-in").status_code for _ in range(5)} == {200}
    assert [client.post("/sign-in", data=attempt).status_code for _ in range(4)] == [
        200, 200, 200, 429]  # fmt: skip
    elsewhere = {"REMOTE_ADDR": "192.0.2.44"}
    assert client.post("/sign-in", data=attempt, environ_base=elsewhere).status_code == 200


def test_a_signed_in_users_limit_is_their_own(database_url, make_user, monkeypatch):
    monkeypatch.setitem(LIMITS, "engagements.export", Rule("2 per minute", "export"))
    monkeypatch.setitem(LIMITS, "plans.export", Rule("2 per minute", "export"))
    app = _limited_app(database_url)
    first, second = (_signed_in_client(app, make_user("lead")) for _ in range(2))
    # Same address; one budget for every export, whichever file.
    assert first.get(EXPORT_URL).status_code == 200
    assert first.get("/action-plans/999999/export.csv").status_code == 404
    assert first.get(EXPORT_URL).status_code == 429
    assert second.get(EXPORT_URL).status_code == 200
    assert first.get(EXPORT_URL).status_code == 429


def test_uploads_are_limited_but_their_pages_are_not(database_url, make_user, monkeypatch):
    monkeypatch.setitem(LIMITS, "maps.admin.area_boundaries",
                        Rule("1 per minute", "import", ("POST",)))  # fmt: skip
    client = _signed_in_client(_limited_app(database_url), make_user("admin", national=True))
    assert {client.get("/map/boundaries").status_code for _ in range(3)} == {200}
    assert client.post("/map/boundaries", data={}).status_code == 200  # "Choose a file"
    assert client.post("/map/boundaries", data={}).status_code == 429


def test_two_apps_sharing_redis_count_together(database_url, make_user, monkeypatch,
                                               redis_store):  # fmt: skip
    """As two workers would: each its own app, one Redis. With counts in memory each
    app counts alone, which is why production must not use memory:// (check-deploy)."""
    store = redis_store
    monkeypatch.setitem(LIMITS, "engagements.export", Rule("3 per minute", "export"))
    user = make_user("lead")
    prefix = f"engage-test-{uuid.uuid4().hex}"  # this run's own: parallel runs never meet
    try:
        shared = [_limited_app(database_url, RATELIMIT_STORAGE_URI=REDIS_URL,
                               RATELIMIT_KEY_PREFIX=prefix) for _ in range(2)]  # fmt: skip
        clients = [_signed_in_client(app, user) for app in shared]
        codes = [clients[i % 2].get(EXPORT_URL).status_code for i in range(4)]
        assert codes == [200, 200, 200, 429]
        assert list(store.scan_iter(f"*{prefix}*")), "the counts are kept in Redis"
    finally:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
    alone = [_signed_in_client(_limited_app(database_url), user) for _ in range(2)]
    assert [alone[i % 2].get(EXPORT_URL).status_code for i in range(4)] == [200] * 4


def test_unreachable_storage_counts_in_memory_rather_than_failing(
    database_url, make_user, monkeypatch
):
    monkeypatch.setitem(LIMITS, "engagements.export", Rule("2 per minute", "export"))
    app = _limited_app(database_url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    client = _signed_in_client(app, make_user("lead"))
    assert [client.get(EXPORT_URL).status_code for _ in range(3)] == [200, 200, 429]


def test_storage_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("CRM_RATELIMIT_STORAGE_URL", raising=False)
    assert load_config({"SECRET_KEY": "x"})["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("CRM_RATELIMIT_STORAGE_URL", "redis://cache.internal:6379/2")
    config = load_config({"SECRET_KEY": "x"})
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/2"
    assert config["RATELIMIT_ENABLED"] is True


def test_the_address_is_the_one_the_proxy_reports(database_url, monkeypatch):
    monkeypatch.setitem(LIMITS, "auth.sign_in", Rule("1 per minute", "sign-in", ("POST",)))
    client = _limited_app(database_url, PROXY_HOPS=1).test_client()
    attempt = {"email": "nobody@engage.test", "password": "not the password"}

    def post_from(address: str) -> int:
        return client.post("/sign-in", data=attempt,
                           headers={"X-Forwarded-For": address}).status_code  # fmt: skip

    assert [post_from("198.51.100.7"), post_from("198.51.100.7")] == [200, 429]
    assert post_from("198.51.100.8") == 200


def test_a_signed_in_key_is_the_address_and_the_users_id(database_url, make_user):
    from flask_login import login_user

    from crm.extensions import db
    from crm.models import User

    app = _limited_app(database_url)
    user = make_user("lead")
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        assert rate_limits.client_key() == "203.0.113.9"
        login_user(db.session.get(User, user.id))
        assert rate_limits.client_key() == f"203.0.113.9 user {user.id}"
