"""Interface text in a template that is not marked for translation.

A template's text is marked when it is inside {% trans %}...{% endtrans %} or given to
_(), gettext() or ngettext(). Left unmarked, it would stay English on a Welsh page. This
finds, with Jinja's own lexer:
- words between tags, and in the attributes people read or hear (aria-label, title, alt,
  placeholder, a button's value);
- string constants in {{ }} and {% %} that read as words ("Sign in", ' is'), as opposed to
  the names, paths and classes a template passes about ("main.home", "govuk-link").
"""

from __future__ import annotations

import ast
import html
import re

from jinja2 import Environment, lexer

TRANSLATING = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
# Attributes whose value people read or hear.
READ_ATTRIBUTES = re.compile(
    r"""\b(?:aria-label|title|alt|placeholder|value)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
TAG = re.compile(r"<[^>]*>", re.S)
COMMENT = re.compile(r"<!--.*?-->", re.S)
# A word people read: a letter followed by a lower-case one (so not "GET", "ID" or "x").
WORD = re.compile(r"[A-Za-zÀ-ÿ][a-zà-ÿ’']")
# Names, paths, classes and formats: lower case, each word joined by - _ . / : or #.
TECHNICAL_WORD = re.compile(
    r"^[a-z0-9]*([-_./:#@=?&%{}()\[\]!,][a-z0-9_\-./:#@=?&%{}()\[\]!,]*)$|^[a-z0-9]+$")


# The service's name, the same in every language.
NAMES = re.compile(r"\bEngage\b")
# A key or a variable's name: oneWord, camel-cased.
CAMEL = re.compile(r"^[a-z]+(?:[A-Z][a-z]*)+$")


def _prose(text: str) -> bool:
    """Does this text hold a word someone reads (not markup, a name or a class)?"""
    text = NAMES.sub(" ", html.unescape(text).replace(HOLE, " ")).strip()
    if CAMEL.match(text):
        return False
    if not WORD.search(text):
        return False
    words = text.split()
    if len(words) == 1 and TECHNICAL_WORD.match(words[0]):
        # One lower-case word with no space: an endpoint, a key, a class, a format.
        return False
    return not all(TECHNICAL_WORD.match(w) and not w.isalpha() for w in words)


def _text_of(document: str) -> list[str]:
    """The words between tags, and in the attributes people read, of a template's HTML
    (each {{ }} or {% %} in it stood in for by a character that is no letter)."""
    document = COMMENT.sub(" ", document)
    found = []
    for tag in TAG.findall(document):
        for double, single in READ_ATTRIBUTES.findall(tag):
            if _prose(double or single):
                found.append((double or single).replace(HOLE, "…").strip())
    for text in TAG.sub("\n", document).split("\n"):
        if _prose(text):
            found.append(" ".join(text.replace(HOLE, "…").split()))
    return found


HOLE = "\x00"


def untranslated_text(environment: Environment, source: str) -> list[str]:
    """Each piece of interface text in a template's source left out of translation."""
    found: list[str] = []
    document: list[str] = []  # the HTML outside {% trans %}, a HOLE for each tag of Jinja's
    in_trans = 0
    calls: list[bool] = []  # for each open bracket: is it a translating call's?
    previous: list[tuple[str, str]] = []
    for _, kind, value in environment.lex(source):
        if kind == lexer.TOKEN_NAME and previous and previous[-1][0] == lexer.TOKEN_BLOCK_BEGIN:
            if value == "trans":
                in_trans += 1
            elif value == "endtrans":
                in_trans -= 1
        if kind == lexer.TOKEN_DATA:
            document.append(HOLE if in_trans else value)
        elif kind in (lexer.TOKEN_VARIABLE_BEGIN, lexer.TOKEN_BLOCK_BEGIN):
            document.append(HOLE)
        elif kind == lexer.TOKEN_OPERATOR and value in "([{":
            name = previous[-1] if previous else ("", "")
            calls.append(value == "(" and name[0] == lexer.TOKEN_NAME and name[1] in TRANSLATING)
        elif kind == lexer.TOKEN_OPERATOR and value in ")]}":
            if calls:
                calls.pop()
        elif kind == lexer.TOKEN_STRING and not in_trans and not any(calls):
            text = ast.literal_eval(value)
            if _prose(text) and not (previous and previous[-1] == (lexer.TOKEN_NAME, "import")):
                found.append(text)
        if kind != lexer.TOKEN_WHITESPACE:
            previous = (previous + [(kind, value)])[-3:]
    return _text_of("".join(document)) + found
