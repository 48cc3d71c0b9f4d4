"""Every setting Engage reads is in the deployment guide's list (docs/deploy.md, "Every
setting"), so an IT team never meets one only in the code."""

from __future__ import annotations

import re

from crm.config import PROJECT_ROOT

READ_FROM = ["crm", "deploy"]
# Written in full in the code: a name followed by a letter, digit or underscore is a prefix
# the code completes (CRM_OIDC_...), and is documented in full.
NAME = re.compile(r"\bCRM_[A-Z0-9_]*[A-Z0-9]\b(?![A-Za-z0-9_])")


def _settings_read() -> set[str]:
    found = set()
    for folder in READ_FROM:
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            found |= set(NAME.findall(path.read_text(encoding="utf-8")))
    return found


def _documented() -> set[str]:
    guide = (PROJECT_ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    table = guide.split("## 8. Every setting", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`(CRM_[A-Z0-9_]+)`", table))


def test_every_setting_the_code_reads_is_in_the_guide():
    read = _settings_read()
    assert {"CRM_SECRET_KEY", "CRM_ERASURE_KEY", "CRM_WEB_WORKERS"} <= read  # the search works
    assert sorted(read - _documented()) == []
