"""Time the stakeholder register exported whole (CSV streamed, and XLSX), and the memory
it takes, on a database with 100,000 stakeholders (bench.generate, or run_duplicates's).

    CRM_DATABASE_URL=... .venv/bin/python -m bench.run_register_export

As the national administrator (every stakeholder), one request each, the body read to
its end; the process's peak resident memory is printed before and after, so a file
built whole in memory would show as a jump.
"""

from __future__ import annotations

import resource
import time

from bench.timing import sign_in
from crm import create_app


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    app = create_app({"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    client = sign_in(app, "bench-admin@engage.test")
    client.get("/stakeholders")  # warm the caches
    for file_format in ("csv", "xlsx"):
        before = _peak_mb()
        started = time.perf_counter()
        response = client.get(f"/stakeholders/register.{file_format}", buffered=False)
        assert response.status_code == 200, response.status_code
        size = sum(len(chunk) for chunk in response.response)
        took = time.perf_counter() - started
        print(f"  {file_format}: {took:.1f} s, {size / 1e6:.1f} MB, "
              f"peak memory {before:.0f} -> {_peak_mb():.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
