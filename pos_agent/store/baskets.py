"""Open baskets, one row each, rewritten on every change so a till restart finds them again.

Only open baskets are kept: completing a basket deletes its row in the transaction that keeps the
sale, cancelling deletes it at once. The body is the basket as JSON (``checkout.codec``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SavedBasket:
    id: str
    state: str
    opened_at: datetime
    updated_at: datetime
    body: dict[str, Any]


def save(conn: sqlite3.Connection, basket_id: str, state: str, opened_at: datetime, updated_at: datetime,
         body: dict[str, Any]) -> None:
    """Insert or replace the basket's row (one small write per change)."""
    conn.execute("INSERT INTO baskets (id, state, opened_at, updated_at, body) VALUES (?, ?, ?, ?, ?) "
                 "ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, "
                 "body = excluded.body",
                 (basket_id, state, opened_at.isoformat(), updated_at.isoformat(), json.dumps(body)))


def delete(conn: sqlite3.Connection, basket_id: str) -> None:
    conn.execute("DELETE FROM baskets WHERE id = ?", (basket_id,))


def all_open(conn: sqlite3.Connection) -> list[SavedBasket]:
    """The saved baskets, oldest opened first (the newest is the one on the register)."""
    rows = conn.execute("SELECT * FROM baskets ORDER BY opened_at, rowid").fetchall()
    return [SavedBasket(row["id"], row["state"], datetime.fromisoformat(row["opened_at"]),
                        datetime.fromisoformat(row["updated_at"]), json.loads(row["body"])) for row in rows]
