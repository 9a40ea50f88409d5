"""Bulk writing: rows by table, sent in batches through COPY (PostgreSQL) or batched INSERTs."""

from __future__ import annotations

import json
import uuid
from abc import ABC, abstractmethod
from contextlib import contextmanager

from sqlalchemy import Uuid
from sqlalchemy.orm import Session

from server.models import Base

BATCH = 5_000


COLUMNS: dict[str, tuple[str, ...]] = {
    "stores": ("id", "code", "name", "timezone", "created_at"),
    "terminals": ("id", "store_id", "code", "key_id", "public_key", "active", "created_at"),
    "products": ("sku", "name", "category", "base_price_minor", "tax_class", "excluded_from_points", "active",
                 "updated_at"),
    "product_barcodes": ("barcode", "sku"),
    "members": ("id", "name", "name_search", "email", "home_store", "created_at_store", "consents", "notes",
                "tier", "tier_since", "created_at"),
    "cards": ("number", "member_id", "kind", "state", "issued_at", "state_changed_at"),
    "promotions": ("id", "kind", "current_version", "state", "created_at", "updated_at"),
    "promotion_versions": ("promotion_id", "version", "definition", "created_at", "created_by"),
    "transactions": ("id", "kind", "store_code", "terminal_code", "at", "offline", "member_id", "card_number",
                     "original_id", "total_minor", "points_earned", "points_redeemed", "body", "body_hash",
                     "outcome", "received_at"),
    "sale_discounts": ("transaction_id", "line_id", "promotion_id", "version", "label", "amount_minor",
                       "member_id", "store_code", "at"),
    "promotion_uses": ("transaction_id", "promotion_id", "member_id", "store_code", "at"),
    "ledger_entries": ("id", "member_id", "kind", "points", "at", "expires_at", "lot_id", "source_id", "offline",
                       "reason", "actor", "recorded_at"),
    "member_balances": ("member_id", "balance", "debt", "lot_shortfall", "lots", "last_key", "open_points",
                        "first_expiry"),
}


class Writer(ABC):
    """Rows by table, written every BATCH sales by ``flush``; JSON columns are given as dicts."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
        self.written: dict[str, int] = dict.fromkeys(COLUMNS, 0)

    def add(self, table: str, *row) -> None:
        self.rows[table].append(row)

    def flush(self) -> None:
        for table, rows in self.rows.items():  # COLUMNS' order: a row's references are written first
            if rows:
                self.write(table, rows)
                self.written[table] += len(rows)
                rows.clear()
        self.commit()

    @abstractmethod
    def write(self, table: str, rows: list[tuple]) -> None:
        """Send one table's rows."""

    @abstractmethod
    def commit(self) -> None:
        """Make what was sent stick (a commit, or a flush of the caller's session)."""


class CopyWriter(Writer):
    """PostgreSQL's COPY on a psycopg connection: the bulk path for the chain-scale set."""

    def __init__(self, connection) -> None:
        super().__init__()
        self.connection = connection

    def write(self, table: str, rows: list[tuple]) -> None:
        with self.connection.cursor() as cursor, cursor.copy(
                f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(v) if isinstance(v, dict | list) else v for v in row])

    def commit(self) -> None:
        self.connection.commit()


class InsertWriter(Writer):
    """Batched INSERTs through a SQLAlchemy session, on SQLite or PostgreSQL (the demo's size)."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def write(self, table: str, rows: list[tuple]) -> None:
        columns = Base.metadata.tables[table].c
        uuids = {name for name in COLUMNS[table] if isinstance(columns[name].type, Uuid)}
        self.session.execute(Base.metadata.tables[table].insert(), [
            {name: uuid.UUID(v) if name in uuids and isinstance(v, str) else v
             for name, v in zip(COLUMNS[table], row, strict=True)} for row in rows])

    def commit(self) -> None:
        self.session.flush()


LOADED = ("transactions", "sale_discounts", "promotion_uses", "ledger_entries")  # the big tables


@contextmanager
def indexes_deferred(connection, tables: tuple[str, ...], progress):
    """Drop the ``tables``' secondary indexes (those backing no constraint) while the body loads
    them, and build them again once, afterwards: one sort per index instead of an update per row.
    Keys and constraints stay, so the load is checked as it goes. ``connection`` is psycopg's."""
    with connection.cursor() as cursor:
        cursor.execute("""SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
                          FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
                          WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
                            AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                          ORDER BY 1""", (list(tables),))
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    connection.commit()
    try:
        yield
    except BaseException:
        connection.rollback()  # what was committed keeps its schema: the indexes come back below
        raise
    finally:
        with connection.cursor() as cursor:
            for n, (_, definition) in enumerate(indexes, 1):
                cursor.execute(definition)
                progress("indexes", n, len(indexes))
        connection.commit()
