"""Run the SCHEDULE: rq's CronScheduler when Redis is configured, a plain loop otherwise."""

from __future__ import annotations

import logging
import time

from server.jobs.schedule import SCHEDULE

log = logging.getLogger(__name__)


def run_scheduler(services, *, once: bool = False) -> None:
    """Block and run periodic jobs. ``once`` runs every job a single time (tests, cron)."""
    if services.jobs.queue is not None and not once:
        from rq.cron import CronScheduler

        cron = CronScheduler(connection=services.jobs.queue.connection, name="onecard")
        for job in SCHEDULE:
            cron.register(job.func, queue_name=services.settings.queue_name,
                          interval=job.every_seconds, name=job.name)
        log.info("OneCard scheduler: %d jobs on %s (database: %s)", len(SCHEDULE),
                 services.settings.queue_description, services.settings.database_url_safe)
        cron.start()
        return
    log.info("OneCard scheduler: %d jobs, %s (database: %s)", len(SCHEDULE), services.jobs.mode,
             services.settings.database_url_safe)
    next_run = {job.name: 0.0 for job in SCHEDULE}
    while True:
        for job in SCHEDULE:
            if time.monotonic() >= next_run[job.name]:
                services.jobs.enqueue(job.func)
                next_run[job.name] = time.monotonic() + job.every_seconds
        if once:
            return
        time.sleep(1)
