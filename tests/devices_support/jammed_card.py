"""A virtual card that jams: pcscd's reader then blocks in an exchange that no SCardCancel ends."""

from __future__ import annotations

import threading

from devices.simulators.virtual_card import VirtualCard


class JammedCard(VirtualCard):
    """Gives its ATR, then answers no APDU until it is taken off the reader (or 30 s pass).

    The card-reader thread that reads it sits in SCardTransmit meanwhile, as it would on a
    jammed or half-inserted card at a real till.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.asked = threading.Event()
        self._taken_off = threading.Event()

    def respond(self, command: bytes) -> bytes:
        self.asked.set()
        self._taken_off.wait(30)
        return super().respond(command)

    def remove(self) -> None:
        self._taken_off.set()
        super().remove()
