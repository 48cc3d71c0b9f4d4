"""Time the duplicate scan over 100,000 stakeholders, on a dataset made for it.

    CRM_DATABASE_URL=sqlite:///$PWD/bench/out/duplicates.db .venv/bin/python -m bench.run_duplicates
    CRM_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_merge \\
        .venv/bin/python -m bench.run_duplicates

Into an empty database (or one this script filled before: it is reused), N stakeholders
(default 100,000) with invented but varied names, UK-shaped postcodes (about 1.4 records a
postcode, so many share one with an unrelated record, as in an office block), emails,
phone numbers and websites; and, among them, planted duplicates (2% of records) written
as people write them twice: "The ... Ltd", "&" for "and", another case and punctuation,
the phone in +44 form, the email in capitals, "www." on the website, or the same postcode
and a near name. Then the scan, as the national administrator sees it (every Area):
median of 3 runs, the pairs found, and how many of the planted ones (recall); then the
first page of /stakeholders/duplicates through the whole app. Target: the scan under
10 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from sqlalchemy import func, select, text

from bench.generate import _analyse, _insert, prepare
from bench.timing import sign_in
from crm import create_app
from crm.extensions import db
from crm.models import Area, Stakeholder, User
from crm.models.common import utcnow
from crm.services import duplicates

TARGET_S = 10.0
ADMIN = "bench-admin@engage.test"
PLANTED_SHARE = 0.02
SYLLABLES = ["al", "ber", "cas", "dun", "el", "fen", "gar", "hol", "ind", "jas", "kel", "lor",
             "mar", "nor", "ost", "pen", "quil", "ros", "sal", "tor", "ul", "ven", "wen", "yar",
             "zan", "bry", "cla", "dre", "fla", "gri"]  # fmt: skip
WORDS = ["Community", "Women's", "Youth", "Faith", "Refugee", "Carers", "Disability", "Advice",
         "Victims'", "Migrant", "Interfaith", "Tenants", "Elders", "Families", "Deaf"]  # fmt: skip
KINDS = ["Network", "Forum", "Group", "Centre", "Trust", "Association", "Project", "Hub",
         "and Friends", "& Co", "Society", "Alliance"]  # fmt: skip
LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
OUTWARDS = ["L", "CH", "M", "LS", "BD", "CV", "WS", "HU", "PR", "BS", "EX", "CF", "SA", "NR"]


def _postcode(rng: random.Random) -> str:
    return (f"{rng.choice(OUTWARDS)}{rng.randint(1, 40)} {rng.randint(0, 9)}"
            f"{rng.choice(LETTERS)}{rng.choice(LETTERS)}")  # fmt: skip


def _name(rng: random.Random) -> str:
    place = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{place} {rng.choice(WORDS)} {rng.choice(KINDS)}"


def _twin(rng: random.Random, row: dict) -> dict:
    """The same organisation written down again, differently."""
    twin = dict(row)
    way = rng.randrange(5)
    if way == 0:
        twin["name"] = f"The {row['name'].replace('&', 'and')} Ltd"
    elif way == 1:
        twin["name"] = row["name"].upper().replace("'", "")
        twin["phone"] = "+44 " + row["phone"][1:]
    elif way == 2:
        twin["name"] = row["name"] + " CIC"
        twin["email"] = row["email"].upper()
        twin["postcode"] = ""
    elif way == 3:
        twin["name"] = row["name"].replace("Centre", "Ctr").replace("Association", "Assoc.")
        twin["website"] = "https://www." + row["website"].removeprefix("https://") + "/about"
        twin["email"] = twin["phone"] = ""
    else:
        twin["name"] = row["name"] + " (Merseyside)"  # a near name at the same postcode
        twin["email"] = twin["phone"] = twin["website"] = ""
    return twin


def plan(n: int, seed: int = 14) -> tuple[list[dict], set[tuple[int, int]]]:
    """N stakeholders (ids 1..N), 2% of them planted duplicates, and the planted pairs;
    the same every time (a reused database is judged against the same plan)."""
    rng = random.Random(seed)  # noqa: S311
    areas = list(db.session.scalars(select(Area.id).order_by(Area.id)))
    postcodes = [_postcode(rng) for _ in range(int(n / 1.4))]
    rows: list[dict] = []
    planted = int(n * PLANTED_SHARE)
    for i in range(n - planted):
        rows.append({
            "name": _name(rng), "postcode": rng.choice(postcodes), "area_id": rng.choice(areas),
            "email": f"info{i}@{rng.choice(SYLLABLES)}{i}.org.uk",
            "phone": f"0{rng.randint(1132, 1999)} {rng.randint(100000, 999999)}",
            "website": f"https://{rng.choice(SYLLABLES)}{i}.org.uk" if i % 2 else "",
        })  # fmt: skip
    originals = rng.sample(range(len(rows)), planted)
    rows += [_twin(rng, rows[i]) for i in originals]
    order = list(range(len(rows)))
    rng.shuffle(order)
    ids = {index: position + 1 for position, index in enumerate(order)}
    for index, row in enumerate(rows):
        row["id"] = ids[index]
    pairs = {tuple(sorted((ids[o], ids[n - planted + k]))) for k, o in enumerate(originals)}
    return sorted(rows, key=lambda r: r["id"]), pairs  # type: ignore[return-value]


def build(rows: list[dict]) -> None:
    now = utcnow()
    common = {"type": "vcs", "description": "", "address_line1": "", "address_line2": "",
              "town": "", "geocode_status": "", "status": "active", "preferred_language": "",
              "accessible_formats": "", "notes": "", "version": 1, "created_at": now,
              "updated_at": now, "serves_seldom_heard": False}  # fmt: skip
    _insert(Stakeholder.__table__, [common | row for row in rows])
    if db.engine.dialect.name == "postgresql":
        # Explicit ids do not move PostgreSQL's sequence on.
        db.session.execute(text(
            "SELECT setval('stakeholders_id_seq', (SELECT max(id) FROM stakeholders))"))
    db.session.commit()
    _analyse()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run_duplicates",
                                     description=__doc__.split("\n\n")[0])  # fmt: skip
    parser.add_argument("stakeholders", type=int, nargs="?", default=100_000)
    n = parser.parse_args(argv).stakeholders
    app = create_app({"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        prepare()
        engine = db.engine.dialect.name
        rows, planted = plan(n)
        if not db.session.scalar(select(func.count()).select_from(Stakeholder)):
            started = time.perf_counter()
            build(rows)
            print(f"{engine}: built {n:,} stakeholders in {time.perf_counter() - started:.1f} s")
        total = db.session.scalar(select(func.count()).select_from(Stakeholder))
        admin = db.session.scalars(select(User).where(User.email == ADMIN)).one()
        samples, pairs = [], []
        for _ in range(3):
            started = time.perf_counter()
            pairs = duplicates.likely_duplicates(admin, "stakeholder")
            samples.append(time.perf_counter() - started)
        found = len(planted & {(p.first_id, p.second_id) for p in pairs})
    median = statistics.median(samples)
    flag = "" if median < TARGET_S else f"  <-- over the {TARGET_S:.0f} s target"
    print(f"{engine}, {total:,} stakeholders: scan {median:.2f} s "
          f"(runs {', '.join(f'{s:.2f}' for s in samples)}){flag}")  # fmt: skip
    print(f"  {len(pairs):,} pairs offered; planted duplicates found: {found:,} of "
          f"{len(planted):,} ({found / max(len(planted), 1):.0%})")  # fmt: skip
    client = sign_in(app, ADMIN)
    started = time.perf_counter()
    response = client.get("/stakeholders/duplicates")
    assert response.status_code == 200, response.status_code
    print(f"  /stakeholders/duplicates, first page, through the app: "
          f"{time.perf_counter() - started:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
