"""The template environment's shortcuts (crm.templating.Environment) answer as Jinja does.

Each shortcut exists for speed (see its docstring); these tests hold it to Jinja's own
answer, so a page can never read differently because of it.
"""

from __future__ import annotations

from collections import OrderedDict

import pytest
from jinja2 import Environment as JinjaEnvironment
from jinja2 import StrictUndefined

EXPRESSIONS = [
    "{{ d.label.text }}",  # a key of a key
    "{{ d.missing is defined }}",  # no such key: undefined, as Jinja has it
    "{{ d.items is callable }}",  # a dict's method comes before its key of the same name
    "{% for k, v in d.items() %}{{ k }}{% endfor %}",
    "{{ d.get('label') }}",
    "{{ d.keys is callable }}",
    "{{ d['items'] }}",  # the key itself, by subscript
    "{{ d.__class__.__name__ }}",  # an attribute of every object
    "{{ o.label }}",  # a dict subclass: Jinja's own rule
    "{{ o.items is callable }}",
    "{{ s.upper() }}",  # not a dict at all
    "{{ n.real }}",
]


def _values():
    return {"d": {"label": {"text": "Name"}, "items": ["one", "two"], "attributes": {}},
            "o": OrderedDict(label="ordered", items=[1]), "s": "text", "n": 3}  # fmt: skip


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_a_templates_dotted_name_reads_as_jinja_reads_it(app, source):
    jinja = JinjaEnvironment(autoescape=True)  # as the app's
    assert app.jinja_env.from_string(source).render(_values()) == \
        jinja.from_string(source).render(_values())  # fmt: skip


def test_a_missing_key_is_undefined_with_its_name(app):
    strict = type(app.jinja_env)(app, undefined=StrictUndefined)
    with pytest.raises(Exception, match="has no attribute 'missing'"):
        strict.from_string("{{ d.missing }}").render(_values())
