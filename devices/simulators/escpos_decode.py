"""A small ESC/POS decoder: printer bytes back to what a customer would read.

Covers what python-escpos emits for receipts: text with print modes (ESC !, ESC E, GS !,
ESC a), code pages (ESC t), barcodes (GS k, both forms), native QR (GS ( k), raster images
(GS v 0), feeds (ESC d), cuts (GS V), drawer pulses (ESC p) and status queries (DLE EOT).
Unknown commands are recorded, not fatal, so a test can assert there are none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, DLE, LF = 0x1B, 0x1D, 0x10, 0x0A

# Argument byte counts of commands that only change state we do not track.
_SKIP = {
    (ESC, 0x2D): 1,
    (ESC, 0x4D): 1,
    (ESC, 0x7B): 1,
    (ESC, 0x20): 1,
    (ESC, 0x32): 0,
    (ESC, 0x33): 1,
    (ESC, 0x47): 1,
    (ESC, 0x52): 1,
    (ESC, 0x56): 1,
    (ESC, 0x54): 1,
    (GS, 0x62): 1,
    (GS, 0x42): 1,
    (GS, 0x68): 1,
    (GS, 0x77): 1,
    (GS, 0x66): 1,
    (GS, 0x48): 1,
    (GS, 0x4C): 2,
    (GS, 0x57): 2,
}
_CODE_PAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 19: "cp858"}
_BARCODES = {
    0: "UPC-A",
    1: "UPC-E",
    2: "EAN13",
    3: "EAN8",
    4: "CODE39",
    5: "ITF",
    6: "NW7",
    65: "UPC-A",
    66: "UPC-E",
    67: "EAN13",
    68: "EAN8",
    69: "CODE39",
    70: "ITF",
    71: "NW7",
    72: "CODE93",
    73: "CODE128",
}


@dataclass(frozen=True)
class PrintedLine:
    text: str
    bold: bool = False
    large: bool = False
    align: str = "left"


@dataclass
class Decoded:
    lines: list[PrintedLine] = field(default_factory=list)
    barcodes: list[tuple[str, str]] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    images: int = 0
    cuts: list[str] = field(default_factory=list)
    drawer_pulses: int = 0
    status_queries: list[int] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def text_lines(self) -> list[str]:
        return [line.text for line in self.lines]


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data, self.i, self.out = data, 0, Decoded()
        self.text = bytearray()
        self.bold = self.large = False
        self.align, self.codepage, self.qr_data = "left", "cp437", b""

    def arg(self, offset: int, count: int = 1) -> bytes:
        start = self.i + offset
        if start + count > len(self.data):
            raise ValueError(f"truncated command at byte {self.i}")
        return self.data[start : start + count]

    def flush(self) -> None:
        text = bytes(self.text).decode(self.codepage, "replace")
        self.out.lines.append(PrintedLine(text, self.bold, self.large, self.align))
        self.text.clear()

    def run(self) -> Decoded:
        while self.i < len(self.data):
            byte = self.data[self.i]
            if byte == LF:
                self.flush()
                self.i += 1
            elif byte in (ESC, GS, DLE):
                self.i += self.command(byte, self.arg(1)[0])
            elif byte < 0x20:
                self.out.unknown.append(f"control 0x{byte:02X} at {self.i}")
                self.i += 1
            else:
                self.text.append(byte)
                self.i += 1
        if self.text:
            self.flush()
        return self.out

    def command(self, prefix: int, code: int) -> int:
        """Handle one command starting at ``self.i``; return its length."""
        if (prefix, code) in _SKIP:
            return 2 + _SKIP[prefix, code]
        handler = getattr(
            self, f"_{'esc' if prefix == ESC else 'gs' if prefix == GS else 'dle'}_{code:02x}", None
        )
        if handler is None:
            self.out.unknown.append(f"0x{prefix:02X} 0x{code:02X} at {self.i}")
            return 2
        return handler()

    def _esc_40(self) -> int:  # ESC @ initialise
        self.bold = self.large = False
        self.align = "left"
        return 2

    def _esc_21(self) -> int:  # ESC ! n print mode
        mode = self.arg(2)[0]
        self.bold, self.large = bool(mode & 0x08), bool(mode & 0x30)
        return 3

    def _esc_45(self) -> int:  # ESC E n emphasis
        self.bold = bool(self.arg(2)[0] & 1)
        return 3

    def _esc_61(self) -> int:  # ESC a n justification
        self.align = ("left", "center", "right")[self.arg(2)[0] % 0x30 % 3]
        return 3

    def _esc_74(self) -> int:  # ESC t n code page
        self.codepage = _CODE_PAGES.get(self.arg(2)[0], "cp437")
        return 3

    def _esc_64(self) -> int:  # ESC d n print and feed n lines
        if self.text:
            self.flush()
        return 3

    def _esc_70(self) -> int:  # ESC p m t1 t2 drawer pulse
        self.arg(2, 3)
        self.out.drawer_pulses += 1
        return 5

    def _gs_21(self) -> int:  # GS ! n character size
        self.large = self.arg(2)[0] != 0
        return 3

    def _gs_56(self) -> int:  # GS V m [n] cut
        mode = self.arg(2)[0]
        self.out.cuts.append("full" if mode in (0, 48, 65, 97, 103) else "partial")
        return 3 if mode in (0, 1, 48, 49) else 4

    def _gs_6b(self) -> int:  # GS k barcode
        kind = self.arg(2)[0]
        if kind <= 6:
            end = self.data.index(0, self.i + 3)
            payload, size = self.data[self.i + 3 : end], end + 1 - self.i
        else:
            length = self.arg(3)[0]
            payload, size = self.arg(4, length), 4 + length
        text = payload.decode("ascii", "replace")
        if kind == 73 and text.startswith("{"):
            text = text[2:]  # code set selector, not data
        self.out.barcodes.append((_BARCODES.get(kind, str(kind)), text))
        return size

    def _gs_28(self) -> int:  # GS ( k: 2D codes (QR store / print)
        length = int.from_bytes(self.arg(3, 2), "little")
        body = self.arg(5, length)
        if self.arg(2)[0] == 0x6B and body[:1] == b"1":
            if body[1:2] == b"P":
                self.qr_data = body[3:]
            elif body[1:2] == b"Q":
                self.out.qr_codes.append(self.qr_data.decode("utf-8", "replace"))
        return 5 + length

    def _gs_76(self) -> int:  # GS v 0 m xL xH yL yH raster image
        params = self.arg(2, 6)
        self.out.images += 1
        return 8 + int.from_bytes(params[2:4], "little") * int.from_bytes(params[4:6], "little")

    def _dle_04(self) -> int:  # DLE EOT n real-time status request
        self.out.status_queries.append(self.arg(2)[0])
        return 3


def decode(data: bytes) -> Decoded:
    """Decode an ESC/POS byte stream into printed lines, barcodes, QR codes and cuts."""
    return _Decoder(data).run()
