"""Reading the change feed: a store's changes after a cursor, in seq order."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, Integer, String, Text, bindparam, cast, func, or_, select, union_all
from sqlalchemy.orm import Session

from server.models import ChangeRecord
from server.sync.exceptions import FeedCursorError
from server.sync.watermarks import Watermarks
from store_sync.feed import Change, ChangesPage, Op
from store_sync.schemas import changes_page_json


@dataclass(frozen=True)
class ChangesPageText:
    """A page as the JSON text ``ChangesPageSchema`` dumps (``text``), with its head beside it."""

    cursor: int
    next_cursor: int
    has_more: bool
    count: int  # items in the text
    text: str


def visible_to(store_code: str):
    """Rows for this store and rows for every store (store_code NULL)."""
    return or_(ChangeRecord.store_code == store_code, ChangeRecord.store_code.is_(None))


def head_seq(session: Session) -> int:
    """The highest committed seq: every seq from 1 to it was committed, and none will be issued again.

    Compaction (server.sync.compaction) may have deleted some of them, superseded changes all,
    but never the highest, so the head never goes back.
    """
    return session.scalar(select(func.coalesce(func.max(ChangeRecord.seq), 0)))


def check_cursor(session: Session, cursor: int) -> int:
    """Return the head; refuse a cursor past it (issued by another database, or before a restore)."""
    head = head_seq(session)
    if cursor > head:
        raise FeedCursorError(f"cursor {cursor} is ahead of the feed (at {head}); "
                              "bootstrap again from GET /sync/snapshot", head=head)
    return head


def read_changes(session: Session, store_code: str, cursor: int, limit: int) -> ChangesPage:
    """Up to ``limit`` changes after ``cursor`` for ``store_code``, oldest first.

    When the store is caught up, ``next_cursor`` jumps to the head read before the rows, past
    changes for other stores: every seq up to that head was already committed (or compacted away,
    superseded by a later change), so no change can appear below it later.
    """
    rows, has_more, next_cursor = _read(session, _PAGE, store_code, cursor, limit)
    return ChangesPage(cursor=cursor, items=tuple(to_change(row) for row in rows), has_more=has_more,
                       next_cursor=next_cursor)


def read_changes_json(session: Session, store_code: str, cursor: int, limit: int) -> ChangesPageText:
    """The same page as ``read_changes``, as the JSON text of ``ChangesPageSchema``, with each payload
    copied from the database's JSON text rather than decoded and dumped again."""
    rows, has_more, next_cursor = _read(session, _PAGE_TEXT, store_code, cursor, limit)
    text = changes_page_json(cursor, next_cursor, has_more, rows)
    return ChangesPageText(cursor, next_cursor, has_more, len(rows), text)


def _read(session: Session, statement, store_code: str, cursor: int, limit: int) -> tuple[list, bool, int]:
    """The page's rows (seq, entity_type, entity_id, op, payload, created_at, store_code), whether
    more follow, and the cursor to ask from next."""
    head = check_cursor(session, cursor)
    rows = session.execute(statement, {"store": store_code, "cursor": cursor, "size": limit + 1}).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].seq if rows else cursor
    return rows, has_more, last if has_more else max(head, last)


def _page(payload):
    """The store's rows and the every-store rows, each an ordered range of (store_code, seq), merged.

    Each half can be one ordered range scan of ix_change_log_store_code_seq stopping after ``size``
    entries, so a page costs the same however sparse this store's rows are among other stores'
    (with an OR, the planner walks the seq index and filters, or bitmap-scans the whole tail).
    Built once, with the store, cursor and size as parameters.
    """
    columns = (ChangeRecord.seq, ChangeRecord.entity_type, ChangeRecord.entity_id, ChangeRecord.op,
               payload.label("payload"), ChangeRecord.created_at, ChangeRecord.store_code)
    size = bindparam("size", type_=Integer)
    halves = [select(*columns).where(scope, ChangeRecord.seq > bindparam("cursor", type_=BigInteger))
              .order_by(ChangeRecord.seq).limit(size).subquery()
              for scope in (ChangeRecord.store_code == bindparam("store", type_=String),
                            ChangeRecord.store_code.is_(None))]
    merged = union_all(*(select(half) for half in halves)).subquery()
    return select(merged).order_by(merged.c.seq).limit(size)


# Plain rows, not ORM objects: a page is read once and never changed (about twice as fast).
_PAGE = _page(ChangeRecord.payload)
_PAGE_TEXT = _page(cast(ChangeRecord.payload, Text))


def to_change(row) -> Change:
    return Change(seq=row.seq, entity_type=row.entity_type, entity_id=row.entity_id, op=Op(row.op),
                  payload=row.payload, at=row.created_at, store=row.store_code)


def publish_watermarks(session: Session, watermarks: Watermarks, since: int) -> bool:
    """Publish the head and the markers of every store that has changes after ``since``.

    ``since`` is a head the watermarks already held, so their markers cover everything up to
    it; one statement reads the rest (an index range on seq), and the highest seq it finds is a
    safe head because the sequencer's numbers are a gap-free committed prefix (compaction deletes
    only superseded changes, never the highest: a deleted change's store is counted by the marker
    of its superseder, later and for the same store or for every store). A database whose
    head is behind ``since`` was restored or emptied: the watermarks start again from nothing,
    and it returns True (what was kept of the old log, such as full pages, must go too).
    """
    rows = session.execute(select(ChangeRecord.store_code, func.max(ChangeRecord.seq))
                           .where(ChangeRecord.seq > since).group_by(ChangeRecord.store_code)).all()
    if rows:
        markers = dict(rows)
        watermarks.publish(markers, max(markers.values()))
    elif since and head_seq(session) < since:
        watermarks.forget()
        return True
    return False
