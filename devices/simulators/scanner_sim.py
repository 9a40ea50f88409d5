"""A serial barcode scanner on one end of a socat pty pair; the adapter reads the other end.

``PtyPair`` runs ``socat`` with two linked ptys (stable paths you choose), so a test can make
the port vanish (stop) and come back (start) under the same name. ``ScannerSimulator`` writes
frames the way a scanner does: optional prefix, code, suffix, optionally at baud pacing.

As a process: ``python -m devices.simulators.scanner_sim PATH CODE... --suffix crlf``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path

from devices.exceptions import DeviceError
from devices.framing import SUFFIXES


class PtyPair:
    """``socat`` joining two ptys, linked at ``<directory>/scanner`` and ``<directory>/host``."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.scanner_end = str(self.directory / "scanner")
        self.host_end = str(self.directory / "host")
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 5.0) -> None:
        """Start socat and return once both pty links exist."""
        if shutil.which("socat") is None:
            raise DeviceError("socat is not installed (Debian package socat)")
        self._process = subprocess.Popen(
            ["socat", f"pty,raw,echo=0,link={self.scanner_end}", f"pty,raw,echo=0,link={self.host_end}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not (os.path.exists(self.scanner_end) and os.path.exists(self.host_end)):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise DeviceError("socat did not create the pty pair")
            time.sleep(0.005)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop socat: both ptys vanish, as when a scanner is unplugged."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        for link in (self.scanner_end, self.host_end):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(link)  # socat removes them on SIGTERM, not on SIGKILL

    def __enter__(self) -> PtyPair:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ScannerSimulator:
    """Writes barcode frames to a tty path (the scanner end of a PtyPair)."""

    def __init__(self, path: str, *, suffix: str = "cr", prefix: bytes = b"", pacing_baud: int = 0):
        self.path, self.prefix, self.pacing_baud = path, prefix, pacing_baud
        self.suffix = SUFFIXES[suffix]
        self._fd: int | None = None

    def open(self) -> None:
        self._fd = os.open(self.path, os.O_WRONLY | os.O_NOCTTY)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def scan(self, code: str) -> None:
        """Send one code framed with the prefix and suffix."""
        self.send(self.prefix + code.encode("ascii") + self.suffix)

    def send(self, raw: bytes) -> None:
        """Send raw bytes (to model garbage or partial frames)."""
        if self._fd is None:
            self.open()
        assert self._fd is not None
        if not self.pacing_baud:
            os.write(self._fd, raw)
            return
        for byte in raw:  # ten bits per character on the wire
            os.write(self._fd, bytes([byte]))
            time.sleep(10 / self.pacing_baud)

    def __enter__(self) -> ScannerSimulator:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Send barcodes like a serial scanner.")
    parser.add_argument("path", help="tty path of the scanner end")
    parser.add_argument("codes", nargs="+")
    parser.add_argument("--suffix", choices=sorted(SUFFIXES), default="cr")
    parser.add_argument("--prefix", default="")
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between codes")
    parser.add_argument("--pacing-baud", type=int, default=0)
    args = parser.parse_args()
    with ScannerSimulator(
        args.path, suffix=args.suffix, prefix=args.prefix.encode(), pacing_baud=args.pacing_baud
    ) as scanner:
        for code in args.codes:
            scanner.scan(code)
            time.sleep(args.gap)


if __name__ == "__main__":
    main()
