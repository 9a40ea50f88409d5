"""The cache of what the change feed sent: latest payload per entity, plus look-up indexes.

Each entity keeps the ``seq`` of the change that produced it, so a change seen twice (or an
older one re-delivered after a newer one) leaves the state as it is; deletes leave a tombstone
for the same reason.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from pos_agent.store.schema import LOOKUP_INDEXES
from store_sync.entities import Entity
from store_sync.feed import SnapshotItem

_SYNC_CURSOR = "cursor"


_UPSERT = ("INSERT INTO entities (entity_type, entity_id, seq, deleted, payload) VALUES (?, ?, ?, ?, ?) "
           "ON CONFLICT (entity_type, entity_id) DO UPDATE SET seq = excluded.seq, "
           "deleted = excluded.deleted, payload = excluded.payload")


def apply_change(conn: sqlite3.Connection, entity_type: str, entity_id: str, seq: int,
                 payload: dict[str, Any] | None) -> bool:
    """Store one upsert (payload) or delete (None); False when a newer state is already kept."""
    row = conn.execute("SELECT seq FROM entities WHERE entity_type = ? AND entity_id = ?",
                       (entity_type, entity_id)).fetchone()
    if row is not None and row["seq"] >= seq:
        return False
    conn.execute(_UPSERT, (entity_type, entity_id, seq, int(payload is None), json.dumps(payload or {})))
    _index(conn, entity_type, entity_id, payload)
    return True


def apply_snapshot(conn: sqlite3.Connection, items: Sequence[SnapshotItem]) -> int:
    """Store snapshot items set-wise: ``apply_snapshot_text`` of the page that holds them."""
    text = json.dumps({"items": [
        {"entity_type": i.entity_type, "entity_id": i.entity_id, "seq": i.seq, "payload": i.payload} for i in items]})
    return apply_snapshot_text(conn, text, {i.entity_type for i in items})


def apply_snapshot_text(conn: sqlite3.Connection, page: str, entity_types: AbstractSet[str]) -> int:
    """Store a snapshot page's entities from its JSON text; returns how many were newer than what is kept.

    ``page`` is a snapshot page's text whose items ``store_sync.schemas.load_snapshot_page_text``
    checked (each an object with the fields of ``SnapshotItem``), of the ``entity_types`` it
    found. The same end state as
    ``apply_change`` for each item in turn, given that a page names each entity once (a snapshot
    holds one state per entity), in a few statements a page, the items read by SQLite's JSON reader
    and never decoded in Python: the entities in one upsert, then the look-up tables rebuilt from
    the stored rows of the page's cards and products.
    """
    changed = conn.execute(
        f"INSERT INTO entities (entity_type, entity_id, seq, deleted, payload) "
        f"SELECT {_ITEM_TYPE}, {_ITEM_ID}, json_extract(item.value, '$.seq'), 0, json_extract(item.value, '$.payload') "
        f"{_ITEMS} WHERE true "  # WHERE: an upsert's SELECT needs one (SQLite's parsing rule)
        "ON CONFLICT (entity_type, entity_id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted, "
        "payload = excluded.payload WHERE excluded.seq > entities.seq", (page,)).rowcount
    if Entity.CARD in entity_types:
        _reindex_cards(conn, page)
    if Entity.PRODUCT in entity_types:
        _reindex_barcodes(conn, page)
    return changed


_ITEMS = "FROM json_each(?, '$.items') AS item"
_ITEM_TYPE, _ITEM_ID = "json_extract(item.value, '$.entity_type')", "json_extract(item.value, '$.entity_id')"
_PAGE_OF_TYPE = f"{_ITEMS} WHERE {_ITEM_TYPE} = ?"  # the page's items of one type
_STORED = (f"JOIN entities AS e ON e.entity_type = {_ITEM_TYPE} AND e.entity_id = {_ITEM_ID} "
           "AND e.deleted = 0")  # their rows as now stored


def _reindex_cards(conn: sqlite3.Connection, page: str) -> None:
    conn.execute(f"DELETE FROM cards WHERE number IN (SELECT {_ITEM_ID} {_PAGE_OF_TYPE})", (page, Entity.CARD.value))
    conn.execute("INSERT INTO cards (number, member_id, state) SELECT e.entity_id, json_extract(e.payload, "
                 f"'$.member_id'), json_extract(e.payload, '$.state') {_ITEMS} {_STORED} "
                 f"WHERE {_ITEM_TYPE} = ?", (page, Entity.CARD.value))


def _reindex_barcodes(conn: sqlite3.Connection, page: str) -> None:
    conn.execute(f"DELETE FROM barcodes WHERE sku IN (SELECT {_ITEM_ID} {_PAGE_OF_TYPE})",
                 (page, Entity.PRODUCT.value))
    conn.execute("INSERT OR REPLACE INTO barcodes (code, sku) SELECT code.value, e.entity_id "
                 f"{_ITEMS} {_STORED} JOIN json_each(e.payload, '$.barcodes') AS code "
                 f"WHERE {_ITEM_TYPE} = ?", (page, Entity.PRODUCT.value))


def _index(conn: sqlite3.Connection, entity_type: str, entity_id: str, payload: dict | None) -> None:
    if entity_type == Entity.PRODUCT:
        conn.execute("DELETE FROM barcodes WHERE sku = ?", (entity_id,))
        for code in (payload or {}).get("barcodes", []):
            conn.execute("INSERT OR REPLACE INTO barcodes (code, sku) VALUES (?, ?)", (code, entity_id))
    elif entity_type == Entity.CARD:
        conn.execute("DELETE FROM cards WHERE number = ?", (entity_id,))
        if payload is not None:
            conn.execute("INSERT INTO cards (number, member_id, state) VALUES (?, ?, ?)",
                         (entity_id, payload["member_id"], payload["state"]))


def clear(conn: sqlite3.Connection) -> None:
    """Forget the whole cache (before a snapshot bootstrap), keeping journal and sales."""
    for table in ("entities", "barcodes", "cards"):
        conn.execute(f"DELETE FROM {table}")  # fixed names, never input
    conn.execute("DELETE FROM sync_state WHERE key = ?", (_SYNC_CURSOR,))


def drop_lookup_indexes(conn: sqlite3.Connection) -> None:
    """Drop the indexes a bulk load is cheaper without (see ``schema.LOOKUP_INDEXES``)."""
    for name in LOOKUP_INDEXES:
        conn.execute(f"DROP INDEX IF EXISTS {name}")  # fixed names, never input


def build_lookup_indexes(conn: sqlite3.Connection) -> None:
    """Build the indexes ``drop_lookup_indexes`` dropped (those still there are left as they are)."""
    for ddl in LOOKUP_INDEXES.values():
        conn.execute(ddl)


def get(conn: sqlite3.Connection, entity_type: str, entity_id: str) -> dict[str, Any] | None:
    """The cached payload of one entity, or None when unknown or deleted."""
    row = conn.execute("SELECT payload FROM entities WHERE entity_type = ? AND entity_id = ? AND deleted = 0",
                       (entity_type, entity_id)).fetchone()
    return None if row is None else json.loads(row["payload"])


def all_of(conn: sqlite3.Connection, entity_type: str) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT payload FROM entities WHERE entity_type = ? AND deleted = 0 ORDER BY entity_id",
                        (entity_type,)).fetchall()
    return [json.loads(row["payload"]) for row in rows]


def sku_for_barcode(conn: sqlite3.Connection, code: str) -> str | None:
    row = conn.execute("SELECT sku FROM barcodes WHERE code = ?", (code,)).fetchone()
    return None if row is None else row["sku"]


def search_products(conn: sqlite3.Connection, words: list[str], limit: int) -> list[dict[str, Any]]:
    """Products whose name holds every word (ASCII case-insensitive), or whose sku is the one word."""
    name = "lower(json_extract(payload, '$.name'))"
    where = " AND ".join(f"instr({name}, lower(?)) > 0" for _ in words)
    rows = conn.execute(
        f"SELECT payload FROM entities WHERE entity_type = ? AND deleted = 0 AND (({where}) OR upper(entity_id) = ?) "
        f"ORDER BY {name}, entity_id LIMIT ?",  # the query's shape is fixed here; words are parameters
        (Entity.PRODUCT.value, *words, " ".join(words).upper(), limit)).fetchall()
    return [json.loads(row["payload"]) for row in rows]


def card_for_chip(conn: sqlite3.Connection, chip_uid: str) -> str | None:
    """The number of the card whose chip has this UID (hex, any case), or None when unregistered."""
    row = conn.execute("SELECT entity_id FROM entities WHERE entity_type = 'card' AND deleted = 0 "
                       "AND upper(json_extract(payload, '$.chip_uid')) = upper(?)", (chip_uid,)).fetchone()
    return None if row is None else row["entity_id"]


def max_seq(conn: sqlite3.Connection, entity_type: str) -> int:
    """The newest change applied to any entity of a type (changes when that type changes)."""
    row = conn.execute("SELECT MAX(seq) AS seq FROM entities WHERE entity_type = ?", (entity_type,)).fetchone()
    return row["seq"] or 0


def get_state(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    return None if row is None else row["value"]


def set_state(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT INTO sync_state (key, value) VALUES (?, ?) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))


def clear_state(conn: sqlite3.Connection, key: str) -> None:
    conn.execute("DELETE FROM sync_state WHERE key = ?", (key,))


def get_cursor(conn: sqlite3.Connection) -> int | None:
    """The feed cursor, or None before the first snapshot completed."""
    value = get_state(conn, _SYNC_CURSOR)
    return None if value is None else int(value)


def set_cursor(conn: sqlite3.Connection, cursor: int) -> None:
    set_state(conn, _SYNC_CURSOR, str(cursor))
