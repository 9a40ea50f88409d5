"""The product catalogue: create, change and bulk-load products with their barcodes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from loyalty.barcodes import is_valid_gtin
from server.exceptions import Conflict, NotFound
from server.models import Product, ProductBarcode
from server.pricing.exceptions import InvalidProduct
from server.pricing.publishing import publish_product
from server.pricing.taxes import require_tax_class

FIELDS = ("name", "category", "base_price_minor", "tax_class", "excluded_from_points", "active")


def get_product(session: Session, sku: str) -> Product:
    product = session.get(Product, sku)
    if product is None:
        raise NotFound(f"no product {sku}")
    return product


def barcodes_of(session: Session, skus: Iterable[str]) -> dict[str, list[str]]:
    rows = session.execute(select(ProductBarcode.sku, ProductBarcode.barcode)
                           .where(ProductBarcode.sku.in_(list(skus))).order_by(ProductBarcode.barcode))
    found: dict[str, list[str]] = {}
    for sku, barcode in rows:
        found.setdefault(sku, []).append(barcode)
    return found


def create_product(session: Session, data: dict, now: datetime) -> Product:
    if session.get(Product, data["sku"]) is not None:
        raise Conflict(f"product {data['sku']} already exists")
    require_tax_class(session, data["tax_class"])
    product = Product(sku=data["sku"], updated_at=now, **{f: data[f] for f in FIELDS})
    session.add(product)
    session.flush()
    set_barcodes(session, product.sku, data.get("barcodes", []))
    publish_product(session, product, now)
    return product


def update_product(session: Session, product: Product, changes: dict, now: datetime) -> Product:
    if "tax_class" in changes:
        require_tax_class(session, changes["tax_class"])
    for name in FIELDS:
        if name in changes:
            setattr(product, name, changes[name])
    product.updated_at = now
    if "barcodes" in changes:
        set_barcodes(session, product.sku, changes["barcodes"])
    session.flush()
    publish_product(session, product, now)
    return product


def upsert_products(session: Session, items: list[dict], now: datetime) -> tuple[int, int]:
    """Create or replace each product; returns (created, updated). All or nothing."""
    existing = {p.sku: p for p in session.scalars(select(Product).where(
        Product.sku.in_([item["sku"] for item in items])))}
    for item in items:
        if item["sku"] in existing:
            update_product(session, existing[item["sku"]], item, now)
        else:
            create_product(session, item, now)
    return len(items) - len(existing), len(existing)


def set_barcodes(session: Session, sku: str, barcodes: list[str]) -> None:
    """Replace a product's barcodes; each must be a GTIN with a correct check digit, and free."""
    for position, code in enumerate(barcodes):
        if not is_valid_gtin(code):
            raise InvalidProduct(f"barcodes.{position}", f"{code} is not a GTIN-8/12/13/14 with a valid check digit")
    taken = session.execute(select(ProductBarcode.barcode, ProductBarcode.sku).where(
        ProductBarcode.barcode.in_(barcodes), ProductBarcode.sku != sku)).first()
    if taken is not None:
        raise Conflict(f"barcode {taken.barcode} already belongs to product {taken.sku}")
    session.execute(delete(ProductBarcode).where(ProductBarcode.sku == sku))
    session.add_all(ProductBarcode(barcode=code, sku=sku) for code in dict.fromkeys(barcodes))
    session.flush()


def list_products(session: Session, after: str | None, limit: int, category: str | None) -> list[Product]:
    stmt = select(Product).order_by(Product.sku).limit(limit)
    if after is not None:
        stmt = stmt.where(Product.sku > after)
    if category is not None:
        stmt = stmt.where(Product.category == category)
    return list(session.scalars(stmt))
