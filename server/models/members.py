"""Members, their cards, points ledger entries, online holds and tier history."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.ids import new_id
from server.models.base import Base
from server.models.types import UTCDateTime


class Member(Base):
    """A member and points account. Personal fields are nulled by an erase; the row stays."""

    __tablename__ = "members"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), default="")
    name_search: Mapped[str] = mapped_column(String(200), default="", index=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    home_store: Mapped[str | None] = mapped_column(String(32))
    created_at_store: Mapped[str | None] = mapped_column(String(32))
    consents: Mapped[dict] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    tier: Mapped[str] = mapped_column(String(32))
    tier_since: Mapped[datetime] = mapped_column(UTCDateTime())
    merged_into: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Card(Base):
    __tablename__ = "cards"

    number: Mapped[str] = mapped_column(String(13), primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    chip_uid: Mapped[str | None] = mapped_column(String(64), unique=True)
    replaced_by: Mapped[str | None] = mapped_column(String(13))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LedgerEntry(Base):
    """One points entry. The id comes from the entry's source, so a replayed source inserts nothing."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("points <> 0", name="points_not_zero"),
        Index("ix_ledger_entries_member_at", "member_id", "at"),
        # The expiry job looks for lots that expired, or were recorded, since its last run.
        Index("ix_ledger_entries_expires_at", "expires_at"),
        Index("ix_ledger_entries_recorded_at", "recorded_at"),
        # A staff user's adjustments of the last 24 hours, summed against their daily limit.
        Index("ix_ledger_entries_actor_recorded_at", "actor", "recorded_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lot_id: Mapped[uuid.UUID | None]
    source_id: Mapped[str] = mapped_column(String(128), index=True)
    offline: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(128), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Hold(Base):
    """Points reserved by an online till for a sale in progress; they lapse by themselves."""

    __tablename__ = "holds"
    __table_args__ = (CheckConstraint("points > 0", name="points_positive"),
                      Index("ix_holds_member_status", "member_id", "status"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    points: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    store_code: Mapped[str] = mapped_column(String(32))
    terminal_code: Mapped[str] = mapped_column(String(32))
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TierChange(Base):
    __tablename__ = "tier_changes"
    __table_args__ = (Index("ix_tier_changes_at", "at"),)  # the tiers report's movements in a range

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), index=True)
    from_tier: Mapped[str] = mapped_column(String(32))
    to_tier: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
