"""Spreadsheet imports: upload, map the columns, preview, apply as a job, undo.

An import belongs to the person who uploaded it (and administrators, who look after
the service, may follow it); who may import a kind of record is whoever may add one
(access.can(user, "import", ...)). Rows are read in the user's Areas only: a row for
another Area is a problem on that row, never a silent skip.

Applying runs on the job queue (crm/jobs/kinds.py): the plan is made again from the
file, mapping and choices, and carried out in one transaction, so a failed or killed
apply leaves nothing half-written, and the import shows as failed (its job has).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from crm import clock, i18n
from crm.extensions import db
from crm.i18n import in_every_language
from crm.models import Job, SpreadsheetImport, User
from crm.models.spreadsheet_import import ImportMapping
from crm.services import access, audit, import_engagements, import_members, jobs, sheets
from crm.services.csv_export import to_csv
from crm.services.import_apply import carry_out, undo_rows, writer_for
from crm.services.import_fields import (
    KINDS,
    Kind,
    guess_mapping,
    header_words,
    plain,
    refused_columns,
)
from crm.services.import_plan import (
    Plan,
    Problem,
    find_header,
    hold_people_not_to_contact,
    match_rows,
    read_rows,
    resolve_organisations,
    work_out_changes,
)
from crm.services.records import InvalidValue

AUDIT_KIND = "import"
UNDO_DAYS = 30
LIMITS = sheets.Limits(
    max_rows=200_000, max_unzipped_bytes=300 * 1024**2,
    not_a_sheet=_l("The file must be a CSV, an Excel (XLSX) or an OpenDocument (ODS) "
                   "spreadsheet"),
    too_many_rows=_l("The file has more than %(rows)s rows: an import should be much shorter"),
    too_large=_l("The spreadsheet is too large: an import should be much smaller"),
    spreadsheets=("xlsx", "ods"),
)  # fmt: skip


class ImportRefused(Exception):
    """The import cannot be applied or undone now; the message says why."""


def kinds_for(user: User) -> list[Kind]:
    """The kinds of record the user may import (those they may add)."""
    return [kind for kind in KINDS.values() if access.can(user, "import", kind.record_type)]


def kind_of(spreadsheet_import: SpreadsheetImport) -> Kind:
    return KINDS[spreadsheet_import.kind]


def template(kind_key: str) -> str:
    """The kind's template as CSV: its headers, then a row of guidance."""
    kind = KINDS[kind_key]
    return to_csv([str(c.label) for c in kind.columns], [guidance_row(kind)])


def guidance_row(kind: Kind) -> list[str]:
    """The template's row of guidance, in the page's language."""
    return [_("Guidance: %(guidance)s", guidance=c.guidance) if c.guidance else _("Guidance")
            for c in kind.columns]  # fmt: skip


def _is_guidance(kind: Kind):
    """Whether a row is the template's guidance, in whichever language it was made."""
    said = in_every_language(LazyString(lambda: guidance_row(kind)[0]))
    return lambda row: row[:1] and row[0] in said


def _headers_key(kind_key: str, headers: list[str]) -> str:
    joined = "\x1f".join([kind_key, *(plain(header) for header in headers)])
    return hashlib.sha256(joined.encode()).hexdigest()


def read_file(data: bytes, file_name: str) -> list[list[str]]:
    try:
        return sheets.read_table(data, file_name, LIMITS)
    except sheets.SheetProblem as problem:
        raise InvalidValue("file", str(problem)) from None


def start(user: User, kind_key: str, file_name: str, data: bytes) -> SpreadsheetImport:
    """A new draft import of the file: its header found, its columns guessed (or as
    chosen last time for a file with the same headers)."""
    kind = KINDS.get(kind_key)
    if kind is None:
        raise InvalidValue("kind", _("Select what the file holds"))
    access.require(user, "import", kind.record_type)
    rows = read_file(data, file_name)
    if not any(rows):
        raise InvalidValue("file", _("The file is empty"))
    words = header_words(kind)
    header = find_header(rows, lambda row: len(guess_mapping(kind, row, words)) >= 2)
    headers = rows[header]
    saved = db.session.scalar(select(ImportMapping).where(
        ImportMapping.kind == kind.key,
        ImportMapping.headers_key == _headers_key(kind.key, headers)))  # fmt: skip
    mapping = dict(saved.mapping) if saved else guess_mapping(kind, headers, words)
    record = SpreadsheetImport(
        kind=kind.key, status="draft", file_name=file_name[:255], file_data=data,
        file_sha256=hashlib.sha256(data).hexdigest(), headers=headers, mapping=mapping,
        choices={}, started_by_id=user.id, created_count=0, updated_count=0, skipped_count=0,
    )  # fmt: skip
    db.session.add(record)
    db.session.flush()
    return record


def get(user: User, import_id: int) -> SpreadsheetImport:
    """An import the user may follow: their own (administrators: every one)."""
    record = db.session.get(SpreadsheetImport, import_id)
    if record is None:
        raise access.RecordNotFound()
    if not access.can(user, "follow_import", record):
        raise access.AccessDenied(_("This is someone else's import"))
    return record


def listed(user: User, limit: int = 50) -> list[SpreadsheetImport]:
    stmt = select(SpreadsheetImport).order_by(SpreadsheetImport.id.desc()).limit(limit)
    if not access.can(user, "administer", "imports"):
        stmt = stmt.where(SpreadsheetImport.started_by_id == user.id)
    return list(db.session.scalars(stmt))


def _require_draft(user: User, record: SpreadsheetImport) -> Kind:
    kind = kind_of(record)
    access.require(user, "import", kind.record_type)
    if record.started_by_id != user.id:
        raise access.AccessDenied(_("Only the person who uploaded the file may change it"))
    if record.status != "draft":
        raise ImportRefused(_("This import has already been applied or started"))
    return kind


def set_mapping(user: User, record: SpreadsheetImport, mapping: dict[str, int]) -> None:
    """Choose which column holds each field; remembered for files with the same headers."""
    kind = _require_draft(user, record)
    width = len(record.headers)
    chosen = {name: index for name, index in mapping.items()
              if index is not None and 0 <= index < width and name in
              {c.name for c in kind.columns}}  # fmt: skip
    for column in kind.columns:
        if column.required and column.name not in chosen:
            raise InvalidValue(column.name, _("Choose the column that holds the %(label)s",
                                              label=str(column.label).lower()))
    used = list(chosen.values())
    for name, index in chosen.items():
        if used.count(index) > 1:
            raise InvalidValue(name, _("The column “%(header)s” is chosen twice: choose each "
                                       "column once", header=record.headers[index]))  # fmt: skip
    record.mapping, record.choices = chosen, {}
    key = _headers_key(kind.key, record.headers)
    saved = db.session.scalar(select(ImportMapping).where(
        ImportMapping.kind == kind.key, ImportMapping.headers_key == key))  # fmt: skip
    if saved is None:
        db.session.add(ImportMapping(kind=kind.key, headers_key=key, mapping=chosen))
    else:
        saved.mapping = chosen
    db.session.flush()


def set_choices(user: User, record: SpreadsheetImport, choices: dict[str, str]) -> None:
    """What to do with each possible duplicate (create anyway, update that record, skip):
    the rows given (a page of them) take these choices; the others keep theirs."""
    _require_draft(user, record)
    record.choices = dict(record.choices or {}) | {
        str(row): choice for row, choice in choices.items() if choice}
    db.session.flush()


def plan_for(user: User, record: SpreadsheetImport, trying: bool = True) -> Plan:
    """What applying the import would do now, and every problem with the file.

    Panel members' rows are tried through the membership service's rules (`trying`); the
    apply job, writing them through the same rules at once, need not try them first."""
    kind = kind_of(record)
    rows = read_file(record.file_data, record.file_name)
    header = find_header(rows, lambda row: row == record.headers)
    guidance = _is_guidance(kind)
    body = [[] if guidance(row) else row for row in rows]
    planned, problems = read_rows(user, kind, body, header, dict(record.mapping))
    del rows, body  # the rows' lists (their cells live on in the values read)
    if kind.key == "contacts":
        resolve_organisations(user, planned, problems)
    elif kind.key == "engagements":
        import_engagements.resolve_links(user, planned, problems, Problem)
    elif kind.key == "members":
        import_members.resolve_links(user, planned, problems, Problem, kind.shown_label)
    match_rows(user, kind, planned, problems, dict(record.choices or {}))
    hold_people_not_to_contact(user, kind, planned, dict(record.choices or {}))
    work_out_changes(kind, planned)
    if kind.key == "members" and trying:
        import_members.try_rows(user, planned, problems, Problem, kind.shown_label)
    problems.sort(key=lambda problem: problem.row)
    return Plan(kind, header + 1, record.headers, planned, problems,
                refused_columns(kind, record.headers))  # fmt: skip


def submit(user: User, record: SpreadsheetImport) -> Job:
    """Queue the apply job, if the file has no problems. The caller commits, then starts it."""
    kind = _require_draft(user, record)
    plan = plan_for(user, record)
    if not plan.ok:
        raise ImportRefused(_("The file has problems: put them right and upload it again"))
    record.status = "queued"
    with i18n.in_stored_language():  # the job's name is stored: English, whatever the page's
        title = f"Import {str(kind.label).lower()}: {record.file_name}"
    job = jobs.submit(user, "import", title,
                      {"import_id": record.id, "user_id": user.id})  # fmt: skip
    record.job_id = job.id
    db.session.flush()
    return job


def apply(user: User, import_id: int, progress) -> SpreadsheetImport:
    """Carry out the import (the job's work): all of it, or, raising, nothing."""
    record = db.session.get(SpreadsheetImport, import_id)
    if record is None or record.status != "queued":
        raise ImportRefused(_("This import is no longer waiting to be applied"))
    kind = kind_of(record)
    access.require(user, "import", kind.record_type)
    progress(0, None, _("Reading the file"))
    plan = plan_for(user, record, trying=False)
    if not plan.ok:
        raise ImportRefused(_("The file's rows now have problems (the register has changed "
                              "since the preview): upload it again to see them"))  # fmt: skip
    writer = writer_for(user, record.id, record.file_name, kind)
    carry_out(writer, plan, progress)
    record.created_count = plan.count("create")
    record.updated_count = plan.count("update")
    record.skipped_count = len(plan.rows) - record.created_count - record.updated_count
    record.status, record.applied_at = "applied", clock.now()
    audit.record_event(user, AUDIT_KIND, record.id, "applied", None, _summary(record))
    db.session.flush()
    return record


def _summary(record: SpreadsheetImport) -> dict[str, str]:
    """The import as the audit trail keeps it: in English, whoever imports."""
    with i18n.in_stored_language():
        kind = str(kind_of(record).label)
    return {"Kind": kind, "File": record.file_name,  # i18n: not interface
            "SHA-256": record.file_sha256, "Created": str(record.created_count),
            "Updated": str(record.updated_count),
            "Skipped or unchanged": str(record.skipped_count)}  # fmt: skip


def status_of(record: SpreadsheetImport) -> str:
    """draft, queued, running, applied, failed, undoing or undone: a queued import whose
    job failed (or whose worker stopped) has failed, and nothing of it was kept; an undo
    whose job failed changed nothing, so the import is applied still (and may be undone
    again: its job's page says why it was refused)."""
    if record.status in ("queued", "undoing") and record.job_id is not None:
        job = db.session.get(Job, record.job_id)
        state = jobs.state_of(job).status if job is not None else "failed"
        if record.status == "undoing":
            return "applied" if state == "failed" else "undoing"
        return "queued" if state == "done" else state
    return record.status


def undo_until(record: SpreadsheetImport):
    return record.applied_at + timedelta(days=UNDO_DAYS) if record.applied_at else None


def may_undo(user: User, record: SpreadsheetImport) -> bool:
    return (status_of(record) == "applied" and clock.now() <= undo_until(record)
            and access.can(user, "import", kind_of(record).record_type)
            and access.can(user, "follow_import", record))  # fmt: skip


def submit_undo(user: User, record: SpreadsheetImport) -> Job:
    """Queue the undo of an applied import (a hundred thousand rows take seconds: a job,
    as applying it was). The caller commits, then starts it."""
    _require_undoable(user, record)
    record.status = "undoing"
    with i18n.in_stored_language():  # the job's name is stored: English, whatever the page's
        kind = str(kind_of(record).label).lower()
        title = f"Undo the import of {kind}: {record.file_name}"  # i18n: not interface
    job = jobs.submit(user, "undo_import", title,
                      {"import_id": record.id, "user_id": user.id})  # fmt: skip
    record.job_id = job.id
    db.session.flush()
    return job


def _require_undoable(user: User, record: SpreadsheetImport) -> None:
    if not may_undo(user, record):
        raise ImportRefused(_("Only an import applied in the last %(days)s days can be "
                              "undone, by the person who made it or an administrator",
                              days=UNDO_DAYS))


def undo_queued(user: User, import_id: int) -> tuple[SpreadsheetImport, int]:
    """Carry out a queued undo (the job's work): all of it, or, raising, nothing. The
    rules are asked again: the import may have been undone, or the person's rights
    changed, since the undo was asked for."""
    record = db.session.get(SpreadsheetImport, import_id)
    if record is None or record.status != "undoing":
        raise ImportRefused(_("This import is no longer waiting to be undone"))
    record.status = "applied"  # as it was, for the rules and should this fail
    return record, undo(user, record)


def undo(user: User, record: SpreadsheetImport) -> int:
    """Undo an applied import within 30 days: what it created is archived, what it
    updated goes back to its values before; audited. Returns how many records."""
    _require_undoable(user, record)
    writer = writer_for(user, record.id, record.file_name, kind_of(record))
    count = undo_rows(writer)
    record.status, record.undone_at, record.undone_by_id = "undone", clock.now(), user.id
    audit.record_event(user, AUDIT_KIND, record.id, "undone", None,
                       _summary(record) | {"Undone": f"{count:,} records"})  # fmt: skip
    db.session.flush()
    return count
