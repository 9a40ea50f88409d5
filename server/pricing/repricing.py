"""The server's own pricing of a posted sale: the bonus points it earns, and for an offline sale
the check that the till priced it as the server would have.

The sale's known items are priced with the promotions live at the sale's time and store (the
engine the till runs), with the version the till says it used for each promotion it applied:
an offline till may have priced with a version marketing has since replaced. Items the server
does not know earn no bonus and make a price comparison meaningless, so it is skipped then.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.earning import Bonus
from promotions import Catalogue, PricedBasket, Promotion
from server.membership.program import LoyaltyProgram
from server.models import Product, PromotionVersion
from server.pricing.catalogues import CATALOGUES, LiveCatalogue
from server.pricing.definitions import to_promotion
from server.pricing.quotes import QuoteRequest, price_quote


@dataclass(frozen=True)
class Repricing:
    priced: PricedBasket
    complete: bool  # every line of the sale was a product the server knows

    @property
    def bonuses(self) -> list[Bonus]:
        return [Bonus(award.promotion_id, award.points) for award in self.priced.bonus if award.points > 0]


def reprice_sale(session: Session, store: str, at, card_number: str | None, lines: tuple[dict, ...],
                 coupons: tuple[str, ...], program: LoyaltyProgram) -> Repricing | None:
    skus = {line.get("sku") for line in lines}
    active = set(session.scalars(select(Product.sku).where(Product.sku.in_(skus), Product.active)))
    known = tuple({"line_id": ln["line_id"], "sku": ln["sku"], "qty": ln["qty"]}
                  for ln in lines if ln.get("sku") in active)
    if not known:
        return None
    live = CATALOGUES.live(session)
    request = QuoteRequest(store=store, at=at, lines=known, card_number=card_number, coupons=coupons,
                           count_coupon_uses=False)
    quote = price_quote(session, request, program, live, _as_the_till_had_it(session, live, lines))
    return Repricing(quote.priced, complete=len(known) == len(lines))


def price_differences(repricing: Repricing, lines: tuple[dict, ...]) -> list[str]:
    """Lines the till charged differently from the server's pricing (empty when they agree)."""
    server = {line.line_id: line.total for line in repricing.priced.lines}
    return [f"line {ln['line_id']} ({ln.get('sku', '')}): till {ln['paid_minor']}, server {server[ln['line_id']]}"
            for ln in lines if ln["line_id"] in server and server[ln["line_id"]] != ln["paid_minor"]]


def _as_the_till_had_it(session: Session, live: LiveCatalogue, lines: tuple[dict, ...]) -> Catalogue | None:
    """The live catalogue with each promotion the till applied at the version the till used."""
    used = {d["promotion_id"]: d["version"] for ln in lines for d in ln.get("discounts", ())}
    current = {p.promotion_id: p for p in live.catalogue}
    replaced: dict[str, Promotion] = {}
    for promotion_id, version in used.items():
        if promotion_id in current and current[promotion_id].version != version:
            older = _version(session, promotion_id, version, current[promotion_id])
            if older is not None:
                replaced[promotion_id] = older
    if not replaced:
        return None
    return Catalogue([replaced.get(pid, promotion) for pid, promotion in current.items()])


def _version(session: Session, promotion_id: str, version: int, current: Promotion) -> Promotion | None:
    try:
        row = session.get(PromotionVersion, (uuid.UUID(promotion_id), version))
    except ValueError:
        return None
    if row is None:
        return None
    codes = current.coupon.codes if current.coupon else ()
    return to_promotion(promotion_id, version, row.definition, codes)
