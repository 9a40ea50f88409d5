"""Online, offline or revoked: what the till believes about its link, changed by every call's outcome.

Any failed call flips the till offline at once (the sale in progress continues offline); only
the health probe, or a sync call that succeeds, brings it back online. A call the server refuses
because this till's credential was revoked makes the till ``revoked``: it keeps selling as if
offline but redeems no points, and only a signed call the server accepts (never the unsigned
health probe, never another failure) ends that state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from pos_agent.exceptions import CredentialRevoked


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
                 on_revoked: Callable[[str | None], None] = lambda reason: None) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.mode = mode
        self.since = clock()
        self.reason = "starting"
        self.on_revoked = on_revoked

    @property
    def online(self) -> bool:
        return self.mode is Mode.ONLINE

    @property
    def revoked(self) -> bool:
        return self.mode is Mode.REVOKED

    def failed(self, error: Exception) -> None:
        """A call to the server failed with ``error`` (a LinkDown): offline, or revoked if it says so."""
        if isinstance(error, CredentialRevoked):
            self.went_revoked(str(error))
        else:
            self.went_offline(str(error))

    def went_offline(self, reason: str) -> None:
        if not self.revoked:  # a dead link says nothing about the credential
            self._set(Mode.OFFLINE, reason)

    def went_online(self) -> None:
        """A call succeeded. Only signed calls may report it while revoked (see the module doc)."""
        if self._set(Mode.ONLINE, "server answered") is Mode.REVOKED:
            self.on_revoked(None)

    def went_revoked(self, reason: str) -> None:
        if self._set(Mode.REVOKED, reason) is not Mode.REVOKED:
            self.on_revoked(reason)

    def _set(self, mode: Mode, reason: str) -> Mode:
        """Set the mode; return the one it replaced."""
        with self._lock:
            before = self.mode
            if before is not mode:
                self.mode, self.since = mode, self._clock()
            self.reason = reason
            return before

    def as_dict(self) -> dict[str, str]:
        return {"mode": self.mode.value, "since": self.since.isoformat(), "reason": self.reason}
