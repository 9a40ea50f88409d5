"""Bootstrap: build the server's services (settings, database, jobs, tokens, clock) in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from server.admission import JournalSlots
from server.auth.rate_limit import DatabaseCounter, HitCounter, RedisCounter
from server.auth.replay import DatabaseNonces, RedisNonces, ReplayGuard
from server.auth.terminal_auth import (
    TERMINALS_CHANGED,
    MemoryGeneration,
    RedisGeneration,
    TerminalDirectory,
)
from server.auth.tokens import TokenService
from server.clock import utcnow
from server.db import DEFAULT_POOL_SIZE, Database, on_commit
from server.jobs import Jobs
from server.membership.program import LoyaltyProgram
from server.membership.programme_versions import ProgrammeBook
from server.messaging.notices import NOTICES_RECORDED
from server.settings import Settings
from server.shared import namespace, redis_client
from server.sync.page_cache import FeedPages, MemoryPages, RedisPages
from server.sync.positions import PositionBuffer
from server.sync.recorder import FEED_CHANGED, FEED_REWRITTEN
from server.sync.watermarks import MemoryWatermarks, RedisWatermarks, Watermarks


@dataclass
class Services:
    settings: Settings
    db: Database
    reports_db: Database  # the read replica reports read from; ``db`` itself when none is configured
    jobs: Jobs
    tokens: TokenService
    programmes: ProgrammeBook
    terminals: TerminalDirectory
    nonces: ReplayGuard
    watermarks: Watermarks
    feed_pages: FeedPages  # full feed pages kept for a store's other tills (server.sync.page_cache)
    positions: PositionBuffer
    counters: HitCounter  # request counts for rate limits, shared by every worker
    clock: Callable[[], datetime] = field(default=utcnow)
    # Journal batches applied at once by this process (``onecard server`` sets it); None: no limit.
    journal_slots: JournalSlots | None = None

    @classmethod
    def build(cls, settings: Settings, clock: Callable[[], datetime] = utcnow,
              threads: int = DEFAULT_POOL_SIZE) -> Services:
        """Wire the services for a process serving ``threads`` requests or jobs at a time."""
        db = Database(settings.database_url, *settings.database_pool(threads))
        reports_db = (Database(settings.reports_url, *settings.database_pool(threads))
                      if settings.reports_url != settings.database_url else db)
        redis = redis_client(settings.redis_url) if settings.redis_url else None
        prefix = namespace(settings.queue_name, settings.database_url)
        generation = RedisGeneration(redis, prefix) if redis else MemoryGeneration()
        terminals = TerminalDirectory(db.sessions, generation)
        on_commit(db.engine, TERMINALS_CHANGED, generation.bump)
        watermarks = RedisWatermarks(redis, prefix) if redis else MemoryWatermarks()
        on_commit(db.engine, FEED_CHANGED, watermarks.signal)
        feed_pages = RedisPages(redis, prefix) if redis else MemoryPages()
        on_commit(db.engine, FEED_REWRITTEN, feed_pages.clear)
        jobs = Jobs(settings.redis_url, settings.queue_name, db=db, clock=clock)
        on_commit(db.engine, NOTICES_RECORDED, lambda: _send_notices(jobs))
        return cls(
            settings=settings,
            db=db,
            reports_db=reports_db,
            jobs=jobs,
            tokens=TokenService(settings.secret_key, settings.token_ttl_seconds,
                                clock=lambda: clock().timestamp()),
            programmes=ProgrammeBook(db.engine, settings, clock),
            terminals=terminals,
            watermarks=watermarks,
            feed_pages=feed_pages,
            positions=PositionBuffer(db.sessions),
            nonces=(RedisNonces(redis, prefix, settings.signature_window_seconds) if redis
                    else DatabaseNonces(db.sessions)),
            counters=RedisCounter(redis, prefix) if redis else DatabaseCounter(db.sessions),
            clock=clock,
        )

    @property
    def program(self) -> LoyaltyProgram:
        """The programme version in force now (with every version, for sales made under another)."""
        return self.programmes.current()

    @classmethod
    def from_environment(cls) -> Services:
        return cls.build(Settings.load())

    def after_fork(self) -> None:
        """In a forked child (a gunicorn worker): own the database connections it opens.

        Redis needs nothing: redis-py's connection pool notices the new process id and
        starts afresh in the child.
        """
        self.db.forget_inherited_connections()
        if self.reports_db is not self.db:
            self.reports_db.forget_inherited_connections()

    def dispose(self) -> None:
        """Close the pooled connections of the database and of the reports' replica."""
        self.db.dispose()
        if self.reports_db is not self.db:
            self.reports_db.dispose()


def _send_notices(jobs: Jobs) -> None:
    from server.jobs.tasks import deliver_notices  # the job module imports most of the server

    jobs.enqueue(deliver_notices)
