"""Jinja filters and globals the templates share."""

from __future__ import annotations

from collections import ChainMap
from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, request, url_for
from flask.templating import Environment as FlaskEnvironment

from crm import clock

UK = ZoneInfo("Europe/London")


def format_date(value: date | datetime | None) -> str:
    """GOV.UK style dates: 5 January 2026."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(UK)
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(UK)
    hour = local.strftime("%I").lstrip("0")
    return f"{format_date(local)} at {hour}:{local:%M}{local:%p}".replace("AM", "am").replace(
        "PM", "pm"
    )


def url_with_query(endpoint: str, query=None, **view_args) -> str:
    """A URL with a query string passed through as it is.

    Never `url_for(endpoint, **request.args)`: url_for reads argument names of its own
    (endpoint, _anchor, _method, _scheme, _external), which a URL can send.
    """
    url = url_for(endpoint, **view_args)
    if query:
        if hasattr(query, "lists"):  # request.args, a MultiDict
            query = dict(query.lists())
        pairs = [
            (key, value)
            for key, values in query.items()
            for value in (values if isinstance(values, list | tuple) else [values])
        ]
        if pairs:
            url += "?" + urlencode(pairs)
    return url


def url_with_args(**changes) -> str:
    """The current page's URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    return url_with_query(request.endpoint, args, **(request.view_args or {}))


def pairs(records, value_attr: str = "id", text_attr: str = "name") -> list[tuple]:
    """(value, text) pairs for a filter's select box."""
    return [(getattr(r, value_attr), getattr(r, text_attr)) for r in records]


def audit_value(value) -> str:
    """An audit trail value as the signed-in user may read it (see services.audit.shown)."""
    from flask_login import current_user

    from crm.services.audit import shown

    return shown(value, current_user)


def can(action: str, target) -> bool:
    """Templates ask the access module, never a role list: {% if can('edit', record) %}."""
    from flask_login import current_user

    from crm.services import access

    return current_user.is_authenticated and access.can(current_user, action, target)


def name_for(record, kind: str, text: str | None = None) -> str:
    """A linked record's name, or "a stakeholder in another Area" if the user may not see it."""
    from flask_login import current_user

    from crm.services.audit import name_for as name_for_user

    return name_for_user(current_user, record, kind, text)


def register_filters(app: Flask) -> None:
    app.add_template_global(name_for)
    app.add_template_filter(audit_value)
    app.add_template_global(can)
    app.add_template_filter(pairs)
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_global(url_with_args)
    app.add_template_global(url_with_query)
    app.add_template_global(clock.today, "today")


class TemplateGlobals(ChainMap):
    """A template's globals over the app's, whose keys are one set.

    Jinja asks, each time a template imports a macro, which of the importing template's
    globals the imported one lacks (`set - globals.keys()`). Against a ChainMap's keys view
    that is a Python-level lookup per global per import, and the GOV.UK macros import
    their helpers inside every call: about a tenth of a form page's time at 100,000
    stakeholders. A set of the keys answers it in C."""

    def keys(self):  # type: ignore[override]
        return set().union(*self.maps)


class Environment(FlaskEnvironment):
    def make_globals(self, d):
        return TemplateGlobals({} if d is None else d, self.globals)


class Engage(Flask):
    jinja_environment = Environment

