"""Pulling the change feed into the local cache: snapshot first, then pages of changes.

Each changes page is applied together with its ``next_cursor`` in one local transaction, so a
crash leaves either the page and its cursor or neither; a page seen again changes nothing
because every entity keeps the seq that produced it. A bootstrap stores each snapshot page with
the token of the next, so one cut short goes on where it stopped. A member delete that says the person was
erased also scrubs them from the journal, kept sales and open baskets (pos_agent.store.erasure).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from pos_agent.exceptions import SnapshotRefused
from pos_agent.store import cache
from pos_agent.store.database import Database
from pos_agent.store.erasure import forget_member
from store_sync.cursor import check_page
from store_sync.entities import Entity, erased_member
from store_sync.feed import Change, ChangesPage, Op, SnapshotPage, SnapshotPageText

LAST_CAUGHT_UP = "caught_up_at"
# Changes asked for per page: the server's largest. After a catalogue publish every till of a
# store pages through thousands of changes at once; fewer, larger pages cost the server and the
# till fewer requests (bench.feed_catchup, bench.agent_catchup: README).
PAGE_SIZE = 1000
SNAPSHOT_PAGE = "snapshot_page"  # the token of the next snapshot page, while a bootstrap is under way

log = logging.getLogger(__name__)


class FeedPuller:
    """Brings the cache up to date with the server's feed for this store."""

    def __init__(self, db: Database, link, clock: Callable[[], datetime], *, page_size: int = PAGE_SIZE,
                 snapshot_page_size: int = 5000) -> None:
        self.db, self.link, self.clock, self.page_size = db, link, clock, page_size
        # A bootstrap reads the whole store's state (a chain's members: hundreds of thousands of
        # entities): pages as large as the server serves (5,000) save round trips.
        self.snapshot_page_size = snapshot_page_size
        self.on_catalogue_change: Callable[[], None] = lambda: None
        self.received = 0  # changes (and snapshot pages) received since the puller was made

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
            self.received += len(page.items)
            cursor = page.next_cursor
            if not page.has_more:
                return changed

    def bootstrap(self) -> int:
        """Load the store's snapshot; the cursor is stored with its last page only.

        Each page is stored with the token of the page after it, so a bootstrap cut short (a crash,
        a lost link) goes on from the first page not yet applied; one the server no longer serves
        (its database was restored) starts again from nothing. The next page is fetched while one
        is applied: the server's work and the till's overlap.
        """
        page, first = self._first_snapshot_page()
        changed = 0
        with ThreadPoolExecutor(1, thread_name_prefix="snapshot-fetch") as fetcher:
            while True:
                following = (fetcher.submit(self.link.snapshot, page.next_page, self.snapshot_page_size)
                             if page.next_page is not None else None)
                changed += self._apply_snapshot_page(page, first)
                self.received += 1
                if following is None:
                    return changed + self.pull()
                page, first = following.result(), False

    def _first_snapshot_page(self) -> tuple[SnapshotPage | SnapshotPageText, bool]:
        """The page to apply first, and whether it begins the snapshot (rather than resuming one)."""
        with self.db.reading() as conn:
            token = cache.get_state(conn, SNAPSHOT_PAGE)
        if token is not None:
            try:
                return self.link.snapshot(token, self.snapshot_page_size), False
            except SnapshotRefused as exc:
                log.warning("starting the snapshot again: %s", exc)
        return self.link.snapshot(None, self.snapshot_page_size), True

    def _apply_snapshot_page(self, page: SnapshotPage | SnapshotPageText, first: bool) -> int:
        with self.db.transaction() as conn:
            if first:  # a wiped or new till: nothing old may survive the snapshot
                cache.clear(conn)
                cache.drop_lookup_indexes(conn)  # built once the last page is in
            if isinstance(page, SnapshotPageText):
                changed = cache.apply_snapshot_text(conn, page.text, page.entity_types)
            else:
                changed = cache.apply_snapshot(conn, page.items)
            if page.next_page is None:
                cache.build_lookup_indexes(conn)
                cache.set_cursor(conn, page.cursor)
                cache.clear_state(conn, SNAPSHOT_PAGE)
            else:
                cache.set_state(conn, SNAPSHOT_PAGE, page.next_page)
        self.on_catalogue_change()
        return changed

    def _apply_page(self, page: ChangesPage, cursor: int) -> int:
        check_page(page, cursor)
        with self.db.transaction() as conn:
            changed = sum(_apply(conn, c) for c in page.items)
            cache.set_cursor(conn, page.next_cursor)
            if not page.has_more:
                cache.set_state(conn, LAST_CAUGHT_UP, self.clock().isoformat())
        if changed:
            self.on_catalogue_change()
        return changed


def _apply(conn, change: Change) -> bool:
    """Apply one change; an erased member is also scrubbed from the till's own records."""
    if change.op is not Op.DELETE:
        return cache.apply_change(conn, change.entity_type, change.entity_id, change.seq, change.payload)
    changed = cache.apply_change(conn, change.entity_type, change.entity_id, change.seq, None)
    erasure = erased_member(change.payload) if change.entity_type == Entity.MEMBER else None
    if erasure is not None:  # scrubbing again when the change is seen twice changes nothing new
        changed = bool(forget_member(conn, change.entity_id, erasure["journal_items"])) or changed
    return changed
