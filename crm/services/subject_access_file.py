"""The subject access ZIP: a readable HTML summary, all of it as JSON, and a CSV file per
part, built with zipfile from what crm.services.subject_access gathered."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from crm import i18n
from crm.services.csv_export import to_csv


def _csv(rows: list[dict]) -> str:
    if not rows:
        return _("No records") + "\r\n"
    header = list(rows[0])
    return to_csv(header, [[row.get(h, "") for h in header] for row in rows])


def build_zip(data: dict[str, Any], sections: dict[str, str]) -> bytes:
    """The ZIP: summary.html, everything.json, and a CSV per section."""
    html = current_app.jinja_env.get_template("contacts/subject_access_summary.html").render(
        data=data, sections=sections)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("summary.html", html)
        archive.writestr("everything.json", json.dumps(data, indent=2, ensure_ascii=False,
                                                       default=i18n.json_text))
        for key in sections:
            archive.writestr(f"csv/{key}.csv", _csv(data[key]))
    return buffer.getvalue()


def file_name(reference: str) -> str:
    """The ZIP's name: the request's reference (letters, digits, '.', '_', '-') only."""
    safe = "".join(ch for ch in reference if (ch.isascii() and ch.isalnum()) or ch in "._-")
    return f"{safe or 'subject-access'}.zip"
