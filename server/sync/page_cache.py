"""Full feed pages kept for a store's other tills, so each page is read from the database once.

The tills of a store follow the same feed from the same cursors in the same page size, so after
a publish they ask for the same pages one after another. A page is kept by (store, cursor, limit)
only when it is *full* (``has_more`` true) and served to the next till that asks for the same key.

Why a kept full page stays right:

- Its rows are the store's first ``limit`` changes after ``cursor``, and more follow. The
  sequencer (server.sync.sequencer) numbers only committed rows, after the highest seq already
  given, so no row can later appear with a seq between ``cursor`` and the page's last: the page
  can never gain a row. A page that is not full can: its ``next_cursor`` is the head when it was
  read, and the same request later finds the changes published since, so it is never kept.
- Compaction (server.sync.compaction) may later delete rows the kept page holds. Such a row was
  superseded by a later change its store sees, which a till reading the kept page reads after it;
  it ends where a till that read the page before the compaction ends (the case compaction's own
  argument covers). Every row still in (cursor, last] is in the kept page, so none is skipped.
- A store's withdrawals, an erasure's tombstone and new snapshots are new changes with higher
  seqs: they come after every kept page. The snapshot endpoint is never kept here.
- A page depends only on (store, cursor, limit): which stores a terminal may read is checked
  before the cache is asked, on every request.
- Only two things rewrite the log below the head, and both clear the cache: an erasure, which
  replaces the member's past changes (server.membership.erasure raises ``FEED_REWRITTEN``), and a
  restored or emptied database, which the watermarks notice at their next refresh (until then a
  kept page may be served, as an idle answer from the old head may). Clearing moves
  to a new generation: a page read from the database before the clear and stored after it is
  stored under the old generation and never served.

Kept in Redis when the server has Redis (shared by every process, each page expiring after
``PAGE_SECONDS``), else in each process (``MemoryPages``: at most ``MEMORY_BYTES`` of compressed
pages, each at most ``PAGE_SECONDS`` old; the generation is shared by the workers forked from one
``onecard server``, and a process that shares neither, such as the CLI without Redis, cannot clear
the workers' pages: they then expire within ``PAGE_SECONDS``). Pages are kept zlib-compressed: the
JSON of a page of similar changes shrinks about tenfold.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from redis import Redis

from server.shared import SlotMemory

PAGE_SECONDS = 120  # a store's tills ask for a page within seconds of one another, a late one within minutes
MEMORY_BYTES = 32 * 1024 * 1024  # compressed pages per process without Redis


@dataclass(frozen=True)
class KeptPage:
    """A page's JSON text as GET /sync/changes answers it, and the cursor it ends at."""

    next_cursor: int
    text: str


@dataclass(frozen=True)
class Lookup:
    """What the cache held for a key, and the generation to store a page read now under."""

    generation: int
    page: KeptPage | None


class FeedPages(Protocol):
    def get(self, store_code: str, cursor: int, limit: int) -> Lookup: ...

    def put(self, lookup: Lookup, store_code: str, cursor: int, limit: int, page: KeptPage) -> None: ...

    def clear(self) -> None: ...


def _pack(page: KeptPage) -> bytes:
    return zlib.compress(f"{page.next_cursor}\n{page.text}".encode(), 1)


def _unpack(blob: bytes) -> KeptPage:
    head, text = zlib.decompress(blob).decode().split("\n", 1)
    return KeptPage(int(head), text)


# The generation and the page kept under it, in one round trip.
_GET = """
local generation = redis.call('GET', KEYS[1]) or '0'
return {generation, redis.call('GET', KEYS[2] .. generation .. ':' .. ARGV[1])}
"""


class RedisPages:
    """In Redis, shared by every process of the deployment."""

    def __init__(self, redis: Redis, prefix: str, seconds: int = PAGE_SECONDS) -> None:
        self._redis, self._seconds = redis, seconds
        self._generation, self._pages = f"{prefix}:feed:pages:generation", f"{prefix}:feed:pages:"
        self._get = redis.register_script(_GET)

    def get(self, store_code: str, cursor: int, limit: int) -> Lookup:
        generation, blob = self._get(keys=[self._generation, self._pages], args=[_key(store_code, cursor, limit)])
        return Lookup(int(generation), _unpack(blob) if blob else None)

    def put(self, lookup: Lookup, store_code: str, cursor: int, limit: int, page: KeptPage) -> None:
        key = f"{self._pages}{lookup.generation}:{_key(store_code, cursor, limit)}"
        self._redis.set(key, _pack(page), ex=self._seconds)

    def clear(self) -> None:
        self._redis.incr(self._generation)  # the old generation's pages expire by themselves


class MemoryPages:
    """In this process, least recently used first out; the generation shared by forked workers."""

    def __init__(self, max_bytes: int = MEMORY_BYTES, seconds: float = PAGE_SECONDS) -> None:
        self._generation = SlotMemory(1)
        self._pages: OrderedDict[tuple, tuple[float, bytes]] = OrderedDict()
        self._bytes, self._max_bytes, self._seconds = 0, max_bytes, seconds
        self._lock = threading.Lock()

    def get(self, store_code: str, cursor: int, limit: int) -> Lookup:
        with self._generation as slots:
            generation = slots[0]
        key, now = (generation, store_code, cursor, limit), time.monotonic()
        with self._lock:
            kept = self._pages.get(key)
            if kept is not None and now - kept[0] < self._seconds:
                self._pages.move_to_end(key)
                return Lookup(generation, _unpack(kept[1]))
        return Lookup(generation, None)

    def put(self, lookup: Lookup, store_code: str, cursor: int, limit: int, page: KeptPage) -> None:
        key, blob = (lookup.generation, store_code, cursor, limit), _pack(page)
        with self._lock:
            self._drop(key)
            self._pages[key] = (time.monotonic(), blob)
            self._bytes += len(blob)
            while self._bytes > self._max_bytes:
                self._drop(next(iter(self._pages)))

    def clear(self) -> None:
        with self._generation as slots:
            slots[0] += 1
        with self._lock:
            self._pages.clear()
            self._bytes = 0

    def _drop(self, key: tuple) -> None:
        kept = self._pages.pop(key, None)
        if kept is not None:
            self._bytes -= len(kept[1])


def _key(store_code: str, cursor: int, limit: int) -> str:
    return f"{store_code}:{cursor}:{limit}"
