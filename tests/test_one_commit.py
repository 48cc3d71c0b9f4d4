"""One way to commit: services only flush; a request's changes are committed by
views_common.save (which every view helper uses), a command's by the command, a
background job's by the job runner (crm/jobs/runner.py), with the job's ending.

The one exception is the postcode directory import, a long job that commits each batch
so its progress can be shown and a half-read file leaves the lookups as they were.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMITS = re.compile(r"\bsession\.commit\(\)")
WHERE_COMMITS_BELONG = {"crm/views_common.py", "crm/cli.py", "crm/jobs/runner.py",
                        "crm/services/postcode_import.py"}


def test_only_the_request_and_command_boundaries_commit():
    found = [
        f"{path.relative_to(ROOT).as_posix()}:{n}"
        for path in ROOT.glob("crm/**/*.py")
        if path.relative_to(ROOT).as_posix() not in WHERE_COMMITS_BELONG
        and "migrations" not in path.parts
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if COMMITS.search(line)
    ]
    assert not found, "Commit through views_common.save (or in the command):\n" + "\n".join(
        found
    )
