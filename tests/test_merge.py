"""Merging duplicates: every kind of link moves to the record that stays, the others are
archived pointing at it, and the undo puts back exactly what was; derived figures equal a
rebuild after both; erased people are never merged."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert, select

from crm.extensions import db
from crm.models import (
    AuditEvent,
    Contact,
    LegalHold,
    Purpose,
    Stakeholder,
    User,
)
from crm.models.common import utcnow
from crm.services import engagement_figures, merges, records, stakeholders
from crm.services.access import AccessDenied
from tests.conftest import sign_in

# Columns that change on every save, whatever the save: left out of "exactly as it was".
VOLATILE = {"version", "updated_at"}


def _state(kind: str) -> dict:
    """Every row of every table linking to the kind (and the kind's own rows)."""
    own = merges.MODELS[kind].__tablename__
    tables = {t for t, _ in merges.links_to(kind)} | {"legal_holds", own}
    state = {}
    for name in sorted(tables):
        table = db.metadata.tables[name]
        columns = [c for c in table.c if c.name not in VOLATILE]
        rows = db.session.execute(select(*columns)).all()
        state[name] = sorted(map(repr, rows))
    return state


def _pointing_at(kind: str, record_id: int) -> set[tuple[str, str]]:
    found = set()
    for name, column in merges.links_to(kind):
        col = db.metadata.tables[name].c[column]
        if db.session.scalar(select(col).where(col == record_id).limit(1)) is not None:
            found.add((name, column))
    return found


def test_every_foreign_key_to_a_merged_table_is_handled(app):
    """A new table linking to stakeholders or contacts must say what a merge does with it."""
    with app.app_context():
        for kind in merges.MODELS:
            assert merges.links_to(kind) == set(merges.LINKS[kind]), kind


@pytest.fixture
def stakeholder_world(app, make_user, make_stakeholder, make_contact, make_engagement,
                      make_feedback, make_exercise):  # fmt: skip
    """Two records of one organisation, each with links of every kind, some shared (a
    contact at both, both at one engagement and one mapping exercise)."""
    keep = make_stakeholder(name="Toxteth Women's Network", postcode="L8 1AA",
                            phone="0151 496 0000")  # fmt: skip
    dup = make_stakeholder(name="The Toxteth Womens Network Ltd", postcode="L8 1AA",
                           website="https://toxteth.example.org",
                           communities=["Gypsy, Roma and Traveller communities"])  # fmt: skip
    both = make_contact(name="Ada Both", stakeholder_id=keep, role="Chair")
    only = make_contact(name="Ben Only", stakeholder_id=dup, role="Treasurer")
    with app.app_context():
        contact = db.session.get(Contact, both)
        from crm.models import Affiliation

        contact.affiliations.append(Affiliation(stakeholder_id=dup, role="Trustee"))
        db.session.commit()
    make_engagement(stakeholder_ids=[keep, dup], held_on=date(2026, 1, 10))
    make_engagement(stakeholder_ids=[dup], held_on=date(2026, 3, 1), contact_ids=[only])
    make_engagement(stakeholder_ids=[], location_stakeholder_id=dup, held_on=date(2026, 2, 1))
    make_feedback(stakeholder_id=dup)
    make_exercise(positions={keep: (4, 2), dup: (5, 5)})
    make_exercise(positions={dup: (1, 1)}, title="Second mapping")
    lead = make_user("lead")
    return {"keep": keep, "dup": dup, "lead": lead, "contacts": (both, only)}


def _merge(kind, user_id, keep, others, choices=None):
    user = db.session.get(User, user_id)
    model = merges.MODELS[kind]
    survivor = db.session.get(model, keep)
    merged = [db.session.get(model, i) for i in others]
    done = merges.merge(user, kind, survivor, merged, choices or {})
    db.session.commit()
    return done


def _undo(kind, user_id, keep):
    user = db.session.get(User, user_id)
    merges.undo(user, kind, db.session.get(merges.MODELS[kind], keep))
    db.session.commit()


def test_stakeholder_merge_moves_every_link_and_undo_puts_back_exactly(app, stakeholder_world):
    w = stakeholder_world
    with app.app_context():
        assert _pointing_at("stakeholder", w["dup"]) == set(merges.LINKS["stakeholder"])
        before = _state("stakeholder")
        assert db.session.get(Stakeholder, w["keep"]).serves_seldom_heard is False
        _merge("stakeholder", w["lead"].id, w["keep"], [w["dup"]],
               {"website": w["dup"], "name": w["keep"]})  # fmt: skip
        # Nothing points at the merged record any more: it all moved to the survivor.
        assert _pointing_at("stakeholder", w["dup"]) == set()
        keep = db.session.get(Stakeholder, w["keep"])
        dup = db.session.get(Stakeholder, w["dup"])
        assert keep.website == "https://toxteth.example.org"
        assert keep.name == "Toxteth Women's Network"
        assert dup.archived_at is not None and dup.merged_into_id == keep.id
        # Its figures follow: the later engagement, the seldom-heard community it served.
        assert keep.last_engaged_on == date(2026, 3, 1)
        assert keep.serves_seldom_heard is True
        assert engagement_figures.rebuild(dry_run=True).total == 0
        # The contact at both keeps one link (the survivor's role).
        assert [(a.stakeholder_id, a.role) for a in db.session.get(Contact, w["contacts"][0])
                .affiliations] == [(keep.id, "Chair")]  # fmt: skip
        actions = set(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.record_type == "stakeholder")))  # fmt: skip
        assert {"merged", "merged into", "archived"} <= actions
        _undo("stakeholder", w["lead"].id, w["keep"])
        assert _state("stakeholder") == before
        assert engagement_figures.rebuild(dry_run=True).total == 0
        undone = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action == "merge undone").order_by(AuditEvent.id))  # fmt: skip
        assert len(list(undone)) == 2  # on the survivor and on the record brought back


@pytest.fixture
def contact_world(app, make_user, make_stakeholder, make_contact, make_engagement, make_panel,
                  make_membership):  # fmt: skip
    s = make_stakeholder(name="Alpha Group")
    keep = make_contact(name="Dana Okafor", email="dana@example.org", stakeholder_id=s,
                        role="Chair")  # fmt: skip
    dup = make_contact(name="Ms Dana Okafor", email="DANA@example.org", stakeholder_id=s,
                       role="Member", do_not_contact=True, phone="0151 496 0101")  # fmt: skip
    make_engagement(stakeholder_ids=[s], contact_ids=[keep, dup])
    make_membership(make_panel(), contact_id=dup)
    lead = make_user("lead")
    with app.app_context():
        purpose = db.session.scalars(select(Purpose)).first()
        today = date(2026, 6, 1)
        for table, values in (
            ("consent_records", {"purpose_id": purpose.id, "basis": "consent",
                                 "status": "given", "changed_on": today}),
            ("do_not_contact_changes", {"do_not_contact": True, "changed_on": today}),
            ("equality_answers", {}),
            ("equality_views", {"user_id": lead.id, "action": "viewed"}),
            ("subject_access_requests", {"reference": "SAR-1"}),
        ):  # fmt: skip
            db.session.execute(insert(db.metadata.tables[table]).values(contact_id=dup, **values))
        db.session.execute(insert(db.metadata.tables["equality_answers"]).values(contact_id=keep))
        db.session.add(LegalHold(record_type="contact", record_id=dup, reason="Inquiry"))
        db.session.commit()
    return {"keep": keep, "dup": dup, "lead": lead, "s": s}


def test_contact_merge_moves_every_link_and_undo_puts_back_exactly(app, contact_world):
    w = contact_world
    with app.app_context():
        assert _pointing_at("contact", w["dup"]) == set(merges.LINKS["contact"]) - {
            ("erasures", "contact_id")}
        before = _state("contact")
        _merge("contact", w["lead"].id, w["keep"], [w["dup"]], {"phone": w["dup"]})
        assert _pointing_at("contact", w["dup"]) == set()
        keep = db.session.get(Contact, w["keep"])
        assert keep.phone == "0151 496 0101"
        # One of them asked not to be contacted: the person did.
        assert keep.do_not_contact is True
        hold = db.session.scalars(select(LegalHold)).one()
        assert hold.record_id == keep.id
        assert engagement_figures.rebuild(dry_run=True).total == 0
        _undo("contact", w["lead"].id, w["keep"])
        assert _state("contact") == before
        assert engagement_figures.rebuild(dry_run=True).total == 0


def test_erased_people_are_never_merged(app, contact_world):
    w = contact_world
    with app.app_context():
        db.session.execute(insert(db.metadata.tables["erasures"]).values(
            contact_id=w["dup"], erased_at=utcnow(), reason="Asked", request_reference="",
            email_fingerprint="x", retention_rule=""))  # fmt: skip
        db.session.commit()
        with pytest.raises(AccessDenied):
            _merge("contact", w["lead"].id, w["keep"], [w["dup"]])


def test_records_in_another_area_or_national_only_merge_for_those_who_edit_both(
    app, make_user, make_stakeholder
):
    keep = make_stakeholder(name="Alpha")
    other = make_stakeholder("West Midlands", name="Alpha")
    lead = make_user("lead")
    wide = make_user("lead", areas=("Mersey-Cheshire", "West Midlands"))
    with app.app_context():
        from crm.services.access import RecordNotFound

        with pytest.raises(RecordNotFound):
            _merge("stakeholder", lead.id, keep, [other])
        db.session.rollback()
        _merge("stakeholder", wide.id, keep, [other])
        assert db.session.get(Stakeholder, other).merged_into_id == keep


def test_a_merged_records_page_leads_to_the_survivor_and_undo_is_offered(
    app, client, make_user, stakeholder_world
):
    w = stakeholder_world
    sign_in(client, w["lead"])
    page = client.get(f"/stakeholders/merge?ids={w['keep']}&ids={w['dup']}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Toxteth Women&#39;s Network" in body and "The Toxteth Womens Network Ltd" in body
    from tests.formscrape import post_form

    form = post_form(body, "/stakeholders/merge")
    form["survivor"] = str(w["keep"])
    response = client.post(f"/stakeholders/merge?ids={w['keep']}&ids={w['dup']}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert response.headers["Location"] == f"/stakeholders/{w['keep']}"
    moved = client.get(f"/stakeholders/{w['dup']}")
    assert moved.status_code == 302 and moved.headers["Location"] == f"/stakeholders/{w['keep']}"
    detail = client.get(f"/stakeholders/{w['keep']}").get_data(as_text=True)
    assert "Undo the merge" in detail
    response = client.post(f"/stakeholders/{w['keep']}/undo-merge", data={})
    assert response.status_code == 302
    assert client.get(f"/stakeholders/{w['dup']}").status_code == 200
    with app.app_context():
        assert engagement_figures.rebuild(dry_run=True).total == 0
        assert db.session.get(Stakeholder, w["dup"]).archived_at is None


def test_contacts_merge_through_the_pages_and_the_merged_page_leads_on(
    app, client, contact_world
):
    w = contact_world
    sign_in(client, w["lead"])
    duplicates_page = client.get("/contacts/duplicates").get_data(as_text=True)
    assert "Same email address; Same name" in duplicates_page
    from tests.formscrape import post_form

    url = f"/contacts/merge?ids={w['dup']}&ids={w['keep']}"
    form = post_form(client.get(url).get_data(as_text=True), url)
    form |= {"survivor": str(w["keep"]), "field_phone": str(w["dup"])}
    response = client.post(url, data=form)
    assert response.headers["Location"] == f"/contacts/{w['keep']}"
    assert client.get(f"/contacts/{w['dup']}").headers["Location"] == f"/contacts/{w['keep']}"
    page = client.get(f"/contacts/{w['keep']}").get_data(as_text=True)
    assert "0151 496 0101" in page and "Merged into" in page and "Undo the merge" in page
    # An erased person (or one already merged) is not offered to merge again.
    again = client.get(url)
    assert again.status_code == 404


def test_a_merge_page_refuses_what_cannot_be_merged(app, client, make_user, make_stakeholder):
    keep = make_stakeholder(name="Alpha")
    sign_in(client, make_user("lead"))
    only_one = client.get(f"/stakeholders/merge?ids={keep}&ids={keep}").get_data(as_text=True)
    assert "Select at least 2 stakeholders to merge" in only_one
    senior = app.test_client()
    sign_in(senior, make_user("senior"))
    assert senior.get(f"/stakeholders/merge?ids={keep}").status_code == 403


def test_three_merged_into_one_and_back(app, stakeholder_world, make_stakeholder,
                                        make_engagement):  # fmt: skip
    w = stakeholder_world
    third = make_stakeholder(name="Toxteth Women Network", postcode="L8 1AA")
    make_engagement(stakeholder_ids=[third, w["keep"]], held_on=date(2026, 4, 1))
    with app.app_context():
        before = _state("stakeholder")
        _merge("stakeholder", w["lead"].id, w["keep"], [w["dup"], third])
        assert _pointing_at("stakeholder", w["dup"]) | _pointing_at("stakeholder", third) == set()
        assert db.session.get(Stakeholder, w["keep"]).last_engaged_on == date(2026, 4, 1)
        assert engagement_figures.rebuild(dry_run=True).total == 0
        _undo("stakeholder", w["lead"].id, w["keep"])
        assert _state("stakeholder") == before
        assert engagement_figures.rebuild(dry_run=True).total == 0


def test_a_merge_is_undone_only_after_a_later_merge_of_its_records(app, stakeholder_world,
                                                                   make_stakeholder):  # fmt: skip
    w = stakeholder_world
    later = make_stakeholder(name="Toxteth Women's Network (old)")
    with app.app_context():
        before = _state("stakeholder")
        _merge("stakeholder", w["lead"].id, w["keep"], [w["dup"]])
        _merge("stakeholder", w["lead"].id, later, [w["keep"]])
        # The first merge's survivor is now merged itself: its page leads to the latest.
        lead = db.session.get(User, w["lead"].id)
        assert merges.merged_into(lead, "stakeholder", w["dup"]) == later
        assert merges.merged_ids("stakeholder", later) == [later, w["keep"], w["dup"]]
        with pytest.raises(merges.MergeRefused, match="Undo the later merge"):
            merges.undo(lead, "stakeholder", db.session.get(Stakeholder, w["keep"]))
        db.session.rollback()
        with pytest.raises(merges.MergeRefused, match="no merge into this record"):
            merges.undo(lead, "stakeholder", db.session.get(Stakeholder, w["dup"]))
        db.session.rollback()
        _undo("stakeholder", w["lead"].id, later)
        _undo("stakeholder", w["lead"].id, w["keep"])
        assert _state("stakeholder") == before
        assert engagement_figures.rebuild(dry_run=True).total == 0


def test_the_area_is_chosen_on_the_merge_page_and_undo_puts_it_back(
    app, client, make_user, make_stakeholder
):
    """Two records of one organisation kept in two Areas: the person merging chooses which
    Area it belongs to, side by side like every other field."""
    keep = make_stakeholder(name="Alpha Trust")
    other = make_stakeholder("West Midlands", name="Alpha Trust")
    sign_in(client, make_user("lead", areas=("Mersey-Cheshire", "West Midlands")))
    from tests.formscrape import post_form

    url = f"/stakeholders/merge?ids={keep}&ids={other}"
    body = client.get(url).get_data(as_text=True)
    assert "Mersey-Cheshire" in body and "West Midlands" in body
    form = post_form(body, url) | {"survivor": str(keep), "field_area_id": str(other)}
    assert client.post(url, data=form).status_code == 302
    with app.app_context():
        assert db.session.get(Stakeholder, keep).area.name == "West Midlands"
    assert client.post(f"/stakeholders/{keep}/undo-merge", data={}).status_code == 302
    with app.app_context():
        assert db.session.get(Stakeholder, keep).area.name == "Mersey-Cheshire"


def test_two_current_members_of_one_panel_are_not_merged(app, make_user, make_contact,
                                                         make_panel, make_membership):  # fmt: skip
    panel = make_panel()
    keep = make_contact(name="Dana Okafor", email="dana@example.org")
    dup = make_contact(name="Dana Okafor", email="dana.o@example.org")
    make_membership(panel, contact_id=keep)
    make_membership(panel, contact_id=dup, status="applicant", term_start=None,
                    applied_on=date(2026, 9, 1))
    lead = make_user("lead")
    with app.app_context(), pytest.raises(merges.MergeRefused, match="current member or "
                                           "applicant of Mersey-Cheshire LSIP"):  # fmt: skip
        _merge("contact", lead.id, keep, [dup])


def test_a_merge_is_not_undone_over_a_later_edit(app, stakeholder_world):
    w = stakeholder_world
    with app.app_context():
        _merge("stakeholder", w["lead"].id, w["keep"], [w["dup"]],
               {"website": w["dup"]})  # fmt: skip
        user = db.session.get(User, w["lead"].id)
        survivor = db.session.get(Stakeholder, w["keep"])

        def edit() -> None:
            survivor.website = "https://changed.example.org"

        records.update_audited(user, "stakeholder", survivor, None, stakeholders.describe, edit)
        db.session.commit()
        with pytest.raises(merges.MergeRefused, match="has been changed since the merge"):
            _undo("stakeholder", w["lead"].id, w["keep"])
