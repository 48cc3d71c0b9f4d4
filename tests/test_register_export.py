"""The stakeholder and contact registers as CSV and XLSX: what the filtered list shows,
with ids first and the forms' labels as headers, formulas neutralised, do-not-contact
marked."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from crm.contacts.forms import ContactForm
from crm.services import register_export
from crm.stakeholders.forms import StakeholderForm
from tests.conftest import area

FORMULA = "=1+2"  # a phone number of 40 characters at most


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _xlsx(response) -> list[list]:
    assert response.status_code == 200, response.status_code
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    return [[c.value for c in row] for row in sheet.iter_rows()], sheet


def _form_label(form_class, field: str) -> str:
    return getattr(form_class, field).args[0]


@pytest.mark.parametrize(
    ("form_class", "columns"),
    [(StakeholderForm, register_export.STAKEHOLDER_COLUMNS),
     (ContactForm, register_export.CONTACT_COLUMNS)],
)  # fmt: skip
def test_headers_are_the_forms_own_labels(form_class, columns):
    for field, label in columns:
        assert _form_label(form_class, field) == label, field


def test_stakeholder_export_is_the_filtered_list_with_ids(signed_in, make_stakeholder, client, app):
    signed_in("lead")
    a = make_stakeholder(name="Alpha Group", town="Liverpool", postcode="L8 1AA")
    b = make_stakeholder(name="Beta Trust", town="Chester", phone=FORMULA)
    make_stakeholder(name="Gamma Club", town="Liverpool", archived_at=None, status="dormant")
    make_stakeholder("North West", name="Hidden Elsewhere")
    rows = _csv(client.get("/stakeholders/register.csv"))
    assert rows[0][:3] == ["id", "Name", "Type"]
    assert [r[1] for r in rows[1:]] == ["Alpha Group", "Beta Trust", "Gamma Club"]
    assert rows[1][0] == str(a)
    # A filter of the list applies to the file, as the list's order does.
    rows = _csv(client.get("/stakeholders/register.csv?q=Liverpool&sort=-name"))
    assert [r[1] for r in rows[1:]] == ["Gamma Club", "Alpha Group"]
    rows = _csv(client.get("/stakeholders/register.csv?status=dormant"))
    assert [r[1] for r in rows[1:]] == ["Gamma Club"]
    # The list shows the same stakeholders.
    page = client.get("/stakeholders?status=dormant").get_data(as_text=True)
    assert "Gamma Club" in page and "Alpha Group" not in page
    # A formula is neutralised, in CSV and in Excel.
    rows = _csv(client.get("/stakeholders/register.csv?q=Beta"))
    phone = rows[0].index("Phone number")
    assert rows[1][phone] == "'" + FORMULA
    table, sheet = _xlsx(client.get("/stakeholders/register.xlsx?q=Beta"))
    assert table[1][0] == b
    assert table[1][phone] == FORMULA
    assert sheet.cell(row=2, column=phone + 1).data_type == "s"


def test_contact_export_marks_do_not_contact_and_keeps_filters(
    signed_in, make_contact, make_stakeholder, client, app
):
    signed_in("lead")
    s = make_stakeholder(name="Alpha Group")
    ada = make_contact(name="Ada Reachable", email="ada@example.org", stakeholder_id=s,
                       role="Chair")  # fmt: skip
    make_contact(name="Ben Quiet", do_not_contact=True)
    make_contact("North West", name="Dee Elsewhere")
    with app.app_context():
        from datetime import date

        from sqlalchemy import select

        from crm.extensions import db
        from crm.models import ConsentRecord, Purpose

        news = db.session.scalar(select(Purpose).where(Purpose.name == "Newsletters and updates"))
        db.session.add(ConsentRecord(contact_id=ada, purpose_id=news.id, basis="consent",
                                     status="given", changed_on=date(2026, 3, 2)))  # fmt: skip
        db.session.commit()
    rows = _csv(client.get("/contacts/register.csv"))
    header = rows[0]
    assert rows[1][header.index("Consents now to")] == "Newsletters and updates"
    assert header[0] == "id" and header[-2:] == ["Do not contact", "Consents now to"]
    dnc = header.index("Do not contact")
    assert [(r[1], r[dnc]) for r in rows[1:]] == [("Ada Reachable", "No"), ("Ben Quiet", "Yes")]
    assert rows[1][0] == str(ada)
    assert rows[1][header.index("Organisations")] == "Alpha Group (Chair)"
    rows = _csv(client.get(f"/contacts/register.csv?stakeholder={s}"))
    assert [r[1] for r in rows[1:]] == ["Ada Reachable"]
    table, _ = _xlsx(client.get("/contacts/register.xlsx?q=Ben"))
    assert table[0] == header
    assert table[1][1] == "Ben Quiet" and table[1][dnc] == "Yes"
    # The list for contacting people is a different file, and says so.
    page = client.get("/contacts").get_data(as_text=True)
    assert "Download contact list to contact people (CSV)" in page
    assert "/contacts/register.xlsx" in page
    with app.app_context():
        assert area("Mersey-Cheshire")  # the fixtures' Area is the user's
