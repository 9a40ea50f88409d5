"""An ESC/POS printer on the far end of a pty pair: the serial receipt printer, simulated.

It answers DLE EOT status queries as ``PrinterState`` says, and keeps each job once the printer
is told to cut (a serial line has no connection to close, so the cut ends the receipt).
"""

from __future__ import annotations

import contextlib
import os
import select
import threading

from devices.simulators.printer_sink import PrinterState

_CUT = b"\x1dV"  # GS V: the renderer ends every receipt with it


class SerialPrinter(PrinterState):
    """Reads the printer's end of a serial line (``device_end``, e.g. a pty) until ``close``."""

    def __init__(self, device_end: str) -> None:
        super().__init__()
        self._fd = os.open(device_end, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._read, name="serial printer", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        received, answered = bytearray(), 0
        while not self._closed.is_set():
            ready, _, _ = select.select([self._fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self._fd, 65536)
            except OSError:  # the line went away (the pty pair stopped)
                return
            received += chunk
            answers, answered = self.replies(received, answered)
            if answers:
                with contextlib.suppress(OSError):
                    os.write(self._fd, answers)
            if _CUT in received:
                self.keep_job(bytes(received))
                received, answered = bytearray(), 0

    def close(self) -> None:
        self._closed.set()
        self._thread.join(2)
        with contextlib.suppress(OSError):
            os.close(self._fd)

    def __enter__(self) -> SerialPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
