"""Counting the SQL statements a piece of work sends to the database, so hot paths cannot grow."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Collect the statements this thread executes on ``engine`` inside the block.

    Only this thread's: a background thread of the server (the feed-position flusher) is not
    the request being measured. Flask's test client serves the request on the calling thread.
    """
    seen: list[str] = []
    me = threading.get_ident()

    def count(_conn, _cursor, statement, _params, _context, _executemany):
        if threading.get_ident() == me:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
