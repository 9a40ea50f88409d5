"""What a job is doing, by id: one view over the in-process runner's records and rq's job hashes.

The in-process runner writes a ``jobs`` row per job (any server process can read it, whichever
ran the job); a process without a database (the runner on its own) keeps the same records in
memory. With Redis, rq's own job hash is the record and progress lives in its ``meta``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from server.models import JobRecord


class JobState(StrEnum):
    QUEUED = "queued"  # waiting for a worker, or for the next attempt after a failure
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"  # every attempt failed

    @property
    def done(self) -> bool:
        return self in (JobState.FINISHED, JobState.FAILED)


@dataclass(frozen=True)
class Progress:
    done: int = 0
    total: int | None = None
    note: str = ""


@dataclass(frozen=True)
class JobView:
    """A job as a page or an API client sees it."""

    id: str
    name: str
    state: JobState
    attempts: int = 0
    progress: Progress = Progress()
    result: Any = None
    error: str = ""
    enqueued_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


def as_json(value: Any) -> Any:
    """A job's result as it can be stored and sent: JSON types, anything else as its text."""
    return json.loads(json.dumps(value, default=str))


class JobRecords(Protocol):
    """Where the in-process runner keeps its jobs' state."""

    def add(self, view: JobView) -> None: ...
    def update(self, job_id: str, **changes: Any) -> None: ...
    def get(self, job_id: str, session=None) -> JobView | None: ...


class MemoryJobRecords:
    """Job records in this process's memory: for a runner with no database to write to."""

    def __init__(self) -> None:
        self._views: dict[str, JobView] = {}
        self._lock = threading.Lock()

    def add(self, view: JobView) -> None:
        with self._lock:
            self._views[view.id] = view

    def update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            self._views[job_id] = replace(self._views[job_id], **changes)

    def get(self, job_id: str, session=None) -> JobView | None:
        with self._lock:
            return self._views.get(job_id)


class DatabaseJobRecords:
    """Job records in the ``jobs`` table, each change in a short transaction of its own."""

    def __init__(self, db) -> None:
        self.db = db

    def add(self, view: JobView) -> None:
        with self.db.session() as session:
            session.add(JobRecord(id=view.id, name=view.name[:200], state=view.state, attempts=0,
                                  progress_done=0, progress_total=None, progress_note="", result=None,
                                  error="", enqueued_at=view.enqueued_at))
            session.commit()

    def update(self, job_id: str, **changes: Any) -> None:
        progress = changes.pop("progress", None)
        if progress is not None:
            changes.update(progress_done=progress.done, progress_total=progress.total,
                           progress_note=progress.note[:200])
        with self.db.session() as session:
            record = session.get(JobRecord, job_id)
            for name, value in changes.items():
                setattr(record, name, value)
            session.commit()

    def get(self, job_id: str, session=None) -> JobView | None:
        """Read through ``session`` when the caller has one open (a request: on SQLite a second
        session of the same thread would wait for the first's lock), else in a session of its own."""
        if session is not None:
            record = session.get(JobRecord, job_id, populate_existing=True)
        else:
            with self.db.session() as own:
                record = own.get(JobRecord, job_id)
        if record is None:
            return None
        return JobView(id=record.id, name=record.name, state=JobState(record.state), attempts=record.attempts,
                       progress=Progress(record.progress_done, record.progress_total, record.progress_note),
                       result=record.result, error=record.error, enqueued_at=record.enqueued_at,
                       started_at=record.started_at, finished_at=record.finished_at)


_RQ_STATES = {"queued": JobState.QUEUED, "scheduled": JobState.QUEUED, "deferred": JobState.QUEUED,
              "started": JobState.RUNNING, "finished": JobState.FINISHED, "failed": JobState.FAILED,
              "stopped": JobState.FAILED, "canceled": JobState.FAILED}


def rq_view(job) -> JobView:
    """An rq job (fetched from Redis) as a JobView; attempts count from the retries rq has left."""
    state = _RQ_STATES.get(job.get_status(refresh=False) or "queued", JobState.QUEUED)
    progress = job.meta.get("progress") or {}
    retries = job.meta.get("retries", 0)
    used = retries - (job.retries_left or 0) if retries else 0
    attempts = used + (1 if state in (JobState.RUNNING, JobState.FINISHED, JobState.FAILED) else 0)
    error = ""
    if state is JobState.FAILED:
        latest = job.latest_result()
        error = (latest.exc_string or "") if latest is not None else ""
    return JobView(id=job.id, name=job.meta.get("name", job.func_name), state=state, attempts=attempts,
                   progress=Progress(progress.get("done", 0), progress.get("total"), progress.get("note", "")),
                   result=as_json(job.return_value()) if state is JobState.FINISHED else None,
                   error=error.strip().splitlines()[-1] if error.strip() else "",
                   enqueued_at=_aware(job.enqueued_at), started_at=_aware(job.started_at),
                   finished_at=_aware(job.ended_at))


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment
