"""The change log behind the sync feed, and where each terminal last read it (sync health).

Writers add rows with ``seq`` NULL inside their own transaction; ``order_key`` comes from a
sequence at insert time, so it is NOT commit order. The sequencer (server.sync.sequencer) later
numbers committed rows 1, 2, 3... in one serialized step, and readers follow ``seq`` only.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base
from server.models.types import UTCDateTime

# SQLite only auto-numbers an INTEGER PRIMARY KEY; PostgreSQL gets a bigserial.
ORDER_KEY = BigInteger().with_variant(Integer(), "sqlite")
UNSEQUENCED = text("seq IS NULL")


class ChangeRecord(Base):
    """One change to something a till needs.

    Rows are never updated after they get a ``seq``, with one exception: erasing a member turns
    that member's past rows into tombstones (and their cards' rows into the cards' erased state)
    under the same ``seq``, so no reader finds the person's data at any cursor. Member upserts
    that newer changes superseded are deleted after a grace period (server.sync.compaction).
    """

    __tablename__ = "change_log"
    __table_args__ = (
        CheckConstraint("op IN ('upsert', 'delete')", name="op"),
        Index("ix_change_log_unsequenced", "order_key",
              postgresql_where=UNSEQUENCED, sqlite_where=UNSEQUENCED),
        Index("ix_change_log_store_code_seq", "store_code", "seq"),
        Index("ix_change_log_entity_seq", "entity_type", "entity_id", "seq"),
    )

    order_key: Mapped[int] = mapped_column(ORDER_KEY, primary_key=True, autoincrement=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True, index=True)
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(128))
    op: Mapped[str] = mapped_column(String(8))
    store_code: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FeedPosition(Base):
    """The cursor a terminal last read the feed from: everything up to it is applied at the till."""

    __tablename__ = "feed_positions"

    terminal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("terminals.id"), primary_key=True)
    cursor: Mapped[int] = mapped_column(BigInteger)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime())
    snapshot_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
