"""Serial (or USB-CDC) barcode scanner adapter over pyserial, with reconnect and backoff."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

import serial

from devices.events import ScanEvent, ScannerLost, ScannerRestored, ScanRejected
from devices.framing import FrameDecoder, FramingRules
from loyalty.barcodes import DEFAULT_RULES, BarcodeRules

log = logging.getLogger(__name__)

# Both are how pyserial reports an unplugged device or a vanished pty peer.
_LOST = (serial.SerialException, OSError)


class SerialScanner:
    """Reads codes from a serial port in a background thread and reports ScanEvents.

    The port may be a device path (``/dev/ttyACM0``) or a pyserial URL (``socket://h:p``).
    When the port disappears the scanner reports ScannerLost once, reopens with exponential
    backoff, and reports ScannerRestored when it is back.
    """

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        framing: FramingRules | None = None,
        barcodes: BarcodeRules = DEFAULT_RULES,
        backoff: tuple[float, float] = (0.05, 2.0),
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.framing = framing or FramingRules()
        self.barcodes = barcodes
        self.backoff = backoff
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._emit: Callable[[ScanEvent], None] = lambda event: None
        self.connected = threading.Event()

    def start(self, on_event: Callable[[ScanEvent], None]) -> None:
        """Start reading; ``on_event`` is called from the reader thread."""
        if self._thread is not None:
            raise RuntimeError("scanner already started")
        self._emit = on_event
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"scanner {self.port}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the reader thread and close the port."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _open(self) -> serial.SerialBase:
        options = {} if "://" in self.port else {"exclusive": True}
        return serial.serial_for_url(
            self.port, baudrate=self.baudrate, timeout=self.framing.inter_byte_timeout, **options
        )

    def _run(self) -> None:
        delay, lost = self.backoff[0], False
        while not self._stop.is_set():
            try:
                port = self._open()
            except _LOST as exc:
                if not lost:
                    self._report(ScannerLost(self.port, f"cannot open: {exc}"))
                    lost = True
                self._stop.wait(delay)
                delay = min(delay * 2, self.backoff[1])
                continue
            if lost:
                self._report(ScannerRestored(self.port))
            delay, lost = self.backoff[0], False
            lost = self._read(port)

    def _read(self, port: serial.SerialBase) -> bool:
        """Read until stopped (False) or the port is lost (True)."""
        decoder = FrameDecoder(self.framing, self.barcodes)
        self.connected.set()
        try:
            while not self._stop.is_set():
                data = port.read(1)
                if data and port.in_waiting:
                    data += port.read(port.in_waiting)
                for event in decoder.feed(data, time.monotonic()):
                    self._report(event)
        except _LOST as exc:
            self._report(ScannerLost(self.port, f"read failed: {exc}"))
            return True
        finally:
            self.connected.clear()
            with contextlib.suppress(*_LOST):
                port.close()
        return False

    def _report(self, event: ScanEvent) -> None:
        if isinstance(event, ScanRejected):
            log.warning("scan rejected on %s: %s (raw %r)", self.port, event.reason, event.raw)
        elif isinstance(event, ScannerLost):
            log.warning("scanner %s lost: %s", self.port, event.reason)
        try:
            self._emit(event)
        except Exception:
            log.exception("scan event handler failed for %r", event)
