"""Time the one search at scale: median and p95 over repeated requests.

    CRM_DATABASE_URL=... python -m bench.run_search

Through the whole app as the national administrator and the one-Area lead: a common
word (many matches in every kind), a town, a postcode, an engagement's title, and a
word nothing has (every kind read to the end: the worst case). Target: p95 under
300 ms on a 2-core machine with 100,000 stakeholders and 1,000,000 engagements.
"""

from __future__ import annotations

from bench.timing import RUNS, report, sign_in, time_page
from crm import create_app
from crm.extensions import db
from crm.models import Engagement, Stakeholder

TARGET_MS = 300
TERMS = {
    "common word": "community",
    "a town": "liverpool",
    "a postcode": "L8",
    "an engagement title": "engagement 4242",
    "nothing matches": "zqxjv",
}


def main() -> None:
    app = create_app({"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        engine = db.engine.dialect.name
        stakeholders = db.session.query(Stakeholder).count()
        engagements = db.session.query(Engagement).count()
    print(f"{engine}, {stakeholders:,} stakeholders, {engagements:,} engagements, "
          f"{RUNS} runs each (median / p95 ms)")  # fmt: skip
    worst = 0.0
    for who, email in (("national admin", "bench-admin@engage.test"),
                       ("one-Area lead", "bench-lead@engage.test")):  # fmt: skip
        client = sign_in(app, email)
        for label, term in TERMS.items():
            timing = time_page(client, f"/search?q={term}")
            worst = max(worst, report(who, label, timing, TARGET_MS))
    print(f"worst p95: {worst:.1f} ms (target {TARGET_MS} ms)")


if __name__ == "__main__":
    main()
