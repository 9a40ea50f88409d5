"""Appending to the change log: what writers call inside their own transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from server.db import signal_on_commit
from server.models import ChangeRecord
from store_sync.feed import Op

FEED_CHANGED = "feed-changed"  # raised by every writer of changes; see server.sync.watermarks
# Raised by a writer that changes rows already in the log (an erasure): kept pages are then cleared
# (server.sync.page_cache).
FEED_REWRITTEN = "feed-rewritten"

_INSERT = insert(ChangeRecord.__table__)
_INSERT_RETURNING = _INSERT.returning(ChangeRecord.__table__.c.order_key)


def record_change(session: Session, *, entity_type: str, entity_id: str, op: Op | str,
                  payload: dict[str, Any] | None, store_code: str | None = None,
                  now: datetime) -> int:
    """Log a change in the caller's transaction (it commits or rolls back with it); return its order_key.

    Call it after writing the entity's own row: that write locks the row until commit, so a later
    writer of the same entity gets a larger order_key, and the feed keeps the two in order. For
    that, the caller's pending ORM writes are flushed first and the change is inserted at once.
    ``store_code`` None means every store; ``payload`` is the entity's full new state for an upsert.
    """
    row = _row(entity_type, entity_id, op, payload, store_code, now)
    session.flush()
    signal_on_commit(session, FEED_CHANGED)
    return session.execute(_INSERT_RETURNING, row).scalar_one()


def record_changes(session: Session, changes: Iterable[Mapping[str, Any]], *, now: datetime) -> int:
    """Log many changes at once (bulk publishing); each mapping holds record_change's keywords.

    Within the batch, changes keep their given order. Returns how many were logged.
    """
    rows = [_row(c["entity_type"], c["entity_id"], c["op"], c.get("payload"), c.get("store_code"), now)
            for c in changes]
    if rows:
        session.flush()
        session.execute(_INSERT, rows)
        signal_on_commit(session, FEED_CHANGED)
    return len(rows)


def _row(entity_type: str, entity_id: str, op: Op | str, payload: dict[str, Any] | None,
         store_code: str | None, now: datetime) -> dict[str, Any]:
    op = Op(op)
    if not entity_type or not entity_id:
        raise ValueError("a change needs an entity_type and an entity_id")
    if op is Op.UPSERT and not isinstance(payload, dict):
        raise ValueError("an upsert carries the entity's state as a dict")
    return {"entity_type": entity_type, "entity_id": str(entity_id), "op": op.value,
            "store_code": store_code, "payload": payload or {}, "created_at": now}
