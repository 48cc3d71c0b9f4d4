"""Jinja filters and globals the templates share."""

from __future__ import annotations

from collections import ChainMap
from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, request, url_for
from flask.templating import Environment as FlaskEnvironment
from flask_babel import gettext, lazy_gettext

from crm import clock
from crm.i18n import day_month_year, time_of_day

UK = ZoneInfo("Europe/London")


def format_date(value: date | datetime | None) -> str:
    """GOV.UK style dates, in the page's language: 5 January 2026, 5 Ionawr 2026."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(UK)
    return day_month_year(value)


def format_datetime(value: datetime | None) -> str:
    """5 January 2026 at 3:04pm; 5 Ionawr 2026 am 3:04yh."""
    if value is None:
        return ""
    local = value.astimezone(UK)
    return gettext("%(day)s at %(time)s", day=format_date(local), time=time_of_day(local))


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


# The English that govuk-frontend-wtf writes into a component's params itself (its error
# summary's title, its date boxes' labels), in the page's language. The keys are what the
# library wrote, to be recognised: not interface.
LIBRARY_ENGLISH = {"There is a problem": lazy_gettext("There is a problem"),  # i18n: not interface
                   "Warning": lazy_gettext("Warning"), "Day": lazy_gettext("Day"),
                   "Month": lazy_gettext("Month"), "Year": lazy_gettext("Year")}  # fmt: skip


def defaults(params, given: dict) -> dict:
    """A GOV.UK component's params with the texts it would otherwise default to in English
    given in the page's language (templates/govuk_frontend_jinja wraps each such component):
    a key is set where params lack it (or leave it empty); a value govuk-frontend-wtf
    wrote in English is translated."""
    changed = dict(params or {})
    for key, value in given.items():
        current = changed.get(key)
        if not current:
            changed[key] = value
        elif isinstance(current, str) and current in LIBRARY_ENGLISH:
            changed[key] = str(LIBRARY_ENGLISH[current])
    return changed


def page_label(item: dict) -> dict:
    """A pagination item's label for screen readers ("Page 3") in the page's language."""
    from flask_babel import gettext

    if not item or "number" not in item or item.get("visuallyHiddenText"):
        return item
    return {**item, "visuallyHiddenText": gettext("Page %(number)s", number=item["number"])}


def register_filters(app: Flask) -> None:
    app.add_template_global(name_for)
    app.add_template_filter(audit_value)
    app.add_template_global(can)
    app.add_template_filter(pairs)
    app.add_template_filter(defaults)
    app.add_template_filter(page_label)
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


# What `getattr` finds on a plain dict: its methods (`params.items` is the method, as
# Jinja has it), never a key.
DICT_ATTRIBUTES = frozenset(dir(dict))


class Environment(FlaskEnvironment):
    def make_globals(self, d):
        return TemplateGlobals({} if d is None else d, self.globals)

    def getattr(self, obj, attribute):
        """`a.b` in a template: Jinja's rule (the attribute, else the item), answered for a
        plain dict without first raising and catching AttributeError.

        The GOV.UK macros read every option as `params.label.text` from dicts: about
        5,000 such reads on the engagement form, each paying for an exception before
        the key was looked up. A plain dict's only attributes are its methods
        (DICT_ATTRIBUTES), which still come first, so the answer is the same."""
        if type(obj) is dict and attribute not in DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


class Engage(Flask):
    jinja_environment = Environment

