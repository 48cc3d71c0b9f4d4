"""The probe's rules, for the reports' PDFs: they are made on the job queue rather than
answered by a GET, so the page sweeps in test_probe.py cannot read them. Each role makes
the PDFs (the quarterly and the annual report of their Area) for the probe's world, and
finds in neither restricted text it may not read or the name of a record in an Area it
does not work in."""

from __future__ import annotations

import pytest

from tests.conftest import made_pdf, sign_in
from tests.test_probe import MAY_READ, ROLES, pdf_text
from tests.world import HIDDEN_NAMES, build

# The world's records are dated in October 2026: the third financial quarter, and 2026.
# (A report's public version holds less than the full one, so it is not made again here.)
PDFS = ("/reports/quarterly.pdf?quarter=2026-Q3", "/reports/annual.pdf?year=2026")


@pytest.fixture
def world(app, make_user, make_panel, make_membership, make_meeting):
    return build(app, make_user, make_panel, make_membership, make_meeting)


@pytest.mark.parametrize("role", ROLES)
def test_no_pdf_carries_what_its_reader_may_not_see(client, make_user, world, role):
    sign_in(client, make_user(role, areas=("Mersey-Cheshire",)))
    markers = {marker for records in world.restricted.values() for _, marker in records}
    hidden = {m for m in markers if not any(m.startswith(ok) for ok in MAY_READ[role])}
    for url in PDFS:
        response = made_pdf(client, url)
        assert response.status_code == 200 and response.data.startswith(b"%PDF"), url
        text = pdf_text(response.data)
        assert "Mersey-Cheshire" in text, url  # the reader's own Area's report
        for secret in (*hidden, *HIDDEN_NAMES):
            assert secret not in text, f"{secret} in {url} made by a {role}"
