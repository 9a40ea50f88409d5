"""Opening the terminal's SQLite file and running local transactions on it."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pos_agent.store.schema import SCHEMA


class Database:
    """One SQLite connection shared by the agent's threads, one transaction at a time.

    WAL lets readers run beside the writer; ``synchronous=FULL`` makes a commit durable on disk
    before it returns, so a completed sale survives a power cut before its receipt prints.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block as one local transaction: committed on success, rolled back on error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """Read under the lock, so a reader never sees another thread's open transaction."""
        with self._lock:
            yield self._conn

    def pragma(self, name: str) -> str:
        with self.reading() as conn:
            return str(conn.execute(f"PRAGMA {name}").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
