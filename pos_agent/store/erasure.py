"""Forgetting an erased member at the till: every local copy of their personal data, in one transaction.

The feed's erasure change (store_sync.entities.ErasedMemberPayload) drops the cached snapshot
through the cache like any delete; this module scrubs the rest: the name, phone and e-mail in
journal items (the enrolment made here, and items the server says named the person), the name
kept with each finished sale's view, the name on an open basket, and the local member a refused
enrolment of the person left in the cache.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from store_sync.entities import Entity
from store_sync.journal import ItemType

ERASED = "[erased]"
_PERSONAL_FIELDS = ("name", "phone", "email")


def forget_member(conn: sqlite3.Connection, member_id: str, journal_items: Iterable[str] = ()) -> int:
    """Scrub the member from local records in the caller's transaction; returns the rows changed."""
    return (_scrub_journal(conn, member_id, set(journal_items))
            + conn.execute("UPDATE sales SET record = json_set(record, '$.view.member.name', ?) "
                           "WHERE json_extract(record, '$.view.member.member_id') = ?",
                           (ERASED, member_id)).rowcount
            + conn.execute("UPDATE baskets SET body = json_set(body, '$.member.name', ?) "
                           "WHERE json_extract(body, '$.member.member_id') = ?", (ERASED, member_id)).rowcount)


def _scrub_journal(conn: sqlite3.Connection, member_id: str, item_ids: set[str]) -> int:
    rows = conn.execute("SELECT id, body, last_error FROM journal WHERE type = ? AND "
                        "(id = ? OR json_extract(body, '$.member_id') = ?)",
                        (ItemType.ENROLMENT.value, member_id, member_id)).fetchall()
    named = [conn.execute("SELECT id, body, last_error FROM journal WHERE id = ?", (item_id,)).fetchone()
             for item_id in sorted(item_ids)]
    for row in [*rows, *(r for r in named if r is not None)]:
        body = json.loads(row["body"])
        body.update({key: None for key in _PERSONAL_FIELDS if key in body})
        conn.execute("UPDATE journal SET body = ?, last_error = ? WHERE id = ?",
                     (json.dumps(body), _reason_only(row["last_error"]), row["id"]))
        if body.get("member_id") and body["member_id"] != member_id:
            _drop_placeholder(conn, body["member_id"])
    return len(rows) + sum(r is not None for r in named)


def _drop_placeholder(conn: sqlite3.Connection, enrolled_id: str) -> None:
    """A refused enrolment's local member (it never reaches the feed, so nothing else removes it)."""
    conn.execute("UPDATE entities SET deleted = 1, payload = '{}' WHERE entity_type = ? AND entity_id = ?",
                 (Entity.MEMBER.value, enrolled_id))


def _reason_only(error: str | None) -> str | None:
    """The server's reason code without its detail text, which may quote the person."""
    if error is None:
        return None
    return f"{error.split(':', 1)[0]}: {ERASED}"
