"""gunicorn, driven from Python so `onecard server` needs no separate config file.

The worker model is gunicorn's threaded worker with two changes (``OneCardWorker``):

- every request must arrive in full (request line, headers and body) within ``read_timeout``
  seconds of a thread starting to read it, or the connection is dropped (after a 408 answer when
  it was the body that came too slowly). gunicorn reads a body
  with a blocking socket and no time limit, so without this a client sending a byte a second
  holds a thread for as long as it likes; a per-``recv`` timeout alone would not help, since
  each of its bytes arrives well within any such timeout.
- a worker accepts a new connection only while one of its threads is idle. gunicorn's worker
  accepts while it has room for connections (1,000) and queues them behind its busy threads, so a
  request could wait behind slow clients in one worker while another worker sat idle; left in
  the listening socket, it goes to the first worker with a free thread.

Idle keep-alive connections wait in the worker's event loop, not on a thread, so tills keeping
their connection open between requests cost no thread. They stay open ``DEFAULT_KEEP_ALIVE``
seconds (``--keep-alive``) rather than gunicorn's 2: a client whose next request is sent just as
the server closes the idle connection loses that request to a reset, and under load, when answers
slow down, the gaps between a client's requests grow past 2 s. A worker keeps at most 1,000
connections less its threads alive and asks further clients to close after their answer.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import TConn, ThreadWorker
from werkzeug.exceptions import RequestTimeout

DEFAULT_READ_TIMEOUT = 30
DEFAULT_KEEP_ALIVE = 15


class ReadDeadlinePassed(ConnectionResetError):
    """The client did not send its whole request in time; the connection is to be dropped.

    A ``ConnectionResetError`` because that is how gunicorn already treats a client that went
    away: it closes the connection quietly instead of logging a traceback for it.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(errno.ECONNRESET, f"the request was not received within {seconds:g} s")


class DeadlineSocket:
    """A client socket whose blocking reads for one request all end by one deadline.

    Reads that bound themselves (gunicorn's body drain and its lingering close set a timeout of
    their own) are left alone until the deadline has passed; after that every read fails at
    once, so nothing waits on a client that has already had its time.
    """

    def __init__(self, sock, seconds: float) -> None:
        self._sock = sock
        self._seconds = seconds
        self._deadline = time.monotonic() + seconds

    def start_request(self) -> None:
        self._deadline = time.monotonic() + self._seconds

    def recv(self, size: int, *flags: int) -> bytes:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise ReadDeadlinePassed(self._seconds)
        if self._sock.gettimeout() is not None:
            return self._sock.recv(size, *flags)
        self._sock.settimeout(remaining)
        try:
            return self._sock.recv(size, *flags)
        except TimeoutError:
            raise ReadDeadlinePassed(self._seconds) from None
        finally:
            self._sock.settimeout(None)  # writing the response stays blocking, as gunicorn expects

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


class _Connection(TConn):
    def __init__(self, cfg, sock, client, server, read_timeout: float) -> None:
        super().__init__(cfg, DeadlineSocket(sock, read_timeout), client, server)

    def init(self) -> None:
        # gunicorn calls this in a worker thread as it starts reading each request.
        self.sock.start_request()
        super().init()


class OneCardWorker(ThreadWorker):
    """gunicorn's threaded worker with a read deadline per request; see the module docstring."""

    read_timeout: float = DEFAULT_READ_TIMEOUT

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._on_threads = 0  # connections handed to the pool and not yet back (main thread only)

    def accept(self, listener) -> None:
        try:
            client_sock, client_addr = listener.accept()
        except (BlockingIOError, ConnectionAbortedError):  # another worker took it, or the client left
            return
        self.nr_conns += 1
        client_sock.setblocking(True)
        self.enqueue_req(_Connection(self.cfg, client_sock, client_addr, listener.getsockname(),
                                     self.read_timeout))

    def enqueue_req(self, conn) -> None:
        self._on_threads += 1
        super().enqueue_req(conn)
        if self._on_threads >= self.cfg.threads:
            super().set_accept_enabled(False)

    def finish_request(self, conn, fs) -> None:
        self._on_threads -= 1
        super().finish_request(conn, fs)

    def set_accept_enabled(self, enabled: bool) -> None:
        # gunicorn's loop turns accepting back on whenever it has room for connections; only
        # do so with a thread free to take the next one.
        super().set_accept_enabled(enabled and self._on_threads < self.cfg.threads)


class RequestReadDeadline:
    """WSGI middleware: a request body that misses the read deadline is answered 408."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        stream = environ.get("wsgi.input")
        if stream is not None:
            environ["wsgi.input"] = _DeadlineInput(stream)
        return self.app(environ, start_response)


class _DeadlineInput:
    def __init__(self, stream) -> None:
        self._stream = stream

    def read(self, *args):
        return self._call(self._stream.read, *args)

    def readline(self, *args):
        return self._call(self._stream.readline, *args)

    def readlines(self, *args):
        return self._call(self._stream.readlines, *args)

    def __iter__(self):
        return iter(self.readline, b"")

    @staticmethod
    def _call(method, *args):
        try:
            return method(*args)
        except ReadDeadlinePassed as exc:
            raise RequestTimeout(str(exc)) from None


class GunicornApp(BaseApplication):
    """Serve ``app`` with ``OneCardWorker``; ``after_fork`` runs in each worker as it starts."""

    def __init__(self, app, options: dict, read_timeout: float = DEFAULT_READ_TIMEOUT,
                 after_fork: Callable[[], None] | None = None) -> None:
        self.application = RequestReadDeadline(app)
        self.options = options
        self.worker_class = type("OneCardWorker", (OneCardWorker,), {"read_timeout": read_timeout})
        self.after_fork = after_fork
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("worker_class", self.worker_class)
        if self.after_fork is not None:
            self.cfg.set("post_fork", self._post_fork)
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def _post_fork(self, _arbiter, _worker) -> None:
        self.after_fork()

    def load(self):
        return self.application
