"""Staff points adjustments above the adjuster's limits, waiting for a second staff user."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.ids import new_id
from server.models.base import Base
from server.models.types import UTCDateTime


class AdjustmentRequest(Base):
    """An adjustment one staff user asked for and another must approve (four eyes).

    ``adjustment_id`` is the client's id, unique per member like a direct adjustment's: a retry
    finds the request instead of making a second one. Approval posts the ledger entry that id
    derives, so an approved request and a direct adjustment can never both apply.
    """

    __tablename__ = "adjustment_requests"
    __table_args__ = (UniqueConstraint("member_id", "adjustment_id"),
                      CheckConstraint("points <> 0", name="points_not_zero"),
                      Index("ix_adjustment_requests_state", "state", "requested_at"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    adjustment_id: Mapped[str] = mapped_column(String(64))
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    exceeded: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
