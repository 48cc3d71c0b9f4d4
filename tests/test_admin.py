"""Administration in the browser: staff accounts and invitations, communities, Areas and
the whole audit trail. Who may reach each page is in tests/route_table.py."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from crm import clock
from crm.extensions import db
from crm.models import AuditEvent, Stakeholder, User, UserInvite
from crm.services import auth, boundaries, engagement_figures, engagements, users
from tests.conftest import area, community, sign_in
from tests.formscrape import post_form
from tests.together import at_once

NEW_PASSWORD = "a brand new passphrase"
MOMENT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def now(app, monkeypatch):
    """The app's clock (clock.now), fixed; moved on by calling it with a later time."""

    def set_time(moment: datetime) -> None:
        monkeypatch.setitem(app.config, "NOW", moment)

    set_time(MOMENT)
    return set_time


def events(app, kind: str = "user", record_id: int | None = None) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.record_type == kind).order_by(AuditEvent.id)
        if record_id is not None:
            stmt = stmt.where(AuditEvent.record_id == record_id)
        found = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return found


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def html(response) -> str:
    return response.get_data(as_text=True)


def text(response) -> str:
    """What the page says, without its tags."""
    return " ".join(re.sub(r"<[^>]+>", " ", html(response)).split())


def invite(client, app, **changes) -> tuple[object, str]:
    """Invite Robin through the page; the response and the link it shows."""
    with app.app_context():
        mersey = area("Mersey-Cheshire").id
    form = {"name": "Robin Newstarter", "email": "Robin@Engage.test", "role": "lead",
            "area_ids": [str(mersey)]} | changes  # fmt: skip
    response = client.post("/admin/users/invite", data=form)
    found = re.search(r'id="link" type="text" readonly value="([^"]+)"', html(response))
    return response, found.group(1) if found else ""


def local(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def test_administration_is_offered_to_administrators_only(client, signed_in, make_user):
    signed_in("admin")
    assert 'href="/admin"' in html(client.get("/"))
    assert "Staff accounts" in html(client.get("/admin"))
    other = client.application.test_client()
    sign_in(other, make_user("senior"))
    assert 'href="/admin"' not in html(other.get("/"))
    for path in ("/admin", "/admin/users", "/admin/communities", "/admin/areas", "/admin/audit"):
        assert other.get(path).status_code == 403, path


def test_invite_link_set_password_then_sign_in(app, client, signed_in, now, caplog):
    admin = signed_in("admin")
    with caplog.at_level(logging.DEBUG):
        response, link = invite(client, app)
        assert response.status_code == 200 and link.startswith("http://localhost/invitation?")
        page = html(response)
        assert "Engage sends no email" in page and "You will not see this link again" in page
        token = link.split("token=")[1]
        with app.app_context():
            robin = db.session.scalars(select(User).where(User.email == "robin@engage.test")).one()
            [invitation] = db.session.scalars(select(UserInvite))
            # Only a hash of the token is kept, and the link works for 7 days.
            assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
            assert invitation.expires_at == MOMENT + timedelta(days=7)
            assert invitation.created_by_id == admin.id
        assert "Link not used yet" in html(client.get("/admin/users"))

        newcomer = app.test_client()
        assert "Set your password" in html(newcomer.get(local(link)))
        mismatch = newcomer.post(local(link), data={"password": NEW_PASSWORD,
                                                    "confirm_password": "something else"})
        assert "The passwords do not match" in html(mismatch)
        short = newcomer.post(local(link), data={"password": "short", "confirm_password": "short"})
        assert "Password must be 12 characters or more" in html(short)
        assert "govuk-error-summary" in html(short)
        done = newcomer.post(local(link), data={"password": NEW_PASSWORD,
                                                "confirm_password": NEW_PASSWORD})
        assert done.status_code == 302 and done.headers["Location"] == "/sign-in"
        assert sign_in(newcomer, robin, NEW_PASSWORD).headers["Location"] == "/"
        assert "Signed in as Robin Newstarter" in html(newcomer.get("/"))
        # Single use: the link now says so, and sets nothing.
        other = "another long password"
        again = app.test_client().post(local(link), data={"password": other,
                                                          "confirm_password": other})
        assert again.status_code == 410 and "This link has already been used" in html(again)
    assert sign_in(app.test_client(), robin, NEW_PASSWORD).status_code == 302
    # Neither the token nor the password reaches the log or the audit trail.
    logged = " ".join(str(vars(record)) for record in caplog.records)
    assert token not in logged and NEW_PASSWORD not in logged
    trail = json.dumps([e.changes for e in events(app)])
    assert token not in trail and NEW_PASSWORD not in trail
    assert [e.action for e in events(app, record_id=robin.id)] == ["invited", "password set"]


def test_a_link_expires_and_a_new_one_replaces_it(app, client, signed_in, now):
    signed_in("admin")
    monkey_days = 3
    app.config["INVITE_DAYS"], old_days = monkey_days, app.config["INVITE_DAYS"]
    try:
        _, link = invite(client, app)
    finally:
        app.config["INVITE_DAYS"] = old_days
    newcomer = app.test_client()
    now(MOMENT + timedelta(days=monkey_days) - timedelta(minutes=1))
    assert newcomer.get(local(link)).status_code == 200
    now(MOMENT + timedelta(days=monkey_days))
    expired = newcomer.get(local(link))
    assert expired.status_code == 410 and "This link has expired" in html(expired)
    posted = newcomer.post(local(link), data={"password": NEW_PASSWORD,
                                              "confirm_password": NEW_PASSWORD})
    assert posted.status_code == 410
    with app.app_context():
        robin = db.session.scalars(select(User).where(User.email == "robin@engage.test")).one()
        assert db.session.scalar(select(UserInvite.used_at)) is None
    assert "Link expired" in html(client.get("/admin/users"))
    # A new link works; the expired one is gone, so it no longer says "expired".
    fresh = client.post(f"/admin/users/{robin.id}/link")
    new_link = re.search(r'readonly value="([^"]+)"', html(fresh)).group(1)
    assert newcomer.get(local(new_link)).status_code == 200
    assert newcomer.get(local(link)).status_code == 404
    assert newcomer.get("/invitation?token=made-up").status_code == 404
    assert "link made" in [e.action for e in events(app, record_id=robin.id)]


def test_bad_invitations_get_messages_and_save_nothing(app, client, signed_in):
    signed_in("admin", national=True, email="taken@engage.test")
    before = (count(app, User), count(app, UserInvite), count(app, AuditEvent))
    for changes, message in (
        ({"name": "", "email": "", "role": ""}, "Enter their name"),
        ({"email": ""}, "Enter their email address"),
        ({"email": "robin at engage"}, "Enter an email address in the correct format"),
        ({"email": "TAKEN@engage.test"}, "There is already an account with this email address"),
        ({"role": "overlord"}, "Select a role"),
        ({"area_ids": []}, "Select the Areas they work in, or all Areas"),
        ({"area_ids": ["999999"]}, "Select Areas from the list"),
        ({"name": "x" * 151}, "Name must be 150 characters or fewer"),
    ):
        response, link = invite(client, app, **changes)
        assert response.status_code == 200 and not link
        assert "govuk-error-summary" in html(response) and message in html(response), changes
    assert (count(app, User), count(app, UserInvite), count(app, AuditEvent)) == before
    national, link = invite(client, app, area_ids=[], national="y")
    assert link and "All Areas" in html(client.get("/admin/users"))


def test_changing_a_role_ends_the_persons_sessions(app, client, signed_in, make_user):
    signed_in("admin", national=True)
    lead = make_user("lead", name="Lee Lead")
    theirs = app.test_client()
    sign_in(theirs, lead)
    assert theirs.get("/").status_code == 200
    with app.app_context():
        west = area("West Midlands").id
    page = client.get(f"/admin/users/{lead.id}/access")
    assert 'value="lead" checked' in html(page)
    saved = client.post(f"/admin/users/{lead.id}/access",
                        data={"role": "senior", "area_ids": [str(west)]})  # fmt: skip
    assert saved.status_code == 302
    assert theirs.get("/").headers["Location"].startswith("/sign-in")  # signed out
    [change] = [e for e in events(app, record_id=lead.id) if e.action == "updated"]
    assert change.changes == {"Role": ["Engagement lead", "Senior leader"],
                              "Areas": ["Mersey-Cheshire", "West Midlands"]}  # fmt: skip
    assert "Senior leader" in html(client.get(f"/admin/users/{lead.id}"))
    # Saving the same again changes nothing and records nothing.
    client.post(f"/admin/users/{lead.id}/access", data={"role": "senior", "area_ids": [str(west)]})
    assert len(events(app, record_id=lead.id)) == 1


def test_the_last_active_administrator_cannot_be_removed(app, client, signed_in, make_user):
    admin = signed_in("admin", national=True)
    # A deactivated administrator does not count as one who remains.
    other = make_user("admin", name="Other Admin")
    assert client.post(f"/admin/users/{other.id}/deactivate").status_code == 302
    demote = client.post(f"/admin/users/{admin.id}/access", data={"role": "lead",
                                                                  "national": "y"})
    assert "Engage must keep at least one active administrator" in html(demote)
    deactivate = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "Engage must keep at least one active administrator" in html(deactivate)
    with app.app_context():
        kept = db.session.get(User, admin.id)
        assert kept.active and kept.role == "admin"
        with pytest.raises(users.KeepOneAdministrator):
            users.change_access(None, kept, "lead", [], True)
        db.session.rollback()
    assert events(app, record_id=admin.id) == []
    second = make_user("admin", national=True)
    demoted = client.post(f"/admin/users/{second.id}/access", data={"role": "lead",
                                                                    "national": "y"})
    assert demoted.status_code == 302
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["crm", "deactivate-user", "--email", admin.email])
    assert refused.exit_code != 0 and "at least one active administrator" in refused.output


def test_deactivate_and_reactivate(app, client, signed_in, make_user):
    signed_in("admin")
    lead = make_user("lead")
    theirs = app.test_client()
    sign_in(theirs, lead)
    client.post(f"/admin/users/{lead.id}/deactivate")
    assert theirs.get("/").headers["Location"].startswith("/sign-in")
    refused = sign_in(app.test_client(), lead)
    assert refused.status_code == 200 and str(auth.WRONG_DETAILS) in html(refused)
    assert "Deactivated" in html(client.get("/admin/users"))
    client.post(f"/admin/users/{lead.id}/reactivate")
    assert sign_in(app.test_client(), lead).status_code == 302
    assert [e.changes for e in events(app, record_id=lead.id)] == [
        {"Active": ["Yes", "No"]}, {"Active": ["No", "Yes"]}]


def _set_up_two_factor(app, user) -> None:
    """The person sets up an authenticator app (through the service, as its page does)."""
    import pyotp

    from crm.services import two_factor

    with app.app_context():
        person, secret, now = db.session.get(User, user.id), two_factor.new_secret(), clock.now()
        two_factor.enrol(person, secret, pyotp.TOTP(secret).at(now), now)
        db.session.commit()


def _has_two_factor(app, user) -> bool:
    from crm.services import two_factor

    with app.app_context():
        return two_factor.enrolment_of(db.session.get(User, user.id)) is not None


def test_two_factor_reset_is_offered_for_someone_who_set_it_up(app, client, signed_in,
                                                               make_user):  # fmt: skip
    signed_in("admin")
    lead = make_user("lead")
    assert "Reset two-factor sign-in" not in html(client.get(f"/admin/users/{lead.id}"))
    _set_up_two_factor(app, lead)
    theirs = app.test_client()
    sign_in(theirs, lead)
    assert "Reset two-factor sign-in" in html(client.get(f"/admin/users/{lead.id}"))
    client.post(f"/admin/users/{lead.id}/two-factor")
    assert not _has_two_factor(app, lead)
    assert theirs.get("/").headers["Location"].startswith("/sign-in")
    assert [e.action for e in events(app, record_id=lead.id)] == ["two-factor reset"]


def test_a_locked_out_administrator_is_reset_from_the_command_line(app, make_user):
    admin = make_user("admin", national=True)
    _set_up_two_factor(app, admin)
    result = app.test_cli_runner().invoke(args=["crm", "reset-two-factor", "--email",
                                                admin.email])  # fmt: skip
    assert result.exit_code == 0 and "Two-factor sign-in reset" in result.output
    assert not _has_two_factor(app, admin)


def test_commands_use_the_same_services_and_are_audited(app, monkeypatch):
    monkeypatch.setenv("CRM_NEW_PASSWORD", NEW_PASSWORD)
    runner = app.test_cli_runner()
    made = runner.invoke(args=["crm", "create-user", "--email", "cli@engage.test", "--name",
                               "Cli Person", "--role", "lead", "--area", "Wessex"])
    assert made.exit_code == 0, made.output
    for command in ("set-password", "deactivate-user", "reactivate-user"):
        result = runner.invoke(args=["crm", command, "--email", "cli@engage.test"])
        assert result.exit_code == 0, result.output
    assert "cli@engage.test\tEngagement lead\tWessex" in runner.invoke(
        args=["crm", "list-users"]).output
    assert [e.action for e in events(app)] == ["created", "password set", "deactivated",
                                               "reactivated"]  # fmt: skip
    assert all(e.user_id is None for e in events(app))  # the system, on the server
    assert NEW_PASSWORD not in json.dumps([e.changes for e in events(app)])


def _community_ids(page: str) -> set[str]:
    return set(re.findall(r'name="community_ids"[^>]*value="(\d+)"', page))


def test_communities_added_renamed_retired_and_restored(app, client, signed_in, make_stakeholder):
    signed_in("admin")
    added = client.post("/admin/communities", data={"name": "Irish Travellers",
                                                    "characteristic": "race"})
    assert added.status_code == 302
    duplicate = client.post("/admin/communities", data={"name": "irish travellers",
                                                        "characteristic": "race"})
    assert "There is already a community called irish travellers" in html(duplicate)
    blank = client.post("/admin/communities", data={"name": "", "characteristic": ""})
    assert "Enter the community&#39;s name" in html(blank)
    assert "Select the protected characteristic" in html(blank)
    with app.app_context():
        travellers = community("Irish Travellers").id
        older = community("Older people").id
    s = make_stakeholder(name="Age Concern Wirral", communities=["Older people"])
    client.post(f"/admin/communities/{older}", data={"name": "Older people (65+)",
                                                     "characteristic": "age"})
    assert "Older people (65+)" in html(client.get(f"/stakeholders/{s}"))
    client.post(f"/admin/communities/{older}/retire")
    # Not offered for a new record; kept, and offered, on the record that has it.
    assert str(older) not in _community_ids(html(client.get("/stakeholders/new")))
    assert str(travellers) in _community_ids(html(client.get("/stakeholders/new")))
    assert str(older) in _community_ids(html(client.get(f"/stakeholders/{s}/edit")))
    assert "Older people (65+)" in html(client.get(f"/stakeholders/{s}"))
    assert f'<option value="{older}"' in html(client.get("/stakeholders"))  # filters keep it
    with app.app_context():
        mersey = area("Mersey-Cheshire").id
    form = post_form(html(client.get("/stakeholders/new")), "/stakeholders/new")
    refused = client.post("/stakeholders/new", data=form | {
        "name": "New Group", "type": "community_group", "area_id": str(mersey),
        "community_ids": [str(older)]})  # fmt: skip
    assert "Older people (65+) has been retired: select another community" in html(refused), (
        re.findall(r'govuk-error-message">(.*?)</p>', html(refused), re.S))
    assert count(app, Stakeholder) == 1
    client.post(f"/admin/communities/{older}/restore")
    assert str(older) in _community_ids(html(client.get("/stakeholders/new")))
    assert [e.action for e in events(app, "community", older)] == ["updated", "retired",
                                                                   "restored"]  # fmt: skip
    assert [e.action for e in events(app, "community", travellers)] == ["created"]


def test_a_retired_community_stays_on_an_edited_record(ctx, make_user, make_stakeholder):
    admin_id, s = make_user("admin").id, make_stakeholder(communities=["Older people"])
    admin = db.session.get(User, admin_id)
    older = community("Older people")
    from crm.services import communities, stakeholders

    communities.set_retired(admin, older, True)
    record = db.session.get(Stakeholder, s)
    data = {"name": record.name, "type": record.type, "area_id": record.area_id,
            "community_ids": [older.id]}  # fmt: skip
    stakeholders.update_stakeholder(admin, record, data, record.version)
    assert [c.name for c in db.session.get(Stakeholder, s).communities] == ["Older people"]


def test_marking_a_community_seldom_heard_updates_who_serves_one(ctx, make_user, make_stakeholder):
    from crm.services import communities

    admin_id, s = make_user("admin").id, make_stakeholder(communities=["Older people"])
    admin = db.session.get(User, admin_id)
    assert db.session.get(Stakeholder, s).serves_seldom_heard is False
    older = community("Older people")
    communities.update_community(admin, older, {"name": older.name, "seldom_heard": True,
                                                "characteristic": older.characteristic})
    assert db.session.get(Stakeholder, s).serves_seldom_heard is True
    assert engagement_figures.rebuild(dry_run=True).total == 0


def test_the_seldom_heard_flag_is_set_and_cleared_through_the_form(app, client, signed_in,
                                                                    make_stakeholder):  # fmt: skip
    signed_in("admin")
    s = make_stakeholder(communities=["Older people"])
    with app.app_context():
        older = community("Older people").id
    path = f"/admin/communities/{older}"
    form = post_form(html(client.get(path)), path)
    assert "seldom_heard" not in form  # not ticked yet
    assert client.post(path, data=form | {"seldom_heard": "y"}).status_code == 302
    with app.app_context():
        assert community("Older people").seldom_heard is True
        assert db.session.get(Stakeholder, s).serves_seldom_heard is True
    row = re.search(r"Older people</a>.*?</tr>", html(client.get("/admin/communities")), re.S)
    assert row and "Yes" in row.group(0)
    form = post_form(html(client.get(path)), path)
    assert form["seldom_heard"] == ["y"]  # shown ticked; unticking sends nothing for it
    assert client.post(path, data={k: v for k, v in form.items()
                                   if k != "seldom_heard"}).status_code == 302  # fmt: skip
    with app.app_context():
        assert community("Older people").seldom_heard is False
        assert db.session.get(Stakeholder, s).serves_seldom_heard is False
    assert [e.action for e in events(app, "community", older)] == ["updated", "updated"]


def test_areas_renamed_and_recoded(app, client, signed_in):
    signed_in("admin")
    with app.app_context():
        mersey = area("Mersey-Cheshire").id
    assert "mersey-cheshire" in html(client.get("/admin/areas"))
    for data, message in (({"name": "North West", "code": "mc"}, "already an Area called"),
                          ({"name": "Mersey", "code": "Not A Code!"}, "lower-case letters"),
                          ({"name": "Mersey", "code": "north-west"}, "already has the code"),
                          ({"name": "", "code": ""}, "Enter the Area&#39;s name")):
        refused = client.post(f"/admin/areas/{mersey}", data=data)
        assert message in html(refused), data
    assert events(app, "area") == []
    saved = client.post(f"/admin/areas/{mersey}", data={"name": "Merseyside and Cheshire",
                                                        "code": "merseyside-cheshire"})
    assert saved.status_code == 302
    [change] = events(app, "area")
    assert change.changes == {"Name": ["Mersey-Cheshire", "Merseyside and Cheshire"],
                              "Code": ["mersey-cheshire", "merseyside-cheshire"]}  # fmt: skip
    square = [[[-3.0, 53.3], [-2.9, 53.3], [-2.9, 53.4], [-3.0, 53.3]]]
    geojson = json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"code": "merseyside-cheshire"},
        "geometry": {"type": "Polygon", "coordinates": square}}]})  # fmt: skip
    with app.app_context():
        [(matched, _)] = boundaries.check(geojson)
        assert matched.name == "Merseyside and Cheshire"


def test_the_audit_trail_filters_pages_and_hides_other_areas(app, client, make_user,
                                                             make_stakeholder, now):  # fmt: skip
    admin = make_user("admin", name="Ada Admin")  # works in Mersey-Cheshire only
    other = make_user("lead", name="Omar Other")
    mine = make_stakeholder(name="Toxteth Women's Network")
    hidden = make_stakeholder("West Midlands", name="Secret Walsall Group")
    with app.app_context():
        mc = area("Mersey-Cheshire").id
        from crm.services import audit

        for n in range(30):
            event = audit.record_event(db.session.get(User, other.id), "stakeholder", mine,
                                       "updated", {"Phone": str(n)}, {"Phone": str(n + 1)})
            event.at = datetime(2026, 10, 1 + n % 28, 12, tzinfo=UTC)
        audit.record_event(None, "stakeholder", hidden, "created", None,
                           {"Name": "Secret Walsall Group"})
        record = engagements.log_engagement(db.session.get(User, admin.id), {
            "title": "Talk", "type": "meeting", "status": "held", "held_on": date(2026, 10, 1),
            "area_id": mc, "location_kind": "online", "stakeholder_ids": [mine], "lead_id": None,
            "restricted_notes": "RESTRICTED-AUDIT-TEXT"})  # fmt: skip
        db.session.commit()
        engagement = record.id
    sign_in(client, admin)
    first = html(client.get("/admin/audit"))
    assert "31 changes, page 1 of 2" in text(client.get("/admin/audit"))
    assert first.index(f"Engagement {engagement}") < first.index(f"Stakeholder {mine}")
    assert "Secret Walsall Group" not in first and "RESTRICTED-AUDIT-TEXT" not in first
    assert "(changed, not shown)" in first
    assert "30 changes, page 1 of 2" in text(client.get(f"/admin/audit?user={other.id}"))
    assert "1 change " in text(client.get("/admin/audit?kind=engagement"))
    assert "30 changes" in text(client.get(f"/admin/audit?kind=stakeholder&record={mine}"))
    # 2 and 3 October, UK days: three of the changes.
    assert "3 changes" in text(client.get("/admin/audit?from=2026-10-02&to=2026-10-03"))
    # A record in another Area has no history here, exactly as a missing one.
    assert "No changes match" in html(client.get(f"/admin/audit?record={hidden}"))
    assert "No changes match" in html(client.get("/admin/audit?record=999999"))
    assert "31 changes, page 2 of 2" in text(client.get("/admin/audit?page=2"))


def test_seeding_reference_data_again_keeps_a_renamed_area(ctx, make_user):
    from crm.services import areas, seeding

    admin = db.session.get(User, make_user("admin").id)
    wessex = area("Wessex")
    areas.update_area(admin, wessex, {"name": "Wessex and Somerset", "code": wessex.code})
    assert seeding.load_reference_data() == (0, 0)


def test_one_link_used_twice_at_the_same_moment_sets_one_password(app, client, signed_in):
    signed_in("admin")
    _, link = invite(client, app)
    clients = [app.test_client(), app.test_client()]
    passwords = ["first long password", "second long password"]
    posts = [lambda c=c, p=p: c.post(local(link), data={"password": p, "confirm_password": p})
             for c, p in zip(clients, passwords, strict=True)]  # fmt: skip
    responses = at_once(*posts)
    assert sorted(r.status_code for r in responses) == [302, 410]
    assert [e.action for e in events(app)].count("password set") == 1


def test_two_administrators_demoting_each_other_at_once_leave_one(app, make_user):
    one, two = make_user("admin", national=True), make_user("admin", national=True)
    clients = [app.test_client(), app.test_client()]
    for c, me in zip(clients, (one, two), strict=True):
        sign_in(c, me)
    body = {"role": "lead", "national": "y"}
    responses = at_once(lambda: clients[0].post(f"/admin/users/{two.id}/access", data=body),
                        lambda: clients[1].post(f"/admin/users/{one.id}/access", data=body))
    # The winner's change signs the loser out; one that got in first is refused with a message.
    outcomes = sorted("saved" if r.status_code == 302 and "/admin/users/" in r.location
                      else "signed out" if r.status_code == 302 and "/sign-in" in r.location
                      else "refused" if "at least one active administrator" in html(r)
                      else r.status_code for r in responses)  # fmt: skip
    assert outcomes in (["saved", "signed out"], ["refused", "saved"]), outcomes
    with app.app_context():
        admins = db.session.scalars(select(User).where(User.role == "admin", User.active)).all()
        assert len(admins) == 1


def test_an_administrator_in_one_area_looks_after_that_areas_people_only(app, client,
                                                                         signed_in, make_user):
    signed_in("admin", areas=("Mersey-Cheshire",))
    mine = make_user("lead", areas=("Mersey-Cheshire",), name="Merseyside Lead")
    theirs = make_user("lead", areas=("West Midlands",), name="Midlands Lead")
    national = make_user("admin", national=True, name="National Admin")
    listing = html(client.get("/admin/users"))
    assert "Merseyside Lead" in listing
    assert "Midlands Lead" not in listing and "National Admin" not in listing
    for other in (theirs, national):
        assert client.get(f"/admin/users/{other.id}").status_code == 404
    with app.app_context():
        actor = db.session.scalars(select(User).where(User.role == "admin",
                                                      User.is_national.is_(False))).one()
        west = area("West Midlands").id
        for area_ids, national_ in (([west], False), ([], True)):
            with pytest.raises(users.InvalidValue) as refused:
                users.change_access(actor, db.session.get(User, mine.id), "lead", area_ids,
                                    national_)  # fmt: skip
            assert refused.value.field == "area_ids"
        db.session.rollback()
        assert [a.name for a in db.session.get(User, mine.id).areas] == ["Mersey-Cheshire"]


def test_rights_beyond_a_role_are_given_audited_and_asked_of_access(app, client, signed_in,
                                                                    make_user):  # fmt: skip
    from crm.services import access

    signed_in("admin", national=True)
    lead = make_user("lead", name="Dana Protection")
    page = html(client.get(f"/admin/users/{lead.id}/access"))
    assert "Rights beyond their role" in page and "Equality data" in page
    with app.app_context():
        west = [str(area("Mersey-Cheshire").id)]
    saved = client.post(f"/admin/users/{lead.id}/access", data={
        "role": "lead", "area_ids": west, "rights": ["data_protection"]})  # fmt: skip
    assert saved.status_code == 302
    assert "Data protection" in html(client.get(f"/admin/users/{lead.id}"))
    [change] = [e for e in events(app, record_id=lead.id) if e.action == "updated"]
    assert change.changes == {"Rights": ["None", "Data protection"]}
    refused = client.post(f"/admin/users/{lead.id}/access", data={
        "role": "lead", "area_ids": west, "rights": ["everything"]})  # fmt: skip
    assert "Select rights from the list" in html(refused)
    other_admin = make_user("admin", national=True)
    with app.app_context():
        person = db.session.get(User, lead.id)
        admin = db.session.get(User, other_admin.id)
        assert person.rights == {"data_protection"}
        assert access.can(person, "exercise", "data_protection")
        assert not access.can(person, "exercise", "equality_data")
        # Administrators handle data protection requests; equality data is only ever
        # seen by those given the right.
        assert access.can(admin, "exercise", "data_protection")
        assert not access.can(admin, "exercise", "equality_data")
