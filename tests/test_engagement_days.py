"""The daily engagement counts (engagement_days) the home pages read: exactly the held, live
engagements by Area, day and type, the same as the engagement log's count for those
filters; two saves of the same day at once both count; an upgraded database has them at
once. (Any sequence of saves equals a rebuild: tests/test_engagement_figures.py.)"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy import select

from crm.extensions import db
from crm.models import EngagementDay, User
from crm.services import dashboard, engagement_figures, engagements, home_figures
from tests.conftest import TODAY, area, sign_in
from tests.together import at_once

Q3 = (date(2026, 7, 1), date(2026, 9, 30))
MC, NW = "Mersey-Cheshire", "North West"


def _days() -> dict[tuple, int]:
    rows = db.session.execute(select(EngagementDay.__table__)).all()
    return {(a, day, kind): n for a, day, kind, n in rows}


def _log_count(user: User, period: tuple[date, date], area_id: int, **kw) -> int:
    """The engagement log's own count (the list a home figure links to)."""
    filters = engagements.EngagementFilters(date_from=period[0], date_to=period[1],
                                            status="held", area_id=area_id, **kw)  # fmt: skip
    return engagements.list_engagements(user, filters, page_size=1).total


def test_the_daily_counts_are_the_held_live_engagements_and_the_logs_count(
    app, make_user, make_engagement
):
    """Made by hand: two meetings and a forum on one day, one meeting on the quarter's last
    day, one in another Area; left out: an archived one, a planned one, a cancelled one,
    and (from the quarter's figures) one the day before it and one the day after."""
    admin = make_user("admin", national=True)
    lead = make_user("lead", areas=(MC,))
    first, last = Q3
    for kw in ({}, {"lead_id": lead.id}, {"type": "forum"}, {"held_on": last},
               {"area_name": NW, "held_on": date(2026, 8, 15)},
               {"archived_at": datetime(2026, 7, 2, tzinfo=UTC)}, {"status": "planned"},
               {"status": "cancelled", "type": "forum"},
               {"held_on": date(2026, 6, 30)}, {"held_on": date(2026, 10, 1)}):  # fmt: skip
        make_engagement(**({"type": "meeting", "held_on": first} | kw))
    with app.app_context():
        mc, nw = area(MC).id, area(NW).id
        assert _days() == {
            (mc, first, "meeting"): 2, (mc, first, "forum"): 1, (mc, last, "meeting"): 1,
            (nw, date(2026, 8, 15), "meeting"): 1,
            (mc, date(2026, 6, 30), "meeting"): 1, (mc, date(2026, 10, 1), "meeting"): 1,
        }  # fmt: skip
        admin_, lead_ = db.session.get(User, admin.id), db.session.get(User, lead.id)
        held = home_figures.engagements_held(admin_, [Q3])
        assert held == Counter({(mc, 0, "meeting"): 3, (mc, 0, "forum"): 1,
                                (nw, 0, "meeting"): 1})  # fmt: skip
        for area_id in (mc, nw):
            for kind in ("meeting", "forum"):
                assert held[(area_id, 0, kind)] == _log_count(admin_, Q3, area_id, type=kind)
        # A lead sees their own Area's; led by someone, it is counted from the engagements.
        assert home_figures.engagements_held(lead_, [Q3]) == Counter(
            {(mc, 0, "meeting"): 3, (mc, 0, "forum"): 1}
        )
        mine = home_figures.engagements_held(admin_, [Q3], lead_id=lead.id)
        assert mine == Counter({(mc, 0, "meeting"): 1})
        # The home page's "held in the last 3 months": 30 September and 1 October.
        summary = dashboard.summary_for(admin_, TODAY)
        since = date.fromisoformat(summary.engagements_3_months.args["from"])
        listed = sum(_log_count(admin_, (since, TODAY), a) for a in (mc, nw))
        assert summary.engagements_3_months.count == listed == 2


def test_two_saves_of_the_same_area_day_and_type_at_once_both_count(app, make_user):
    """Two engagements logged at the same moment in one Area, on one day, of one type, then
    both archived at the same moment: the day counts 2, then nothing, with no error page
    (an upsert adding one and an update taking one, never a count-then-write)."""
    users = [make_user("admin", national=True) for _ in range(2)]
    with app.app_context():
        mc = area(MC).id
    clients = []
    for user in users:
        c = app.test_client()  # not 'with': that keeps a request's transaction open
        sign_in(c, user)
        clients.append(c)
    body = {"title": "Drop-in", "type": "forum", "status": "held", "held_on": ["2", "3", "2026"],
            "area_id": str(mc), "location_kind": "online", "attendance": ""}  # fmt: skip
    logged = at_once(*(lambda c=c: c.post("/engagements/new", data=body) for c in clients))
    assert [r.status_code for r in logged] == [302, 302]
    with app.app_context():
        assert _days() == {(mc, date(2026, 3, 2), "forum"): 2}
    ids = [int(r.headers["Location"].rstrip("/").split("/")[-1]) for r in logged]
    archived = at_once(*(lambda c=c, i=i: c.post(f"/engagements/{i}/archive")
                         for c, i in zip(clients, ids, strict=True)))  # fmt: skip
    assert [r.status_code for r in archived] == [302, 302]
    with app.app_context():
        assert _days() == {}
        assert engagement_figures.rebuild(dry_run=True).total == 0


def test_an_upgraded_database_has_its_daily_counts_at_once(tmp_path):
    """Migration 0013 fills engagement_days from the engagements already there (held and
    live only), so the rebuild then finds nothing to correct."""
    from flask_migrate import upgrade

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0012")
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO areas (id, name, code) VALUES (1, 'Wessex', 'wessex'), "
                "(2, 'Mercia', 'mercia')"
            )
            for n, (area_id, day, kind, status, archived) in enumerate([
                (1, "2026-03-02", "meeting", "held", None),
                (1, "2026-03-02", "meeting", "held", None),
                (1, "2026-03-02", "forum", "held", None),
                (2, "2026-03-02", "meeting", "held", None),
                (1, "2026-03-02", "meeting", "planned", None),
                (1, "2026-03-02", "meeting", "held", "2026-03-03 10:00:00"),
            ], start=1):  # fmt: skip
                conn.exec_driver_sql(
                    "INSERT INTO engagements (id, title, type, status, held_on, area_id, "
                    "location_kind, location_address, location_postcode, summary, "
                    "issues_raised, outcomes, restricted_notes, version, created_at, "
                    "updated_at, archived_at) VALUES (?, 'Met', ?, ?, ?, ?, 'online', '', '', "
                    "'', '', '', '', 1, '2026-01-01', '2026-01-01', ?)",
                    (n, kind, status, day, area_id, archived),
                )
        upgrade()
        assert _days() == {(1, date(2026, 3, 2), "meeting"): 2,
                           (1, date(2026, 3, 2), "forum"): 1,
                           (2, date(2026, 3, 2), "meeting"): 1}  # fmt: skip
        assert engagement_figures.rebuild(dry_run=True).engagement_days == 0
        db.session.remove()
        db.engine.dispose()


def test_two_engagements_swapping_days_at_once_both_count(app, make_user, make_engagement):
    """Two engagements of one Area and type moved at the same moment, each to the other's
    day: each save takes one from its old day and adds one to its new; both saves succeed
    and both days still count one (the rows are changed in one order, so neither save
    waits on the other while holding what the other needs)."""
    users = [make_user("admin", national=True) for _ in range(2)]
    first, second = date(2026, 3, 2), date(2026, 3, 9)
    ids = [make_engagement(type="forum", held_on=day) for day in (first, second)]
    with app.app_context():
        mc = area(MC).id
    acts = []
    for user, e, day in zip(users, ids, (second, first), strict=True):
        c = app.test_client()  # not 'with': that keeps a request's transaction open
        sign_in(c, user)
        body = {"title": "Drop-in", "type": "forum", "status": "held", "version": "1",
                "held_on": [str(day.day), str(day.month), str(day.year)],
                "area_id": str(mc), "location_kind": "online", "attendance": ""}  # fmt: skip
        acts.append(lambda c=c, e=e, body=body: c.post(f"/engagements/{e}/edit", data=body))
    assert [r.status_code for r in at_once(*acts)] == [302, 302]
    with app.app_context():
        assert _days() == {(mc, first, "forum"): 1, (mc, second, "forum"): 1}
        assert engagement_figures.rebuild(dry_run=True).total == 0
