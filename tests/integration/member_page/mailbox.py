"""A real SMTP server on a local port (aiosmtpd) that keeps what it is sent, and a local SMS gateway."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

CODE = re.compile(r"\b(\d{6})\b")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Keeper:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class Mailbox:
    """Every message the SMTP server accepted, in order."""

    def __init__(self) -> None:
        self._keeper = _Keeper()
        # aiosmtpd checks readiness by connecting to the port it was given, so it needs a real one.
        self.port = _free_port()
        self._controller = Controller(self._keeper, hostname="127.0.0.1", port=self.port)

    def start(self) -> Mailbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self._keeper.messages)

    def code_for(self, address: str, timeout: float = 5.0) -> str:
        """The six-digit code in the newest message to ``address`` (waiting for it briefly)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self._keeper.messages):
                if message["To"] == address:
                    return CODE.search(message.get_content()).group(1)
            time.sleep(0.05)
        raise AssertionError(f"no message reached {address}")


class SmsGateway:
    """A tiny HTTP SMS gateway: accepts ``{"to", "text"}`` posts and keeps them; can be told to refuse."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.refuse = False
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if gateway.refuse:
                    self.send_response(503)
                else:
                    gateway.received.append(body)
                    self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> SmsGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/messages"
