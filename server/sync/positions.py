"""Where each terminal stands in the feed, for sync-health reports (the till keeps the truth)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.models import FeedPosition


def record_position(session: Session, terminal_id: uuid.UUID, cursor: int, now: datetime) -> None:
    """A terminal asked for changes after ``cursor``: it has applied everything up to it."""
    _upsert(session, {"terminal_id": terminal_id, "cursor": cursor, "read_at": now},
            {"cursor": cursor, "read_at": now})


def record_snapshot(session: Session, terminal_id: uuid.UUID, now: datetime) -> None:
    """A terminal (re)bootstrapped: worth seeing in sync health, as it means a new or wiped till."""
    _upsert(session, {"terminal_id": terminal_id, "cursor": 0, "read_at": now, "snapshot_at": now},
            {"snapshot_at": now})


def _upsert(session: Session, row: dict, changes: dict) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(FeedPosition).values(row)
    session.execute(stmt.on_conflict_do_update(index_elements=[FeedPosition.terminal_id], set_=changes))
