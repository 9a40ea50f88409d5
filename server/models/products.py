"""The product catalogue: products, the barcodes (GTINs) that scan as them, and their tax classes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base
from server.models.types import UTCDateTime


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint("base_price_minor >= 0", name="price_not_negative"),)

    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64), index=True)
    base_price_minor: Mapped[int]
    tax_class: Mapped[str] = mapped_column(String(16))
    excluded_from_points: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProductBarcode(Base):
    """A GTIN belongs to one product; a product may have several (pack sizes, old labels)."""

    __tablename__ = "product_barcodes"

    barcode: Mapped[str] = mapped_column(String(14), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"), index=True)


class TaxClass(Base):
    """A tax class (VAT band) products name by code, with its rate in basis points (2,000 = 20 %).

    A product names its class by code; ``standard`` always exists (the migration makes it, at 0 %
    until the chain sets its rate), so products made before classes existed keep working.
    """

    __tablename__ = "tax_classes"
    __table_args__ = (CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name="rate_in_range"),)

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    rate_bp: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
