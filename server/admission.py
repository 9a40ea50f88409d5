"""How many journal batches one server process applies at once; the rest are answered busy at once.

After an outage every till of the chain sends its journal at the same moment. A batch takes a
quarter of a second or more (40 offline sales: 0.26 s in process by ``bench.storm --profile`` at
load ~2, 1.7 s at commit e31317a on a busy machine; seconds over HTTP under load), a card look-up
milliseconds. Left to queue for the worker's threads, batches take every thread, a cashier's
look-up waits behind them, and a batch that waited past the signature window (300 s) is refused as
stale once it is read. So each process applies at most ``slots`` batches at a time and answers any
batch beyond them at once, before reading its signature or its body, with 503 and a Retry-After
drawn from ``retry_after`` seconds (drawn, so tills sent away together do not return together). The
agent keeps its journal, stays online (a busy server is not a lost link) and sends the batch again
after that wait. The threads beyond the slots stay free for look-ups, holds, sales and feed reads.
"""

from __future__ import annotations

import random
import threading


class JournalSlots:
    """A non-blocking count of the journal batches this process is applying (``take``/``give_back``)."""

    def __init__(self, slots: int, retry_after: tuple[int, int] = (2, 10),
                 rng: random.Random | None = None) -> None:
        if slots < 1:
            raise ValueError("a server applies at least one journal batch at a time")
        self.slots = slots
        self.retry_after_range = retry_after
        self._free = threading.BoundedSemaphore(slots)
        self._rng = rng or random.Random()

    def take(self) -> bool:
        """Take a slot if one is free; False when every slot is in use."""
        return self._free.acquire(blocking=False)

    def give_back(self) -> None:
        self._free.release()

    def retry_after(self) -> int:
        """Seconds a batch turned away should wait before it is sent again."""
        return self._rng.randint(*self.retry_after_range)
