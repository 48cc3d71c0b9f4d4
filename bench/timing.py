"""Shared by the benchmarks: signing in and timing pages through the whole app."""

from __future__ import annotations

import statistics
import time

from bench.generate import BENCH_PASSWORD

RUNS = 30


def sign_in(app, email: str):
    # Pages are timed here, not signing in: administrators skip the second factor (a
    # security code), which production asks of them.
    app.config["TWO_FACTOR_ROLES"] = ()
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": BENCH_PASSWORD})
    assert response.status_code == 302, "run bench.generate first"
    return client


def time_page(client, url: str, runs: int = RUNS) -> tuple[float, float]:
    """Median and p95 in milliseconds, after one request to warm the caches."""
    client.get(url)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def report(who: str, label: str, url_timing: tuple[float, float], target_ms: float) -> float:
    median, p95 = url_timing
    flag = "" if p95 < target_ms else f"  <-- over the {target_ms:.0f} ms target"
    print(f"  {who:15} {label:24} {median:7.1f} / {p95:7.1f}{flag}")
    return p95
