"""Tax classes: their rates, set by an admin, and what each product is taxed at.

A product names its class by code; the rate reaches tills inside each product's feed payload, so a
changed rate republishes every product of the class (tills then price with it; the server re-checks an
offline sale with the rate its till had, ``server.pricing.till_taxes``).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from promotions.tax import MAX_RATE_BP
from server.audit import Actor, write_audit
from server.exceptions import NotFound
from server.models import Product, TaxClass
from server.pricing.exceptions import InvalidProduct, InvalidTaxClass
from server.pricing.publishing import publish_product

# Products name it unless told otherwise. The migration makes its row at 0 %; should the row be
# missing (a database emptied table by table), it still exists, untaxed, until an admin sets it.
DEFAULT_CLASS = "standard"
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,15}")  # fits products.tax_class (16 characters)


def list_tax_classes(session: Session) -> list[TaxClass]:
    return list(session.scalars(select(TaxClass).order_by(TaxClass.code)))


def get_tax_class(session: Session, code: str) -> TaxClass:
    found = session.get(TaxClass, code)
    if found is None:
        raise NotFound(f"no tax class {code}")
    return found


def require_tax_class(session: Session, code: str) -> None:
    """A product may only name a class that exists (422 naming the field otherwise)."""
    if code != DEFAULT_CLASS and session.get(TaxClass, code) is None:
        raise InvalidProduct("tax_class", f"no tax class {code!r}; create it first")


def set_tax_class(session: Session, code: str, name: str, rate_bp: int, now: datetime) -> TaxClass:
    """Create or change a class; a changed rate goes to the tills with every product of the class."""
    if not CODE.fullmatch(code):
        raise InvalidTaxClass("code", "use 1-16 letters, digits, '_' or '-', starting with a letter or digit")
    if type(rate_bp) is not int or not 0 <= rate_bp <= MAX_RATE_BP:
        raise InvalidTaxClass("rate_bp", "a rate is 0..10000 basis points (0 % .. 100 %)")
    found = session.get(TaxClass, code)
    if found is None:
        # Products may already name it: ``standard`` without its row, published untaxed.
        found, changed = TaxClass(code=code, name=name, rate_bp=rate_bp, updated_at=now), rate_bp != 0
        session.add(found)
    else:
        changed = found.rate_bp != rate_bp
        found.name, found.rate_bp, found.updated_at = name, rate_bp, now
    session.flush()
    if changed:
        for product in session.scalars(select(Product).where(Product.tax_class == code).order_by(Product.sku)):
            publish_product(session, product, now)
    return found


def change_tax_class(session: Session, code: str, name: str, rate_bp: int, now: datetime, actor: Actor) -> TaxClass:
    """`set_tax_class`, audited as ``tax_class.set`` by ``actor``; in force from ``now``. The caller commits."""
    found = set_tax_class(session, code, name, rate_bp, now)
    write_audit(session, at=now, actor=actor, action="tax_class.set", target=code, details={"rate_bp": rate_bp})
    return found
