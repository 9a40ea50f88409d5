"""Roll-ups the HQ reports read: kept up to date by a job from posted sales and ledger entries.

Every figure here is a sum the job adds to (server/reports/rollups.py), except a member's
outstanding lots, which the job replaces from the member's kept open lots (member_balances).
Money in minor units; days are the store's local day for sales and the UTC day for points.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base
from server.models.types import UTCDateTime


class _DayFigures:
    """The figures a day's sales roll-up adds to, per store (SalesDay) and for the chain (ChainDay)."""

    sales: Mapped[int] = mapped_column(default=0)  # baskets
    sales_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    items: Mapped[int] = mapped_column(BigInteger, default=0)
    returns: Mapped[int] = mapped_column(default=0)  # returns and voids
    returns_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # refunded, as a positive amount


class SalesDay(_DayFigures, Base):
    """Sales and returns of one store on one of its local days, members or not."""

    __tablename__ = "rollup_sales_day"
    __table_args__ = (Index("ix_rollup_sales_day_day", "day"),)

    store_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    member: Mapped[bool] = mapped_column(primary_key=True)


class ChainDay(_DayFigures, Base):
    """The chain's sales and returns on one local day (each store's own), members or not: the stores'
    ``SalesDay`` rows added up as they are written, so a chain-wide range reads a row a day."""

    __tablename__ = "rollup_chain_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    member: Mapped[bool] = mapped_column(primary_key=True)


class _CategoryFigures:
    """The figures a day's sale lines of a category add to, per store (CategoryDay) and for the chain
    (ChainCategoryDay)."""

    lines: Mapped[int] = mapped_column(BigInteger, default=0)
    qty: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class CategoryDay(_CategoryFigures, Base):
    """Sale lines of one category in one store on one local day (before returns)."""

    __tablename__ = "rollup_category_day"
    __table_args__ = (Index("ix_rollup_category_day_day", "day"),)

    store_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    member: Mapped[bool] = mapped_column(primary_key=True)


class ChainCategoryDay(_CategoryFigures, Base):
    """The chain's sale lines of one category on one local day (each store's own), members or not:
    the stores' ``CategoryDay`` rows added up as they are written, so a chain-wide range reads a
    row per day, category and member-or-not instead of one per store as well."""

    __tablename__ = "rollup_chain_category_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    member: Mapped[bool] = mapped_column(primary_key=True)


class PointsDay(Base):
    """Ledger entries of one kind on one UTC day: points credited and debited, entries."""

    __tablename__ = "rollup_points_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    credited: Mapped[int] = mapped_column(BigInteger, default=0)  # sum of positive entries
    debited: Mapped[int] = mapped_column(BigInteger, default=0)  # sum of negative entries, as a positive figure
    entries: Mapped[int] = mapped_column(BigInteger, default=0)


class PointsCohort(Base):
    """Points issued in one month (earn, bonus, positive adjust) and how many of them expired."""

    __tablename__ = "rollup_points_cohort"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the earn month (UTC)
    issued: Mapped[int] = mapped_column(BigInteger, default=0)
    expired: Mapped[int] = mapped_column(BigInteger, default=0)


class MemberStoreMonth(Base):
    """A member's sales in one store in one month (UTC): for cross-store members and flows."""

    __tablename__ = "rollup_member_store_month"
    __table_args__ = (Index("ix_rollup_member_store_month_month", "month"),
                      Index("ix_rollup_member_store_month_store_month", "store_code", "month"))  # one store

    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    store_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    visits: Mapped[int] = mapped_column(default=0)
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class MemberActivity(Base):
    """A member's sales over all time: how many, first and last, for their usual interval."""

    __tablename__ = "rollup_member_activity"
    __table_args__ = (Index("ix_rollup_member_activity_last_at", "last_at"),)

    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    visits: Mapped[int] = mapped_column(default=0)
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MemberLots(Base):
    """What is left of a member's lots by expiry month ('YYYY-MM', 'never'), and any debt ('debt',
    negative), as the member's whole ledger adds up (read from their kept open lots, which equal a
    replay of it); replaced whenever the ledger changes."""

    __tablename__ = "rollup_member_lots"
    __table_args__ = (Index("ix_rollup_member_lots_bucket", "bucket"),)

    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(7), primary_key=True)
    points: Mapped[int] = mapped_column(BigInteger)


class MemberDay(Base):
    """A member's sales on one UTC day: spend per member over any range of days (promotion effect)."""

    __tablename__ = "rollup_member_day"
    __table_args__ = (Index("ix_rollup_member_day_day", "day"),)

    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    visits: Mapped[int] = mapped_column(default=0)
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class ProductDay(Base):
    """Sale lines of one product (in its category at the time) on one UTC day, chain-wide."""

    __tablename__ = "rollup_product_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    lines: Mapped[int] = mapped_column(BigInteger, default=0)
    qty: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class PromotionDay(Base):
    """What one promotion gave on one UTC day: sales it took money off (and how much), bonus points
    it credited (and in how many sales), members or not."""

    __tablename__ = "rollup_promotion_day"

    promotion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    member: Mapped[bool] = mapped_column(primary_key=True)
    discounted_sales: Mapped[int] = mapped_column(default=0)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    bonus_sales: Mapped[int] = mapped_column(default=0)
    bonus_points: Mapped[int] = mapped_column(BigInteger, default=0)


class PromotionMember(Base):
    """What one promotion gave one member over all time (a row: the member was reached)."""

    __tablename__ = "rollup_promotion_member"

    promotion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    discounted_sales: Mapped[int] = mapped_column(default=0)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    bonus_sales: Mapped[int] = mapped_column(default=0)
    bonus_points: Mapped[int] = mapped_column(BigInteger, default=0)


class HoldoutBucket(Base):
    """A member's hold-out bucket (``promotions.holdout``) for a promotion that holds members out,
    filled by the roll-up job for every member it has not bucketed yet, so the promotion report
    joins its audience to these rows instead of taking a sha256 of every member on each request."""

    __tablename__ = "rollup_holdout_bucket"

    promotion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    bucket: Mapped[int]
