"""Where each terminal stands in the feed, for sync-health reports (the till keeps the truth)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import datetime

from sqlalchemy import or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from server.models import FeedPosition

FLUSH_SECONDS = 5.0
log = logging.getLogger(__name__)


def record_snapshot(session: Session, terminal_id: uuid.UUID, now: datetime) -> None:
    """A terminal (re)bootstrapped: worth seeing in sync health, as it means a new or wiped till."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(FeedPosition).values(terminal_id=terminal_id, cursor=0, read_at=now, snapshot_at=now)
    session.execute(stmt.on_conflict_do_update(index_elements=[FeedPosition.terminal_id],
                                               set_={"snapshot_at": now}))


def _upsert(session: Session, rows: list[dict]) -> None:
    """Insert or move each position forward; a row read earlier than the one kept changes nothing."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(FeedPosition).values(rows)
    newer = or_(FeedPosition.read_at.is_(None), FeedPosition.read_at <= stmt.excluded.read_at)
    session.execute(stmt.on_conflict_do_update(
        index_elements=[FeedPosition.terminal_id],
        set_={"cursor": stmt.excluded.cursor, "read_at": stmt.excluded.read_at}, where=newer))


class PositionBuffer:
    """Positions of tills reading the feed, kept in this process and written together.

    A till asking for changes after a cursor has applied everything up to it. Its request writes
    nothing; the first request after ``flush_seconds`` writes the latest position of every till
    this process saw since, in one statement. Sync health therefore shows
    a till's last contact at most ``flush_seconds`` late (while any till polls this process), and
    a process that stops loses at most that much of it (the next poll records it again).
    """

    def __init__(self, sessions: sessionmaker[Session], flush_seconds: float = FLUSH_SECONDS) -> None:
        self._sessions, self._every = sessions, flush_seconds
        self._pending: dict[uuid.UUID, dict] = {}
        self._lock = threading.Lock()
        self._flushed_at = time.monotonic()

    def saw(self, terminal_id: uuid.UUID, cursor: int, now: datetime) -> None:
        """Note a till's poll; write the pending positions if the last write is old enough."""
        with self._lock:
            self._pending[terminal_id] = {"terminal_id": terminal_id, "cursor": cursor, "read_at": now}
            due = time.monotonic() - self._flushed_at >= self._every
            if due:
                self._flushed_at = time.monotonic()
        if due:
            try:
                self.flush()
            except Exception:  # sync health may lag; the till's answer must not fail for it
                log.exception("could not record the feed positions of tills")

    def flush(self) -> int:
        """Write what is pending now; returns how many positions were written."""
        with self._lock:
            rows, self._pending = list(self._pending.values()), {}
        if rows:
            with self._sessions() as session:
                _upsert(session, rows)
                session.commit()
        return len(rows)
