"""The journal going up: items written with the sale that made them, kept until acknowledged."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class JournalStatus(StrEnum):
    PENDING = "pending"
    RETRY = "retry"
    ACKED = "acked"
    REJECTED = "rejected"


@dataclass(frozen=True)
class JournalItem:
    seq: int
    id: str
    type: str
    body: dict[str, Any]
    status: str
    attempts: int
    last_error: str | None


def append(conn: sqlite3.Connection, item_id: str, item_type: str, body: dict[str, Any], now: datetime) -> int:
    """Add an item in the caller's transaction; returns its journal position."""
    cursor = conn.execute("INSERT INTO journal (id, type, body, created_at) VALUES (?, ?, ?, ?)",
                          (item_id, item_type, json.dumps(body), now.isoformat()))
    return int(cursor.lastrowid)


def unsent(conn: sqlite3.Connection, limit: int) -> list[JournalItem]:
    """Pending and retry items in journal order, oldest first."""
    rows = conn.execute("SELECT * FROM journal WHERE status IN ('pending', 'retry') ORDER BY seq LIMIT ?",
                        (limit,)).fetchall()
    return [_item(row) for row in rows]


def mark(conn: sqlite3.Connection, item_id: str, status: JournalStatus, error: str | None,
         now: datetime) -> None:
    """Record the server's answer for one item (each send counts as an attempt)."""
    sent_at = now.isoformat() if status is JournalStatus.ACKED else None
    conn.execute("UPDATE journal SET status = ?, attempts = attempts + 1, last_error = ?, "
                 "sent_at = COALESCE(?, sent_at) WHERE id = ?", (status.value, error, sent_at, item_id))


def note_failure(conn: sqlite3.Connection, item_ids: list[str], error: str) -> None:
    """A send that got no answer: the items stay as they are, with the attempt and why."""
    conn.executemany("UPDATE journal SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                     [(error, item_id) for item_id in item_ids])


def prune_acked(conn: sqlite3.Connection, before: datetime) -> int:
    """Delete items the server acknowledged before ``before`` (a UTC instant); returns how many.

    Only acknowledged items go: the server holds them now, and an enrolment's personal data must
    not stay readable at the till for longer than the retention period. The chain-capped uses of
    those sales go with them: acknowledged, they no longer count against the offline allowance.
    """
    pruned = conn.execute("DELETE FROM journal WHERE status = ? AND sent_at < ?",
                          (JournalStatus.ACKED.value, before.isoformat())).rowcount
    if pruned:
        conn.execute("DELETE FROM cap_uses WHERE transaction_id NOT IN (SELECT id FROM journal)")
    return pruned


def with_status(conn: sqlite3.Connection, status: JournalStatus) -> list[JournalItem]:
    rows = conn.execute("SELECT * FROM journal WHERE status = ? ORDER BY seq", (status.value,)).fetchall()
    return [_item(row) for row in rows]


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    rows = conn.execute("SELECT status, COUNT(*) AS n FROM journal GROUP BY status").fetchall()
    found = {row["status"]: row["n"] for row in rows}
    return {status.value: found.get(status.value, 0) for status in JournalStatus}


def _item(row: sqlite3.Row) -> JournalItem:
    return JournalItem(row["seq"], row["id"], row["type"], json.loads(row["body"]), row["status"],
                       row["attempts"], row["last_error"])
