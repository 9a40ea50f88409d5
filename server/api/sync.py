"""GET /sync/changes and /sync/snapshot: the change feed, for the signed terminal's own store."""

from __future__ import annotations

from flask import make_response, request

from server.api.blueprint import Blueprint
from server.api.context import (
    TERMINAL_SIGNED,
    current_terminal,
    db_session,
    ensure_terminal_scope,
    services,
    terminal_required,
)
from server.schemas.sync import ChangesQuerySchema, SnapshotQuerySchema
from server.sync import read_changes_json, record_snapshot, sequence_pending, snapshot_json
from server.sync.feed import publish_watermarks
from server.sync.page_cache import KeptPage
from store_sync.feed import ChangesPage
from store_sync.schemas import ChangesPageSchema, SnapshotPageSchema

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync",
                description="The change feed down to store terminals (signed requests)")


@blp.route("/changes")
@blp.doc(security=TERMINAL_SIGNED)
@terminal_required
@blp.arguments(ChangesQuerySchema, location="query")
@blp.response(200, ChangesPageSchema, headers={"ETag": {"description": "Sent with a page without "
              "changes; send it back in If-None-Match to be answered 304 while that is still so",
              "schema": {"type": "string"}}})
@blp.alt_response(304, description="Nothing new since the page whose ETag was sent in If-None-Match")
def changes(query):
    """Changes after the cursor for this terminal's store, oldest first.

    Store the page's next_cursor with the applied changes in one local transaction; ask again at
    once while has_more is true. A change may arrive twice: apply it idempotently. A till at the
    head is answered without database work (see server.sync.watermarks), and so is a full page
    another till of the store read before (see server.sync.page_cache). No page writes to the
    database: the till's position is noted for sync health in the process (PositionBuffer).
    """
    svc, store, cursor, limit = services(), _own_store(query["store"]), query["cursor"], query["limit"]
    marks = svc.watermarks.read(store)
    if not marks.due and marks.store <= cursor <= marks.head:
        svc.positions.saw(current_terminal().id, cursor, svc.clock())
        return _idle(store, cursor, marks.head)
    # Asked before the database is read: a page read now is kept under the generation seen here.
    kept = svc.feed_pages.get(store, cursor, limit)
    if not marks.due and kept.page is not None and kept.page.next_cursor <= marks.head:
        svc.positions.saw(current_terminal().id, cursor, svc.clock())
        return _json(kept.page.text)
    _number_committed_changes()
    session = db_session()
    if marks.due and publish_watermarks(session, svc.watermarks, marks.head):
        svc.feed_pages.clear()  # the log was restored or emptied: kept pages may show rows it no longer has
    page = read_changes_json(session, store, cursor, limit)
    # End the read first: on SQLite every transaction takes the write lock (BEGIN IMMEDIATE), and
    # noting the position may write the process's pending positions in a session of its own.
    session.commit()
    svc.positions.saw(current_terminal().id, cursor, svc.clock())
    if not page.count:
        return _idle(store, cursor, page.next_cursor)
    if page.has_more:  # full: it can no longer change (server.sync.page_cache)
        svc.feed_pages.put(kept, store, cursor, limit, KeptPage(page.next_cursor, page.text))
    return _json(page.text)


def _json(text: str):
    # Written as ChangesPageSchema dumps it, from the payloads' stored JSON text (see read_changes_json).
    return make_response(text, 200, {"Content-Type": "application/json"})


def _idle(store: str, cursor: int, next_cursor: int):
    """An empty page with its ETag, or 304 to a till that sent that ETag."""
    etag = f"{store}.{cursor}.{next_cursor}"
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        page = ChangesPage(cursor=cursor, items=(), next_cursor=next_cursor, has_more=False)
        response = make_response(ChangesPageSchema().dump(page), 200)
    response.set_etag(etag)
    return response


@blp.route("/snapshot")
@blp.doc(security=TERMINAL_SIGNED)
@terminal_required
@blp.arguments(SnapshotQuerySchema, location="query")
@blp.response(200, SnapshotPageSchema)
def store_snapshot(query):
    """This store's current state, page by page; then follow GET /sync/changes from its cursor.

    A till may store each page with its next_page token and, after a crash or a lost link, go on
    from that token: every page of one snapshot is as of the same cursor.
    """
    if query["page"] is None:
        _number_committed_changes()
    store = _own_store(query["store"])
    session = db_session()
    if query["page"] is None:
        record_snapshot(session, current_terminal().id, services().clock())
    body = snapshot_json(session, store, page=query["page"], limit=query["limit"])
    session.commit()
    # Written as SnapshotPageSchema dumps it, from the payloads' stored JSON text (see snapshot_json).
    return make_response(body, 200, {"Content-Type": "application/json"})


def _number_committed_changes() -> None:
    # Before the request's session opens: on SQLite every transaction holds the write lock.
    sequence_pending(services().db.engine, wait=False)


def _own_store(asked: str | None) -> str:
    if asked is not None:
        ensure_terminal_scope(asked)
        return asked
    return current_terminal().store_code
