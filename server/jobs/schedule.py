"""Scheduled work: the one list of periodic jobs, run by `onecard scheduler` (rq cron or in-process)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from server.jobs import tasks


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    func: Callable[[], object]
    every_seconds: int


SCHEDULE: tuple[ScheduledJob, ...] = (
    ScheduledJob("purge-seen-nonces", tasks.purge_seen_nonces, every_seconds=600),
)
