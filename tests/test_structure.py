"""One blueprint per package: every page's endpoint starts with the crm package its view
is written in (panels.memberships.detail is in crm/panels/), so finding the code behind
a page, or a template's url_for, is reading its endpoint.

Each package registers exactly one top-level blueprint, named as the package; its other
modules' blueprints are nested in it (crm/__init__.py, _register_blueprints).

Only the endpoints are held to this, not the URLs: some nested pages keep a shorter
address on purpose, as people use and bookmark them, and these may stay: the follow-up
actions list (engagements.actions) at /actions, the coverage page (engagements.coverage)
at /coverage, the picker's look-ups (engagements.lookup) at /lookup, casework priorities
(feedback.priorities) at /priorities, "you said, we did" (feedback.you_said) under
/reports, case reviews (feedback.case_reviews) and panel meetings (panels.meetings)
under /meetings, memberships (panels.memberships) at /memberships, the plans (plans.*)
at /action-plans, /plan-actions and /objectives.
"""

from __future__ import annotations

import importlib
import inspect
from collections import Counter
from pathlib import Path

from flask import Blueprint

import crm

CRM = Path(crm.__file__).parent
# Flask's own: the static files, served by the app, not by a package of ours.
FLASKS_OWN = {"static"}


def _package(module: str) -> str:
    """crm.panels.memberships -> panels."""
    parts = module.split(".")
    assert parts[0] == "crm" and len(parts) > 2, f"{module} is not in a crm package"
    return parts[1]


def test_every_endpoint_starts_with_the_package_its_view_is_in(app):
    wrong = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in FLASKS_OWN:
            continue
        view = inspect.unwrap(app.view_functions[rule.endpoint])
        package = _package(view.__module__)
        if rule.endpoint.split(".")[0] != package:
            wrong.append(f"{rule.endpoint} ({rule.rule}) is defined in {view.__module__}")
    assert not wrong, "\n".join(wrong)


def test_each_package_registers_one_top_level_blueprint_named_as_it(app):
    top_level = [bp for name, bp in app.blueprints.items() if "." not in name]
    packages = Counter(_package(bp.import_name) for bp in top_level)
    assert [p for p, n in packages.items() if n != 1] == []
    for bp in top_level:
        assert bp.name == _package(bp.import_name), bp.import_name
    # A nested blueprint sits in its own package's blueprint.
    for name, bp in app.blueprints.items():
        if "." in name:
            assert name.split(".")[0] == _package(bp.import_name), (name, bp.import_name)


def test_every_blueprint_written_is_registered(app):
    """A module's blueprint left out of _register_blueprints would serve nothing: its pages
    are missing and no test of them can fail for the right reason."""
    registered = {id(bp) for bp in app.blueprints.values()}
    written = []
    for path in sorted(CRM.rglob("*.py")):
        if "migrations" in path.parts or "Blueprint(" not in path.read_text(encoding="utf-8"):
            continue
        module = ".".join(path.relative_to(CRM.parent).with_suffix("").parts)
        for value in vars(importlib.import_module(module)).values():
            if isinstance(value, Blueprint) and value.import_name == module:
                written.append(value)
    assert written, "found no blueprints: has the package moved?"
    missing = [bp.import_name for bp in written if id(bp) not in registered]
    assert missing == []
