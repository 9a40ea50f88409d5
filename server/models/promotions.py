"""Promotions as versioned data, their coupon codes, and the copy of each discount a sale kept.

A promotion row holds only what changes in place (state, current version); every edit of the
definition is a new ``promotion_versions`` row, so a till's record of "version 3" stays readable.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.ids import new_id
from server.models.base import Base
from server.models.types import UTCDateTime


class PromotionRecord(Base):
    __tablename__ = "promotions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    current_version: Mapped[int]
    state: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PromotionVersion(Base):
    """One immutable version of a promotion's definition (the JSON the API accepts)."""

    __tablename__ = "promotion_versions"

    promotion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("promotions.id"), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    definition: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(128))


class CouponBatch(Base):
    """A generated batch; its secret re-creates the same codes (``promotions.generate_codes``)."""

    __tablename__ = "coupon_batches"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    promotion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("promotions.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16))
    secret: Mapped[str] = mapped_column(String(64))
    count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(128))


class CouponCode(Base):
    """A code that unlocks a promotion; ``uses`` counts posted sales that redeemed it."""

    __tablename__ = "coupon_codes"
    __table_args__ = (CheckConstraint("uses >= 0", name="uses_not_negative"),)

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    promotion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("promotions.id"), index=True)
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("coupon_batches.id"))
    uses: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CouponRedemption(Base):
    """One sale's use of one code: the per-member count and the idempotency of posting."""

    __tablename__ = "coupon_redemptions"
    __table_args__ = (Index("ix_coupon_redemptions_code_member", "code", "member_id"),)

    transaction_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(ForeignKey("coupon_codes.code"), primary_key=True)
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class CouponHold(Base):
    """A code reserved by an online till for a sale in progress; it lapses by itself.

    One row per code of a reservation. While a row is ``held`` and not expired, no other till may
    reserve or redeem a single-use code, and the member's held codes count toward a per-member
    limit; the sale that names the reservation confirms it.
    """

    __tablename__ = "coupon_holds"
    __table_args__ = (Index("ix_coupon_holds_code_status", "code", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(ForeignKey("coupon_codes.code"), primary_key=True)
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(String(16))
    store_code: Mapped[str] = mapped_column(String(32))
    terminal_code: Mapped[str] = mapped_column(String(32))
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OfferHold(Base):
    """A per-member limited promotion reserved by an online till for a sale in progress; it lapses by itself.

    One row per promotion of a reservation (a coupon hold's id: one reservation covers a sale's
    codes and its limited offers). While a row is ``held`` and not expired it counts as one of
    the member's uses of the promotion; the sale that names the reservation confirms it.
    """

    __tablename__ = "offer_holds"
    __table_args__ = (Index("ix_offer_holds_member_promotion_status", "member_id", "promotion_id", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    promotion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(String(16))
    store_code: Mapped[str] = mapped_column(String(32))
    terminal_code: Mapped[str] = mapped_column(String(32))
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CapHold(Base):
    """A use of a chain-capped promotion reserved by an online till for a sale in progress; it lapses by itself.

    One row per capped promotion of a reservation (a coupon hold's id). While a row is ``held`` and
    not expired it counts as one of the promotion's chain-wide uses; member_id is None for an
    anonymous shopper.
    """

    __tablename__ = "cap_holds"
    __table_args__ = (Index("ix_cap_holds_promotion_status", "promotion_id", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    promotion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(String(16))
    store_code: Mapped[str] = mapped_column(String(32))
    terminal_code: Mapped[str] = mapped_column(String(32))
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CapUse(Base):
    """One posted sale's use of a chain-capped promotion: the chain-wide count and its idempotency.

    ``over_cap`` marks a use counted beyond the cap: an offline sale the server accepted as the
    customer paid it (and flagged).
    """

    __tablename__ = "cap_uses"
    __table_args__ = (Index("ix_cap_uses_promotion", "promotion_id"),)

    transaction_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    promotion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    store_code: Mapped[str] = mapped_column(String(32))
    terminal_code: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    over_cap: Mapped[bool] = mapped_column(default=False)


class SaleDiscount(Base):
    """A copy of one discount as the till applied it to one line of a sale.

    Receipts, returns and reports read these, never the promotion's current definition; they also
    count each member's uses of a promotion for usage limits.
    """

    __tablename__ = "sale_discounts"
    __table_args__ = (Index("ix_sale_discounts_member_promotion_at", "member_id", "promotion_id", "at"),
                      Index("ix_sale_discounts_promotion_at", "promotion_id", "at"))

    transaction_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    line_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    promotion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int]
    label: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int]
    coupon_code: Mapped[str | None] = mapped_column(String(64))
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"))
    store_code: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class PromotionUseRecord(Base):
    """One sale in which a promotion gave a member something: money off or bonus points.

    Per-member usage limits count these rows (distinct sales per promotion). A discount is also
    kept per line in ``sale_discounts``; a bonus-points award, which takes no money off, only here.
    """

    __tablename__ = "promotion_uses"
    __table_args__ = (Index("ix_promotion_uses_member_promotion_at", "member_id", "promotion_id", "at"),)

    transaction_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    promotion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    store_code: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
