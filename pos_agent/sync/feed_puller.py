"""Pulling the change feed into the local cache: snapshot first, then pages of changes.

Each changes page is applied together with its ``next_cursor`` in one local transaction, so a
crash leaves either the page and its cursor or neither; a page seen again changes nothing
because every entity keeps the seq that produced it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pos_agent.store import cache
from pos_agent.store.database import Database
from store_sync.cursor import check_page
from store_sync.feed import ChangesPage, Op, SnapshotPage

LAST_CAUGHT_UP = "caught_up_at"


class FeedPuller:
    """Brings the cache up to date with the server's feed for this store."""

    def __init__(self, db: Database, link, clock: Callable[[], datetime], *, page_size: int = 200) -> None:
        self.db, self.link, self.clock, self.page_size = db, link, clock, page_size
        self.on_catalogue_change: Callable[[], None] = lambda: None

    def pull(self) -> int:
        """Apply everything new; returns how many entity states changed. Raises LinkDown."""
        with self.db.reading() as conn:
            cursor = cache.get_cursor(conn)
        if cursor is None:
            return self.bootstrap()
        changed = 0
        while True:
            page = self.link.changes(cursor, self.page_size)
            changed += self._apply_page(page, cursor)
            cursor = page.next_cursor
            if not page.has_more:
                return changed

    def bootstrap(self) -> int:
        """Load the store's snapshot; the cursor is stored with its last page only."""
        token, first, changed = None, True, 0
        while True:
            page = self.link.snapshot(token, self.page_size)
            changed += self._apply_snapshot_page(page, first)
            first, token = False, page.next_page
            if token is None:
                return changed + self.pull()

    def _apply_snapshot_page(self, page: SnapshotPage, first: bool) -> int:
        with self.db.transaction() as conn:
            if first:  # a wiped or new till: nothing old may survive the snapshot
                cache.clear(conn)
            changed = sum(cache.apply_change(conn, i.entity_type, i.entity_id, i.seq, i.payload)
                          for i in page.items)
            if page.next_page is None:
                cache.set_cursor(conn, page.cursor)
        self.on_catalogue_change()
        return changed

    def _apply_page(self, page: ChangesPage, cursor: int) -> int:
        check_page(page, cursor)
        with self.db.transaction() as conn:
            changed = sum(cache.apply_change(conn, c.entity_type, c.entity_id, c.seq,
                                             None if c.op is Op.DELETE else c.payload)
                          for c in page.items)
            cache.set_cursor(conn, page.next_cursor)
            if not page.has_more:
                cache.set_state(conn, LAST_CAUGHT_UP, self.clock().isoformat())
        if changed:
            self.on_catalogue_change()
        return changed
