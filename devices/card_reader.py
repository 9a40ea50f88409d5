"""PC/SC card reader adapter (pyscard over pcsc-lite): reader/card monitoring and member reads.

Uses the PC/SC calls directly (``SCardGetStatusChange`` with the PnP pseudo reader) rather than
pyscard's CardMonitor singleton, so one adapter owns one thread, stops promptly (SCardCancel),
and notices pcscd going away and coming back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from smartcard import scard

from devices import apdu
from devices.events import (
    CardEvent,
    CardInserted,
    CardRemoved,
    CardServiceLost,
    CardServiceRestored,
    CardUnreadable,
    ReaderAdded,
    ReaderRemoved,
)
from devices.exceptions import CardReadError

log = logging.getLogger(__name__)

PNP_READER = "\\\\?PnP?\\Notification"
_SERVICE_GONE = {
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_F_COMM_ERROR,
    scard.SCARD_E_INVALID_HANDLE,
}
_QUIET = {scard.SCARD_E_TIMEOUT, scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE}


def _ignore(event: CardEvent) -> None:
    """Where a stopped adapter's late events go."""


def _error(rc: int) -> str:
    return f"{scard.SCardGetErrorMessage(rc)} (0x{rc & 0xFFFFFFFF:08X})"


def parse_card_number(data: bytes) -> str:
    """Card number from the application file: ASCII digits, padding (00/FF/space) trimmed."""
    text = data.rstrip(b"\x00\xff ")
    if not (6 <= len(text) <= 20 and text.isdigit()):
        raise CardReadError("card number", reason=f"not 6-20 ASCII digits: {data[:24].hex()}")
    return text.decode("ascii")


class CardSession:
    """APDU exchange with one connected card."""

    def __init__(self, handle: int, protocol: int) -> None:
        self.handle = handle
        self.protocol = protocol

    def transmit(self, command: bytes, step: str) -> tuple[bytes, int]:
        rc, response = scard.SCardTransmit(self.handle, self.protocol, list(command))
        if rc != scard.SCARD_S_SUCCESS:
            raise CardReadError(step, reason=_error(rc))
        return apdu.split_response(bytes(response))

    def card_number(self, aid: bytes) -> str | None:
        """The number in the member application, or None when the card has no such application."""
        _, sw = self.transmit(apdu.select_aid(aid), "select application")
        if sw != apdu.SW_OK and sw >> 8 != 0x61:
            return None
        data, sw = self.transmit(apdu.read_binary(), "read card number")
        if sw >> 8 == apdu.SW_WRONG_LENGTH >> 8:
            data, sw = self.transmit(apdu.read_binary(sw & 0xFF), "read card number")
        if sw not in (apdu.SW_OK, apdu.SW_END_OF_FILE):
            raise CardReadError("read card number", sw)
        return parse_card_number(data)

    def uid(self) -> str | None:
        """The contactless UID (PC/SC GET DATA), or None when the reader or card has none."""
        data, sw = self.transmit(apdu.GET_UID, "get UID")
        return data.hex().upper() if sw == apdu.SW_OK and data else None


class PcscCardReader:
    """Watches PC/SC readers whose name contains ``reader_match`` and reads member cards.

    Events (from the adapter's thread): ReaderAdded/ReaderRemoved, CardInserted with the card
    number (UID as fallback, only to be honoured when registered), CardUnreadable, CardRemoved,
    CardServiceLost/CardServiceRestored when pcscd goes away and returns.
    """

    def __init__(
        self,
        reader_match: str = "",
        *,
        aid: bytes = apdu.ONECARD_AID,
        poll: float = 0.5,
        backoff: tuple[float, float] = (0.1, 2.0),
    ) -> None:
        self.reader_match = reader_match
        self.aid = aid
        self.poll_ms = int(poll * 1000)
        self.backoff = backoff
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._context: int | None = None
        self._emit: Callable[[CardEvent], None] = _ignore
        self._present: dict[str, int] = {}  # reader -> last event state (0 = no card)

    def start(self, on_event: Callable[[CardEvent], None]) -> None:
        """Start watching; ``on_event`` is called from the adapter's thread."""
        if self._thread is not None:
            raise RuntimeError("card reader already started (or its thread still blocks in a PC/SC call)")
        self._emit = on_event
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="pcsc reader", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop watching, waiting at most ``timeout`` for the adapter's thread.

        SCardCancel ends a wait for a change at once, and the thread then releases its PC/SC
        context. It cannot end a connect or an APDU exchange that pcscd does not answer (a jammed
        card): that thread is a daemon, so it is left to end with the process, and whatever it
        reads afterwards is not reported.
        """
        self._stop.set()
        context = self._context
        if context is not None:
            scard.SCardCancel(context)
        if self._thread is None:
            return
        self._thread.join(timeout)
        if self._thread.is_alive():  # kept, so that start() refuses while it lives
            self._emit = _ignore
            log.warning("card reader: a PC/SC call still blocks after %g s; not waiting for it", timeout)
        else:
            self._thread = None

    def _run(self) -> None:
        delay, lost = self.backoff[0], False
        while not self._stop.is_set():
            rc, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if rc != scard.SCARD_S_SUCCESS:
                if not lost:
                    self._report(CardServiceLost(f"cannot reach pcscd: {_error(rc)}"))
                    lost = True
                self._stop.wait(delay)
                delay = min(delay * 2, self.backoff[1])
                continue
            if lost:
                self._report(CardServiceRestored())
            delay, lost = self.backoff[0], False
            self._context = context
            try:
                reason = self._watch(context)
            finally:
                self._context = None
                scard.SCardReleaseContext(context)
                if not self._stop.is_set():
                    self._forget_readers()
            if reason is not None and not self._stop.is_set():
                self._report(CardServiceLost(reason))
                lost = True

    def _forget_readers(self) -> None:
        for reader, state in list(self._present.items()):
            if state & scard.SCARD_STATE_PRESENT:
                self._report(CardRemoved(reader))
            self._report(ReaderRemoved(reader))
        self._present.clear()

    def _list_readers(self, context: int) -> tuple[int, list[str]]:
        rc, names = scard.SCardListReaders(context, [])
        if rc == scard.SCARD_E_NO_READERS_AVAILABLE:
            return scard.SCARD_S_SUCCESS, []
        return rc, [name for name in names or [] if self.reader_match in name]

    def _sync_readers(self, names: list[str]) -> None:
        for name in names:
            if name not in self._present:
                self._present[name] = scard.SCARD_STATE_UNAWARE
                self._report(ReaderAdded(name))
        for name in [known for known in self._present if known not in names]:
            if self._present.pop(name) & scard.SCARD_STATE_PRESENT:
                self._report(CardRemoved(name))
            self._report(ReaderRemoved(name))

    def _watch(self, context: int) -> str | None:
        """Report changes until stopped (None) or the service is gone (the reason)."""
        pnp_state = scard.SCARD_STATE_UNAWARE
        while not self._stop.is_set():
            rc, names = self._list_readers(context)
            if rc != scard.SCARD_S_SUCCESS:
                return f"pcscd went away (listing readers: {_error(rc)})"
            self._sync_readers(names)
            query = [(name, self._present[name]) for name in names] + [(PNP_READER, pnp_state)]
            rc, states = scard.SCardGetStatusChange(context, self.poll_ms, query)
            if rc == scard.SCARD_E_CANCELLED or self._stop.is_set():
                return None
            if rc in _SERVICE_GONE:
                return f"pcscd went away: {_error(rc)}"
            if rc != scard.SCARD_S_SUCCESS:
                if rc not in _QUIET:
                    log.warning("SCardGetStatusChange: %s", _error(rc))
                continue
            for name, event, atr in states:
                if name == PNP_READER:
                    pnp_state = event & ~scard.SCARD_STATE_CHANGED
                else:
                    self._reader_changed(context, name, event, bytes(atr))
        return None

    def _reader_changed(self, context: int, name: str, event: int, atr: bytes) -> None:
        before = self._present.get(name, 0)
        self._present[name] = event & ~scard.SCARD_STATE_CHANGED
        had = bool(before & scard.SCARD_STATE_PRESENT)
        has = bool(event & scard.SCARD_STATE_PRESENT)
        # The high word counts card events: a swap between two polls keeps PRESENT set.
        swapped = had and has and (before >> 16) != (event >> 16)
        if had and (swapped or not has):
            self._report(CardRemoved(name))
        if has and (swapped or not had):
            self._report(self.read_card(context, name, atr))

    def read_card(self, context: int, reader: str, atr: bytes) -> CardInserted | CardUnreadable:
        """Connect to the card in ``reader`` and read its identifier."""
        atr_hex = atr.hex().upper()
        rc, handle, protocol = scard.SCardConnect(
            context, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        )
        if rc != scard.SCARD_S_SUCCESS:
            return CardUnreadable(reader, atr_hex, f"cannot connect: {_error(rc)}")
        session = CardSession(handle, protocol)
        try:
            number = session.card_number(self.aid)
            uid = session.uid()
        except (CardReadError, ValueError) as exc:
            return CardUnreadable(reader, atr_hex, str(exc))
        finally:
            scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
        if number is None and uid is None:
            return CardUnreadable(reader, atr_hex, "foreign card: no OneCard application and no UID")
        return CardInserted(reader, number, uid, atr_hex)

    def _report(self, event: CardEvent) -> None:
        if isinstance(event, CardUnreadable | CardServiceLost):
            log.warning("card reader: %s", event)
        try:
            self._emit(event)
        except Exception:
            log.exception("card event handler failed for %r", event)
