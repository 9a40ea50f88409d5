"""Background work: rq when ONECARD_REDIS_URL is set, a worker thread in-process otherwise (one facade)."""

from server.jobs.progress import report_progress
from server.jobs.queue import JobNotFound, Jobs, JobTimeout
from server.jobs.status import JobState, JobView, Progress

__all__ = ["JobNotFound", "JobState", "JobTimeout", "JobView", "Jobs", "Progress", "report_progress"]
