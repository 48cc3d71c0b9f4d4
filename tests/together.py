"""Run several requests at the same moment, for the race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable


def at_once(*acts: Callable[[], object]) -> list:
    """Start every act at the same moment (each in its own thread, behind a barrier) and
    return their results in order.

    Prepare clients first (sign in, read the forms) and pass only the racing requests.
    A thread that fails fails the test (pyproject's filterwarnings), and the barrier gives
    up after 30 s, so a failure cannot hang the suite. Make clients with
    app.test_client(), not in a 'with' block: that keeps a request's transaction open.
    """
    barrier = threading.Barrier(len(acts))
    results: list = [None] * len(acts)

    def run(n: int, act) -> None:
        barrier.wait(timeout=30)
        results[n] = act()

    threads = [threading.Thread(target=run, args=(n, act)) for n, act in enumerate(acts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
