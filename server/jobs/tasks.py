"""Job functions. They take plain arguments and find the server's services themselves,
because an rq worker calls them in another process."""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from functools import partial

from sqlalchemy import delete

from server.ids import new_id
from server.jobs.context import job_services
from server.messaging.channels import sender_for
from server.messaging.exceptions import MessageNotSent
from server.messaging.outbox import Outbox, plan_notices, send_due
from server.messaging.rate import send_rate
from server.models import TerminalNonce
from server.pricing import for_you
from server.pricing.bundle_mining import mine_bundles
from server.pricing.segments import refresh_all
from server.sync import sequence_pending
from server.sync.compaction import compact_member_changes

log = logging.getLogger(__name__)


def purge_seen_nonces() -> int:
    """Forget terminal nonces older than twice the freshness window: they can no longer be replayed."""
    services = job_services()
    cutoff = services.clock() - timedelta(seconds=2 * services.settings.signature_window_seconds)
    with services.db.session() as session:
        deleted = session.execute(delete(TerminalNonce).where(TerminalNonce.seen_at < cutoff))
        session.commit()
    log.info("purged %d expired terminal nonces", deleted.rowcount)
    return deleted.rowcount


def sequence_changes() -> int:
    """Number committed feed changes, so the feed moves on even while no terminal is reading."""
    numbered = sequence_pending(job_services().db.engine)
    if numbered:
        log.info("sequenced %d feed changes", numbered)
    return numbered


def compact_feed() -> dict[str, int]:
    """Delete member snapshots on the feed that newer ones superseded, once past the grace period."""
    services = job_services()
    before = services.clock() - timedelta(days=services.settings.feed_compact_after_days)
    done = compact_member_changes(services.db.engine, before)
    log.info("feed compaction: %d superseded member changes deleted of %d looked at, in %d transactions",
             done.deleted, done.scanned, done.chunks)
    return {"deleted": done.deleted, "scanned": done.scanned}


def refresh_segments() -> dict[str, int]:
    """Re-evaluate every rule segment, so targeting and audience sizes follow members' behaviour."""
    services = job_services()
    sizes = refresh_all(services.db.session, services.program, services.clock())
    log.info("refreshed %d segments", len(sizes))
    return sizes


def mine_bundle_suggestions(weeks: int, min_together: int, limit: int, discount_bp: int) -> dict:
    """Rank the pairs profiled members bought together over the last ``weeks`` (server.pricing.bundle_mining)."""
    services = job_services()
    return mine_bundles(services.db.session, services.clock(), weeks, min_together=min_together, limit=limit,
                        discount_bp=discount_bp)


class NoticesNotSent(MessageNotSent):
    """Some notices were refused by the mail server or gateway; they are due again later."""


def deliver_notices(limit: int | None = None) -> dict:
    """Plan the notices of newly published promotions, then send every due message in the outbox.

    Safe to run any number of times, on any number of workers at once (server.messaging.outbox).
    Raises NoticesNotSent when a server refused messages, so the job's retries come back for them.
    """
    services = job_services()
    planned = plan_notices(services.db.sessions, services.settings, services.clock())
    outbox = Outbox(services.db.sessions, services.settings, services.clock,
                    partial(sender_for, settings=services.settings), send_rate(services.settings))
    worker = f"{socket.gethostname()}:{os.getpid()}:{new_id().hex[-8:]}"[:64]
    counts = send_due(outbox, worker, limit)
    log.info("notices: %d planned, %d sent, %d skipped, %d deferred to after quiet hours, %d refused, %d lost",
             planned, counts.sent, counts.skipped, counts.deferred, counts.refused, counts.lost)
    if counts.refused:
        raise NoticesNotSent(f"{counts.refused} notices were refused and wait for a later try: {counts.errors[0]}")
    return {"planned": planned, "sent": counts.sent, "skipped": counts.skipped, "deferred": counts.deferred,
            "lost": counts.lost}


def pick_for_you(weeks: int = for_you.WEEKS, recent_weeks: int = for_you.RECENT_WEEKS,
                 min_together: int = for_you.MIN_TOGETHER, min_before: int = for_you.MIN_BEFORE,
                 limit: int = for_you.PICKS_PER_MEMBER) -> dict:
    """Pick products for each profiled member from their own history (server.pricing.for_you)."""
    services = job_services()
    return for_you.compute_for_you(services.db.session, services.clock(), weeks, recent_weeks=recent_weeks,
                           min_together=min_together, min_before=min_before, limit=limit)
