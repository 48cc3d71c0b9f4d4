"""Time the stakeholder pages at scale: median and p95 over repeated requests.

    CRM_DATABASE_URL=... python -m bench.run_stakeholders

Requests go through the whole app (routing, access rules, queries, templates)
with Flask's test client, as a national administrator and as a lead in one Area.
Target: p95 under 100 ms for each page on a 2-core machine.
"""

from __future__ import annotations

from sqlalchemy import select

from bench.timing import RUNS, report, sign_in, time_page
from crm import create_app
from crm.extensions import db
from crm.models import Area, Stakeholder, User

TARGET_MS = 100


def main() -> None:
    app = create_app({"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        engine = db.engine.dialect.name
        total = db.session.query(Stakeholder).count()
        area_id = db.session.scalar(select(Area.id).where(Area.name == "Mersey-Cheshire"))
        lead_area_sid = db.session.scalar(
            select(Stakeholder.id).where(Stakeholder.area_id == area_id).limit(1)
        )
        some_sid = db.session.scalar(select(Stakeholder.id).order_by(Stakeholder.id.desc()))
        assert db.session.scalar(select(User.id).limit(1))
    pages = {
        "first page": "/stakeholders",
        "filtered page": f"/stakeholders?type=community_group&status=active&area={area_id}",
        "search": "/stakeholders?q=refugee",
        "deep page": "/stakeholders?page=1500",
    }
    print(f"{engine}, {total} stakeholders, {RUNS} runs each (median / p95 ms)")
    worst = 0.0
    for who, email, detail_id in (
        ("national admin", "bench-admin@engage.test", some_sid),
        ("one-Area lead", "bench-lead@engage.test", lead_area_sid),
    ):
        client = sign_in(app, email)
        for label, url in [*pages.items(), ("detail", f"/stakeholders/{detail_id}")]:
            if who == "one-Area lead" and label == "deep page":
                url = "/stakeholders?page=120"
            worst = max(worst, report(who, label, time_page(client, url), TARGET_MS))
    print(f"worst p95: {worst:.1f} ms (target {TARGET_MS} ms)")


if __name__ == "__main__":
    main()
