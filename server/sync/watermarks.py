"""The feed's head and each store's latest change, kept outside the database for idle tills.

A till polling at the head asks "anything after my cursor?" every few seconds; answering from
here costs no database work. Kept: ``head`` (a sequenced watermark: every seq up to it is
committed and visible, or was compacted away as superseded), ``all`` (the highest seq of a change
for every store) and one marker per store (the highest seq of a change for that store). Markers
only go up and are published before the head they cover, so whenever a reader sees head H, every
change with seq <= H is counted in its store's marker (a change compacted away before it was
counted has a later superseder, for the same store or for every store, that is): if neither the
store's marker nor ``all`` is past the cursor, the store has nothing in (cursor, H] and the answer
"nothing new, continue from H" skips no change.

A marker may be too high (without Redis, stores share a marker when their codes fall in the same
bucket): the reader then reads the database, which is only slower. The head may lag the database
(a change sequenced by another process and not yet published): the till hears of it at the next
refresh. A refresh runs when a writer signalled new changes (after its commit) or when the last
one is ``REFRESH_SECONDS`` old, whichever first, in one process of the deployment at a time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from redis import Redis

from server.shared import SlotMemory, bucket

REFRESH_SECONDS = 1.0
ALL = None  # the marker key for changes addressed to every store


@dataclass(frozen=True)
class Marks:
    head: int
    store: int  # the highest seq of a change this store sees (its own or every store's)
    due: bool  # this caller won the refresh: it should read the database and publish


class Watermarks(Protocol):
    def read(self, store_code: str) -> Marks: ...

    def publish(self, markers: dict[str | None, int], head: int) -> None: ...

    def signal(self) -> None: ...

    def forget(self) -> None: ...


class MemoryWatermarks:
    """In memory shared by one server's workers; store markers in ``buckets`` shared buckets."""

    HEAD, ALL_STORES, DIRTY, REFRESHED_MS, FIRST = 0, 1, 2, 3, 4

    def __init__(self, buckets: int = 4096, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self._memory = SlotMemory(self.FIRST + buckets)
        self._buckets, self._refresh_ms = buckets, int(refresh_seconds * 1000)

    def _slot(self, store_code: str) -> int:
        return self.FIRST + bucket(store_code, self._buckets)

    def read(self, store_code: str) -> Marks:
        now = int(time.monotonic() * 1000)
        with self._memory as slots:
            due = bool(slots[self.DIRTY]) or now - slots[self.REFRESHED_MS] >= self._refresh_ms
            if due:
                slots[self.DIRTY], slots[self.REFRESHED_MS] = 0, now
            return Marks(slots[self.HEAD], max(slots[self.ALL_STORES], slots[self._slot(store_code)]), due)

    def publish(self, markers: dict[str | None, int], head: int) -> None:
        with self._memory as slots:
            for store_code, seq in markers.items():
                slot = self.ALL_STORES if store_code is ALL else self._slot(store_code)
                slots[slot] = max(slots[slot], seq)
            slots[self.HEAD] = max(slots[self.HEAD], head)

    def signal(self) -> None:
        with self._memory as slots:
            slots[self.DIRTY] = 1

    def forget(self) -> None:
        with self._memory as slots:
            for i in range(self._memory.size):
                slots[i] = 0
            slots[self.DIRTY] = 1


# Markers before the head, in one atomic step; each only ever goes up.
_PUBLISH = """
for i = 1, #ARGV, 2 do
  local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
  if tonumber(ARGV[i + 1]) > current then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1
"""


class RedisWatermarks:
    """In Redis, shared by every process of the deployment; one exact marker per store."""

    def __init__(self, redis: Redis, prefix: str, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self._redis = redis
        self._marks, self._dirty, self._lease = f"{prefix}:feed:marks", f"{prefix}:feed:dirty", f"{prefix}:feed:lease"
        self._refresh_ms = int(refresh_seconds * 1000)
        self._publish = redis.register_script(_PUBLISH)

    def read(self, store_code: str) -> Marks:
        pipe = self._redis.pipeline(transaction=False)
        pipe.hmget(self._marks, "head", "all", f"s:{store_code}")
        pipe.getdel(self._dirty)
        pipe.set(self._lease, 1, nx=True, px=self._refresh_ms)
        (head, every, own), dirty, leased = pipe.execute()
        return Marks(int(head or 0), max(int(every or 0), int(own or 0)), bool(dirty) or bool(leased))

    def publish(self, markers: dict[str | None, int], head: int) -> None:
        args: list[str | int] = []
        for store_code, seq in markers.items():
            args += ["all" if store_code is ALL else f"s:{store_code}", seq]
        self._publish(keys=[self._marks], args=[*args, "head", head])

    def signal(self) -> None:
        self._redis.set(self._dirty, 1)

    def forget(self) -> None:
        self._redis.delete(self._marks)
        self.signal()
