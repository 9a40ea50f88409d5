"""What the member page keeps: offers a member clipped to their card, and one-time sign-in codes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.ids import new_id
from server.models.base import Base
from server.models.types import UTCDateTime


class ClippedOffer(Base):
    """A personal offer (a promotion whose targeting says ``clip``) the member clipped to their card."""

    __tablename__ = "clipped_offers"

    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), primary_key=True)
    promotion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("promotions.id"), primary_key=True)
    clipped_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignInCode(Base):
    """A one-time code sent to a member; only its keyed hash is kept, and it works once, briefly."""

    __tablename__ = "member_sign_in_codes"
    __table_args__ = (Index("ix_member_sign_in_codes_member_created", "member_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    channel: Mapped[str] = mapped_column(String(8))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ForYouPick(Base):
    """A product picked for a member from their own history (``promotions.for_you``), by the latest run.

    ``reason`` is complement (``because_sku`` is the member's product it goes with) or lapsed. Only
    members who consented to profiling get picks; targeting reads them with the consent as it is now.
    """

    __tablename__ = "for_you_picks"

    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    reason: Mapped[str] = mapped_column(String(16))
    because_sku: Mapped[str | None] = mapped_column(String(64))
    score_bp: Mapped[int]  # the pick's score in basis points (lapsed: 10,000)
    rank: Mapped[int]  # 1 = the member's best pick
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
