"""Online, offline or revoked: what the till believes about its link, changed by every call's outcome.

A call that found no server (refused or dropped connection, a server error) flips the till
offline at once (the sale in progress continues offline); a server that is merely slow or busy
does not: a busy answer (429/503) leaves the mode as it is, and only ``slow_limit`` timeouts in a
row, with no success between them, mean offline. Only the health probe, or a call that succeeds,
brings the till back online. A call the server refuses
because this till's credential was revoked makes the till ``revoked``: it keeps selling as if
offline but redeems no points, and only a sync round begun after it learnt so and accepted by
the server (never the unsigned health probe, never another failure) ends that state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from pos_agent.exceptions import CredentialRevoked, ServerBusy, ServerSlow

SLOW_LIMIT = 3  # timeouts in a row that make a till offline: one or two are a slow server


class Mode(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    REVOKED = "revoked"


class LinkMode:
    """Thread-safe holder of the link mode and when it last changed.

    ``on_revoked`` hears the reason when the till becomes revoked and None when it stops being so,
    so the agent can remember revocation across restarts.
    """

    def __init__(self, clock: Callable[[], datetime], mode: Mode = Mode.OFFLINE,
                 on_revoked: Callable[[str | None], None] = lambda reason: None,
                 slow_limit: int = SLOW_LIMIT) -> None:
        self._clock = clock
        self.slow_limit = slow_limit
        self._timeouts = 0  # timeouts since the last success
        self._lock = threading.Lock()
        self.mode = mode
        self.since = clock()
        self.reason = "starting"
        self.on_revoked = on_revoked
        self._revocations = 0  # times the till became revoked: what a ticket remembers

    @property
    def online(self) -> bool:
        return self.mode is Mode.ONLINE

    @property
    def revoked(self) -> bool:
        return self.mode is Mode.REVOKED

    def failed(self, error: Exception) -> None:
        """A call to the server failed with ``error`` (a LinkDown): offline, or revoked if it says so;
        a busy server changes nothing, a slow one only once it timed out ``slow_limit`` times in a row."""
        if isinstance(error, CredentialRevoked):
            self.went_revoked(str(error))
        elif isinstance(error, ServerSlow):
            with self._lock:
                self._timeouts += 1
                gone = self._timeouts >= self.slow_limit
            if gone:
                self.went_offline(f"{error} ({self.slow_limit} timeouts in a row)")
        elif not isinstance(error, ServerBusy):
            self.went_offline(str(error))

    def ticket(self) -> int:
        """Take one before a signed call whose success may end a revocation (see ``went_online``)."""
        with self._lock:
            return self._revocations

    def went_online(self, ticket: int | None = None) -> None:
        """A call succeeded. While revoked, only a signed call begun after the till learnt of the
        revocation (its ``ticket`` taken since) ends it: one begun before proves nothing."""
        with self._lock:
            self._timeouts = 0
            if self.mode is Mode.REVOKED and ticket != self._revocations:
                return
            before = self._set(Mode.ONLINE, "server answered")
        if before is Mode.REVOKED:
            self.on_revoked(None)

    def went_revoked(self, reason: str) -> None:
        with self._lock:
            before = self._set(Mode.REVOKED, reason)
            if before is not Mode.REVOKED:
                self._revocations += 1
        if before is not Mode.REVOKED:
            self.on_revoked(reason)

    def went_offline(self, reason: str) -> None:
        with self._lock:
            if self.mode is not Mode.REVOKED:  # a dead link says nothing about the credential
                self._set(Mode.OFFLINE, reason)

    def _set(self, mode: Mode, reason: str) -> Mode:
        """Set the mode (the caller holds the lock); return the one it replaced."""
        before = self.mode
        if before is not mode:
            self.mode, self.since = mode, self._clock()
        self.reason = reason
        return before

    def as_dict(self) -> dict[str, str]:
        return {"mode": self.mode.value, "since": self.since.isoformat(), "reason": self.reason}
