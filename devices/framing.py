"""Pure framing of a scanner's byte stream into codes: suffix, prefix, timeouts, limits.

No I/O and no clock reads: the caller passes the time. Frames end at the configured suffix;
stray CR/LF bytes between frames (a CRLF scanner on a CR setting) are dropped, never joined
to the next code.
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.events import BarcodeScanned, ScanRejected
from loyalty.barcodes import DEFAULT_RULES, BarcodeRules, classify

SUFFIXES = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n"}
_LINE_BREAKS = b"\r\n"


@dataclass(frozen=True)
class FramingRules:
    """How one scanner frames a code.

    Attributes:
        suffix: "cr", "lf" or "crlf".
        prefix: bytes the scanner sends before every code (often empty).
        max_length: longest accepted payload, prefix excluded.
        inter_byte_timeout: seconds of silence after which an unterminated frame is dropped.
    """

    suffix: str = "cr"
    prefix: bytes = b""
    max_length: int = 48
    inter_byte_timeout: float = 0.1

    @property
    def terminator(self) -> bytes:
        return SUFFIXES[self.suffix]


class FrameDecoder:
    """Turns chunks of bytes into BarcodeScanned / ScanRejected events."""

    def __init__(self, rules: FramingRules, barcodes: BarcodeRules = DEFAULT_RULES) -> None:
        self.rules = rules
        self.barcodes = barcodes
        self._buf = bytearray()
        self._last = 0.0
        self._skipping = False

    def feed(self, data: bytes, now: float) -> list[BarcodeScanned | ScanRejected]:
        """Add bytes received at ``now``; return the events of every completed frame."""
        events = self.expire(now)
        if data:
            self._last = now
        term = self.rules.terminator
        for byte in data:
            if not self._buf and byte in _LINE_BREAKS and not self._skipping:
                continue
            self._buf.append(byte)
            if self._buf.endswith(term):
                frame = bytes(self._buf[: -len(term)])
                self._buf.clear()
                if self._skipping:
                    self._skipping = False
                else:
                    events.append(self._frame(frame))
            elif self._skipping:
                del self._buf[: -len(term)]
            elif len(self._buf) > self._limit():
                events.append(ScanRejected(bytes(self._buf), self._overlong()))
                self._skipping = True
                del self._buf[: -len(term)]
        return events

    def expire(self, now: float) -> list[ScanRejected]:
        """Drop an unterminated frame after ``inter_byte_timeout`` of silence."""
        if not self._buf or now - self._last < self.rules.inter_byte_timeout:
            return []
        raw = bytes(self._buf)
        self._buf.clear()
        if self._skipping:
            self._skipping = False
            return []
        ms = round(self.rules.inter_byte_timeout * 1000)
        return [ScanRejected(raw, f"partial frame: no {self.rules.suffix} suffix within {ms} ms")]

    def _limit(self) -> int:
        return len(self.rules.prefix) + self.rules.max_length + len(self.rules.terminator)

    def _overlong(self) -> str:
        return f"overlong frame: more than {self.rules.max_length} bytes without a suffix"

    def _frame(self, frame: bytes) -> BarcodeScanned | ScanRejected:
        prefix = self.rules.prefix
        if not frame.startswith(prefix):
            return ScanRejected(frame, f"missing prefix {prefix!r}")
        payload = frame[len(prefix) :].rstrip(_LINE_BREAKS)
        if not payload:
            return ScanRejected(frame, "empty code")
        if len(payload) > self.rules.max_length:
            return ScanRejected(frame, self._overlong())
        if not all(0x20 < b < 0x7F for b in payload):
            return ScanRejected(frame, "garbage: non-printable or non-ASCII bytes")
        found = classify(payload.decode("ascii"), self.barcodes)
        if not found.valid:
            return ScanRejected(frame, found.reason)
        return BarcodeScanned(found.code, found.symbology, found.kind, found.item, found.value)
