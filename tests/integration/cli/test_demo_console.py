"""The interactive demo's console cuts and restores store B's real link (a TCP relay to a server)."""

from __future__ import annotations

import socket
import socketserver
import threading

from server.demo.console import run_console
from server.demo.link import StoreLink


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(1024):
            self.request.sendall(data)


def _reaches_server(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.settimeout(2)
            sock.sendall(b"ping")
            return sock.recv(4) == b"ping"
    except OSError:
        return False


def test_cut_takes_store_b_offline_restore_brings_it_back_and_status_reports_both_tills():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    link = StoreLink(server.server_address[1])
    said: list[str] = []
    seen: list[bool] = []

    def typed():
        seen.append(_reaches_server(link.port))
        yield "cut"
        seen.append(_reaches_server(link.port))
        yield "STATUS "
        yield "restore"
        seen.append(_reaches_server(link.port))
        yield "dance"
        yield "quit"
        yield "cut"  # never read: quit ended the console

    def status(store: str) -> dict:
        if store == "B":
            raise ConnectionRefusedError("till B is down")
        return {"mode": "online", "journal": {"pending": 2, "retry": 1, "acked": 9}, "data_age_seconds": 3}

    try:
        run_console(typed(), link, status, said.append)
        assert seen == [True, False, True]
        assert _reaches_server(link.port)  # the trailing "cut" was not obeyed
        assert "  till A: online, 3 journal item(s) waiting, data 3 s old" in said
        assert "  till B: not answering (ConnectionRefusedError)" in said
        assert said.count(said[0]) == 2  # the help, at the start and after the unknown command
    finally:
        link.close()
        server.shutdown()
        server.server_close()
