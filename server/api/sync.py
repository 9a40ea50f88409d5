"""GET /sync/changes and /sync/snapshot: the change feed, for the signed terminal's own store."""

from __future__ import annotations

from sqlalchemy import select

from server.api.blueprint import Blueprint
from server.api.context import (
    TERMINAL_SIGNED,
    current_terminal,
    db_session,
    ensure_terminal_scope,
    services,
    terminal_required,
)
from server.models import Store
from server.schemas.sync import ChangesQuerySchema, SnapshotQuerySchema
from server.sync import read_changes, record_position, record_snapshot, sequence_pending, snapshot
from store_sync.schemas import ChangesPageSchema, SnapshotPageSchema

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync",
                description="The change feed down to store terminals (signed requests)")


@blp.route("/changes")
@blp.doc(security=TERMINAL_SIGNED)
@terminal_required
@blp.arguments(ChangesQuerySchema, location="query")
@blp.response(200, ChangesPageSchema)
def changes(query):
    """Changes after the cursor for this terminal's store, oldest first.

    Store the page's next_cursor with the applied changes in one local transaction; ask again at
    once while has_more is true. A change may arrive twice: apply it idempotently.
    """
    _number_committed_changes()
    store = _own_store(query["store"])
    session = db_session()
    page = read_changes(session, store, query["cursor"], query["limit"])
    record_position(session, current_terminal().id, query["cursor"], services().clock())
    session.commit()
    return page


@blp.route("/snapshot")
@blp.doc(security=TERMINAL_SIGNED)
@terminal_required
@blp.arguments(SnapshotQuerySchema, location="query")
@blp.response(200, SnapshotPageSchema)
def store_snapshot(query):
    """This store's current state, page by page; then follow GET /sync/changes from its cursor."""
    if query["page"] is None:
        _number_committed_changes()
    store = _own_store(query["store"])
    session = db_session()
    if query["page"] is None:
        record_snapshot(session, current_terminal().id, services().clock())
    page = snapshot(session, store, page=query["page"], limit=query["limit"])
    session.commit()
    return page


def _number_committed_changes() -> None:
    # Before the request's session opens: on SQLite every transaction holds the write lock.
    sequence_pending(services().db.engine, wait=False)


def _own_store(asked: str | None) -> str:
    if asked is not None:
        ensure_terminal_scope(asked)
        return asked
    return db_session().scalar(select(Store.code).where(Store.id == current_terminal().store_id))
