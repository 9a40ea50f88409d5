"""Test helpers for the change feed: publish changes, and a reader that applies them like an agent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from server.sync import read_changes, record_change, sequence_pending
from store_sync.cursor import CursorTracker
from store_sync.feed import Change, Op

AT = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def publish(engine: Engine, *changes: tuple[str, str, str, dict[str, Any] | None, str | None],
            at: datetime = AT) -> None:
    """Commit (entity_type, entity_id, op, payload, store) changes in one transaction, written at ``at``."""
    with Session(engine) as session:
        for entity_type, entity_id, op, payload, store in changes:
            record_change(session, entity_type=entity_type, entity_id=entity_id, op=op,
                          payload=payload, store_code=store, now=at)
        session.commit()


def apply(state: dict[tuple[str, str], dict], change: Change) -> None:
    """What an agent's cache does with a change: idempotent upsert or delete by entity."""
    key = (change.entity_type, change.entity_id)
    if change.op is Op.DELETE:
        state.pop(key, None)
    else:
        state[key] = change.payload


class FeedReader:
    """A store agent in miniature: pulls pages from its cursor, checks them, applies them."""

    def __init__(self, engine: Engine, store: str, limit: int = 50, cursor: int = 0) -> None:
        self.engine, self.store, self.limit = engine, store, limit
        self.tracker = CursorTracker(cursor)
        self.seen: list[Change] = []
        self.state: dict[tuple[str, str], dict] = {}

    @property
    def cursor(self) -> int:
        return self.tracker.cursor

    def poll(self, *, wait: bool = False) -> int:
        """Read until caught up; ``wait=False`` is the API's opportunistic sequencing."""
        sequence_pending(self.engine, wait=wait)
        before = len(self.seen)
        with Session(self.engine) as session:
            while True:
                page = read_changes(session, self.store, self.cursor, self.limit)
                self.tracker.accept(page)
                for change in page.items:
                    self.seen.append(change)
                    apply(self.state, change)
                if not page.has_more:
                    return len(self.seen) - before
