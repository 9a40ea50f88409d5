"""The member outbox: one row per member and promotion whose notice they are to get, and the
promotions whose notice is still to be planned.

``member_messages`` is what makes a notice exactly-once: its primary key is (promotion, member),
so planning the same promotion twice adds nothing, and a row is marked ``sent`` only after the
mail server or SMS gateway accepted it (server/messaging/outbox.py says how claims and leases
keep two workers off one row, and what a crash between acceptance and that mark does).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base
from server.models.types import UTCDateTime


class PromotionNotice(Base):
    """A published promotion with a notice; ``planned_at`` is set once its outbox rows are written.

    The row is added in the transaction that publishes the promotion, so a publication can never
    be committed without the work of telling its audience being recorded too.
    """

    __tablename__ = "promotion_notices"

    promotion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("promotions.id"), primary_key=True)
    version: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    planned: Mapped[int] = mapped_column(default=0)


class MemberMessage(Base):
    """One notice to one member: pending until due, claimed by a worker under a lease, then sent
    (or skipped: the member withdrew consent or their address before it went, or failed for good)."""

    __tablename__ = "member_messages"
    __table_args__ = (Index("ix_member_messages_status_due", "status", "due_at"),
                      Index("ix_member_messages_member", "member_id"))

    promotion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("promotions.id"), primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True)  # the Message-ID's left part: a resend reuses it
    channel: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
