"""Time the engagement pages at scale (run bench.generate with engagements first).

    CRM_DATABASE_URL=... python -m bench.run_engagements

Targets, p95 on a 2-core machine: the engagement list (first page, filtered, deep
page) under 100 ms; a stakeholder's page with hundreds of engagements under 100 ms;
/coverage for one Area under 300 ms and for all Areas under 1 s.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from bench.timing import RUNS, report, sign_in, time_page
from crm import create_app
from crm.extensions import db
from crm.models import Area, Community, Engagement, Stakeholder


def main() -> None:
    app = create_app({"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        engine = db.engine.dialect.name
        total = db.session.scalar(select(func.count()).select_from(Engagement))
        mersey = db.session.scalar(select(Area.id).where(Area.name == "Mersey-Cheshire"))
        busy = db.session.scalar(
            select(func.min(Stakeholder.id)).where(Stakeholder.area_id == mersey)
        )
        community = db.session.scalar(select(Community.id).where(Community.name == "Migrants"))
    quarter_start = (date.today() - timedelta(days=90)).isoformat()
    today = date.today().isoformat()
    print(f"{engine}, {total} engagements, {RUNS} runs each (median / p95 ms)")
    worst = {}
    for who, email in (("national admin", "bench-admin@engage.test"),
                       ("one-Area lead", "bench-lead@engage.test")):  # fmt: skip
        client = sign_in(app, email)
        pages = [
            ("list: first page", "/engagements", 100),
            (
                "list: Area+quarter+type",
                f"/engagements?area={mersey}&from={quarter_start}&to={today}&type=meeting",
                100,
            ),  # fmt: skip
            ("list: community", f"/engagements?community={community}", 100),
            ("list: deep page", "/engagements?page=" + ("15000" if who[0] == "n" else "1500"), 100),
            ("stakeholder, 500 engagements", f"/stakeholders/{busy}", 100),
            ("coverage: one Area", f"/coverage?area={mersey}", 300),
        ]
        if who == "national admin":
            pages.append(("coverage: all Areas", "/coverage", 1000))
        for label, url, target in pages:
            p95 = report(who, label, time_page(client, url, runs=RUNS), target)
            worst[label] = max(worst.get(label, 0), p95)


if __name__ == "__main__":
    main()
