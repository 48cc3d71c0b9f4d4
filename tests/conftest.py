"""Fixtures: one database per test run, built by the migrations; a clean slate per test.

Set CRM_TEST_DATABASE_URL to run the suite against PostgreSQL; otherwise it uses
a throwaway SQLite file.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, delete, func, make_url, select, update

from crm import create_app
from crm.config import normalise_database_url
from crm.extensions import db
from crm.models import (
    ActionPlan,
    ActionUpdate,
    Affiliation,
    Area,
    AreaBoundary,
    AreaPopulation,
    Attendance,
    AuditEvent,
    CaseworkPriority,
    Community,
    CommunityReach,
    ConsentRecord,
    Contact,
    Declaration,
    DoNotContactChange,
    DuplicateDismissal,
    Engagement,
    EngagementDay,
    EngagementPlace,
    EqualityAnswers,
    EqualityView,
    Erasure,
    Evidence,
    Feedback,
    FeedbackMove,
    FollowUpAction,
    ImportMapping,
    ImportRow,
    Job,
    KeyActivity,
    LegalHold,
    MappingExercise,
    MappingPosition,
    Membership,
    Merge,
    MergeMove,
    Objective,
    ObjectiveMeasure,
    Panel,
    PanelMeeting,
    PanelTarget,
    PlanAction,
    PlanTheme,
    Postcode,
    PostcodeSet,
    Purpose,
    RetentionAction,
    RetentionRule,
    RetentionRun,
    SignInAttempt,
    SpreadsheetImport,
    Stakeholder,
    SubjectAccessRequest,
    TermsOfReference,
    User,
    UserInvite,
)
from crm.models.engagement import (
    engagement_communities,
    engagement_contacts,
    engagement_staff,
    engagement_stakeholders,
)
from crm.models.feedback import feedback_communities, feedback_priorities
from crm.models.panel import membership_communities
from crm.models.plan import action_objectives, objective_communities
from crm.models.stakeholder import stakeholder_communities
from crm.models.user import user_areas
from crm.services import auth, seeding

pytest_plugins = ["tests.browser_fixtures", "tests.full_pages", "tests.suite_log"]

PASSWORD = "correct horse battery staple"
# The date the app believes it is, in every test: never the real one.
TODAY = date(2026, 11, 30)
# How many casework priorities the reference data holds (6 priorities, 9 strands).
SEEDED_PRIORITIES = 15


def _seeded_objectives() -> tuple[int, int, int, int]:
    """What the seeded national objectives hold: objectives, key activities, measures, and
    the communities they concern."""
    seeded = json.loads((seeding.SEEDS / "reference.json").read_text(encoding="utf-8"))
    objectives = seeded["objectives"]
    return (
        len(objectives),
        sum(len(texts) for o in objectives for texts in o["activities"].values()),
        sum(len(o["measures"]) for o in objectives),
        sum(len(o["communities"]) for o in objectives),
    )


SEEDED_OBJECTIVES = _seeded_objectives()
# The Areas and communities as seeded (in id order), which a test may rename or retire.
SEEDED_REFERENCE = json.loads((seeding.SEEDS / "reference.json").read_text(encoding="utf-8"))


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("CRM_TEST_DATABASE_URL")
    if not url:  # a file of this process's own (pytest-xdist gives each its temp dir)
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    url = normalise_database_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _fresh_database(url, worker) if worker else url


def _fresh_database(url: str, worker: str) -> str:
    """For one of several test processes on PostgreSQL: a database of its own, made anew
    beside the one named (`test` gives `test_gw0`, `test_gw1`, ...). Its commits need not
    wait for the disk: a crash loses only test data, and the suite commits thousands of
    times."""
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        connection.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


# The Redis for the tests that need one (rate limits and the job queue, as production
# keeps them): CRM_TEST_REDIS_URL, or a database of the local one that nothing else uses.
REDIS_URL = os.environ.get("CRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_store():
    """A client of REDIS_URL. A missing Redis fails the test, saying how to start it,
    rather than skipping it."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        pytest.fail(f"Redis is not running at {REDIS_URL}: start it (.ci/run does; see "
                    "README) or set CRM_TEST_REDIS_URL")  # fmt: skip
    return redis.Redis.from_url(REDIS_URL)


def make_app(url: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        "MAP_TILES": "none",  # the tests fetch nothing from outside
        "TODAY": TODAY,
        # A cheap password hash: hundreds of tests sign in (production's is 19 MiB).
        "ARGON2_MEMORY_KIB": 64,
        # Rate limits off: tests sign in, look up and export far faster than people do
        # (tests/test_rate_limits.py turns them on).
        "RATELIMIT_ENABLED": False,
        # Background jobs run inside the request that asks for them (a worker process
        # is tested on its own, in test_jobs.py).
        "JOBS_URL": "immediate",
        # Administrators sign in without a second factor: hundreds of tests sign one in
        # (tests/test_two_factor.py turns the requirement on, as production has it).
        "TWO_FACTOR_ROLES": (),
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _database_url(tmp_path_factory)
    app = make_app(url)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()  # the schema comes from the migrations, as in production
        seeding.load_reference_data()
        db.session.commit()
    return url


@pytest.fixture(scope="session")
def app(database_url):
    return make_app(database_url)


@pytest.fixture(autouse=True)
def _clean_slate(request):
    """Empty every table but the reference data after each test that used the database
    (tests that read the shared demo data leave it for the next; see `demo_data`)."""
    yield
    if "app" not in request.fixturenames or {"demo_data", "shared_records"} & set(
        request.fixturenames
    ):
        return
    empty_database(request.getfixturevalue("app"))


@pytest.fixture(scope="module")
def shared_records(app) -> dict:
    """A dict the tests of one module fill with records they all read (made by the first
    that needs them) and keep; the database is emptied when the module is done, not after
    each test. Only for tests that change nothing: keep them in a module of their own."""
    records: dict = {}
    yield records
    empty_database(app)


@pytest.fixture(scope="module")
def demo_data(app):
    """The demo data, loaded once for a module whose tests only read it (loading it takes
    seconds); emptied when the module is done. Keep such tests in a module of their own."""
    with app.app_context():
        seeding.load_demo_data()
        db.session.commit()
    yield
    empty_database(app)


def empty_database(app) -> None:
    """Every table but the reference data emptied, and the reference data as seeded."""
    with app.app_context():
        db.session.rollback()
        # Casework priorities are reference data: drop any a test added, un-retire the rest.
        seeded = db.session.scalars(select(CaseworkPriority.id).order_by(CaseworkPriority.id))
        seeded_ids = list(seeded)[:SEEDED_PRIORITIES]
        tables = (
            MergeMove.__table__,
            Merge.__table__,
            DuplicateDismissal.__table__,
            ImportRow.__table__,
            ImportMapping.__table__,
            SpreadsheetImport.__table__,
            MappingPosition.__table__,
            MappingExercise.__table__,
            Evidence.__table__,
            ActionUpdate.__table__,
            action_objectives,
            PlanAction.__table__,
            PlanTheme.__table__,
            ActionPlan.__table__,
            AuditEvent.__table__,
            EngagementPlace.__table__,
            EngagementDay.__table__,
            AreaBoundary.__table__,
            Postcode.__table__,
            PostcodeSet.__table__,
            feedback_priorities,
            feedback_communities,
            FeedbackMove.__table__,
            Feedback.__table__,
            Attendance.__table__,
            PanelMeeting.__table__,
            Declaration.__table__,
            membership_communities,
            Membership.__table__,
            PanelTarget.__table__,
            TermsOfReference.__table__,
            Panel.__table__,
            CommunityReach.__table__,
            FollowUpAction.__table__,
            engagement_staff,
            engagement_contacts,
            engagement_stakeholders,
            engagement_communities,
            Engagement.__table__,
            Affiliation.__table__,
            stakeholder_communities,
            RetentionAction.__table__,
            RetentionRun.__table__,
            Erasure.__table__,
            LegalHold.__table__,
            RetentionRule.__table__,
            ConsentRecord.__table__,
            DoNotContactChange.__table__,
            SubjectAccessRequest.__table__,
            EqualityView.__table__,
            EqualityAnswers.__table__,
            AreaPopulation.__table__,
            Contact.__table__,
            Stakeholder.__table__,
            SignInAttempt.__table__,
            Job.__table__,
            UserInvite.__table__,
            user_areas,
            User.__table__,
        )
        # One round trip finds the tables a test wrote to (most tests write to a few);
        # only those are emptied, in the order above (children before parents).
        written = db.session.execute(
            select(*(select(table).exists() for table in tables))
        ).one()
        for table, has_rows in zip(tables, written, strict=True):
            if has_rows:
                db.session.execute(delete(table))
        db.session.execute(delete(CaseworkPriority).where(CaseworkPriority.id.not_in(seeded_ids)))
        db.session.execute(update(CaseworkPriority).values(retired_at=None))
        _reset_objectives()
        _reset_reference_lists()
        _reset_purposes()
        db.session.commit()


def _reset_purposes() -> None:
    """The purposes of contact as seeded: reloaded only when a test changed them."""
    seeded = [(p["name"], p["lawful_basis"], p["wording"], None)
              for p in SEEDED_REFERENCE["purposes"]]  # fmt: skip
    rows = db.session.execute(select(Purpose.name, Purpose.lawful_basis, Purpose.wording,
                                     Purpose.retired_at).order_by(Purpose.id))  # fmt: skip
    if [tuple(row) for row in rows] != seeded:
        db.session.execute(delete(Purpose))
        seeding.load_purposes()


def _reset_reference_lists() -> None:
    """Areas and communities as seeded (the admin pages rename and retire them): each
    seeded row, in id order, gets its seeded values back; one a test added goes."""
    plain = {"seldom_heard": False, "description": "", "retired_at": None}
    for model, rows, defaults in ((Area, SEEDED_REFERENCE["areas"], {}),
                                  (Community, SEEDED_REFERENCE["communities"], plain)):
        records = list(db.session.scalars(select(model).order_by(model.id)))
        for record, row in zip(records, rows, strict=False):
            for name, value in (defaults | row).items():
                if getattr(record, name) != value:
                    setattr(record, name, value)
        for added in records[len(rows):]:
            db.session.delete(added)
    db.session.flush()


def _reset_objectives() -> None:
    """The national objectives are reference data too: put back as seeded. Most tests
    leave them alone, so they are only reloaded when one was added, edited or archived
    (a version above 1) or its measures, activities or communities changed in number."""
    counts = db.session.execute(select(
        select(func.count()).select_from(Objective).scalar_subquery(),
        select(func.count()).select_from(Objective).where(
            (Objective.version != 1) | Objective.archived_at.is_not(None)
            | Objective.area_id.is_not(None)).scalar_subquery(),
        select(func.count()).select_from(KeyActivity).scalar_subquery(),
        select(func.count()).select_from(ObjectiveMeasure).scalar_subquery(),
        select(func.count()).select_from(objective_communities).scalar_subquery(),
    )).one()  # fmt: skip
    if tuple(counts) == (*SEEDED_OBJECTIVES[:1], 0, *SEEDED_OBJECTIVES[1:]):
        return
    for table in (KeyActivity.__table__, ObjectiveMeasure.__table__, objective_communities,
                  Objective.__table__):  # fmt: skip
        db.session.execute(delete(table))
    seeding.load_reference_objectives()


@pytest.fixture
def ctx(app):
    """An application context for service-level tests."""
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


def area(name: str) -> Area:
    return db.session.query(Area).filter_by(name=name).one()


def community(name: str) -> Community:
    return db.session.query(Community).filter_by(name=name).one()


@pytest.fixture
def make_user(app) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def factory(role: str = "lead", areas=("Mersey-Cheshire",), national=False, **kw) -> User:
        with app.app_context():
            n = next(counter)
            user = auth.create_user(
                kw.get("email", f"{role}{n}@engage.test"),
                kw.get("name", f"{role.title()} User {n}"),
                PASSWORD,
                role,
                [] if national else list(areas),
                national,
            )
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return factory


@pytest.fixture
def make_stakeholder(app) -> Callable[..., int]:
    def factory(area_name: str = "Mersey-Cheshire", communities=(), **kw) -> int:
        with app.app_context():
            values = {"name": "Toxteth Women's Network", "type": "community_group"} | kw
            stakeholder = Stakeholder(area=area(area_name), **values)
            stakeholder.communities = [community(c) for c in communities]
            db.session.add(stakeholder)
            db.session.commit()
            return stakeholder.id

    return factory


@pytest.fixture
def make_contact(app) -> Callable[..., int]:
    def factory(area_name: str = "Mersey-Cheshire", stakeholder_id=None, role="", **kw) -> int:
        with app.app_context():
            contact = Contact(area=area(area_name), **({"name": "Dana Okafor"} | kw))
            if stakeholder_id:
                contact.affiliations.append(Affiliation(stakeholder_id=stakeholder_id, role=role))
            db.session.add(contact)
            db.session.commit()
            return contact.id

    return factory


def sign_in(client, user: User, password: str = PASSWORD):
    return client.post("/sign-in", data={"email": user.email, "password": password})


@pytest.fixture
def signed_in(client, make_user) -> Callable[..., User]:
    """Sign the test client in as a new user with the given role and Areas."""

    def factory(role: str = "lead", **kw) -> User:
        user = make_user(role, **kw)
        response = sign_in(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return factory


def page_title(html: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", html, re.S)
    return match.group(1).strip() if match else ""


@pytest.fixture
def make_engagement(app) -> Callable[..., int]:
    """An engagement straight into the database, with its stakeholder and community links."""
    from datetime import date

    from crm.services import engagement_figures

    def factory(
        area_name: str = "Mersey-Cheshire",
        stakeholder_ids=(),
        communities=(),
        contact_ids=(),
        actions=(),
        **kw,
    ) -> int:
        with app.app_context():
            values = {"title": "Community Conversation", "type": "community_conversation",
                      "held_on": date(2026, 1, 15), "status": "held"} | kw  # fmt: skip
            engagement = Engagement(area=area(area_name), **values)
            engagement.contacts = [db.session.get(Contact, c) for c in contact_ids]
            for action in actions:
                engagement.actions.append(FollowUpAction(**action))
            db.session.add(engagement)
            # The same upkeep of the derived figures as every other writer.
            engagement_figures.sync(
                engagement,
                engagement_figures.Footprint(),
                [db.session.get(Stakeholder, s) for s in stakeholder_ids],
                [community(c) for c in communities],
            )
            db.session.commit()
            return engagement.id

    return factory


@pytest.fixture
def make_panel(app) -> Callable[..., int]:
    """A panel straight into the database; area_name=None makes it national."""
    from datetime import date

    def factory(area_name: str | None = "Mersey-Cheshire", targets=None, **kw) -> int:
        with app.app_context():
            values = {"name": "Mersey-Cheshire LSIP", "type": "lsip", "target_size": 6,
                      "quorum": 3, "term_months": 24, "max_terms": 2,
                      "tor_review_due": date(2030, 1, 1)} | kw  # fmt: skip
            panel = Panel(area=area(area_name) if area_name else None, **values)
            for name, minimum in (targets or {}).items():
                panel.targets.append(PanelTarget(community=community(name), minimum=minimum))
            db.session.add(panel)
            db.session.commit()
            return panel.id

    return factory


@pytest.fixture
def make_membership(app, make_contact) -> Callable[..., int]:
    """A membership straight into the database (a new contact unless contact_id is given)."""
    from datetime import date

    def factory(panel_id: int, contact_id: int | None = None, communities=(), **kw) -> int:
        if contact_id is None:
            with app.app_context():
                panel = db.session.get(Panel, panel_id)
                area_name = panel.area.name if panel.area else "Mersey-Cheshire"
            contact_id = make_contact(area_name, name=kw.pop("name", "Dana Okafor"))
        with app.app_context():
            values = {"role": "member", "status": "active", "term_start": date(2025, 1, 1),
                      "term_end": date(2026, 12, 31), "vetting_status": "cleared"} | kw  # fmt: skip
            membership = Membership(panel_id=panel_id, contact_id=contact_id, **values)
            membership.communities = [community(c) for c in communities]
            db.session.add(membership)
            db.session.commit()
            return membership.id

    return factory


@pytest.fixture
def make_meeting(app) -> Callable[..., int]:
    """A panel meeting with attendance {membership id: present / apologies / absent}."""
    from datetime import date

    def factory(panel_id: int, held_on=date(2026, 1, 20), attendance=None, **kw) -> int:
        with app.app_context():
            panel = db.session.get(Panel, panel_id)
            meeting = PanelMeeting(panel=panel, held_on=held_on, quorum=panel.quorum,
                                   place="Civic Centre", **kw)  # fmt: skip
            meeting.attendance = [
                Attendance(membership_id=m, status=status)
                for m, status in (attendance or {}).items()
            ]
            db.session.add(meeting)
            db.session.commit()
            return meeting.id

    return factory


def priority(name: str) -> CaseworkPriority:
    return db.session.query(CaseworkPriority).filter_by(name=name).one()


@pytest.fixture
def make_feedback(app) -> Callable[..., int]:
    """Feedback straight into the database, with its priorities and first move."""
    from datetime import date

    def factory(area_name: str | None = "Mersey-Cheshire", priorities=("Hate crime",),
                communities=(), **kw) -> int:  # fmt: skip
        with app.app_context():
            values = {"source": "other", "received_on": date(2026, 2, 1),
                      "summary": "Victims were not kept informed", "tone": "negative",
                      "status": "received"} | kw  # fmt: skip
            values.setdefault("status_on", values["received_on"])
            f = Feedback(area=area(area_name) if area_name else None, **values)
            f.priorities = [priority(p) for p in priorities]
            f.communities = [community(c) for c in communities]
            f.moves.append(FeedbackMove(to_status=f.status, moved_on=f.status_on))
            db.session.add(f)
            db.session.commit()
            return f.id

    return factory


@pytest.fixture
def make_objective(app) -> Callable[..., int]:
    """An objective straight into the database; area_name=None makes it national."""

    def factory(area_name: str | None = "Mersey-Cheshire", **kw) -> int:
        with app.app_context():
            values = {"title": "Public confidence in Mersey-Cheshire", "statement": "Build trust",
                      "starts_in": 2026, "ends_in": 2027, "characteristics": ["race"]} | kw
            objective = Objective(area=area(area_name) if area_name else None, **values)
            objective.activities.append(KeyActivity(year=2026, text="Map the communities"))
            db.session.add(objective)
            db.session.commit()
            return objective.id

    return factory


@pytest.fixture
def make_plan(app) -> Callable[..., int]:
    """An action plan with a numbered theme; area_name=None makes it national."""
    from datetime import date

    def factory(area_name: str | None = "Mersey-Cheshire", **kw) -> int:
        with app.app_context():
            values = {"title": "Equality action plan 2026-27", "starts_on": date(2026, 4, 1),
                      "ends_on": date(2027, 3, 31), "update_months": 3} | kw  # fmt: skip
            plan = ActionPlan(area=area(area_name) if area_name else None, **values)
            plan.themes.append(PlanTheme(number="1", title="Engagement with communities"))
            db.session.add(plan)
            db.session.commit()
            return plan.id

    return factory


@pytest.fixture
def make_plan_action(app) -> Callable[..., int]:
    """An action under the plan's first theme, with dated updates [(day, status, note)]."""
    from datetime import date

    def factory(plan_id: int, updates=(), objective_ids=(), **kw) -> int:
        with app.app_context():
            plan = db.session.get(ActionPlan, plan_id)
            theme = plan.themes[0] if plan.themes else None
            letter = "abcdefghijklmnopqrstuvwxyz"[len(plan.actions)]
            values = {"what": "Map the stakeholders in each borough", "by_whom": "All managers",
                      "due_kind": "month", "due_on": date(2026, 10, 1),
                      "reference": f"{theme.number if theme else ''}.{letter}".lstrip("."),
                      "position": len(plan.actions), "added_on": plan.starts_on} | kw  # fmt: skip
            chosen = [db.session.get(Objective, o) for o in objective_ids]
            action = PlanAction(plan=plan, theme=theme, objectives=chosen, **values)
            status = "not_started"
            for day, to_status, note in updates:
                action.updates.append(ActionUpdate(updated_on=day, to_status=to_status,
                                                   from_status=status, note=note))
                status = to_status
                action.status, action.status_on = status, day
            db.session.add(action)
            db.session.commit()
            return action.id

    return factory


@pytest.fixture
def make_exercise(app) -> Callable[..., int]:
    """A mapping exercise with its positions {stakeholder id: (influence, interest)}."""
    from datetime import date

    def factory(area_name: str = "Mersey-Cheshire", positions=None, **kw) -> int:
        with app.app_context():
            values = {"held_on": date(2026, 10, 1), "title": "Annual mapping"} | kw
            exercise = MappingExercise(area=area(area_name), **values)
            exercise.positions = [
                MappingPosition(stakeholder_id=s, influence=influence, interest=interest)
                for s, (influence, interest) in (positions or {}).items()
            ]
            db.session.add(exercise)
            db.session.commit()
            return exercise.id

    return factory


@pytest.fixture
def factories(make_stakeholder, make_contact, make_engagement, make_panel, make_membership,
              make_meeting, make_feedback, make_objective, make_plan,
              make_plan_action, make_exercise):  # fmt: skip
    """Every record factory by kind, for tests/route_table.make_records."""
    return {"stakeholder": make_stakeholder, "contact": make_contact,
            "engagement": make_engagement, "panel": make_panel, "membership": make_membership,
            "meeting": make_meeting, "feedback": make_feedback, "objective": make_objective,
            "plan": make_plan, "plan_action": make_plan_action,
            "exercise": make_exercise}  # fmt: skip


def made_pdf(client, url: str):
    """A report's PDF as its user gets it: asked for (a job, run at once in the tests),
    then downloaded from the job's page."""
    job_page = client.post(url)
    assert job_page.status_code == 302 and job_page.location.startswith("/jobs/"), job_page
    return client.get(job_page.location + "/file")
