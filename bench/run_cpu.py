"""What each request of the load mix costs in CPU, in one process, one at a time.

    CRM_DATABASE_URL=... python -m bench.run_cpu [--runs 20] [--kinds stakeholder,home]

The load benchmark (run_load.py) says how many requests a second the two cores serve;
this says where they go, so a change's effect is measured before the slower load runs:
for each kind of request in the load mix, as the one-Area lead through the whole app
(Flask's test client, CSRF and all), the median CPU time of this process
(`time.process_time`: Python and the SQLite library, not PostgreSQL's own processes),
the median wall time, and the queries sent. Then the mix's weighted CPU per request
(90% reads, 10% writes, as run_load's flat mix) and the requests a second that would
make on two cores if nothing else ran. A write is its form read and then posted, as in
run_load (one request counted).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from sqlalchemy import event

from bench.generate import BENCH_PASSWORD
from bench.run_load import MIXES, _cpu_seconds, _database_pids, read_choices, targets
from crm import create_app
from crm.extensions import db
from tests.formscrape import post_form

LEAD = "bench-lead@engage.test"


class QueryCounter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args) -> None:
        self.count += 1


def sign_in(client) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    body = post_form(page, "/sign-in") | {"email": LEAD, "password": BENCH_PASSWORD}
    assert client.post("/sign-in", data=body).status_code == 302, "run bench.generate first"


def log_engagement(client, t, rng, n):
    path = "/engagements/new"
    body = post_form(client.get(path).get_data(as_text=True), path) | {
        "title": f"CPU bench drop-in {n}", "type": "meeting", "area_id": str(t.area_id),
        "location_kind": "address", "location_address": "Town Hall",
        "held_on-day": "2", "held_on-month": "11", "held_on-year": "2026",
        "status": "held"}  # fmt: skip
    return client.post(path, data=body)


def edit_stakeholder(client, t, rng, n):
    path = f"/stakeholders/{rng.choice(t.stakeholders)}/edit"
    body = post_form(client.get(path).get_data(as_text=True), path) | {
        "phone": f"0151 496 {rng.randint(0, 9999):04d}"}
    return client.post(path, data=body)


WRITES = {"write: log engagement": log_engagement, "write: edit stakeholder": edit_stakeholder}


class DatabaseCPU:
    """CPU time PostgreSQL's server processes have used (the app's one pooled connection's
    backend does its queries): 0 on SQLite, whose work is this process's own."""

    def __init__(self, engine):
        self.postgres = engine.dialect.name == "postgresql"

    def seconds(self) -> float:
        return _cpu_seconds(_database_pids()) if self.postgres else 0.0


def measure(call, runs: int, counter: QueryCounter, database: DatabaseCPU,
            expected: int = 200) -> tuple[float, float, float, float]:  # fmt: skip
    """Median CPU ms (this process's), median PostgreSQL CPU ms, median wall ms and
    queries per request, after two to warm; every answer must be `expected` (a write's
    302: saved and sent on to the record)."""
    cpu, server, wall, queries = [], [], [], []
    for n in range(runs + 2):
        counter.count = 0
        started_server = database.seconds()
        started_cpu, started = time.process_time(), time.perf_counter()
        response = call(n)
        took_cpu, took = time.process_time() - started_cpu, time.perf_counter() - started
        took_server = database.seconds() - started_server
        assert response.status_code == expected, (response.status_code, response.request.path)
        if n >= 2:
            cpu.append(took_cpu * 1000)
            server.append(took_server * 1000)
            wall.append(took * 1000)
            queries.append(counter.count)
    return (statistics.median(cpu), statistics.mean(server), statistics.median(wall),
            statistics.median(queries))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--kinds", default="", help="only kinds whose name has one of these")
    args = parser.parse_args()
    app = create_app({"CRM_MAP_TILES": "none"})
    t = targets(app.config["SQLALCHEMY_DATABASE_URI"])
    client = app.test_client()
    with app.app_context():
        engine = db.engine
        counter = QueryCounter(engine)
        database = DatabaseCPU(engine)
        print(f"{engine.dialect.name}: median of {args.runs} runs, one at a time, as the lead")
    sign_in(client)
    wanted = [k for k in args.kinds.split(",") if k]
    rng = random.Random(1)
    rows = []  # (weight, kind, cpu, database cpu, wall, queries)
    for weight, kind, _ in read_choices(t, rng):
        if wanted and not any(w in kind for w in wanted):
            continue
        index = [k for _, k, _ in read_choices(t, rng)].index(kind)
        rows.append((weight, "read: " + kind, *measure(
            lambda n, i=index: client.get(read_choices(t, random.Random(n))[i][2]),
            args.runs, counter, database)))  # fmt: skip
    for kind, write in WRITES.items():
        if wanted and not any(w in kind for w in wanted):
            continue
        rows.append((1, kind, *measure(lambda n, w=write: w(client, t, rng, n), args.runs,
                                       counter, database, expected=302)))  # fmt: skip
    print(f"{'kind':36} {'CPU ms':>7} {'database':>8} {'wall ms':>8} {'queries':>8}")
    for _, kind, cpu, server, wall, queries in rows:
        print(f"{kind:36} {cpu:7.1f} {server:8.1f} {wall:8.1f} {queries:8.0f}")
    reads_ = [(w, c, d, wl) for w, k, c, d, wl, _ in rows if k.startswith("read")]
    writes_ = [(w, c, d, wl) for w, k, c, d, wl, _ in rows if k.startswith("write")]
    if reads_ and writes_:
        share = MIXES["flat"][0]

        def weighted(items, column):
            return sum(w * item[column] for w, *item in items) / sum(w for w, *_ in items)

        def mixed(column):
            return (1 - share) * weighted(reads_, column) + share * weighted(writes_, column)

        cpu, server, wall = mixed(0), mixed(1), mixed(2)
        print(f"flat mix per request: CPU {cpu:.1f} ms here + {server:.1f} ms in the database "
              f"(reads {weighted(reads_, 0):.1f} + {weighted(reads_, 1):.1f}, writes "
              f"{weighted(writes_, 0):.1f} + {weighted(writes_, 1):.1f}); wall {wall:.1f} ms; "
              f"two cores at this: {2000 / (cpu + server):.0f} requests/s")  # fmt: skip


if __name__ == "__main__":
    main()
