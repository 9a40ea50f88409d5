"""Events at the tills that are not sales (store_sync.till_events), kept as the till sent them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base
from server.models.types import UTCDateTime


class TillEvent(Base):
    """One sign-in, approval, no-sale or shift report; ``body`` is the journal item's body."""

    __tablename__ = "till_events"
    # Each serves a page of the newest events: of the chain, of a store, of one till, of one kind.
    __table_args__ = (Index("ix_till_events_store_at", "store_code", "at"),
                      Index("ix_till_events_kind_at", "kind", "at"),
                      Index("ix_till_events_at_id", "at", "id"),
                      Index("ix_till_events_till_at", "store_code", "terminal_code", "at"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    store_code: Mapped[str] = mapped_column(String(32))
    terminal_code: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    cashier_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    approver_id: Mapped[uuid.UUID | None]
    body: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
