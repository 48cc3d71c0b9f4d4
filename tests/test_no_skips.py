"""No test skips except for a missing browser: a skipped test proves nothing, and a skip
for a missing service (PostgreSQL, Redis, axe-core) would hide that CI is not testing
what production runs. Tests that need a browser skip, saying so, only when Debian's
chromium is not installed; anything else missing fails."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SKIPS = re.compile(r"pytest\.skip\(|mark\.skip\b|mark\.skipif\(|mark\.xfail|pytest\.importorskip")
MISSING_BROWSER = re.compile(r"mark\.skipif\(\s*not [^\n]*\bCHROMIUM\b")


def test_only_a_missing_browser_skips_a_test():
    found = []
    for path in sorted(TESTS.glob("*.py")):
        if path.name == Path(__file__).name:
            continue
        text = path.read_text(encoding="utf-8")
        allowed = {m.start() for m in MISSING_BROWSER.finditer(text)}
        found += [f"{path.name}:{text.count(chr(10), 0, m.start()) + 1}"
                  for m in SKIPS.finditer(text)
                  if m.start() not in allowed]  # fmt: skip
    assert not found, "Only a missing browser may skip a test: " + ", ".join(found)
