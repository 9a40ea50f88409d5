"""Request counts per bucket (such as one client address) in fixed windows, shared by every worker.

With Redis, one ``INCR`` per request on a key that expires with its window. Without Redis, a row of
``request_counts`` per bucket and window, raised by one upsert (``INSERT .. ON CONFLICT DO UPDATE
.. RETURNING``) committed in its own transaction, so concurrent workers never lose a count; windows
that ended are deleted as new ones start. A request refused for being over the limit still counts:
a client that keeps knocking stays refused until the window ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from redis import Redis
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from server.exceptions import TooManyAttempts
from server.models import RequestCount


class HitCounter(Protocol):
    def hit(self, bucket: str, window_start: datetime, window: timedelta) -> int:
        """Count one request in ``bucket``'s window starting at ``window_start``; the window's count so far."""


class DatabaseCounter:
    """Counts as rows, for a deployment without Redis."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def hit(self, bucket: str, window_start: datetime, window: timedelta) -> int:
        with self._sessions() as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            stmt = insert(RequestCount).values(bucket=bucket, window_start=window_start, hits=1)
            stmt = stmt.on_conflict_do_update(index_elements=["bucket", "window_start"],
                                              set_={"hits": RequestCount.hits + 1}).returning(RequestCount.hits)
            hits = session.execute(stmt).scalar_one()
            session.execute(delete(RequestCount).where(RequestCount.window_start < window_start - window))
            session.commit()
        return hits


class RedisCounter:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis, self._prefix = redis, f"{prefix}:hits"

    def hit(self, bucket: str, window_start: datetime, window: timedelta) -> int:
        key = f"{self._prefix}:{bucket}:{int(window_start.timestamp())}"
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, int(window.total_seconds()) + 60)
        hits, _ = pipe.execute()
        return int(hits)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` requests per bucket in each fixed ``window`` (windows counted from the epoch)."""

    name: str
    limit: int
    window: timedelta

    def window_start(self, now: datetime) -> datetime:
        return _EPOCH + (now - _EPOCH) // self.window * self.window

    def check(self, counter: HitCounter, key: str, now: datetime, refusal: str) -> None:
        """Count this request for ``key``.

        Raises:
            TooManyAttempts: with ``refusal`` as its detail and the seconds until the window ends.
        """
        start = self.window_start(now)
        if counter.hit(f"{self.name}:{key}", start, self.window) > self.limit:
            wait = math.ceil((start + self.window - now).total_seconds())
            raise TooManyAttempts(refusal, retry_after=max(wait, 1))
