"""Bootstrap: build the server's services (settings, database, jobs, tokens, clock) in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from server.auth.tokens import TokenService
from server.clock import utcnow
from server.db import DEFAULT_POOL_SIZE, Database
from server.jobs import Jobs
from server.membership.program import LoyaltyProgram, program_from_settings
from server.settings import Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    jobs: Jobs
    tokens: TokenService
    program: LoyaltyProgram
    clock: Callable[[], datetime] = field(default=utcnow)

    @classmethod
    def build(cls, settings: Settings, clock: Callable[[], datetime] = utcnow,
              threads: int = DEFAULT_POOL_SIZE) -> Services:
        """Wire the services for a process serving ``threads`` requests or jobs at a time."""
        db = Database(settings.database_url, *settings.database_pool(threads))
        return cls(
            settings=settings,
            db=db,
            jobs=Jobs(settings.redis_url, settings.queue_name, db=db, clock=clock),
            tokens=TokenService(settings.secret_key, settings.token_ttl_seconds,
                                clock=lambda: clock().timestamp()),
            program=program_from_settings(settings),
            clock=clock,
        )

    @classmethod
    def from_environment(cls) -> Services:
        return cls.build(Settings.load())

    def after_fork(self) -> None:
        """In a forked child (a gunicorn worker): own the database connections it opens.

        Redis needs nothing: redis-py's connection pool notices the new process id and
        starts afresh in the child.
        """
        self.db.forget_inherited_connections()
