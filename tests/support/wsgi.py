"""WSGI apps for the in-process test servers that browsers talk to."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

WsgiApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]


def closing_body(app: WsgiApp) -> WsgiApp:
    """``app`` with each response body closed as soon as it has been sent.

    werkzeug's development server closes a body only after it has drained the request's socket,
    and that drain raises when the client reset the connection (a browser closed at a test's
    teardown). A static file's body is then left to the garbage collector, whose "unclosed file"
    ResourceWarning fails whichever test runs at that moment (pytest turns warnings into errors).
    """

    def wrapped(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        return _ClosedWhenSent(app(environ, start_response))

    return wrapped


class _ClosedWhenSent:
    """A body closed once iterated to its end, or when its iteration is abandoned and collected."""

    def __init__(self, body: Iterable[bytes]) -> None:
        self._body = body
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._body
        finally:
            self.close()

    def close(self) -> None:
        if not self._closed:  # a response's close callbacks must run once
            self._closed = True
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
