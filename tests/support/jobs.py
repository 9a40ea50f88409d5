"""Job functions for the jobs tests; importable by a real rq worker process (PYTHONPATH=repo)."""

from __future__ import annotations

from redis import Redis


def fail_first_time(redis_url: str, counter_key: str) -> str:
    """Fail on the first attempt and succeed on the next, counting attempts in Redis."""
    attempts = Redis.from_url(redis_url).incr(counter_key)
    if attempts == 1:
        raise RuntimeError("first attempt fails on purpose")
    return f"succeeded on attempt {attempts}"


def always_fails() -> None:
    raise RuntimeError("this job never succeeds")


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def fail_once(self) -> str:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("first attempt fails on purpose")
        return "ok"


def count_in_steps(steps: int) -> str:
    """Report progress step by step (through rq's job meta in a worker), then say how far it got."""
    from server.jobs import report_progress

    for step in range(1, steps + 1):
        report_progress(step, steps, f"step {step}")
    return f"counted to {steps}"


def wait_for(gate, progress_first: tuple[int, int] | None = None) -> str:
    """An in-process job that holds its worker thread until the test opens ``gate`` (a threading.Event)."""
    from server.jobs import report_progress

    if progress_first:
        report_progress(*progress_first, "halfway")
    if not gate.wait(30):
        raise TimeoutError("the test never opened the gate")
    return "gate opened"
