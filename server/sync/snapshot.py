"""A store's snapshot, built from the change log: the latest change per entity up to a cursor.

Sequenced rows never change (except an erased member's, which become tombstones), so the snapshot
as of cursor C is the same whenever it is read, but for erased members and compacted ones; its
pages may be fetched over minutes while writers go on, and the feed continues from C with no gap
(an erasure also appends a change after C, so a till that took the member from an earlier page
drops them; compaction deletes a member's newest change up to C only when a newer one after C
supersedes it, so a page may show that member older or not at all, and the feed after C brings
the newer state: server.sync.compaction).
"""

from __future__ import annotations

import base64
import json

from sqlalchemy import Text, cast, func, select, tuple_
from sqlalchemy.orm import Session

from server.models import ChangeRecord
from server.sync.exceptions import FeedCursorError
from server.sync.feed import check_cursor, head_seq, visible_to
from store_sync.feed import Op, SnapshotItem, SnapshotPage
from store_sync.schemas import snapshot_page_json

DEFAULT_LIMIT = 1000
_log = ChangeRecord.__table__
_UPSERT = Op.UPSERT.value


def snapshot(session: Session, store_code: str, *, page: str | None = None,
             limit: int = DEFAULT_LIMIT) -> SnapshotPage:
    """One page of the store's state: deleted entities left out, ordered by (entity_type, entity_id).

    Without ``page`` the snapshot is taken as of the current head; ``page`` (the previous page's
    ``next_page``) carries that cursor and the last key on.
    """
    as_of, rows, following = _read(session, store_code, page, limit, _log.c.payload)
    items = tuple(SnapshotItem(entity_type=entity_type, entity_id=entity_id, seq=seq, payload=payload)
                  for entity_type, entity_id, seq, op, payload in rows if op == _UPSERT)
    return SnapshotPage(cursor=as_of, items=items, next_page=following)


def snapshot_json(session: Session, store_code: str, *, page: str | None = None,
                  limit: int = DEFAULT_LIMIT) -> str:
    """The same page as ``snapshot``, as the JSON text of ``SnapshotPageSchema``, with each payload
    copied from the database's JSON text rather than decoded and encoded again."""
    as_of, rows, following = _read(session, store_code, page, limit, cast(_log.c.payload, Text))
    return snapshot_page_json(as_of, following, ((entity_type, entity_id, seq, payload)
                                                 for entity_type, entity_id, seq, op, payload in rows if op == _UPSERT))


def _read(session: Session, store_code: str, page: str | None, limit: int, payload):
    if page is None:
        as_of, after = head_seq(session), None
    else:
        as_of, after = decode_page(page)
        check_cursor(session, as_of)
    # On the session's connection: plain rows, without the ORM's per-row work.
    rows = session.connection().execute(_latest_page(store_code, as_of, after, limit, payload)).all()
    following = encode_page(as_of, rows[-1][0], rows[-1][1]) if len(rows) == limit else None
    return as_of, rows, following


def _latest_page(store_code: str, as_of: int, after: tuple[str, str] | None, limit: int, payload):
    key = (_log.c.entity_type, _log.c.entity_id)
    latest = (select(*key, func.max(_log.c.seq).label("seq"))
              .where(_log.c.seq <= as_of, visible_to(store_code))
              .group_by(*key).order_by(*key).limit(limit))
    if after is not None:
        latest = latest.where(tuple_(*key) > tuple_(*after))
    latest = latest.subquery()
    return (select(latest.c.entity_type, latest.c.entity_id, latest.c.seq, _log.c.op, payload.label("payload"))
            .join(_log, _log.c.seq == latest.c.seq)
            .order_by(latest.c.entity_type, latest.c.entity_id))


def encode_page(as_of: int, entity_type: str, entity_id: str) -> str:
    raw = json.dumps([as_of, entity_type, entity_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page(token: str) -> tuple[int, tuple[str, str]]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        as_of, entity_type, entity_id = json.loads(raw)
        if not (isinstance(as_of, int) and as_of >= 0
                and isinstance(entity_type, str) and isinstance(entity_id, str)):
            raise ValueError("wrong types")
    except (ValueError, TypeError) as exc:
        raise FeedCursorError("the snapshot page token is not one this server issued") from exc
    return as_of, (entity_type, entity_id)
