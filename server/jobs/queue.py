"""The jobs facade. Callers enqueue a function; where it runs is configuration, not code."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis import Redis
from rq import Queue, Retry

log = logging.getLogger(__name__)

DEFAULT_RETRY_INTERVALS = (10, 60, 300)


@dataclass(frozen=True)
class JobOutcome:
    """What the caller learns: the rq job id when queued, or the result when run in-process."""

    job_id: str | None
    status: str  # "queued", "finished" or "failed"
    result: Any = None
    attempts: int = 0


class Jobs:
    """Enqueue work to rq, or run it here and now when no Redis is configured.

    In-process runs retry at once (no sleeping inside a request) up to the same number of
    attempts as rq would; a job that still fails is logged and reported as ``failed``.
    """

    def __init__(self, redis_url: str | None, queue_name: str = "onecard") -> None:
        self.redis_url = redis_url
        self.queue_name = queue_name
        self._redis = Redis.from_url(redis_url) if redis_url else None
        self.queue = Queue(queue_name, connection=self._redis) if self._redis else None

    @property
    def mode(self) -> str:
        return "rq" if self.queue is not None else "in-process"

    def enqueue(self, func: Callable[..., Any], *args: Any, retries: int = 3,
                retry_intervals: tuple[int, ...] = DEFAULT_RETRY_INTERVALS,
                **kwargs: Any) -> JobOutcome:
        if self.queue is not None:
            retry = Retry(max=retries, interval=list(retry_intervals)) if retries else None
            job = self.queue.enqueue(func, *args, retry=retry, **kwargs)
            return JobOutcome(job_id=job.id, status="queued")
        return self._run_here(func, args, kwargs, retries)

    def _run_here(self, func: Callable[..., Any], args: tuple, kwargs: dict,
                  retries: int) -> JobOutcome:
        for attempt in range(1, retries + 2):
            try:
                return JobOutcome(None, "finished", func(*args, **kwargs), attempt)
            except Exception:
                log.exception("in-process job %s failed (attempt %d of %d)",
                              func.__qualname__, attempt, retries + 1)
        return JobOutcome(None, "failed", None, retries + 1)

    def ping(self) -> None:
        """Raise if the queue's Redis cannot be reached (no-op in-process)."""
        if self._redis is not None:
            self._redis.ping()
