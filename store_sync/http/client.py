"""The signed HTTP client a terminal uses to talk to the central server."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ProtocolError

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


SAFE_METHODS = frozenset({"GET", "HEAD"})


class KeepAliveSession(requests.Session):
    """A session that keeps its connections open and sends a safe request again once if the server
    had closed the kept-alive connection under it (the reset comes before any answer, so the server
    may or may not have seen the request: only a GET or HEAD can be repeated without harm).

    The request is prepared again, so a signed one goes out with a fresh nonce.
    """

    def request(self, method, url, *args, **kwargs):
        try:
            return super().request(method, url, *args, **kwargs)
        except requests.ConnectionError as exc:
            if method.upper() not in SAFE_METHODS or not _dropped_connection(exc):
                raise
        return super().request(method, url, *args, **kwargs)


def _dropped_connection(exc: requests.ConnectionError) -> bool:
    # urllib3 raises ProtocolError (wrapping RemoteDisconnected or ConnectionResetError) for a
    # connection that died under a request; a refused or unreachable host comes as MaxRetryError.
    return bool(exc.args) and isinstance(exc.args[0], ProtocolError)


def terminal_session(credential: TerminalCredential, base_url: str) -> requests.Session:
    """A ``KeepAliveSession`` that signs each request; ``base_url`` is kept on ``session.base_url``."""
    session = KeepAliveSession()
    session.auth = TerminalAuth(credential)
    session.base_url = base_url.rstrip("/")  # type: ignore[attr-defined]
    return session
