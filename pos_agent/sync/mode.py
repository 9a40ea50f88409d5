"""Online or offline: what the till believes about its link, changed by every call's outcome.

Any failed call flips the till offline at once (the sale in progress continues offline); only
the health probe, or a sync call that succeeds, brings it back online.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum


class Mode(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class LinkMode:
    """Thread-safe holder of the link mode and when it last changed."""

    def __init__(self, clock: Callable[[], datetime], mode: Mode = Mode.OFFLINE) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.mode = mode
        self.since = clock()
        self.reason = "starting"

    @property
    def online(self) -> bool:
        return self.mode is Mode.ONLINE

    def went_offline(self, reason: str) -> None:
        self._set(Mode.OFFLINE, reason)

    def went_online(self) -> None:
        self._set(Mode.ONLINE, "server answered")

    def _set(self, mode: Mode, reason: str) -> None:
        with self._lock:
            if self.mode is not mode:
                self.mode, self.since = mode, self._clock()
            self.reason = reason

    def as_dict(self) -> dict[str, str]:
        return {"mode": self.mode.value, "since": self.since.isoformat(), "reason": self.reason}
