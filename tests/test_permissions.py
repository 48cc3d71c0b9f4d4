"""Permissions are asked of one place: the access module (access.can / can() in templates).

No template or view tests a user's role by name; if a right changes in the access
module, every button and every refusal follows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crm.services import access

ROOT = Path(__file__).resolve().parent.parent
# A staff member's role read outside the access module (the user model's own label and
# the account services that set a role, auth and users, are where roles live; users asks
# access whether a role administers).
ROLE_TEST = re.compile(r"\b(current_user|user)\.role\b(?!_label)")
ALLOWED = {"crm/services/access.py", "crm/services/auth.py", "crm/models/user.py",
           "crm/services/users.py"}  # fmt: skip


def test_no_template_or_view_tests_a_role_by_name():
    found = []
    for path in [*ROOT.glob("crm/**/*.py"), *ROOT.glob("templates/**/*.html")]:
        relative = path.relative_to(ROOT).as_posix()
        if relative in ALLOWED:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if ROLE_TEST.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, "Ask access.can(...) instead:\n" + "\n".join(found)


@pytest.mark.parametrize("role, may_add", [
    ("admin", {"stakeholder", "contact", "engagement", "panel", "membership", "panel_meeting",
               "feedback", "objective", "action_plan", "plan_action", "mapping_exercise"}),
    ("lead", {"stakeholder", "contact", "engagement", "feedback", "objective", "action_plan",
              "plan_action", "mapping_exercise"}),
    ("senior", set()),
    ("panels", {"contact", "panel", "membership", "panel_meeting", "feedback"}),
])  # fmt: skip
def test_the_access_module_answers_who_may_add_each_kind(ctx, make_user, role, may_add):
    user = make_user(role)
    assert {kind for kind in access.EDIT_ROLES if access.can(user, "add", kind)} == may_add
