"""Feed cursors: their text form, and the agent-side check that pages follow one another.

A cursor is the ``seq`` of the last change a reader has applied, as decimal text ("0" = nothing
yet). It is transparent on purpose: an agent must be able to check that a page really continues
from where it stands before it applies it and stores the page's ``next_cursor``.
"""

from __future__ import annotations

from dataclasses import dataclass

from store_sync.exceptions import CursorError, FeedOrderError
from store_sync.feed import ChangesPage

MAX_CURSOR = 2**63 - 1  # a PostgreSQL bigint


def format_cursor(seq: int) -> str:
    return str(seq)


def parse_cursor(text: str | None) -> int:
    """Read a cursor; None or "" means the start of the feed.

    Raises:
        CursorError: the text is not a decimal number between 0 and 2**63 - 1.
    """
    if text is None or text == "":
        return 0
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_CURSOR:
        raise CursorError(text, "a cursor is a whole number from 0 to 9223372036854775807")
    return int(text)


@dataclass
class CursorTracker:
    """Where an agent stands in the feed; refuses pages that would skip or reorder changes.

    Call ``accept(page)`` before applying a page, then store ``cursor`` with the applied page in
    the same local transaction.
    """

    cursor: int = 0

    def accept(self, page: ChangesPage) -> int:
        """Check ``page`` against the current cursor and move to its ``next_cursor``.

        Raises:
            FeedOrderError: the page was served from another cursor, its seqs are not strictly
                increasing after the cursor, or its ``next_cursor`` goes backwards or falls short
                of its last item.
        """
        check_page(page, self.cursor)
        self.cursor = page.next_cursor
        return self.cursor


def check_page(page: ChangesPage, cursor: int) -> None:
    """Raise ``FeedOrderError`` unless ``page`` continues the feed exactly from ``cursor``."""
    if page.cursor != cursor:
        raise FeedOrderError("wrong-cursor", f"the page starts after {page.cursor}, we stand at {cursor}")
    previous = cursor
    for change in page.items:
        if change.seq <= previous:
            raise FeedOrderError("out-of-order", f"seq {change.seq} follows {previous}")
        previous = change.seq
    if page.next_cursor < previous:
        raise FeedOrderError("cursor-behind", f"next cursor {page.next_cursor} is before seq {previous}")
    if page.has_more and page.items and page.next_cursor != previous:
        raise FeedOrderError("cursor-ahead", f"more pages follow but the next cursor {page.next_cursor} "
                                             f"skips past the last item {previous}")
