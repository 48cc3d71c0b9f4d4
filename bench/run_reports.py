"""Time the quarterly Area report and the senior leader's home page: median and p95.

    CRM_DATABASE_URL=... python -m bench.run_reports

Run bench.generate first (100,000 stakeholders and 1,000,000 engagements is the issue's
scale) and bench.run_plans once (it adds the action plans the report's plan section
reads). The first run adds a Mersey-Cheshire senior leader. Then, through the whole app:
the report for one Area (the page, its Excel and CSV), every Area side by side (the
national administrator), the PDF for one Area, and the senior leader's home page.
Targets (2-core machine): one Area's report and the senior leader's home page p95 under
1 s, every Area side by side under 3 s, the PDF under 10 s.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bench.generate import BENCH_PASSWORD
from bench.timing import report, sign_in, time_page
from crm import create_app
from crm.extensions import db
from crm.models import Area, User
from crm.services import auth

SENIOR = "bench-senior@engage.test"
QUARTER = "2026-Q2"  # July to September 2026: a whole quarter before the bench's today


def _senior() -> None:
    if db.session.scalar(select(User).where(User.email == SENIOR)) is None:
        auth.create_user(SENIOR, "Bench Senior", BENCH_PASSWORD, "senior", ["Mersey-Cheshire"])
        db.session.commit()


def main() -> None:
    # Rate limits off: the timings ask for the files faster than a person may.
    app = create_app({"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "TODAY": date(2026, 11, 30), "RATELIMIT_ENABLED": False})  # fmt: skip
    with app.app_context():
        engine = db.engine.dialect.name
        _senior()
        area = db.session.scalar(select(Area.id).where(Area.name == "Mersey-Cheshire"))
    print(f"{engine}, quarter {QUARTER} (median / p95 ms)")
    one = f"/reports/quarterly?area={area}&quarter={QUARTER}"
    worst = {}
    lead = sign_in(app, "bench-lead@engage.test")
    worst["one Area"] = report("one-Area lead", "report, one Area", time_page(lead, one), 1000)
    report("one-Area lead", "its Excel", time_page(lead, one.replace("?", ".xlsx?"), 10), 1000)
    report("one-Area lead", "its CSV", time_page(lead, one.replace("?", ".csv?"), 10), 1000)
    worst["PDF"] = report("one-Area lead", "its PDF",
                          time_page(lead, one.replace("?", ".pdf?"), 5), 10_000)  # fmt: skip
    senior = sign_in(app, SENIOR)
    worst["home"] = report("senior leader", "home page", time_page(senior, "/"), 1000)
    admin = sign_in(app, "bench-admin@engage.test")
    every = f"/reports/quarterly?area=all&quarter={QUARTER}"
    worst["every Area"] = report("national admin", "every Area side by side",
                                 time_page(admin, every, 10), 3000)  # fmt: skip
    report("national admin", "report, one Area", time_page(admin, one), 1000)
    print("p95: " + ", ".join(f"{k} {v:.0f} ms" for k, v in worst.items()))


if __name__ == "__main__":
    main()
