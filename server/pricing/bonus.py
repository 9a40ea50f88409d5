"""Bonus points a posted sale earns from promotions, computed here, never taken from the till.

The server prices the sale's known items with the promotions live at the sale's time and store
(the same engine the till ran) and credits the bonus each promotion gives. Items the server does
not know earn no bonus.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.earning import Bonus
from server.membership.program import LoyaltyProgram
from server.models import Product
from server.pricing.catalogues import CATALOGUES
from server.pricing.quotes import QuoteRequest, price_quote


def bonus_for_sale(session: Session, store: str, at, card_number: str, lines: tuple[dict, ...],
                   coupons: tuple[str, ...], program: LoyaltyProgram) -> list[Bonus]:
    skus = {line.get("sku") for line in lines}
    active = set(session.scalars(select(Product.sku).where(Product.sku.in_(skus), Product.active)))
    known = tuple({"line_id": ln["line_id"], "sku": ln["sku"], "qty": ln["qty"]}
                  for ln in lines if ln.get("sku") in active)
    if not known:
        return []
    quote = price_quote(session, QuoteRequest(store=store, at=at, lines=known, card_number=card_number,
                                              coupons=coupons), program, CATALOGUES.live(session))
    return [Bonus(award.promotion_id, award.points) for award in quote.priced.bonus if award.points > 0]
