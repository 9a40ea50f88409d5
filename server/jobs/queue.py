"""The jobs facade. Callers enqueue a function; where it runs is configuration, not code.

With Redis, rq workers (`onecard worker`) run the jobs; without it, a worker thread inside this
process does (server/jobs/runner.py), after the request that enqueued them has answered. Either
way a job gets an id at once, and its state, attempts, progress and result are read by that id
(`status`, `wait`, `GET /api/v1/jobs/{id}`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job

from server.clock import utcnow
from server.ids import new_id
from server.jobs.runner import InProcessRunner, Task
from server.jobs.status import DatabaseJobRecords, JobState, JobView, MemoryJobRecords, rq_view

log = logging.getLogger(__name__)

DEFAULT_RETRY_INTERVALS = (10, 60, 300)
# How long rq keeps a finished job's result for `status` to read (seconds); failed jobs it keeps
# for its own default of a year.
RESULT_TTL = 7 * 24 * 3600


class JobNotFound(LookupError):
    """No job with this id (never enqueued, or its record has been dropped)."""


class JobTimeout(TimeoutError):
    """``wait`` gave up before the job finished; ``view`` is the job as it was last seen."""

    def __init__(self, view: JobView) -> None:
        super().__init__(f"job {view.id} is still {view.state}")
        self.view = view


class Jobs:
    """Enqueue work to rq, or to this process's worker thread when no Redis is configured."""

    def __init__(self, redis_url: str | None, queue_name: str = "onecard", db=None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.redis_url = redis_url
        self.queue_name = queue_name
        self._redis = Redis.from_url(redis_url) if redis_url else None
        self.queue = Queue(queue_name, connection=self._redis) if self._redis else None
        self.clock = clock
        self.records = DatabaseJobRecords(db) if db is not None else MemoryJobRecords()
        self.runner = InProcessRunner(self.records, clock)

    @property
    def mode(self) -> str:
        return "rq" if self.queue is not None else "in-process"

    def enqueue(self, func: Callable[..., Any], *args: Any, retries: int = 3,
                retry_intervals: tuple[int, ...] = DEFAULT_RETRY_INTERVALS, **kwargs: Any) -> JobView:
        """Queue ``func(*args, **kwargs)``; a failure is tried again up to ``retries`` times."""
        job_id, name = str(new_id()), _name(func)
        if self.queue is not None:
            retry = Retry(max=retries, interval=list(retry_intervals)) if retries else None
            job = self.queue.enqueue_call(func, args=args, kwargs=kwargs, job_id=job_id, retry=retry,
                                          result_ttl=RESULT_TTL, meta={"name": name, "retries": retries})
            return rq_view(job)
        view = JobView(id=job_id, name=name, state=JobState.QUEUED, enqueued_at=self.clock())
        self.records.add(view)
        self.runner.submit(Task(job_id, func, args, kwargs, retries, retry_intervals))
        return view

    def status(self, job_id: str, session=None) -> JobView:
        """The job as it is now; JobNotFound if there is no such job. A request passes its own
        database session (see DatabaseJobRecords.get)."""
        if self.queue is not None:
            try:
                return rq_view(Job.fetch(job_id, connection=self._redis))
            except NoSuchJobError:
                raise JobNotFound(job_id) from None
        view = self.records.get(job_id, session)
        if view is None:
            raise JobNotFound(job_id)
        return view

    def wait(self, job_id: str, timeout: float = 60.0, poll: float = 0.05) -> JobView:
        """Block until the job has finished or failed (JobTimeout after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while not (view := self.status(job_id)).state.done:
            if time.monotonic() >= deadline:
                raise JobTimeout(view)
            time.sleep(poll)
        return view

    def run(self, func: Callable[..., Any], *args: Any, timeout: float = 60.0, **kwargs: Any) -> JobView:
        """Enqueue and wait: the CLI and tests, which want the outcome before they go on."""
        return self.wait(self.enqueue(func, *args, **kwargs).id, timeout)

    def close(self) -> None:
        """Stop this process's worker thread once the job in hand is done."""
        self.runner.stop()

    def ping(self) -> None:
        """Raise if the queue's Redis cannot be reached (no-op in-process)."""
        if self._redis is not None:
            self._redis.ping()


def _name(func: Callable[..., Any]) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"
