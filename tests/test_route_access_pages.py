"""Every page (GET route), every role: who may reach each page, in their own Area and in
another. The tables are in tests/route_table.py; tests/test_route_access.py does the same
for the buttons (POST routes), which change records and so get records of their own.

A page changes nothing, so one set of records in each Area, and one signed-in person of
each role, serve every page of this module (made by its first test, emptied at its end;
see `shared_records` in tests/conftest.py).
"""

import pytest

from tests.conftest import sign_in
from tests.route_table import (
    EVERYONE,
    NOT_IN_AN_AREA,
    ROUTES,
    answers_as_missing,
    make_records,
)

PAGES = sorted(e for e, (method, _, _) in ROUTES.items() if method == "GET")
RECORD_PAGES = [e for e in PAGES if "{" in ROUTES[e][1] and e not in NOT_IN_AN_AREA]


@pytest.fixture
def world(app, shared_records, factories, make_user) -> dict:
    """{"ids": {area name: records' ids}, "clients": {role: a client signed in as a new
    user with that role in Mersey-Cheshire}}, made once for the module."""
    if not shared_records:
        shared_records["ids"] = {name: make_records(app, factories, name)
                                 for name in ("Mersey-Cheshire", "West Midlands")}  # fmt: skip
        shared_records["clients"] = {}
        for role in sorted(EVERYONE):
            client = app.test_client()
            assert sign_in(client, make_user(role, areas=("Mersey-Cheshire",))).status_code == 302
            shared_records["clients"][role] = client
    return shared_records


@pytest.mark.parametrize("endpoint", PAGES)
def test_roles_in_their_own_area(world, endpoint):
    _, path, allowed = ROUTES[endpoint]
    for role, client in world["clients"].items():
        response = client.get(path.format(**world["ids"]["Mersey-Cheshire"]))
        response.close()  # a streamed export ends here, in its request's context
        if role in allowed:
            assert response.status_code in (200, 302), (role, response.status_code)
            if response.status_code == 302:
                assert not response.headers["Location"].startswith("/sign-in"), role
        else:
            assert response.status_code == 403, role


@pytest.mark.parametrize("endpoint", RECORD_PAGES)
def test_records_in_another_area_are_not_found(world, endpoint):
    _, path, allowed = ROUTES[endpoint]
    for role, client in world["clients"].items():
        answers_as_missing(client, "GET", path, world["ids"]["West Midlands"], role, allowed)
