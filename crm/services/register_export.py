"""The stakeholder and contact registers as files: what the list shows (its filters and
order kept), every record with its id first, so a copy edited in a spreadsheet can be
imported back as updates (the importer matches the `id` column; the other headers are
the forms' field labels).

Rows are read as plain tuples a few thousand at a time and written out as they come
(ORM objects cost 0.7 ms a row; 100,000 of them held at once would be the whole
register in memory). Cells a spreadsheet would run as formulas are neutralised: CSV by
csv_export, XLSX by storing every text cell as a string, never a formula.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import Any

import xlsxwriter
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm.extensions import db
from crm.models import Affiliation, Area, Community, Contact, Stakeholder, User
from crm.models.stakeholder import (
    CONTACT_METHODS,
    STAKEHOLDER_STATUSES,
    STAKEHOLDER_TYPES,
    stakeholder_communities,
)
from crm.services import access, consent
from crm.services import contacts as contact_service
from crm.services import stakeholders as stakeholder_service
from crm.services.csv_export import safe_cell
from crm.services.plan_sheets import xlsx_text
from crm.services.records import yes_no

BATCH = 2000
ID = "id"

# The stakeholder form's fields and their labels, in the form's order (a test checks
# they are the form's own labels).
STAKEHOLDER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", _l("Name")),
    ("type", _l("Type")),
    ("description", _l("Description")),
    ("community_ids", _l("Communities served")),
    ("address_line1", _l("Address line 1")),
    ("address_line2", _l("Address line 2 (optional)")),
    ("town", _l("Town or city")),
    ("postcode", _l("Postcode")),
    ("latitude", _l("Latitude (optional)")),
    ("longitude", _l("Longitude (optional)")),
    ("area_id", _l("Area")),
    ("owner_id", _l("Relationship owner")),
    ("status", _l("Status")),
    ("influence", _l("Influence (1 low to 5 high)")),
    ("interest", _l("Interest (1 low to 5 high)")),
    ("email", _l("Email address")),
    ("phone", _l("Phone number")),
    ("website", _l("Website")),
    ("preferred_language", _l("Preferred language")),
    ("accessible_formats", _l("Accessible formats")),
    ("notes", _l("Notes")),
)
CONTACT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", _l("Full name")),
    ("job_title", _l("Job title")),
    ("area_id", _l("Area")),
    ("email", _l("Email address")),
    ("phone", _l("Phone number")),
    ("preferred_contact_method", _l("Preferred contact method")),
    ("accessibility_needs", _l("Accessibility needs")),
    ("preferred_language", _l("Preferred language or format")),
    ("notes", _l("Notes")),
)
# Columns beyond the form's: a contact's organisations (with their role there), whether
# they asked not to be contacted, and the purposes they consent to now (each changed
# through its own dated record, on the contact's page).
ORGANISATIONS = _l("Organisations")
DO_NOT_CONTACT = _l("Do not contact")
CONSENTS = _l("Consents now to")


def stakeholder_header() -> list[str]:
    """The file's header, in the language of the person asking."""
    return [ID, *(str(label) for _field, label in STAKEHOLDER_COLUMNS)]


def contact_header() -> list[str]:
    return [ID, *(str(label) for _field, label in CONTACT_COLUMNS), str(ORGANISATIONS),
            str(DO_NOT_CONTACT), str(CONSENTS)]  # fmt: skip


def _number(value: Any) -> str:
    return "" if value is None else str(value)


def _ordered(sorts: dict, sort: str) -> list:
    return [key.clause() for key in sorts.get(sort, sorts["name"])]


def stakeholder_rows(user: User, filters) -> Iterator[list[object]]:
    """The stakeholders the list shows with these filters (every page), in its order.
    The query is made now; its rows are read as they are consumed."""
    s = Stakeholder
    stmt = (
        select(s.id, s.name, s.type, s.description, s.address_line1, s.address_line2,
                  s.town, s.postcode, s.latitude, s.longitude, Area.name, User.name, s.status,
                  s.influence, s.interest, s.email, s.phone, s.website, s.preferred_language,
                  s.accessible_formats, s.notes)
        .join(Area, Area.id == s.area_id)
        .outerjoin(User, User.id == s.owner_id)
        .where(*stakeholder_service.filter_conditions(user, filters))
        .order_by(*_ordered(stakeholder_service.SORTS, filters.sort))
        .execution_options(yield_per=BATCH)
    )  # fmt: skip
    return _stakeholder_rows(stmt)


def _stakeholder_rows(stmt) -> Iterator[list[object]]:
    # Read as the file is written: everything about the user was asked before.
    for batch in db.session.execute(stmt).partitions():
        served = _communities_of([row[0] for row in batch])
        for row in batch:
            (id_, name, type_, description, line1, line2, town, postcode, lat, lng, area,
             owner, status, influence, interest, *rest) = row  # fmt: skip
            yield [
                id_, name, STAKEHOLDER_TYPES.get(type_, type_), description,
                served.get(id_, ""), line1, line2, town, postcode, _number(lat), _number(lng),
                area, owner or "", STAKEHOLDER_STATUSES.get(status, status),
                _number(influence), _number(interest), *rest,
            ]  # fmt: skip


def _communities_of(ids: Sequence[int]) -> dict[int, str]:
    sc = stakeholder_communities.c
    rows = db.session.execute(
        select(sc.stakeholder_id, Community.name)
        .join(Community, Community.id == sc.community_id)
        .where(sc.stakeholder_id.in_(ids))
        .order_by(sc.stakeholder_id, Community.name)
    )
    return {
        sid: "; ".join(name for _, name in group)
        for sid, group in groupby(rows, key=lambda r: r[0])
    }


def contact_rows(user: User, filters) -> Iterator[list[object]]:
    """The contacts the list shows with these filters (every page), in its order; those
    marked do not contact are in it, and marked."""
    c = Contact
    stmt = (
        select(c.id, c.name, c.job_title, Area.name, c.email, c.phone,
                  c.preferred_contact_method, c.accessibility_needs, c.preferred_language,
                  c.notes, c.do_not_contact)
        .join(Area, Area.id == c.area_id)
        .where(*contact_service.filter_conditions(user, filters))
        .order_by(*_ordered(contact_service.SORTS, filters.sort))
        .execution_options(yield_per=BATCH)
    )  # fmt: skip
    return _contact_rows(stmt, access.area_conditions(Stakeholder.area_id, user))


def _contact_rows(stmt, visible: list) -> Iterator[list[object]]:
    for batch in db.session.execute(stmt).partitions():
        organisations = _organisations_of(visible, [row[0] for row in batch])
        consents = consent.consented_purposes([row[0] for row in batch])
        for row in batch:
            (id_, name, job, area, email, phone, method, needs, language, notes,
             do_not_contact) = row  # fmt: skip
            yield [
                id_, name, job, area, email, phone, CONTACT_METHODS.get(method, ""), needs,
                language, notes, organisations.get(id_, ""), yes_no(bool(do_not_contact)),
                ", ".join(consents.get(id_, [])),
            ]  # fmt: skip


def _organisations_of(visible: list, ids: Sequence[int]) -> dict[int, str]:
    """Each contact's live organisations the user may see, "Name (role)", by name."""
    rows = db.session.execute(
        select(Affiliation.contact_id, Stakeholder.name, Affiliation.role)
        .join(Stakeholder, Stakeholder.id == Affiliation.stakeholder_id)
        .where(Affiliation.contact_id.in_(ids), Stakeholder.archived_at.is_(None),
               *visible)
        .order_by(Affiliation.contact_id, Stakeholder.name, Stakeholder.id)
    )  # fmt: skip
    return {
        cid: "; ".join(f"{name} ({role})" if role else name for _, name, role in group)
        for cid, group in groupby(rows, key=lambda r: r[0])
    }


def csv_chunks(header: list[str], rows: Iterator[list[object]]) -> Iterator[str]:
    """The file as text, a batch of rows at a time (the first with a BOM, so Excel reads
    it as UTF-8); each cell neutralised as csv_export does."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow([safe_cell(h) for h in header])
    for number, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(v) for v in row])
        if number % BATCH == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def xlsx_file(header: list[str], rows: Iterator[list[object]], sheet_name: str) -> Any:
    """The file as Excel, written row by row to a temporary file (XlsxWriter's constant
    memory mode keeps one row at a time: openpyxl took 38 s for 100,000 rows, this about
    a quarter of that), returned open at its start. Text is written as text, never read
    as a formula, a number or a link: a cell starting with "=" is shown as typed."""
    out = tempfile.TemporaryFile()
    workbook = xlsxwriter.Workbook(out, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False, "in_memory": False, "tmpdir": tempfile.gettempdir(),
    })  # fmt: skip
    sheet = workbook.add_worksheet(sheet_name[:31])
    sheet.freeze_panes(1, 0)
    bold = workbook.add_format({"bold": True})
    for column, label in enumerate(header):
        sheet.write_string(0, column, xlsx_text(label), bold)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, int) and not isinstance(value, bool):
                sheet.write_number(number, column, value)  # the id, as the importer reads it
            elif text := xlsx_text(value):
                sheet.write_string(number, column, text)
    workbook.close()
    out.seek(0)
    return out
