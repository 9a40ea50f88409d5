"""Sales, returns and voids posted by tills, and the reconciliation exceptions they raise."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.ids import new_id
from server.models.base import Base
from server.models.types import UTCDateTime


class PostedTransaction(Base):
    """A till's transaction, kept as it was posted plus what the server made of it.

    ``body_hash`` identifies the request: the same id with another body is a conflict (409).
    ``outcome`` is the answer given the first time, returned again on a retry.
    """

    __tablename__ = "transactions"
    __table_args__ = (Index("ix_transactions_original", "original_id"),
                      Index("ix_transactions_store_at", "store_code", "at"),
                      # The report roll-up job reads the transactions received since its watermark.
                      Index("ix_transactions_received_at", "received_at"),
                      # The simulation on past sales reads a period's sales in (at, id) order, a page at a time.
                      Index("ix_transactions_at_id", "at", "id"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    store_code: Mapped[str] = mapped_column(String(32))
    terminal_code: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    offline: Mapped[bool] = mapped_column(default=False)
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"), index=True)
    card_number: Mapped[str | None] = mapped_column(String(13))
    original_id: Mapped[str | None] = mapped_column(String(64))
    cashier_id: Mapped[str | None] = mapped_column(String(36))  # the staff user signed in at the till
    total_minor: Mapped[int]
    points_earned: Mapped[int] = mapped_column(default=0)
    points_redeemed: Mapped[int] = mapped_column(default=0)
    body: Mapped[dict] = mapped_column(JSON)
    body_hash: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReconciliationException(Base):
    """Something a posted transaction did that the server's own figures disagree with."""

    __tablename__ = "reconciliation_exceptions"
    # The reconciliation report: a time range, chain-wide or for one store.
    __table_args__ = (Index("ix_reconciliation_exceptions_created_at", "created_at"),
                      Index("ix_reconciliation_exceptions_store_created_at", "store_code", "created_at"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    transaction_id: Mapped[str] = mapped_column(ForeignKey("transactions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    till_value: Mapped[int | None]
    server_value: Mapped[int | None]
    detail: Mapped[str] = mapped_column(Text)
    store_code: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set together when HQ closes the exception (server.membership.reconciliation.resolve_exception).
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolution_note: Mapped[str | None] = mapped_column(Text)
