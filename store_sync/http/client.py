"""The signed HTTP client a terminal uses to talk to the central server."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import requests

from store_sync.signing import TerminalCredential, sign_request


class TerminalAuth(requests.auth.AuthBase):
    """Sign every outgoing request with the terminal's credential (see ``store_sync.signing``)."""

    def __init__(self, credential: TerminalCredential, clock=time.time) -> None:
        self.credential = credential
        self.clock = clock

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        request.headers.update(sign_request(self.credential, request.method, path, body,
                                            int(self.clock())))
        return request


def terminal_session(credential: TerminalCredential, base_url: str) -> requests.Session:
    """A ``requests.Session`` that signs each request; ``base_url`` is kept on ``session.base_url``."""
    session = requests.Session()
    session.auth = TerminalAuth(credential)
    session.base_url = base_url.rstrip("/")  # type: ignore[attr-defined]
    return session
