"""A raw-TCP ("port 9100") ESC/POS printer on 127.0.0.1 that captures jobs and answers status
(``PrinterState`` is what it reports; ``serial_printer`` puts the same printer on a serial line).

It answers DLE EOT n the way an Epson TM printer does (fixed bits 1 and 4 always set):
n=1 printer status (bit 3 offline), n=2 offline cause (bit 2 cover open, bit 5 paper end
stop), n=4 roll paper sensor (bits 2+3 near end, bits 5+6 out). ``mute`` makes it accept
bytes but never answer, like a printer that hangs.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import threading
import time

from devices.simulators.escpos_decode import Decoded, decode

_QUERY = b"\x10\x04"
_PAPER = {"ok": 0x12, "near_end": 0x1E, "out": 0x72}


class PrinterState:
    """What a simulated printer reports: paper, online, cover; ``mute`` never answers at all."""

    def __init__(self) -> None:
        self.paper = "ok"
        self.online = True
        self.cover_open = False
        self.mute = False
        self.jobs: list[bytes] = []
        self._changed = threading.Condition()

    def status_byte(self, n: int) -> int:
        """The reply to DLE EOT ``n`` in the current state."""
        if n == 1:
            return 0x12 | (0x08 if not self.online or self.cover_open else 0)
        if n == 2:
            cover = 0x04 if self.cover_open else 0
            return 0x12 | cover | (0x20 if self.paper == "out" else 0)
        if n == 4:
            return _PAPER[self.paper]
        return 0x12

    def replies(self, received: bytes | bytearray, start: int) -> tuple[bytes, int]:
        """Replies to every complete DLE EOT in ``received`` after ``start``, and where to look next time."""
        answers = bytearray()
        at = received.find(_QUERY, start)
        while at != -1 and at + 2 < len(received):
            if not self.mute:
                answers.append(self.status_byte(received[at + 2]))
            start = at + 3
            at = received.find(_QUERY, start)
        return bytes(answers), (start if at == -1 else at)

    def keep_job(self, job: bytes) -> None:
        """Keep ``job`` when it carried more than status queries."""
        if job.replace(_QUERY, b"").strip(b"\x01\x02\x03\x04"):
            with self._changed:
                self.jobs.append(job)
                self._changed.notify_all()

    def wait_jobs(self, count: int = 1, timeout: float = 5.0) -> list[bytes]:
        """Block until ``count`` jobs arrived; return them (fewer on timeout)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.jobs) >= count, timeout)
            return list(self.jobs)

    def decoded(self, index: int = -1) -> Decoded:
        return decode(self.jobs[index])


class PrinterSink(PrinterState):
    """Captures one job per TCP connection that carried more than status queries."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__()
        self._server = socket.create_server((host, port))
        self.host, self.port = self._server.getsockname()[:2]
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="printer sink", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self._server.settimeout(0.1)  # close() does not wake a blocked accept()
        while not self._closed.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        received, answered = bytearray(), 0
        with conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while chunk := _recv(conn):
                received += chunk
                answered = self._answer(conn, received, answered)
        self.keep_job(bytes(received))

    def _answer(self, conn: socket.socket, received: bytearray, start: int) -> int:
        answers, start = self.replies(received, start)
        if answers:
            with contextlib.suppress(OSError):
                conn.sendall(answers)
        return start

    def close(self) -> None:
        self._closed.set()
        self._server.close()
        self._thread.join(2)

    def __enter__(self) -> PrinterSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _recv(conn: socket.socket) -> bytes:
    try:
        return conn.recv(65536)
    except OSError:
        return b""


def main() -> None:
    parser = argparse.ArgumentParser(description="Run a TCP ESC/POS printer sink.")
    parser.add_argument("--port", type=int, default=9100)
    args = parser.parse_args()
    with PrinterSink(port=args.port) as sink:
        print(f"printer sink on {sink.host}:{sink.port}", flush=True)
        seen = 0
        while True:
            jobs = sink.wait_jobs(seen + 1, timeout=3600)
            for job in jobs[seen:]:
                print("\n".join(decode(job).text_lines), flush=True)
            seen = len(jobs)
            time.sleep(0.01)


if __name__ == "__main__":
    main()
