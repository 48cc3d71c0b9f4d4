"""axe on every page of every role in Welsh, at desktop and phone widths: the sweep of
tests/test_accessibility_every_page.py, in a file of its own so that the two languages can
run in two processes at once."""


import pytest

from crm.models.user import ROLES
from tests.test_accessibility_every_page import MARKS, sweep_as

pytestmark = MARKS


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_page_of_every_role_passes_axe_and_fits_a_phone_in_welsh(
    role, app, live_server, page, every_record, make_user
):
    sweep_as(role, "cy", app, live_server, page, every_record, make_user)
