"""Scheduled work: the one list of periodic jobs, run by `onecard scheduler` (rq cron or in-process)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from server.jobs import tasks
from server.membership import jobs as loyalty_jobs
from server.reports.rollups import run_rollups


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    func: Callable[[], object]
    every_seconds: int


SCHEDULE: tuple[ScheduledJob, ...] = (
    ScheduledJob("purge-seen-nonces", tasks.purge_seen_nonces, every_seconds=600),
    ScheduledJob("sequence-feed-changes", tasks.sequence_changes, every_seconds=5),
    ScheduledJob("compact-feed", tasks.compact_feed, every_seconds=24 * 3600),
    ScheduledJob("expire-holds", loyalty_jobs.run_hold_expiry, every_seconds=300),
    ScheduledJob("expire-points", loyalty_jobs.run_points_expiry, every_seconds=3600),
    ScheduledJob("review-tiers", loyalty_jobs.run_tier_review, every_seconds=24 * 3600),
    ScheduledJob("pick-for-you", tasks.pick_for_you, every_seconds=7 * 24 * 3600),
    ScheduledJob("refresh-segments", tasks.refresh_segments, every_seconds=3600),
    ScheduledJob("roll-up-reports", run_rollups, every_seconds=60),
    ScheduledJob("deliver-notices", tasks.deliver_notices, every_seconds=60),
    ScheduledJob("review-member-caches", loyalty_jobs.run_member_cache_review, every_seconds=24 * 3600),
)
