"""Interface text in Python (crm/) that is not marked for translation.

A string constant that reads as words (two words with a space between) is interface text
unless it is:
- given to a translating call (`_`, `_l`, `gettext`, `lazy_gettext`, `ngettext`...);
- a docstring;
- given to a call whose words nobody using the service reads: logging, the command line
  (click), SQL (`text`), a programmer's error (`TypeError`, `RuntimeError`...);
- in a module that is not interface (the command line, check-deploy and backups, which
  the IT team reads in English in a shell; the demo data, which is record data; the rate
  limits, which are the limiter's notation);
- on a line marked `# i18n: not interface`, or below such a comment line (a key, a
  format, a text kept in the database as it was written), which says why by being there.

Run on its own to list what is left: `python -m tests.untranslated_python [paths]`.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "crm"
TRANSLATING = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext",
               "pgettext", "npgettext"}  # fmt: skip
# Calls whose string arguments nobody using the service reads.
NOT_READ = {
    # logging
    "debug", "info", "warning", "error", "exception", "critical", "getLogger",
    # the command line: its text is for the IT team, in a shell
    "echo", "secho", "option", "argument", "command", "group", "ClickException",
    "UsageError", "BadParameter", "confirm", "prompt",
    # SQL
    "text", "literal_column", "execute", "exec_driver_sql", "DDL",
    # programmers' errors: a bug, not a message for the person using the service
    "TypeError", "RuntimeError", "AssertionError", "NotImplementedError", "KeyError",
    "ConfigError", "LookupError", "AttributeError",
    # a restricted field's name as the audit trail stores it (English, as the record is)
    "restricted", "special_category",
}  # fmt: skip
# Modules that are not interface, and why.
NOT_INTERFACE = {
    "cli.py": "the command line, read by the IT team in a shell",
    "config.py": "configuration errors, read by the IT team when the app starts",
    "rate_limits.py": "the limiter's notation ('30 per minute')",
    "services/deploy_check.py": "check-deploy's report, read in a shell",
    "services/backup.py": "the backup and restore commands' report, read in a shell",
    "services/postgres_backup.py": "the backup and restore commands' report",
    "services/seeding.py": "the demo data: record data, synthetic",
    "services/demo_feedback.py": "the demo data",
    "services/demo_mapping.py": "the demo data",
    "services/demo_panels.py": "the demo data",
    "services/demo_plans.py": "the demo data",
    "request_log.py": "the request log, read by the IT team",
}
PRAGMA = "# i18n: not interface"
PROSE = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,}")


def _called(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _docstrings(tree: ast.AST) -> set[ast.AST]:
    kinds = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {node.body[0].value for node in ast.walk(tree)
            if isinstance(node, kinds) and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)}  # fmt: skip


def _marked(lines: list[str], lineno: int) -> bool:
    """Is the statement starting on this line marked, at its end or on a comment above?"""
    above = lines[lineno - 2].strip() if lineno > 1 else ""
    return PRAGMA in lines[lineno - 1] or (above.startswith("#") and PRAGMA in above)


def unmarked(source: str) -> list[tuple[int, str]]:
    """[(line, text)] of the interface text in this module's source not marked."""
    tree = ast.parse(source)
    lines = source.splitlines()
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if node in docstrings or not PROSE.search(node.value):
            continue
        if any(PRAGMA in lines[n - 1] for n in range(node.lineno, (node.end_lineno or
                                                                   node.lineno) + 1)):
            continue
        ancestor, read = node, True
        while ancestor in parents and read:
            ancestor = parents[ancestor]
            if isinstance(ancestor, ast.Call) and _called(ancestor.func) in (
                    TRANSLATING | NOT_READ):
                read = False
            if isinstance(ancestor, ast.stmt) and _marked(lines, ancestor.lineno):
                read = False
        if read:
            found.append((node.lineno, node.value))
    return sorted(found)


def modules() -> list[Path]:
    """The package's modules that hold interface text."""
    return sorted(path for path in PACKAGE.rglob("*.py")
                  if "migrations" not in path.parts
                  and str(path.relative_to(PACKAGE)) not in NOT_INTERFACE)  # fmt: skip


def report(paths: list[Path]) -> list[str]:
    return [f"{path.relative_to(PACKAGE.parent)}:{line}: {text!r}"
            for path in paths for line, text in unmarked(path.read_text())]  # fmt: skip


if __name__ == "__main__":
    chosen = [Path(p).resolve() for p in sys.argv[1:]] or modules()
    found = report(chosen)
    print("\n".join(found))
    print(f"{len(found)} unmarked", file=sys.stderr)
