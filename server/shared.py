"""State shared by all of a server's workers without the database: Redis, or memory they share.

With ``ONECARD_REDIS_URL`` every process of the deployment (server workers on any host, rq
workers, the CLI) reads and writes the same Redis keys, under a namespace per deployment (queue
name and database). Without Redis, ``SlotMemory`` is shared by the processes forked from the one
that made it: the gunicorn master builds the services before it forks its workers, so all workers
of one `onecard server` see the same slots; other processes (the CLI, a scheduler) do not.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import zlib

from redis import Redis


def namespace(queue_name: str, database_url: str) -> str:
    """Redis key prefix for one deployment: its queue name and (a digest of) its database."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:12]
    return f"onecard:{queue_name}:{digest}"


def redis_client(redis_url: str) -> Redis:
    return Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)


class SlotMemory:
    """Fixed integer slots in shared memory, each read and written under one inter-process lock."""

    def __init__(self, size: int) -> None:
        self._slots = multiprocessing.RawArray("q", size)
        self._lock = multiprocessing.Lock()
        self.size = size

    def __enter__(self):
        self._lock.acquire()
        return self._slots

    def __exit__(self, *_exc) -> None:
        self._lock.release()


def bucket(key: str, buckets: int) -> int:
    """A stable bucket for ``key`` (the same in every process, unlike ``hash``)."""
    return zlib.crc32(key.encode()) % buckets
