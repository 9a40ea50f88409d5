"""Partner merchants, their API keys, what they earned and burned, and members' consent codes for burning."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.ids import new_id
from server.models.base import Base
from server.models.types import UTCDateTime


class Partner(Base):
    """A partner and its terms (``loyalty.partners.PartnerTerms``)."""

    __tablename__ = "partners"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    points_per_unit: Mapped[int]
    unit_minor: Mapped[int]
    issue_price_per_100: Mapped[int]
    redeem_value_per_100: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PartnerKey(Base):
    """One API key of a partner: only the SHA-256 of its secret is kept; ``scopes`` are earn and/or burn."""

    __tablename__ = "partner_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PartnerTransaction(Base):
    """Points a partner issued (earn) or took (burn); ``reference`` is the partner's id, its idempotency key."""

    __tablename__ = "partner_transactions"
    __table_args__ = (UniqueConstraint("partner_id", "reference", name="uq_partner_transactions_partner_reference"),
                      Index("ix_partner_transactions_partner_at", "partner_id", "at"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id"))
    reference: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), index=True)
    card_number: Mapped[str] = mapped_column(String(13))
    amount_minor: Mapped[int]
    points: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class PartnerConsentCode(Base):
    """A short-lived code the member page shows; the member gives it to a partner to let it burn points once."""

    __tablename__ = "partner_consent_codes"
    __table_args__ = (Index("ix_partner_consent_codes_member_created", "member_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("partners.id"))
