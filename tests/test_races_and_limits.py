"""Races and limits: a form posted twice, six saves at once, two imports at once, big and
hostile uploads, and the headers that keep personal data out of caches."""

from __future__ import annotations

import io
import os
import struct
import threading
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import (
    ActionPlan,
    ActionUpdate,
    Area,
    AreaBoundary,
    Contact,
    Engagement,
    Evidence,
    Feedback,
    FollowUpAction,
    Membership,
    Objective,
    Panel,
    PanelMeeting,
    PlanAction,
    Postcode,
    PostcodeSet,
    Stakeholder,
)
from crm.models.common import utcnow
from crm.services import geocoding, postcode_import
from tests.conftest import make_app, sign_in
from tests.formscrape import post_form
from tests.route_table import POSTS, fill, make_records
from tests.together import at_once

# Create forms: each saves one record however often it is posted. (model counted)
ONCE = {
    "stakeholders.new": Stakeholder, "contacts.new": Contact, "engagements.new": Engagement,
    "feedback.new": Feedback, "panels.new": Panel, "panels.memberships.new": Membership,
    "panels.meetings.new": PanelMeeting, "feedback.case_reviews.record": Feedback,
    "engagements.actions.add": FollowUpAction, "plans.objectives.new": Objective,
    "plans.new": ActionPlan, "plans.actions.new": PlanAction, "plans.actions.update": ActionUpdate,
    "plans.actions.evidence": Evidence, "plans.objectives.evidence": Evidence,
}  # fmt: skip


@pytest.fixture
def ids(app, factories):
    return make_records(app, factories)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("endpoint", sorted(ONCE))
def test_a_create_form_posted_twice_saves_once(app, client, signed_in, ids, endpoint):
    signed_in("admin", national=True)
    path_template, _, values = POSTS[endpoint]
    path = fill(path_template, ids)
    body = post_form(client.get(path).get_data(as_text=True), path)
    body.update({fill(k, ids): fill(v, ids) for k, v in values.items()})
    assert body.get("submission"), "the form carries its one-time token"
    before = _count(app, ONCE[endpoint])
    first = client.post(path, data=body)
    assert first.status_code == 302
    again = client.post(path, data=body, follow_redirects=True)
    assert "This was already saved" in again.get_data(as_text=True)
    assert _count(app, ONCE[endpoint]) == before + 1
    # The same thing filled in on a fresh copy of the form (a second tab) is caught too.
    fresh = post_form(client.get(path).get_data(as_text=True), path)
    third = client.post(path, data=body | {"submission": fresh["submission"]})
    assert third.status_code == 302
    assert _count(app, ONCE[endpoint]) == before + 1


def test_two_of_the_same_form_at_the_same_moment_save_one(app, make_user, ids):
    """A double click: both requests race; the database lets one note the token."""
    user = make_user("lead")
    path = "/stakeholders/new"
    c = app.test_client()  # not 'with': that keeps a request's transaction open
    sign_in(c, user)
    body = post_form(c.get(path).get_data(as_text=True), path)
    body |= {"name": "Birkenhead Youth Forum", "type": "community_group",
             "area_id": str(ids["area"])}  # fmt: skip
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        sign_in(client, user)
    responses = at_once(*(lambda c=c: c.post(path, data=body) for c in clients))
    assert [r.status_code for r in responses] == [302, 302]
    with app.app_context():
        names = db.session.scalars(select(Stakeholder.name).where(
            Stakeholder.name == "Birkenhead Youth Forum")).all()  # fmt: skip
    assert len(names) == 1


def test_six_saves_of_one_record_at_once_one_wins_the_rest_see_the_conflict(
    app, make_user, make_stakeholder
):
    """Each editor opened version 1; one save wins, five get the edit-conflict notice with
    their own text still in the form, and nobody gets an error page."""
    users = [make_user("lead") for _ in range(6)]
    s = make_stakeholder(name="Wallasey Carers' Centre")
    path = f"/stakeholders/{s}/edit"
    acts = []
    for n, user in enumerate(users):
        c = app.test_client()  # not 'with': that keeps a request's transaction open
        sign_in(c, user)
        form = post_form(c.get(path).get_data(as_text=True), path)
        form |= {"phone": f"0151 496 00{n:02d}", "version": "1"}
        acts.append(lambda c=c, form=form: c.post(path, data=form))
    results = [(r.status_code, r.get_data(as_text=True)) for r in at_once(*acts)]
    assert sorted(code for code, _ in results) == [200, 200, 200, 200, 200, 302]
    for n, (code, html) in enumerate(results):
        if code == 200:
            assert "Someone else changed this record" in html
            assert f"0151 496 00{n:02d}" in html  # their input is kept


def test_two_postcode_imports_run_one_at_a_time(ctx):
    first = postcode_import.start("first.csv")
    with pytest.raises(postcode_import.ImportUnderWay, match="first.csv is being imported"):
        postcode_import.start("second.csv")
    # An import whose process died stops moving; after a while another may start.
    stalled = utcnow() - postcode_import.STALLED_AFTER - timedelta(minutes=1)
    db.session.get(PostcodeSet, first).progress_at = stalled
    db.session.commit()
    second = postcode_import.start("second.csv")
    assert db.session.get(PostcodeSet, first).status == "failed"
    assert db.session.get(PostcodeSet, second).status == "loading"


# "after the check" exists only on PostgreSQL: on SQLite the write lock each transaction
# takes at its start (BEGIN IMMEDIATE) lets only one of the two past the check at all.
MEETINGS = ["at the start"] + (
    ["after the check"] if os.environ.get("CRM_TEST_DATABASE_URL", "").startswith("postgres")
    else [])  # fmt: skip


@pytest.mark.parametrize("meet", MEETINGS)
def test_two_postcode_imports_starting_at_once_one_wins(app, monkeypatch, meet):
    """Two imports start at the same moment: exactly one gets a set, the other is told to
    wait. "after the check": both have found no import loading before either adds its set,
    so the unique index on loading sets (uq_postcode_sets_one_loading) decides."""
    if meet == "after the check":
        inside = threading.Barrier(2)
        add = db.session.add

        def add_when_both_are_here(record):
            if isinstance(record, PostcodeSet):
                inside.wait(timeout=30)
            add(record)

        monkeypatch.setattr(db.session, "add", add_when_both_are_here)

    def start(name: str):
        with app.app_context():
            try:
                return postcode_import.start(name)
            except postcode_import.ImportUnderWay as busy:
                return busy

    results = at_once(lambda: start("first.csv"), lambda: start("second.csv"))
    started = [r for r in results if isinstance(r, int)]
    refused = [str(r) for r in results if isinstance(r, postcode_import.ImportUnderWay)]
    assert len(started) == 1 and len(refused) == 1, results
    assert "wait for it to finish" in refused[0], refused
    if meet == "after the check":
        assert refused == ["Another import has just started: wait for it to finish"]
    with app.app_context():
        sets = db.session.execute(select(PostcodeSet.id, PostcodeSet.status)).all()
    assert [tuple(row) for row in sets] == [(started[0], "loading")]


def test_the_import_page_refuses_a_second_import_while_one_runs(app, client, signed_in):
    signed_in("admin", national=True)
    with app.app_context():
        postcode_import.start("first.csv")
    response = client.post("/map/postcodes",
                           data={"file": (io.BytesIO(b"pcds,lat,long\n"), "second.csv")})
    assert response.status_code == 200
    assert "first.csv is being imported: wait for it to finish" in response.get_data(as_text=True)


def test_a_zip_that_claims_more_than_the_directory_could_be_is_refused(ctx, tmp_path,
                                                                       monkeypatch):  # fmt: skip
    monkeypatch.setattr(postcode_import, "MAX_UNCOMPRESSED_BYTES", 1000)
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.csv", "pcds,lat,long\n" + "0" * 50_000)
    set_id = postcode_import.start("bomb.zip")
    with pytest.raises(postcode_import.ImportProblem, match="GB unzipped"):
        postcode_import.load(set_id, path)
    assert db.session.get(PostcodeSet, set_id).status == "failed"


def _lying_zip(path, text: str, claimed: int) -> None:
    """A zip whose data CSV unzips to `text` while its headers say it is `claimed` bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Data/ONSPD_FEB_2026_UK.csv", text)
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local, central
        at = data.find(signature)
        assert struct.unpack_from("<I", data, at + offset) == (len(text),)
        struct.pack_into("<I", data, at + offset, claimed)
    path.write_bytes(bytes(data))


def test_a_zip_that_unzips_to_more_than_it_claims_is_stopped(ctx, tmp_path, monkeypatch):
    """Its headers pass the size check; reading stops where they said it ends, the file is
    refused as not the directory, nothing of it is loaded and lookups stay as they were."""
    good = tmp_path / "good.csv"
    good.write_text("pcds,lat,long\nCH1 1AB,53.5,-2.5\n")
    postcode_import.load(postcode_import.start("good.csv"), good)
    monkeypatch.setattr(postcode_import, "MAX_UNCOMPRESSED_BYTES", 10_000)
    path = tmp_path / "lying.zip"
    rows = "".join(f"L{n % 10} {n % 10}AA,53.4,-2.98\n" for n in range(3000))
    _lying_zip(path, "pcds,lat,long\n" + rows, claimed=1000)
    assert zipfile.ZipFile(path).infolist()[0].file_size == 1000
    set_id = postcode_import.start("lying.zip")
    with pytest.raises(postcode_import.ImportProblem,
                       match="damaged or is not what its headers say .*CRC.*: it is not the ONS"):
        postcode_import.load(set_id, path)
    assert db.session.get(PostcodeSet, set_id).status == "failed"
    assert db.session.scalar(select(func.count()).where(Postcode.set_id == set_id)) == 0
    assert geocoding.lookup("CH1 1AB") == (53.5, -2.5)


def test_the_running_byte_count_stops_a_file_past_the_limit(ctx, tmp_path, monkeypatch):
    """A plain CSV's size is not checked before reading (the command line takes any file):
    the count of bytes read stops it at the limit, and lookups stay as they were."""
    good = tmp_path / "good.csv"
    good.write_text("pcds,lat,long\nCH1 1AB,53.5,-2.5\n")
    postcode_import.load(postcode_import.start("good.csv"), good)
    monkeypatch.setattr(postcode_import, "MAX_UNCOMPRESSED_BYTES", 10_000)
    monkeypatch.setattr(postcode_import, "BATCH", 10)  # rows before the limit are written
    path = tmp_path / "big.csv"
    path.write_text("pcds,lat,long\n" + "".join(f"L{n % 10} {n % 100:02d}A,53.4,-2.98\n"
                                                 for n in range(3000)))  # fmt: skip
    set_id = postcode_import.start("big.csv")
    with pytest.raises(postcode_import.ImportProblem, match="larger than .* once unzipped"):
        postcode_import.load(set_id, path)
    stopped = db.session.get(PostcodeSet, set_id)
    assert stopped.status == "failed" and stopped.rows_loaded > 0  # written, then removed
    assert db.session.scalar(select(func.count()).where(Postcode.set_id == set_id)) == 0
    assert geocoding.lookup("CH1 1AB") == (53.5, -2.5)


def test_a_file_of_empty_lines_is_stopped_early(ctx, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("pcds,lat,long\n" + "\n" * (postcode_import.MAX_ROWS_WITHOUT_A_POSTCODE + 5))
    set_id = postcode_import.start("empty.csv")
    with pytest.raises(postcode_import.ImportProblem, match="hold no postcode with a location"):
        postcode_import.load(set_id, path)


def test_uploads_have_their_own_limit_above_the_request_limit(app, make_user):
    """The boundaries page takes a 6 MB file although every other request stops at 5 MB."""
    big = make_app(app.config["SQLALCHEMY_DATABASE_URI"], MAX_CONTENT_LENGTH=5 * 1024 * 1024)
    client = big.test_client()
    sign_in(client, make_user("admin", national=True))
    padding = b" " * (6 * 1024 * 1024)
    response = client.post("/map/boundaries",
                           data={"file": (io.BytesIO(b"{}" + padding), "big.geojson")})
    assert response.status_code == 200
    assert "must be a GeoJSON FeatureCollection" in response.get_data(as_text=True)
    too_big = client.post("/stakeholders/new", data={"name": "x" * (6 * 1024 * 1024)})
    assert too_big.status_code == 413


def test_21_mb_is_too_big_for_boundaries_not_for_the_directory(app, make_user, tmp_path):
    """A 21 MB body: refused with the 413 page on /map/boundaries (its cap is 20 MB), taken
    by /map/postcodes (the directory's own cap is far larger) although every other request
    stops at 5 MB. The bytes are made in memory: random, so stored uncompressed in a zip."""
    big = make_app(app.config["SQLALCHEMY_DATABASE_URI"], MAX_CONTENT_LENGTH=5 * 1024 * 1024,
                   UPLOAD_FOLDER=str(tmp_path))  # fmt: skip
    client = big.test_client()
    sign_in(client, make_user("admin", national=True))
    size = 21 * 1024 * 1024
    just_under = client.post("/map/boundaries", data={
        "file": (io.BytesIO(b"{" + b" " * (19 * 1024 * 1024) + b"}"), "big.geojson")})
    assert just_under.status_code == 200  # read, and explained: the cap is 20 MB
    assert "must be a GeoJSON FeatureCollection" in just_under.get_data(as_text=True)
    too_big = client.post("/map/boundaries",
                          data={"file": (io.BytesIO(b"{" + b" " * size + b"}"), "big.geojson")})
    assert too_big.status_code == 413
    assert "What you sent was too large" in too_big.get_data(as_text=True)
    assert _count(app, AreaBoundary) == 0
    # The directory's zip: its data CSV beside a large lookup file (here, random bytes).
    upload = io.BytesIO()
    with zipfile.ZipFile(upload, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("Data/ONSPD_FEB_2026_UK.csv", "pcds,lat,long\nL1 8JQ,53.4,-2.98\n")
        archive.writestr("Documents/lookup.bin", os.urandom(size))
    assert upload.tell() > size
    upload.seek(0)
    taken = client.post("/map/postcodes", data={"file": (upload, "onspd.zip")})
    assert taken.status_code == 302 and "/jobs/" in taken.headers["Location"]
    with app.app_context():
        assert db.session.scalars(select(PostcodeSet.status)).all() == ["ready"]
        assert geocoding.lookup("L1 8JQ") == (53.4, -2.98)


@pytest.mark.parametrize("path", ["/engagements/export.csv", "/lookup/stakeholders?q=to",
                                  "/map/points.json", "/", "/panels"])
def test_personal_data_is_never_cached(client, signed_in, path):
    signed_in("admin", national=True)
    assert client.get(path).headers["Cache-Control"].endswith("no-store")


def test_production_asks_browsers_for_https_for_a_year(app, monkeypatch):
    monkeypatch.setenv("CRM_ENV", "production")
    monkeypatch.setenv("CRM_SECRET_KEY", "a-production-secret-of-good-length-0123456789")
    production = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    response = production.test_client().get("/sign-in")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in app.test_client().get("/sign-in").headers


def test_a_save_that_waits_too_long_for_the_database_is_told_to_try_again(
    app, client, signed_in, monkeypatch
):
    """SQLite lets one worker write at a time; one that waits past the busy timeout gets
    "Engage is busy" (503, try again) with nothing saved, never a server error."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from crm.services import stakeholders

    def locked(*_args, **_kwargs):
        raise OperationalError("INSERT INTO stakeholders", {},
                               sqlite3.OperationalError("database is locked"))  # fmt: skip

    signed_in("lead")
    monkeypatch.setattr(stakeholders, "create_stakeholder", locked)
    page = client.get("/stakeholders/new").get_data(as_text=True)
    with app.app_context():
        area_id = str(db.session.scalar(select(Area.id).where(Area.name == "Mersey-Cheshire")))
    body = post_form(page, "/stakeholders/new") | {
        "name": "Wirral Deaf Club", "type": "community_group", "area_id": area_id}  # fmt: skip
    response = client.post("/stakeholders/new", data=body)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Engage is busy" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Stakeholder)) == 0
