"""How a running job says how far it has got, wherever it runs (in-process runner or rq worker)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Reporter = Callable[[int, "int | None", str], None]

_reporter: ContextVar[Reporter | None] = ContextVar("onecard_job_progress", default=None)


@contextmanager
def reporting_to(reporter: Reporter) -> Iterator[None]:
    """Send the progress of the job run inside this block to ``reporter`` (the in-process runner)."""
    token = _reporter.set(reporter)
    try:
        yield
    finally:
        _reporter.reset(token)


def report_progress(done: int, total: int | None = None, note: str = "") -> None:
    """Record that the current job has done ``done`` of ``total`` units (a page shows it).

    Outside a job (a function called directly) this does nothing. Call it between transactions,
    not inside one: the in-process runner writes the figure in a transaction of its own, and on
    SQLite that would wait for the job's open transaction to end.
    """
    reporter = _reporter.get()
    if reporter is not None:
        reporter(done, total, note)
        return
    from rq import get_current_job

    job = get_current_job()
    if job is not None:
        job.meta["progress"] = {"done": done, "total": total, "note": note}
        job.save_meta()
