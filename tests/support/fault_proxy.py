"""A small TCP fault proxy for tests: it sits between a till and the server on 127.0.0.1.

Modes, switched from the test thread at any time (``proxy.drop()``, ``proxy.passing()``, ...):

* ``pass``: bytes go both ways untouched.
* ``drop``: live connections are reset and new ones are accepted and reset at once, like a
  closed port (a client sees "connection refused/reset" immediately).
* ``blackhole``: connections are accepted (and kept) but nothing is forwarded either way, like a
  dead link behind a switch: a client only notices through its own timeout.
* ``delay``: each chunk is held ``ms`` before it is forwarded (responses only, requests only, or
  both); ``only`` limits the delay to requests whose path starts with that prefix.
* ``cut``: the request is forwarded, and the connection is closed after ``after_bytes`` of its
  response, so the server has done the work and the client never hears the end of it.

HTTP/1.1 is plain text, so the proxy also notes the request line of every request it forwards
(``seen``), which lets a test wait for "the till is pushing its journal now" before it strikes.
"""

from __future__ import annotations

import contextlib
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

_REQUEST_LINE = re.compile(rb"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP/1\.[01]\r\n")
_CHUNK = 65536
_LINGER_RESET = struct.pack("ii", 1, 0)  # l_onoff=1, l_linger=0: close sends RST


@dataclass(frozen=True)
class Fault:
    """The proxy's current behaviour (immutable: a mode switch swaps the whole value)."""

    mode: str = "pass"
    ms: int = 0
    direction: str = "response"  # for delay: "response", "request" or "both"
    only: str | None = None  # for delay and cut: a path prefix; None means every request
    after_bytes: int = 0  # for cut


@dataclass(frozen=True)
class Seen:
    """A request the proxy forwarded."""

    method: str
    path: str
    at: float


class _Link:
    """One client connection and its upstream connection, pumped by two threads."""

    def __init__(self, proxy: FaultProxy, client: socket.socket, upstream: socket.socket) -> None:
        self.proxy, self.client, self.upstream = proxy, client, upstream
        self.closed = threading.Event()
        self.request_path = ""  # path of the request whose response is flowing back now
        self.response_bytes = 0

    def start(self) -> None:
        for target in (self._requests, self._responses):
            threading.Thread(target=target, daemon=True, name=f"fault-proxy-{target.__name__}").start()

    def close(self, *, reset: bool = False) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for sock in (self.client, self.upstream):
            if reset:  # RST instead of FIN: the peer's next read or write fails at once
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
            with contextlib.suppress(OSError):
                # shutdown acts at once and wakes the other pump's blocked recv; a bare close
                # would wait for that recv to return before the peer hears anything.
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        self.proxy._forget(self)

    def _requests(self) -> None:
        self._pump(self.client, self.upstream, self._on_request_chunk, "request")

    def _responses(self) -> None:
        self._pump(self.upstream, self.client, self._on_response_chunk, "response")

    def _pump(self, source: socket.socket, sink: socket.socket, on_chunk: Callable[[bytes], bytes | None],
              direction: str) -> None:
        try:
            while not self.closed.is_set():
                data = source.recv(_CHUNK)
                if not data:
                    break
                data = on_chunk(data)
                if data is None:
                    continue
                self._hold(direction)
                if self.closed.is_set():
                    break
                sink.sendall(data)
                if self.proxy.fault.mode == "cut" and direction == "response" and self._past_cut():
                    break
        except OSError:
            pass
        self.close()

    def _on_request_chunk(self, data: bytes) -> bytes | None:
        match = _REQUEST_LINE.match(data)
        if match:
            self.request_path = match.group(2).decode("latin-1")
            self.response_bytes = 0
            self.proxy._note(match.group(1).decode(), self.request_path)
        return None if self.proxy.fault.mode == "blackhole" else data

    def _on_response_chunk(self, data: bytes) -> bytes | None:
        fault = self.proxy.fault
        if fault.mode == "blackhole":
            return None
        if fault.mode == "cut" and self._targeted(fault):
            room = max(fault.after_bytes - self.response_bytes, 0)
            self.response_bytes += len(data)
            return data[:room] if room else b""
        self.response_bytes += len(data)
        return data

    def _past_cut(self) -> bool:
        fault = self.proxy.fault
        return self._targeted(fault) and self.response_bytes >= fault.after_bytes

    def _targeted(self, fault: Fault) -> bool:
        return fault.only is None or self.request_path.startswith(fault.only)

    def _hold(self, direction: str) -> None:
        fault = self.proxy.fault
        if fault.mode != "delay" or fault.direction not in (direction, "both") or not self._targeted(fault):
            return
        deadline = time.monotonic() + fault.ms / 1000
        # Wait in small steps so a mode switch (or close) releases held chunks promptly.
        while time.monotonic() < deadline and not self.closed.is_set() and self.proxy.fault is fault:
            time.sleep(0.01)


class FaultProxy:
    """Listens on 127.0.0.1:<port> and forwards to ``upstream`` (host, port) with the current fault."""

    def __init__(self, upstream: tuple[str, int], port: int = 0) -> None:
        self.upstream = upstream
        self.fault = Fault()
        self.seen: list[Seen] = []
        self._links: set[_Link] = set()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", port), backlog=64)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True, name="fault-proxy-accept")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()
        self._sever(reset=True)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- modes -----------------------------------------------------------------------------------

    def passing(self) -> None:
        self.fault = Fault()

    def drop(self) -> None:
        self.fault = Fault("drop")
        self._sever(reset=True)

    def blackhole(self) -> None:
        self.fault = Fault("blackhole")

    def delay(self, ms: int, *, direction: str = "response", only: str | None = None) -> None:
        if direction not in ("response", "request", "both"):
            raise ValueError(f"direction: response, request or both, not {direction!r}")
        self.fault = Fault("delay", ms=ms, direction=direction, only=only)

    def cut(self, after_bytes: int, *, only: str | None = None) -> None:
        self.fault = Fault("cut", after_bytes=after_bytes, only=only)

    # -- what went through ---------------------------------------------------------------------

    def requests_to(self, path_prefix: str, method: str = "POST") -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.method == method and s.path.startswith(path_prefix)]

    @property
    def open_links(self) -> int:
        with self._lock:
            return len(self._links)

    # -- internals -------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._serve(client)

    def _serve(self, client: socket.socket) -> None:
        if self.fault.mode == "drop":
            _reset(client)
            return
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:  # the server is down: the client sees its connection dropped
            _reset(client)
            return
        upstream.settimeout(None)
        client.settimeout(None)
        link = _Link(self, client, upstream)
        with self._lock:
            self._links.add(link)
        link.start()

    def _sever(self, *, reset: bool) -> None:
        with self._lock:
            links = list(self._links)
        for link in links:
            link.close(reset=reset)

    def _forget(self, link: _Link) -> None:
        with self._lock:
            self._links.discard(link)

    def _note(self, method: str, path: str) -> None:
        with self._lock:
            self.seen.append(Seen(method, path, time.monotonic()))


def _reset(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    finally:
        sock.close()
