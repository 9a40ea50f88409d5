"""The in-process runner: without Redis, one worker thread runs jobs after the request returns.

Jobs run one at a time in the order they are due; a failed attempt is put back with the same
retry intervals rq would use, without holding up the jobs behind it. The thread starts at the
first job a process enqueues (after a fork, the child starts its own: a gunicorn worker never
shares the master's). It is a daemon thread: jobs still waiting when the process exits are lost
and their records stay ``queued``; with Redis, rq's queue keeps them instead.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server.jobs.progress import reporting_to
from server.jobs.status import JobRecords, JobState, Progress, as_json

log = logging.getLogger(__name__)

# A job reporting progress in a tight loop writes its record at most this often (seconds).
PROGRESS_INTERVAL = 0.5


@dataclass
class Task:
    job_id: str
    func: Callable[..., Any]
    args: tuple
    kwargs: dict
    retries: int
    retry_intervals: tuple[int, ...]
    attempt: int = 0
    last_progress: float = field(default=0.0)


class InProcessRunner:
    def __init__(self, records: JobRecords, clock: Callable[[], datetime]) -> None:
        self.records = records
        self.clock = clock
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._due: list[tuple[float, int, Task]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def submit(self, task: Task, delay: float = 0.0) -> None:
        if self._pid != os.getpid():
            self._reset()  # a forked child: the parent's thread and queue are not ours
        with self._wake:
            heapq.heappush(self._due, (time.monotonic() + delay, next(self._order), task))
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="onecard-jobs", daemon=True)
                self._thread.start()
            self._wake.notify()

    def stop(self, timeout: float = 10.0) -> None:
        """Let the job in hand finish, run no other, and end the thread."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _next(self) -> Task | None:
        with self._wake:
            while not self._stopping:
                if self._due and self._due[0][0] <= time.monotonic():
                    return heapq.heappop(self._due)[2]
                self._wake.wait(self._due[0][0] - time.monotonic() if self._due else None)
            return None

    def _work(self) -> None:
        while (task := self._next()) is not None:
            try:
                self._run(task)
            except Exception:  # a broken record store must not end the thread for every later job
                log.exception("in-process job %s could not be recorded", task.job_id)

    def _run(self, task: Task) -> None:
        task.attempt += 1
        self.records.update(task.job_id, state=JobState.RUNNING, attempts=task.attempt,
                            started_at=self.clock(), error="")
        try:
            with reporting_to(lambda done, total, note: self._progress(task, done, total, note)):
                result = task.func(*task.args, **task.kwargs)
        except Exception as exc:
            self._failed(task, exc)
            return
        self.records.update(task.job_id, state=JobState.FINISHED, result=as_json(result),
                            finished_at=self.clock())

    def _progress(self, task: Task, done: int, total: int | None, note: str) -> None:
        now = time.monotonic()
        if now - task.last_progress >= PROGRESS_INTERVAL or (total is not None and done >= total):
            task.last_progress = now
            self.records.update(task.job_id, progress=Progress(done, total, note))

    def _failed(self, task: Task, exc: Exception) -> None:
        log.error("in-process job %s (%s) failed (attempt %d of %d):\n%s", task.job_id,
                  task.func.__qualname__, task.attempt, task.retries + 1, traceback.format_exc())
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if task.attempt <= task.retries:
            intervals = task.retry_intervals or (0,)
            delay = intervals[min(task.attempt - 1, len(intervals) - 1)]
            self.records.update(task.job_id, state=JobState.QUEUED, error=error)
            self.submit(task, delay)
            return
        self.records.update(task.job_id, state=JobState.FAILED, error=error, finished_at=self.clock())
