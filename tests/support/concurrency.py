"""Running calls at the same instant, to test races for real."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def concurrently(calls: list[Callable[[], Any]], timeout: float = 60) -> list[Any]:
    """Run each call on its own thread, released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    return results
