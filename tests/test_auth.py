"""Signing in and out, session ending, throttling, and safe redirects."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select, update

from crm.extensions import db
from crm.models import SignInAttempt, User
from crm.services import auth
from tests.conftest import PASSWORD, make_app, sign_in
from tests.together import at_once


def test_sign_in_takes_the_user_to_the_home_page(client, make_user):
    user = make_user("lead")
    response = sign_in(client, user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert user.name in client.get("/").get_data(as_text=True)


def test_pages_need_sign_in_and_come_back_after_it(client, make_user):
    response = client.get("/stakeholders?q=x")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    user = make_user("lead")
    response = client.post(
        "/sign-in?next=/stakeholders", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/stakeholders"


def test_next_never_sends_anyone_off_site(client, make_user):
    user = make_user("lead")
    for target in ("https://evil.example", "//evil.example", "/\\evil.example", "javascript:x"):
        client.post("/sign-out")
        response = client.post(
            "/sign-in",
            query_string={"next": target},
            data={"email": user.email, "password": PASSWORD},
        )
        assert response.headers["Location"] == "/", target


def test_unknown_email_and_wrong_password_get_the_same_message(client, make_user):
    user = make_user("lead")
    wrong = client.post("/sign-in", data={"email": user.email, "password": "nope"})
    unknown = client.post("/sign-in", data={"email": "who@engage.test", "password": "nope"})
    for response in (wrong, unknown):
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Enter a correct email address and password" in html
        assert "<title>Error: Sign in - Engage</title>" in html


def test_empty_sign_in_form_says_what_is_missing(client):
    html = client.post("/sign-in", data={}).get_data(as_text=True)
    assert "Enter your email address" in html
    assert "Enter your password" in html
    assert "There is a problem" in html


def test_deactivated_user_cannot_sign_in(app, client, make_user):
    user = make_user("lead")
    with app.app_context():
        auth.set_active(db.session.get(User, user.id), False)
        db.session.commit()
    html = sign_in(client, user).get_data(as_text=True)
    assert "Enter a correct email address and password" in html


def test_sign_out_is_a_post_and_kills_a_copied_cookie(app, client, make_user):
    user = make_user("lead")
    sign_in(client, user)
    copied = app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    assert copied.get("/stakeholders").status_code == 200
    assert client.get("/sign-out").status_code == 405
    response = client.post("/sign-out")
    assert response.headers["Location"] == "/sign-in"
    assert client.get("/stakeholders").status_code == 302
    assert copied.get("/stakeholders").status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, make_user):
    user = make_user("lead")
    sign_in(client, user)
    other = app.test_client()
    sign_in(other, user)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new password",
            "confirm_password": "a brand new password",
        },
    )
    assert response.status_code == 302
    assert client.get("/stakeholders").status_code == 200
    assert other.get("/stakeholders").status_code == 302


def test_password_change_checks_the_current_password_and_length(client, signed_in):
    signed_in("lead")
    html = client.post(
        "/account/password",
        data={"current_password": "wrong", "new_password": "short", "confirm_password": "short"},
    ).get_data(as_text=True)
    assert "Your current password is not correct" in html
    html = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"},
    ).get_data(as_text=True)
    assert "Password must be 12 characters or more" in html


def test_deactivation_ends_a_live_session(app, client, make_user):
    user = make_user("lead")
    sign_in(client, user)
    with app.app_context():
        auth.set_active(db.session.get(User, user.id), False)
        db.session.commit()
    assert client.get("/stakeholders").status_code == 302


def test_repeated_failures_slow_then_lock_the_account(app, client, make_user):
    user = make_user("lead")
    for _ in range(3):
        client.post("/sign-in", data={"email": user.email, "password": "wrong"})
    html = sign_in(client, user).get_data(as_text=True)
    assert "Wait" in html and "seconds and try again" in html
    # Age the failures so the slow-down has passed, then fail up to the lock.
    with app.app_context():
        db.session.execute(
            update(SignInAttempt).values(attempted_at=auth.utcnow() - timedelta(minutes=1))
        )
        for _ in range(7):
            db.session.add(SignInAttempt(email=user.email, address="10.9.9.9"))
        db.session.commit()
    html = sign_in(client, user).get_data(as_text=True)
    assert "too many attempts" in html
    # The lock is in the database, so a new app (another worker, or a restart) keeps it.
    fresh = make_app(app.config["SQLALCHEMY_DATABASE_URI"]).test_client()
    assert "too many attempts" in sign_in(fresh, user).get_data(as_text=True)


def test_the_lock_lifts_when_the_window_has_passed(app, client, make_user):
    user = make_user("lead")
    with app.app_context():
        old = auth.utcnow() - timedelta(minutes=20)
        for _ in range(12):
            db.session.add(SignInAttempt(email=user.email, address="x", attempted_at=old))
        db.session.commit()
    assert sign_in(client, user).status_code == 302


def test_failures_from_one_address_slow_it_down_but_lock_no_one_out(app, client, make_user):
    """Fifty made-up emails from one address: that address waits between tries, and the
    real account behind it still signs in once it has waited."""
    user = make_user("lead")
    with app.app_context():
        for n in range(60):
            db.session.add(SignInAttempt(email=f"guess{n}@engage.test", address="127.0.0.1"))
        db.session.commit()
    html = sign_in(client, user).get_data(as_text=True)
    assert "Wait 5 seconds and try again" in html and "too many" not in html
    with app.app_context():
        db.session.execute(
            update(SignInAttempt).values(attempted_at=auth.utcnow() - timedelta(seconds=6))
        )
        db.session.commit()
    assert sign_in(client, user).status_code == 302


def test_behind_a_proxy_each_client_is_counted_by_its_own_address(app, make_user):
    """CRM_PROXY_HOPS: the address is the client's (X-Forwarded-For), not the proxy's."""
    user = make_user("lead")
    behind = make_app(app.config["SQLALCHEMY_DATABASE_URI"], PROXY_HOPS=1).test_client()
    for n in range(55):
        behind.post("/sign-in", data={"email": f"guess{n}@engage.test", "password": "x"},
                    headers={"X-Forwarded-For": "203.0.113.5"})  # fmt: skip
    with app.app_context():
        assert {a for (a,) in db.session.execute(select(SignInAttempt.address))} == {"203.0.113.5"}
    response = behind.post("/sign-in", data={"email": user.email, "password": PASSWORD},
                           headers={"X-Forwarded-For": "198.51.100.7"})  # fmt: skip
    assert response.status_code == 302


def test_parallel_attempts_for_one_account_check_only_as_many_passwords_as_allowed(
    app, make_user, monkeypatch
):
    """Forty at once: the throttle counts them one after another, so exactly three
    (SIGNIN_SLOW_AFTER) passwords are checked before the wait begins."""
    user = make_user("lead")
    checked = []
    real = auth._password_matches
    monkeypatch.setattr(auth, "_password_matches", lambda h, p: checked.append(1) or real(h, p))

    def attempt(_):
        c = app.test_client()  # not 'with': that keeps a request's transaction open
        return c.post("/sign-in", data={"email": user.email, "password": "wrong"}).status_code

    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(attempt, range(40)))
    assert all(status == 200 for status in statuses)
    assert len(checked) == 3


def test_a_one_second_wait_says_second(ctx):
    assert auth._seconds(1) == "1 second" and auth._seconds(2) == "2 seconds"


def test_passwords_are_hashed_with_argon2id(ctx):
    assert auth.hash_password("whatever it is").startswith("$argon2id$")


def test_two_sign_ins_to_one_account_at_once_both_succeed(app, make_user):
    """Two tabs signing in together: the first to succeed clears the account's attempts,
    the second's among them, and the second still signs in."""
    user = make_user("lead")
    clients = [app.test_client(), app.test_client()]
    details = {"email": user.email, "password": PASSWORD}
    responses = at_once(*(lambda c=c: c.post("/sign-in", data=details) for c in clients))
    assert [r.status_code for r in responses] == [302, 302]
