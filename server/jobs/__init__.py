"""Background work: rq when ONECARD_REDIS_URL is set, in-process otherwise (one facade for both)."""

from server.jobs.queue import JobOutcome, Jobs

__all__ = ["JobOutcome", "Jobs"]
