"""English and Welsh: which language a page is in.

The language of a request is, in order: the signed-in user's choice (kept on their
account, so it follows them to any device), the choice made in this browser before
signing in (kept in the session), or the best of the browser's Accept-Language. The
switch on every page is crm/info/routes.py's `switch_language`. Text goes through gettext
(Flask-Babel); the catalogues are in crm/translations, built by `make setup` (see
docs/translation.md). Record data (names, notes) is shown as entered.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from babel import Locale
from flask import Flask, has_request_context, request, session
from flask.globals import _cv_app  # the app context itself, not its proxy (see _Catalogues)
from flask.json.provider import DefaultJSONProvider
from flask_babel import Babel, Domain, force_locale, get_locale
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup, escape

# The interface's languages, each named in itself (as a language switch names them).
LANGUAGES = {"en": "English", "cy": "Cymraeg"}
# What the switch to each says to a screen reader, in that language (as GOV.UK services do).
SWITCH_TO = {  # i18n: not interface (each is in its own language already)
    "en": "Change the language to English",
    "cy": "Newid yr iaith i’r Gymraeg",
}
DEFAULT = "en"
SESSION_KEY = "language"

babel = Babel()


def select_language() -> str:
    """The language of this request (see the module's docstring)."""
    if not has_request_context():
        return DEFAULT
    if current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    if session.get(SESSION_KEY) in LANGUAGES:
        return session[SESSION_KEY]
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT)


def language() -> str:
    """The current request's language code: "en" or "cy"."""
    return str(get_locale() or DEFAULT)


@cache
def _month_names(code: str) -> dict[int, str]:
    return dict(Locale.parse(code).months["format"]["wide"])


@cache
def _short_month_names(code: str) -> dict[int, str]:
    return dict(Locale.parse(code).months["format"]["abbreviated"])


def short_date(value: date) -> str:
    """5 Jan 2026, or 5 Ion 2026: for charts' labels and lists where space is short."""
    return f"{value.day} {_short_month_names(language())[value.month]} {value.year}"


def month_name(month: int) -> str:
    """A month's name in the page's language (Ionawr ... Rhagfyr in Welsh)."""
    return _month_names(language())[month]


def day_month_year(value: date) -> str:
    """GOV.UK style: 5 January 2026, or 5 Ionawr 2026."""
    return f"{value.day} {month_name(value.month)} {value.year}"


def time_of_day(value: datetime) -> str:
    """GOV.UK style: 9:05am, or 9:05yb in Welsh."""
    hour = value.hour % 12 or 12
    suffix = _("am") if value.hour < 12 else _("pm")
    return f"{hour}:{value:%M}{suffix}"


def in_every_language(text) -> tuple[str, ...]:
    """A lazy text as each language gives it (English first): what an import accepts for
    a header or a choice, whichever language the file it reads was made in."""
    said = []
    for code in LANGUAGES:
        with force_locale(code):
            words = str(text)
        if words not in said:
            said.append(words)
    return tuple(said)


def in_stored_language():
    """A context in which text is made in the language the service keeps in its records:
    English, whatever the page's (the audit trail's words, a job's name, an import's
    report), so that a record reads the same to everyone; pages translate it as they
    show it where they can (`stored_words`)."""
    return force_locale(DEFAULT)


def stored_words(text):
    """Words the service wrote into a record in English (the audit trail's field names),
    in the page's language where the catalogue has them, else as kept. Not for what
    people typed: record data is shown as entered."""
    return _(text) if isinstance(text, str) and text.strip() else text


def json_text(value):
    """json.dumps's `default` (and Flask's, for jsonify and tojson): a lazy text is written
    as the text it gives now; anything else as Flask writes it (dates), or refused."""
    if isinstance(value, LazyString):
        return str(value)
    return DefaultJSONProvider.default(value)


def _escaped(self) -> Markup:
    return escape(str(self))


# Flask-Babel's lazy strings (form labels and messages, `_l`) tell Jinja they are already
# HTML, so Jinja would not escape them: a message formatted with a record's name would
# reach the page raw. Engage's lazy strings are text, never markup: escape them as text.
LazyString.__html__ = _escaped


class _JSON(DefaultJSONProvider):
    """Flask's JSON (jsonify, tojson) with lazy texts written as text."""

    default = staticmethod(json_text)


class _Catalogues(Domain):
    """Flask-Babel's message domain, finding the catalogue once per request and language
    rather than once per text.

    Flask-Babel looks the catalogue up afresh for every text it translates (the request's
    Babel state through Flask's context proxies, its locale, the locale's name, a cache
    lookup): about 10 µs a text, and a page has two hundred, a tenth of a list page's
    time. This keeps the catalogue on the same per-request state, beside the locale it
    is for: `force_locale` puts another locale there (and back afterwards), which is
    then seen and its own catalogue found, so the language of every text is still
    Flask-Babel's choice. The state is reached through the app context's variable rather
    than `flask.g`, whose proxy cost as much again."""

    def get_translations(self):
        context = _cv_app.get(None)
        if context is None:  # no application context: Flask-Babel's own answer
            return super().get_translations()
        try:
            state = context.g._flask_babel
            locale, catalogue = state.engage_catalogue
            if locale is state.babel_locale:
                return catalogue
        except AttributeError:  # the request's first text, or a locale not yet chosen
            pass
        catalogue = super().get_translations()
        context.g._flask_babel.engage_catalogue = (get_locale(), catalogue)
        return catalogue


def _install_catalogues(app: Flask) -> None:
    """Every text, in Python (`_`, `_l`) and in templates (`{% trans %}`, `_()`), through
    one `_Catalogues` (Flask-Babel makes its domain once for the Babel object and reaches
    it through `get_domain()`; its Jinja functions go that way for every text too)."""
    domain = _Catalogues(domain=app.extensions["babel"].default_domain)
    babel.domain_instance = domain  # Flask-Babel's cached property, set once here

    def page_gettext(text):
        return domain.get_translations().ugettext(text)

    def page_ngettext(singular, plural, n):
        return domain.get_translations().ungettext(singular, plural, n)

    def page_pgettext(context, text):
        return domain.get_translations().upgettext(context, text)

    def page_npgettext(context, singular, plural, n):
        return domain.get_translations().unpgettext(context, singular, plural, n)

    app.jinja_env.install_gettext_callables(
        gettext=page_gettext, ngettext=page_ngettext, newstyle=True,
        pgettext=page_pgettext, npgettext=page_npgettext)  # fmt: skip


def init_i18n(app: Flask) -> None:
    app.json = _JSON(app)
    app.jinja_env.filters["stored_words"] = stored_words
    babel.init_app(app, locale_selector=select_language,
                   default_translation_directories="translations")  # fmt: skip
    _install_catalogues(app)
    # {% trans %} blocks may wrap over lines: their whitespace is one space in the catalogue.
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    @app.context_processor
    def languages() -> dict:
        return {"languages": LANGUAGES, "switch_to": SWITCH_TO, "page_language": language()}
