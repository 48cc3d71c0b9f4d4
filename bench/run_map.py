"""Time the community map at scale, beside the naive approach, in one run.

    CRM_DATABASE_URL=... python -m bench.run_map

Run bench.generate 100000 1000000 first. Targets, on a 2-core machine:
- the map page: p95 under 100 ms and under 50 KB;
- the points for all 100,000 stakeholders: p95 under 400 ms, under 1.5 MB on the wire;
- the engagements layer for the whole country: p95 under 300 ms;
- first paint of the points in headless Chromium: under 2 s;
- the map of one Area (about 7,000 stakeholders) as a picture: p95 under 300 ms, under 150 KB.
The naive approach (a folium Marker per point, one page) is measured once beside them.
"""

from __future__ import annotations

import shutil
import statistics
import threading
import time

import folium
from sqlalchemy import select

from bench.generate import BENCH_PASSWORD
from bench.timing import RUNS, report, sign_in
from crm import create_app
from crm.extensions import db
from crm.models import Area, Stakeholder
from crm.services import boundaries
from crm.services.seeding import SEEDS


def timed(client, url: str, runs: int = RUNS, gzip: bool = False) -> tuple[float, float, int]:
    """Median and p95 ms, and the bytes on the wire, through the whole app."""
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    client.get(url, headers=headers)
    samples, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        body = response.get_data()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        size = len(body)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)], size


def naive(app) -> tuple[float, int]:
    """One folium Marker per stakeholder, with a popup: what the map avoids."""
    with app.app_context():
        rows = db.session.execute(
            select(Stakeholder.latitude, Stakeholder.longitude, Stakeholder.name).where(
                Stakeholder.archived_at.is_(None), Stakeholder.latitude.is_not(None)
            )
        ).all()
    started = time.perf_counter()
    m = folium.Map(location=[53, -2], zoom_start=6, tiles=None, max_zoom=18)
    for lat, lng, name in rows:
        folium.Marker([lat, lng], popup=folium.Popup(name)).add_to(m)
    html = m.get_root().render()
    return (time.perf_counter() - started) * 1000, len(html.encode())


def first_paint(app, email: str) -> list[float]:
    """Seconds from opening the map to its points drawn, in headless Chromium (3 runs)."""
    chromium = shutil.which("chromium")
    if not chromium:
        print("  headless Chromium not installed: first paint not measured")
        return []
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    times = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium,
                                        args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
            page = browser.new_page()
            page.goto(f"{base}/sign-in")
            page.fill("#email", email)
            page.fill("#password", BENCH_PASSWORD)
            page.click("button:has-text('Sign in')")
            page.wait_for_url(f"{base}/")
            for _ in range(3):
                started = time.perf_counter()
                page.goto(f"{base}/map/frame")
                page.wait_for_selector("body[data-points-drawn]", timeout=60_000)
                page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
                times.append(time.perf_counter() - started)
            browser.close()
    finally:
        server.shutdown()
    return times


def main() -> None:
    # Rate limits off: the timings ask for the picture faster than a person may.
    app = create_app({"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "MAP_TILES": "none",
                      "RATELIMIT_ENABLED": False})  # fmt: skip
    with app.app_context():
        engine = db.engine.dialect.name
        if not boundaries.any_boundaries():
            outlines = (SEEDS / "demo-boundaries.geojson").read_text(encoding="utf-8")
            boundaries.import_boundaries(None, outlines, "demo outlines", illustrative=True)
            db.session.commit()
        # The picture of one Area: its stakeholders counted in squares (over 2,000).
        one_area = db.session.scalar(select(Area.id).where(Area.name == "Mersey-Cheshire"))
        picture = f"/map/picture.svg?area={one_area}"
    print(f"{engine}: {RUNS} runs each (median / p95 ms, bytes)")
    for who, email in (("national admin", "bench-admin@engage.test"),
                       ("one-Area lead", "bench-lead@engage.test")):  # fmt: skip
        client = sign_in(app, email)
        for label, url, target, gz in (
            ("map page", "/map", 100, False),
            ("map document (frame)", "/map/frame", 100, False),
            ("points, gzip", "/map/points.json", 400, True),
            ("gaps layer, gzip", "/map/points.json?kind=gaps", 400, True),
            ("engagements layer", "/map/engagements.json", 300, True),
            ("boundaries, shaded", "/map/boundaries.json?shade=per_stakeholder", 300, True),
            ("one Area as a picture", picture, 300, False),
        ):
            median, p95, size = timed(client, url, gzip=gz)
            report(who, f"{label} ({size:,} B)", (median, p95), target)
    client = sign_in(app, "bench-admin@engage.test")
    with app.app_context():
        points = db.session.scalar(
            select(db.func.count()).select_from(Stakeholder)
            .where(Stakeholder.archived_at.is_(None), Stakeholder.latitude.is_not(None))
        )  # fmt: skip
    print(f"naive: a folium Marker per point for {points:,} stakeholders (once)")
    took, size = naive(app)
    _, p95, wire = timed(client, "/map/frame", runs=5)
    _, points_p95, points_wire = timed(client, "/map/points.json", runs=5, gzip=True)
    print(f"  naive page: {took:,.0f} ms, {size:,} B")
    print(f"  Engage: frame {p95:.1f} ms, {wire:,} B + points {points_p95:.1f} ms, "
          f"{points_wire:,} B on the wire")  # fmt: skip
    print(f"  ratio: {took / (p95 + points_p95):,.0f}x faster, "
          f"{size / (wire + points_wire):,.0f}x smaller")  # fmt: skip
    paints = first_paint(app, "bench-admin@engage.test")
    if paints:
        print(f"first paint of {points:,} points in headless Chromium: "
              + ", ".join(f"{t:.2f} s" for t in paints))  # fmt: skip


if __name__ == "__main__":
    main()
