"""Completed transactions made at this till, their receipts, and the points they redeemed."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from loyalty.allowance import OfflineRedemption
from promotions import PromotionUse


def save_sale(conn: sqlite3.Connection, record: dict[str, Any]) -> None:
    """Keep a completed transaction as the till saw it (for receipts, reprints and returns)."""
    body = record["body"]
    conn.execute("INSERT INTO sales (id, kind, at, offline, card_number, original_id, total_minor, record) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (body["id"], body["kind"], body["at"], int(body["offline"]), body.get("card_number"),
                  body.get("original_id"), record["total_minor"], json.dumps(record)))


def get_sale(conn: sqlite3.Connection, sale_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT record FROM sales WHERE id = ?", (sale_id,)).fetchone()
    return None if row is None else json.loads(row["record"])


def recent_sales(conn: sqlite3.Connection, limit: int) -> list[dict[str, Any]]:
    """The newest sales made at this till (returns and voids left out), newest first."""
    rows = conn.execute("SELECT record FROM sales WHERE kind = 'sale' ORDER BY at DESC, id DESC LIMIT ?",
                        (limit,)).fetchall()
    return [json.loads(row["record"]) for row in rows]


def undoing(conn: sqlite3.Connection, original_id: str) -> list[dict[str, Any]]:
    """Returns and voids already made against a sale."""
    rows = conn.execute("SELECT record FROM sales WHERE original_id = ? ORDER BY at", (original_id,)).fetchall()
    return [json.loads(row["record"]) for row in rows]


def save_receipt(conn: sqlite3.Connection, receipt_id: str, sale_id: str, text: str, now: datetime) -> None:
    conn.execute("INSERT INTO receipts (id, sale_id, text, created_at) VALUES (?, ?, ?, ?)",
                 (receipt_id, sale_id, text, now.isoformat()))


def get_receipt(conn: sqlite3.Connection, receipt_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM receipts WHERE id = ?", (receipt_id,)).fetchone()
    return None if row is None else dict(row)


def mark_printed(conn: sqlite3.Connection, receipt_id: str) -> None:
    conn.execute("UPDATE receipts SET printed = 1 WHERE id = ?", (receipt_id,))


def record_redemption(conn: sqlite3.Connection, transaction_id: str, member_key: str, points: int,
                      at: datetime, offline: bool) -> None:
    conn.execute("INSERT INTO redemptions (transaction_id, member_key, points, at, offline) "
                 "VALUES (?, ?, ?, ?, ?)", (transaction_id, member_key, points, at.isoformat(), int(offline)))


def redemptions(conn: sqlite3.Connection, member_key: str, *, offline: bool) -> list[OfflineRedemption]:
    """Points this terminal redeemed for a member, offline or online."""
    rows = conn.execute("SELECT points, at FROM redemptions WHERE member_key = ? AND offline = ?",
                        (member_key, int(offline))).fetchall()
    return [OfflineRedemption(datetime.fromisoformat(row["at"]), row["points"]) for row in rows]


def record_cap_uses(conn: sqlite3.Connection, transaction_id: str, promotion_ids: set[str], at: datetime,
                    offline: bool) -> None:
    """Remember which chain-capped promotions a sale got, and whether offline (its allowance counts them)."""
    conn.executemany("INSERT OR IGNORE INTO cap_uses (transaction_id, promotion_id, at, offline) VALUES (?, ?, ?, ?)",
                     [(transaction_id, pid, at.isoformat(), int(offline)) for pid in sorted(promotion_ids)])


def cap_uses_of(conn: sqlite3.Connection, transaction_id: str) -> set[str]:
    """The capped promotions the sale got."""
    rows = conn.execute("SELECT promotion_id FROM cap_uses WHERE transaction_id = ?", (transaction_id,)).fetchall()
    return {row["promotion_id"] for row in rows}


def offline_cap_uses(conn: sqlite3.Connection) -> dict[str, int]:
    """Uses of each capped promotion in offline sales the server has not acknowledged yet (its journal
    item is still there and not acked; an acknowledged one is counted at the server, or pruned)."""
    rows = conn.execute("SELECT c.promotion_id, count(*) AS n FROM cap_uses c "
                        "JOIN journal j ON j.id = c.transaction_id WHERE c.offline = 1 AND j.status != 'acked' "
                        "GROUP BY c.promotion_id").fetchall()
    return {row["promotion_id"]: row["n"] for row in rows}


def record_promotion_uses(conn: sqlite3.Connection, transaction_id: str, member_key: str,
                          promotion_ids: set[str], at: datetime) -> None:
    """Remember which promotions a member's sale used, for per-member limits until the feed knows it."""
    conn.executemany("INSERT OR IGNORE INTO promotion_uses (transaction_id, promotion_id, member_key, at) "
                     "VALUES (?, ?, ?, ?)",
                     [(transaction_id, pid, member_key, at.isoformat()) for pid in sorted(promotion_ids)])


def promotion_uses(conn: sqlite3.Connection, member_key: str) -> list[PromotionUse]:
    rows = conn.execute("SELECT promotion_id, transaction_id, at FROM promotion_uses WHERE member_key = ?",
                        (member_key,)).fetchall()
    return [PromotionUse(row["promotion_id"], row["transaction_id"], datetime.fromisoformat(row["at"]))
            for row in rows]
