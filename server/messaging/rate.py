"""The send rate of notices: at most ``ONECARD_NOTICE_RATE`` messages a second, all workers together.

With Redis every worker counts its sends in one key per wall-clock second (INCR, expiring after
two seconds); a worker whose count for this second is over the rate waits for the next second.
That holds the whole deployment to the rate in every calendar second (two adjacent seconds may
each use their full share). Without Redis, jobs run on the one in-process worker thread of each
server process, and each process spaces its own sends 1/rate seconds apart. It uses the real
clock, not the business clock: it paces wall-clock traffic to the mail server.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from redis import Redis


class SendRate(Protocol):
    def acquire(self) -> None:
        """Block until one more message may go out."""


class RedisSendRate:
    def __init__(self, redis: Redis, prefix: str, per_second: int) -> None:
        self.redis, self.key, self.per_second = redis, f"{prefix}:notice-rate", per_second

    def acquire(self) -> None:
        while True:
            second = int(time.time())
            key = f"{self.key}:{second}"
            with self.redis.pipeline() as pipe:
                count, _ = pipe.incr(key).expire(key, 2).execute()
            if count <= self.per_second:
                return
            time.sleep(max(0.0, second + 1 - time.time()) + 0.001)


class LocalSendRate:
    def __init__(self, per_second: int) -> None:
        self.interval = 1.0 / per_second
        self._lock = threading.Lock()
        self._next = 0.0

    def acquire(self) -> None:
        with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + self.interval
        if wait > 0:
            time.sleep(wait)


_local: dict[int, LocalSendRate] = {}
_local_lock = threading.Lock()


def send_rate(settings) -> SendRate:
    """The deployment's shared rate with Redis; this process's own (one per rate) without."""
    from server.shared import namespace, redis_client

    if settings.redis_url:
        return RedisSendRate(redis_client(settings.redis_url), namespace(settings.queue_name, settings.database_url),
                             settings.notice_rate)
    with _local_lock:
        return _local.setdefault(settings.notice_rate, LocalSendRate(settings.notice_rate))
