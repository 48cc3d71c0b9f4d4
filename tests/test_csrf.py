"""With CSRF protection on, as in production: a POST without a token is refused."""

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import Stakeholder
from tests.conftest import PASSWORD, make_app


@pytest.fixture
def csrf_client(database_url, make_user):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    return app, app.test_client()


def _token(client, url):
    html = client.get(url).get_data(as_text=True)
    return html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def test_sign_in_without_a_token_is_refused(csrf_client, make_user):
    _, client = csrf_client
    user = make_user("lead")
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Your page was out of date" in response.get_data(as_text=True)


def test_posts_need_the_token_and_nothing_is_saved_without_it(csrf_client, make_user):
    app, client = csrf_client
    user = make_user("lead")
    token = _token(client, "/sign-in")
    response = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    refused = client.post("/stakeholders/new", data={"name": "No Token Group", "type": "vcs"})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Stakeholder)).first() is None
    # Sign out without a token does not sign out.
    assert client.post("/sign-out").status_code == 400
    assert client.get("/stakeholders").status_code == 200
