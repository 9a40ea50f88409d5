"""Publishing the catalogue to the change feed: products, and the live version of each promotion.

Tills price offline with exactly what they received here, so a promotion reaches them as the
same JSON definition the server prices with (store_sync.promotion_definitions decodes both).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.models import CapUse, CouponCode, Product, ProductBarcode, PromotionRecord, PromotionVersion, TaxClass
from server.sync import record_change
from store_sync.entities import Entity
from store_sync.feed import Op
from store_sync.promotion_definitions import LIVE_STATES


def publish_product(session: Session, product: Product, now: datetime) -> None:
    record_change(session, entity_type=Entity.PRODUCT, entity_id=product.sku, op=Op.UPSERT, now=now, payload={
        "sku": product.sku, "name": product.name, "category": product.category,
        "base_price_minor": product.base_price_minor, "excluded_from_points": product.excluded_from_points,
        "barcodes": sorted(session.scalars(select(ProductBarcode.barcode).where(ProductBarcode.sku == product.sku))),
        "active": product.active, "tax_class": product.tax_class, "tax_rate_bp": _rate(session, product.tax_class)})


def _rate(session: Session, code: str) -> int:
    """The class's rate (``server.pricing.taxes``: products name classes that exist; ``standard`` always does)."""
    return session.scalar(select(TaxClass.rate_bp).where(TaxClass.code == code)) or 0


def publish_promotion(session: Session, record: PromotionRecord, now: datetime) -> None:
    """Live (active or scheduled) promotions go to every till with their codes; others are withdrawn.

    A chain-capped promotion says whether its posted uses have reached the cap (``cap_reached``):
    a till then grants it no more offline (``server.pricing.cap_holds``).
    """
    if record.state not in LIVE_STATES:
        record_change(session, entity_type=Entity.PROMOTION, entity_id=str(record.id), op=Op.DELETE,
                      payload=None, now=now)
        return
    codes = session.scalars(select(CouponCode.code).where(CouponCode.promotion_id == record.id)
                            .order_by(CouponCode.code)).all()
    definition = _definition(session, record)
    record_change(session, entity_type=Entity.PROMOTION, entity_id=str(record.id), op=Op.UPSERT, now=now,
                  payload={"id": str(record.id), "version": record.current_version, "state": record.state,
                           "definition": definition, "codes": list(codes),
                           "cap_reached": _cap_reached(session, record, definition)})


def _definition(session: Session, record: PromotionRecord) -> dict:
    return session.scalar(select(PromotionVersion.definition).where(
        PromotionVersion.promotion_id == record.id, PromotionVersion.version == record.current_version))


def _cap_reached(session: Session, record: PromotionRecord, definition: dict) -> bool:
    cap = definition.get("chain_cap")
    if not cap:
        return False
    used = session.scalar(select(func.count()).where(CapUse.promotion_id == str(record.id)))
    return used >= cap["max_uses"]
