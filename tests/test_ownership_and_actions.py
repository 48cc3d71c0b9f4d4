"""Who owns a record decides who reads its restricted text, so only someone who may
already read it changes the owner; follow-up actions go only to people who can see the
engagement, and senior leaders read them without changing them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.extensions import db
from crm.models import AuditEvent, Engagement, Feedback, FollowUpAction
from crm.services import access
from tests.conftest import sign_in
from tests.formscrape import post_form


def test_an_editor_cannot_make_themselves_the_owner_of_feedback(app, client, make_user,
                                                                make_feedback):  # fmt: skip
    owner = make_user("admin", national=True, name="Olive Owner")
    editor = make_user("lead")
    f = make_feedback(owner_id=owner.id, restricted_detail="The victim's new address")
    sign_in(client, editor)
    page = client.get(f"/feedback/{f}/edit").get_data(as_text=True)
    assert 'id="owner_id">Olive Owner.' in page  # shown, not offered
    body = post_form(page, f"/feedback/{f}/edit") | {"owner_id": str(editor.id)}
    assert client.post(f"/feedback/{f}/edit", data=body).status_code == 302
    with app.app_context():
        assert db.session.get(Feedback, f).owner_id == owner.id  # the post could not move it
        with_editor = db.session.get(type(editor), editor.id)
        record = db.session.get(Feedback, f)
        assert not access.can(with_editor, "change_owner", record)
    assert "The victim's new address" not in client.get(f"/feedback/{f}").get_data(as_text=True)


def test_the_service_refuses_an_owner_change_from_someone_who_may_not_read(app, make_user,
                                                                          make_feedback):
    from crm.models import User
    from crm.services import feedback as service
    from crm.services.records import InvalidValue

    owner, editor = make_user("lead", name="Olive Owner"), make_user("lead")
    f_id = make_feedback(owner_id=owner.id)
    with app.app_context():
        editor = db.session.get(User, editor.id)
        f = db.session.get(Feedback, f_id)
        data = {name: getattr(f, name) for name in service.FIELDS} | {"owner_id": editor.id}
        try:
            service.update_feedback(editor, f, data, [p.id for p in f.priorities], [], f.version)
        except InvalidValue as refused:
            assert refused.field == "owner_id"
            assert "Only the owner or an administrator" in refused.message
        else:
            raise AssertionError("the owner change was allowed")
        finally:
            db.session.rollback()


def test_the_owner_hands_feedback_on_and_the_change_is_audited(app, client, make_user,
                                                               make_feedback):  # fmt: skip
    owner = make_user("lead", name="Olive Owner")
    colleague = make_user("lead", name="Colin Colleague")
    f = make_feedback(owner_id=owner.id)
    sign_in(client, owner)
    body = post_form(client.get(f"/feedback/{f}/edit").get_data(as_text=True),
                     f"/feedback/{f}/edit") | {"owner_id": str(colleague.id)}  # fmt: skip
    assert client.post(f"/feedback/{f}/edit", data=body).status_code == 302
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.record_id == f)
                                   .order_by(AuditEvent.id.desc())).first()  # fmt: skip
        assert event.changes["Owner"] == ["Olive Owner", "Colin Colleague"]


def test_an_editor_cannot_make_themselves_an_engagements_lead(app, client, make_user,
                                                              make_engagement):  # fmt: skip
    lead = make_user("lead", name="Lena Lead")
    editor = make_user("lead")
    e = make_engagement(lead_id=lead.id, restricted_notes="Met in private", location_address="Hall")
    sign_in(client, editor)
    page = client.get(f"/engagements/{e}/edit").get_data(as_text=True)
    assert "Met in private" not in page
    body = post_form(page, f"/engagements/{e}/edit") | {"lead_id": str(editor.id)}
    client.post(f"/engagements/{e}/edit", data=body)
    with app.app_context():
        assert db.session.get(Engagement, e).lead_id == lead.id


def test_an_action_goes_only_to_someone_who_can_see_the_engagement(app, client, signed_in,
                                                                   make_user, make_engagement):
    signed_in("lead", areas=("Mersey-Cheshire", "North West"))
    elsewhere = make_user("lead", areas=("Mersey-Cheshire",), name="Mo Mersey")
    e = make_engagement("North West", title="Wigan forum")
    page = client.get(f"/engagements/{e}/actions").get_data(as_text=True)
    assert "Mo Mersey" not in page  # not offered
    html = client.post(f"/engagements/{e}/actions", data={
        "description": "Write to the forum", "owner_id": str(elsewhere.id)}).get_data(as_text=True)
    assert "Mo Mersey does not work in North West" in html
    with app.app_context():
        assert db.session.scalars(select(FollowUpAction)).all() == []


def test_an_owner_cannot_reach_an_action_on_an_engagement_they_cannot_see(
    app, client, make_user, make_engagement
):
    """Given before the rule (or before a move of Areas): not shown, not closable."""
    owner = make_user("lead", areas=("Mersey-Cheshire",))
    e = make_engagement("North West", title="Wigan forum",
                        actions=[{"description": "Write back", "owner_id": owner.id}])
    with app.app_context():
        a = db.session.get(Engagement, e).actions[0].id
    sign_in(client, owner)
    assert "Wigan forum" not in client.get("/actions").get_data(as_text=True)
    assert client.post(f"/actions/{a}/status", data={"status": "done"}).status_code == 404
    with app.app_context():
        assert db.session.get(FollowUpAction, a).status == "open"


def test_senior_leaders_read_actions_and_change_none_even_their_own(app, client, make_user,
                                                                   make_engagement):
    senior = make_user("senior")
    e = make_engagement(actions=[{"description": "Speak at the board", "owner_id": senior.id,
                                  "due_on": date(2026, 12, 1)}])  # fmt: skip
    with app.app_context():
        a = db.session.get(Engagement, e).actions[0].id
    sign_in(client, senior)
    assert "Speak at the board" in client.get("/actions").get_data(as_text=True)
    assert "Mark done" not in client.get("/actions").get_data(as_text=True)
    assert client.post(f"/actions/{a}/status", data={"status": "done"}).status_code == 403
    assert client.get(f"/actions/{a}/edit").status_code == 403


def test_an_actions_owner_and_due_date_can_be_changed(app, client, signed_in, make_user,
                                                      make_engagement):  # fmt: skip
    signed_in("lead")
    colleague = make_user("lead", name="Colin Colleague")
    e = make_engagement(actions=[{"description": "Write back"}])
    with app.app_context():
        a = db.session.get(Engagement, e).actions[0].id
    response = client.post(f"/actions/{a}/edit", data={
        "description": "Write back to the forum", "owner_id": str(colleague.id),
        "due_on": ["15", "12", "2026"]})  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        action = db.session.get(FollowUpAction, a)
        assert (action.owner_id, action.due_on) == (colleague.id, date(2026, 12, 15))
    assert "Colin Colleague" in client.get(f"/engagements/{e}").get_data(as_text=True)


def test_archiving_asks_first(app, client, signed_in, make_stakeholder):
    signed_in("lead")
    s = make_stakeholder(name="Wallasey Youth Club")
    page = client.get(f"/stakeholders/{s}").get_data(as_text=True)
    assert f'href="/stakeholders/{s}/archive"' in page  # a link to the question, not a button
    question = client.get(f"/stakeholders/{s}/archive").get_data(as_text=True)
    assert "Are you sure you want to archive Wallasey Youth Club?" in question
    assert "Only an administrator can restore it" in question
    assert "Wallasey Youth Club" in client.get("/stakeholders").get_data(as_text=True)


def test_the_footer_has_no_link_to_raw_json(client, signed_in):
    signed_in("lead")
    assert "/healthz" not in client.get("/").get_data(as_text=True)
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
