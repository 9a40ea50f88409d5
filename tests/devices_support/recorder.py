"""A thread-safe recorder of device events with waits on conditions (no blind sleeps)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class EventRecorder:
    """Collects events from an adapter's thread; tests wait for the ones they expect."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.times: list[float] = []
        self._changed = threading.Condition()

    def __call__(self, event: Any) -> None:
        with self._changed:
            self.events.append(event)
            self.times.append(time.perf_counter())
            self._changed.notify_all()

    def wait_for(self, kind: type[T], timeout: float = 5.0, where: Callable[[T], bool] = lambda e: True) -> T:
        """The first recorded ``kind`` event matching ``where``; waits up to ``timeout``."""

        def found() -> T | None:
            return next((e for e in self.events if isinstance(e, kind) and where(e)), None)

        with self._changed:
            if self._changed.wait_for(lambda: found() is not None, timeout):
                return found()  # type: ignore[return-value]
        raise AssertionError(f"no {kind.__name__} within {timeout} s; got {self.events!r}")

    def take(self, kind: type[T], timeout: float = 5.0) -> T:
        """Wait for a ``kind`` event, then forget everything recorded up to and including it."""
        event = self.wait_for(kind, timeout)
        with self._changed:
            index = self.events.index(event)
            del self.events[: index + 1], self.times[: index + 1]
        return event

    def of(self, kind: type[T]) -> list[T]:
        with self._changed:
            return [e for e in self.events if isinstance(e, kind)]

    def clear(self) -> None:
        with self._changed:
            self.events.clear()
            self.times.clear()
