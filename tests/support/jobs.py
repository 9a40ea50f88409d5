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
