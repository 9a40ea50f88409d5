"""Run the SCHEDULE: rq's CronScheduler when Redis is configured, a plain loop otherwise."""

from __future__ import annotations

import logging
import time

from server.jobs.schedule import SCHEDULE
from server.jobs.status import JobView

log = logging.getLogger(__name__)


def run_scheduler(services, *, once: bool = False) -> list[JobView]:
    """Block and run periodic jobs. ``once`` queues every job a single time, waits for them all
    and returns how each ended (tests, cron)."""
    if services.jobs.queue is not None and not once:
        from rq.cron import CronScheduler

        cron = CronScheduler(connection=services.jobs.queue.connection, name="onecard")
        for job in SCHEDULE:
            cron.register(job.func, queue_name=services.settings.queue_name,
                          interval=job.every_seconds, name=job.name)
        log.info("OneCard scheduler: %d jobs on %s (database: %s)", len(SCHEDULE),
                 services.settings.queue_description, services.settings.database_url_safe)
        cron.start()
        return []
    log.info("OneCard scheduler: %d jobs, %s (database: %s)", len(SCHEDULE), services.jobs.mode,
             services.settings.database_url_safe)
    next_run = {job.name: 0.0 for job in SCHEDULE}
    last: dict[str, str] = {}
    while not once:
        for job in SCHEDULE:
            # A job still queued or running from its last turn is not queued again behind itself.
            if time.monotonic() >= next_run[job.name] and not _pending(services.jobs, last.get(job.name)):
                last[job.name] = services.jobs.enqueue(job.func).id
                next_run[job.name] = time.monotonic() + job.every_seconds
        time.sleep(1)
    queued = [services.jobs.enqueue(job.func) for job in SCHEDULE]
    return [services.jobs.wait(view.id, timeout=300) for view in queued]


def _pending(jobs, job_id: str | None) -> bool:
    return job_id is not None and not jobs.status(job_id).state.done
