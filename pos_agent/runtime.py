"""Wiring the agent together (one ``Agent.build``) and its background loops: sync, health probe, heartbeat."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pos_agent import __version__
from pos_agent.checkout.cashiers import DEFAULT_IDLE_LOCK, DEFAULT_REFUND_LIMIT_MINOR, Cashiers
from pos_agent.checkout.reference import ReferenceData
from pos_agent.checkout.returns import Returns
from pos_agent.checkout.service import CheckoutService, Till
from pos_agent.checkout.shifts import Shifts
from pos_agent.exceptions import LinkDown, ServerBusy
from pos_agent.store import cache, journal
from pos_agent.store.database import Database
from pos_agent.sync.backoff import Backoff
from pos_agent.sync.feed_puller import FeedPuller
from pos_agent.sync.journal_sender import DEFAULT_RETENTION, JournalSender
from pos_agent.sync.mode import LinkMode
from pos_agent.sync.poll_schedule import IDLE_CAP, PollSchedule
from store_sync.exceptions import FeedOrderError

log = logging.getLogger(__name__)

NO_DEVICES = {"scanner": "not configured", "card_reader": "not configured", "printer": "not configured"}


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Timing:
    sync_interval: float = 1.0  # after a sync round that received or sent something, +-jitter
    # Idle rounds in a row double the pause up to this many sync intervals (pos_agent.sync.poll_schedule).
    idle_cap_factor: float = IDLE_CAP
    probe_interval: float = 0.25  # the first health probe once offline; later ones back off to backoff_cap
    backoff_base: float = 0.2
    backoff_cap: float = 30.0
    jitter: float = 0.2  # each poll interval is drawn from (1 - jitter, 1 + jitter) times its value
    journal_retention: timedelta = DEFAULT_RETENTION  # acknowledged journal items are then deleted
    heartbeat_interval: float = 30.0  # how often the till tells the server it is alive


REVOKED_STATE = "credential_revoked"  # the server's reason, kept so a restart stays revoked


class Agent:
    """One terminal's agent: database, link, checkout, and the threads that keep it in sync."""

    def __init__(self, db: Database, link, till: Till, clock: Callable[[], datetime] = utcnow,
                 timing: Timing | None = None, refund_limit_minor: int = DEFAULT_REFUND_LIMIT_MINOR,
                 idle_lock: timedelta | None = DEFAULT_IDLE_LOCK) -> None:
        self.db, self.link, self.till, self.clock = db, link, till, clock
        self.timing = timing or Timing()
        self.mode = LinkMode(clock)
        self._recall_revocation()
        self.ref = ReferenceData(db, till.store)
        self.puller = FeedPuller(db, link, clock)
        self.sender = JournalSender(db, link, till.store, till.terminal, clock,
                                    retention=self.timing.journal_retention)
        self.backoff = Backoff(self.timing.backoff_base, self.timing.backoff_cap)
        self._rng = random.Random()
        self.polls = PollSchedule(self.timing.sync_interval, self.timing.sync_interval * self.timing.idle_cap_factor,
                                  self.timing.jitter, self._rng)
        self._wake, self._stop = threading.Event(), threading.Event()
        self.cashiers = Cashiers(db, till.store, till.terminal, clock, self._wake.set, refund_limit_minor, idle_lock)
        self.checkout = CheckoutService(db, self.ref, link, self.mode, till, clock, on_journal=self._wake.set,
                                        cashiers=self.cashiers)
        self.returns = Returns(db, self.ref, clock, self._wake.set, link, till, self.mode)
        self.returns.cashiers = self.cashiers
        self.shifts = Shifts(db, self.cashiers, self.ref, clock)
        self._threads: list[threading.Thread] = []
        self.last_sync_error: str | None = None
        self.devices = None  # a DeviceManager, once ``use_devices`` wired one

    def use_devices(self, manager) -> None:
        """Feed device events to the checkout and print sales, refunds, no-sales and reports through ``manager``."""
        self.devices = manager
        self.checkout.on_complete = manager.sale_completed
        self.returns.on_complete = manager.refund_completed
        self.shifts.on_print = manager.slip

    @classmethod
    def open(cls, data_dir: str | Path, link, till: Till, **kwargs) -> Agent:
        path = Path(data_dir) / f"agent-{till.store}-{till.terminal}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(Database(path), link, till, **kwargs)

    def sync_once(self) -> bool:
        """Pull the feed and push the journal once; returns whether a change arrived or a journal
        item was sent. Raises LinkDown when the server is away."""
        received = self.puller.received
        self.puller.pull()
        sent = self.sender.drain().sent
        return sent > 0 or self.puller.received > received

    def start(self) -> None:
        for target in (self._sync_loop, self._probe_loop, self._heartbeat_loop):
            thread = threading.Thread(target=target, name=f"agent-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)
        if self.devices is not None:
            self.devices.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loops and the devices, waiting at most ``timeout`` in all for their threads.

        The database is closed last, once a transaction in progress on it has ended.
        """
        deadline = time.monotonic() + timeout
        self._stop.set()  # the loops wind down while the devices stop
        self._wake.set()
        if self.devices is not None:
            self.devices.stop(max(0.0, deadline - time.monotonic()))
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.db.close()

    def status(self) -> dict:
        with self.db.reading() as conn:
            counts = journal.counts(conn)
        caught_up = self.ref.caught_up_at()
        age = None if caught_up is None else int((self.clock() - caught_up).total_seconds())
        return {"store": self.till.store, "terminal": self.till.terminal, **self.mode.as_dict(),
                "journal": counts, "data_as_of": caught_up.isoformat() if caught_up else None,
                "data_age_seconds": age, "last_sync_error": self.last_sync_error,
                "devices": self.devices.summary() if self.devices else NO_DEVICES,
                "device_health": self.devices.snapshot() if self.devices else None}

    def _sync_loop(self) -> None:
        while not self._stop.is_set():
            delay = self.sync_round()
            self._wake.wait(delay)
            self._wake.clear()

    def sync_round(self) -> float:
        """One sync attempt that also sets the link mode; returns the pause before the next.

        After a failure the pause is the backoff's; after a success it is the poll schedule's: the
        sync interval when the round received or sent something or followed a failure, longer and
        longer while rounds find nothing (a sale wakes the loop at once, whatever the pause).
        """
        ticket = self.mode.ticket()
        try:
            busy = self.sync_once()
        except LinkDown as exc:
            return self._failed(str(exc), exc)
        except FeedOrderError as exc:  # a broken page: never apply it, ask again later
            log.error("feed page refused: %s", exc)
            return self._failed(str(exc))
        except Exception as exc:  # the loop must outlive any one bad answer; it is logged, then retried
            log.exception("sync round failed")
            return self._failed(f"{exc.__class__.__name__}: {exc}")
        self.last_sync_error = None
        self.backoff.reset()
        self.mode.went_online(ticket)
        return self.polls.after(busy)

    def _failed(self, reason: str, error: LinkDown | None = None) -> float:
        self.last_sync_error = reason
        self.polls.reset()  # the first round that succeeds again comes back to the sync interval
        if error is not None:
            self.mode.failed(error)
        else:
            self.mode.went_offline(reason)
        delay = self.backoff.next_delay()
        if isinstance(error, ServerBusy) and error.retry_after:
            return max(delay, error.retry_after)
        return delay

    def _jittered(self, interval: float) -> float:
        """Spread polls, so tills started together (a store's power cut) do not keep calling together."""
        return interval * self._rng.uniform(1 - self.timing.jitter, 1 + self.timing.jitter)

    def _probe_loop(self) -> None:
        # The health check is unsigned, so it cannot end a revocation: only a sync round can. An
        # offline till probes at probe_interval at first, then ever less often (with jitter, so a
        # chain's tills that lost the server together do not return in one wave).
        probes = Backoff(self.timing.probe_interval, self.timing.backoff_cap)
        delay = self.timing.probe_interval
        while not self._stop.wait(delay):
            if self.mode.online or self.mode.revoked:
                probes.reset()
                delay = self.timing.probe_interval
            elif self.link.health():
                self.back_online()
                probes.reset()
                delay = self.timing.probe_interval
            else:
                delay = probes.next_delay()

    def back_online(self) -> None:
        """The health probe found the server again: online, and a sync round at once, then often."""
        log.info("server answers again: back online")
        self.mode.went_online()
        self.backoff.reset()
        self.polls.reset()
        self._wake.set()

    def heartbeat(self) -> None:
        """Tell the server this till is alive (its last contact in sync health, even with no feed read)."""
        try:
            self.link.heartbeat(self.till.store, self.till.terminal, __version__)
        except LinkDown as exc:  # offline (or revoked) like any failed call; the probe brings it back
            self.mode.failed(exc)
            log.debug("heartbeat not delivered: %s", exc)

    def _heartbeat_loop(self) -> None:
        self.heartbeat()
        while not self._stop.wait(self._jittered(self.timing.heartbeat_interval)):
            self.heartbeat()

    def _recall_revocation(self) -> None:
        with self.db.reading() as conn:
            reason = cache.get_state(conn, REVOKED_STATE)
        if reason:
            self.mode.went_revoked(reason)
        self.mode.on_revoked = self._remember_revocation

    def _remember_revocation(self, reason: str | None) -> None:
        with self.db.transaction() as conn:
            cache.set_state(conn, REVOKED_STATE, reason or "")
