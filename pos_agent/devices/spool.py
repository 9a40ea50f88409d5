"""Receipts that could not print, kept in the till's SQLite file until a reprint succeeds.

A ``devices.spool.ReceiptSpool`` over the agent's database: a receipt kept here survives a
restart of the agent, and the register lists and reprints it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from devices.spool import SpooledReceipt
from pos_agent.store import sales
from pos_agent.store.database import Database

TABLE = """
CREATE TABLE IF NOT EXISTS receipt_spool (
    receipt_id TEXT PRIMARY KEY,
    payload    BLOB NOT NULL,
    reason     TEXT NOT NULL,
    attempts   INTEGER NOT NULL,
    kept_at    TEXT NOT NULL
)
"""


class SqliteReceiptSpool:
    """Kept receipts in the ``receipt_spool`` table; oldest first by when they first failed."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock
        with db.transaction() as conn:
            conn.execute(TABLE)

    def keep(self, receipt: SpooledReceipt) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO receipt_spool (receipt_id, payload, reason, attempts, kept_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (receipt_id) DO UPDATE SET payload = excluded.payload, reason = excluded.reason, "
                "attempts = excluded.attempts",
                (receipt.receipt_id, receipt.payload, receipt.reason, receipt.attempts, self.clock().isoformat()))

    def get(self, receipt_id: str) -> SpooledReceipt | None:
        with self.db.reading() as conn:
            row = conn.execute("SELECT * FROM receipt_spool WHERE receipt_id = ?", (receipt_id,)).fetchone()
        return None if row is None else _receipt(row)

    def pending(self) -> list[SpooledReceipt]:
        with self.db.reading() as conn:
            rows = conn.execute("SELECT * FROM receipt_spool ORDER BY kept_at, rowid").fetchall()
        return [_receipt(row) for row in rows]

    def discard(self, receipt_id: str) -> None:
        """Forget a receipt that printed at last, and mark the sale's receipt printed."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM receipt_spool WHERE receipt_id = ?", (receipt_id,))
            sales.mark_printed(conn, receipt_id)

    def listing(self) -> list[dict]:
        """What the register shows: id, why it did not print, attempts, since when (no bytes)."""
        with self.db.reading() as conn:
            rows = conn.execute("SELECT receipt_id, reason, attempts, kept_at FROM receipt_spool "
                                "ORDER BY kept_at, rowid").fetchall()
        return [dict(row) for row in rows]


def _receipt(row) -> SpooledReceipt:
    return SpooledReceipt(row["receipt_id"], bytes(row["payload"]), row["reason"], row["attempts"])
