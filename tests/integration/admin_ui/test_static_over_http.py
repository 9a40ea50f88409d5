"""The back office's static files on a live port, to a client that goes away as a closed browser does."""

from __future__ import annotations

import gc
import socket
import struct
import sys
import threading

from tests.integration.agent.live import LiveServer, wait_until


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    fields = dict(line.lower().split(b": ", 1) for line in head.split(b"\r\n")[1:])
    length = int(fields[b"content-length"])
    while len(body) < length:
        body += sock.recv(65536)
    return body


def _fetch_then_reset(port: int, path: str) -> bytes:
    """The whole file, then a reset while the server still reads the byte sent after the request."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n-".encode())
        body = _read_response(sock)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    return body


def test_a_client_that_resets_the_connection_after_a_static_file_leaves_no_file_open(services, monkeypatch):
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    server = LiveServer(services)
    server.start()
    serving = threading.active_count()
    try:
        assert _fetch_then_reset(server.port, "/admin/static/admin.css").startswith(b"/* OneCard back office")
        wait_until(lambda: threading.active_count() <= serving, what="the request's thread to end")
    finally:
        server.stop()
    gc.collect()
    assert [str(u.exc_value) for u in unraisable] == []
