"""The promotions a till had at a feed cursor, rebuilt from the change feed for re-pricing its sales.

A till applies each feed page and its cursor in one local transaction (a snapshot sets the cursor
too), so at cursor C its cache holds, for each promotion, the latest change visible to its store
(rows for that store or for every store) with seq <= C: an upsert of a live version, or nothing
once withdrawn. Sequenced change rows are never updated, and nothing deletes or compacts the
change log, so any cursor up to the feed's head can be rebuilt whenever its sales arrive. A cursor
past the head (a till of another database, or one restored from an older backup) cannot: ``at``
answers None and the caller prices as it would without a cursor. Should the log ever be pruned,
this is the place to refuse cursors below what was kept.

Built catalogues are kept per database and promotion state: the latest (promotion, seq) pairs at
the cursor, which every offline sale of one till shares, and so does any till whose cursor differs
only by other changes. Keying by the cursor number alone would be wrong after a database is
emptied and refilled under the same URL, when the same number names other rows.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections import OrderedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from promotions import Promotion
from server.models import ChangeRecord
from server.pricing.catalogues import Key, LiveCatalogue, assemble, checked_promotion, database_of
from server.pricing.states import LIVE
from server.sync import head_seq
from server.sync.feed import visible_to
from store_sync.entities import Entity
from store_sync.feed import Op

log = logging.getLogger(__name__)
_SESSION_KEY, _HEAD_KEY = "onecard.till_catalogues", "onecard.feed_head"


def head_covering(session: Session, cursor: int) -> int:
    """The feed's head, read at most once per session for cursors up to it: the head only grows, so
    one read answers every cursor below it (a journal batch's sales share the read)."""
    head = session.info.get(_HEAD_KEY)
    if head is None or cursor > head:
        head = session.info[_HEAD_KEY] = head_seq(session)
    return head


class TillCatalogueCache:
    """Catalogues as tills had them, the few most recently used kept; one build at a time per process."""

    def __init__(self, keep: int = 4) -> None:
        self._keep = keep
        self._built: OrderedDict[Key, LiveCatalogue] = OrderedDict()
        self._lock = threading.Lock()

    def at(self, session: Session, store: str, cursor: int) -> LiveCatalogue | None:
        """The promotions store ``store``'s till had at ``cursor``; None when the feed cannot say.

        Found once per session for each (store, cursor): a journal batch's sales, which share
        one cursor as often as not, cost one look-up, and the feed's head is read once.
        """
        found = session.info.setdefault(_SESSION_KEY, {})
        if (store, cursor) not in found:
            found[(store, cursor)] = self._at(session, store, cursor)
        return found[(store, cursor)]

    def _at(self, session: Session, store: str, cursor: int) -> LiveCatalogue | None:
        head = head_covering(session, cursor)
        if cursor > head:
            log.warning("a till of store %s priced at feed cursor %d, past this feed's head %d: "
                        "re-pricing with the live promotions", store, cursor, head)
            return None
        latest = session.execute(_latest(store, cursor)).all()
        key = (database_of(session), frozenset((entity_id, seq) for entity_id, seq in latest), frozenset())
        with self._lock:
            found = self._built.get(key)
            if found is None:
                found = self._built[key] = _build(session, store, cursor, key)
                while len(self._built) > self._keep:
                    self._built.popitem(last=False)
                gc.freeze()  # long-lived, like the live catalogue (see server.pricing.catalogues)
            self._built.move_to_end(key)
            return found

    def clear(self) -> None:
        with self._lock:
            self._built.clear()


TILL_CATALOGUES = TillCatalogueCache()


def _latest(store: str, cursor: int):
    """Each promotion's latest change the till could have applied by ``cursor``."""
    return (select(ChangeRecord.entity_id, func.max(ChangeRecord.seq).label("seq"))
            .where(ChangeRecord.entity_type == Entity.PROMOTION.value, ChangeRecord.seq <= cursor,
                   visible_to(store))
            .group_by(ChangeRecord.entity_id))


def _build(session: Session, store: str, cursor: int, key: Key) -> LiveCatalogue:
    latest = _latest(store, cursor).subquery()
    rows = session.execute(select(ChangeRecord.op, ChangeRecord.payload)
                           .join(latest, ChangeRecord.seq == latest.c.seq)).all()
    built = [p for p in (_promotion(op, payload) for op, payload in rows) if p is not None]
    return assemble(built, key)


def _promotion(op: str, payload: dict) -> Promotion | None:
    """A withdrawn promotion (a delete) or one in no live state is not in the till's catalogue."""
    if op != Op.UPSERT.value or payload.get("state") not in LIVE:
        return None
    return checked_promotion(payload["id"], payload["version"], payload["definition"], payload.get("codes", ()))
