"""The server's own pricing of a posted sale: what its lines cost and the bonus points it earns
by the server's catalogue (``server.membership.sale_figures`` earns on it), and the check that
the till priced it as the server would have.

Promotions: exactly those the till had. An offline sale names the till's feed cursor, and the
till's cache then held every change visible to its store up to that cursor, so its catalogue is
rebuilt from the change feed as of the cursor (``server.pricing.till_catalogues``): a promotion
created or edited after it is not used, one ended after it still is. A sale without a cursor (an
online sale, or one from an agent too old to send it), or with a cursor the feed cannot serve, is
priced with the live promotions, each one the till applied at the version the till says it used.
A chain-capped offer the till did not apply is left out (``server.pricing.cap_holds``).

Taxes: an offline sale with a cursor is taxed at the rates and on the basis (inclusive or exclusive)
its till had at that cursor (``server.pricing.till_taxes``), others at the server's current ones.

Unknown items: a line whose sku the server does not sell (unknown, or inactive) cannot be priced
here and earns no bonus; the other lines are priced alone. Posting records such a sale
as an ``unknown-items`` exception and never refuses it. The known lines' prices are compared
only when no promotion in play prices a line from the rest of the basket: none that the till
applied (on any line, priced here or not) or that the server applies to the known lines is a
multi-buy, a bundle, a spend threshold, a whole-basket discount or a reward other than a free
product, and each one the till names is in the catalogue (otherwise its kind is unknown). Such
promotions would price the known lines differently without the unknown ones, so a till that was
right would be flagged, or one that was wrong passed. Without them every line is priced on its
own (shelf or member price, then product and category discounts per unit), and the known lines
must come out exactly as the till charged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from loyalty.earning import Bonus
from promotions import (
    AmountOff,
    Bundle,
    BuyGet,
    Catalogue,
    MultiBuy,
    PercentOff,
    PricedBasket,
    Promotion,
    Reward,
    RewardClaim,
    RewardKind,
    SpendThreshold,
)
from server.membership.program import LoyaltyProgram
from server.models import PromotionVersion
from server.pricing.cap_holds import exhausted_for_sale
from server.pricing.catalogues import CATALOGUES, LiveCatalogue
from server.pricing.definitions import to_promotion
from server.pricing.quotes import QuoteRequest, price_basket_only, products_and_rates
from server.pricing.till_catalogues import TILL_CATALOGUES
from server.pricing.till_taxes import taxes_at


@dataclass(frozen=True)
class UnknownLine:
    line: dict
    why: str  # "unknown" or "inactive"


@dataclass(frozen=True)
class ProductFacts:
    """What the server's catalogue says of a product, on sale or not: what points it earns."""

    category: str
    excluded: bool


@dataclass(frozen=True)
class Repricing:
    priced: PricedBasket | None  # the lines the server knows, as it prices them; None when it knows none
    unknown: tuple[UnknownLine, ...] = ()
    linking: tuple[str, ...] = ()  # promotions in play that price lines together, when some are unknown
    products: dict[str, ProductFacts] = field(default_factory=dict)  # by sku: every product of the sale it has

    @property
    def comparable(self) -> bool:
        """The till's charges for the priced lines can be held against the server's."""
        return self.priced is not None and not (self.unknown and self.linking)

    @property
    def bonuses(self) -> list[Bonus]:
        if self.priced is None:
            return []
        return [Bonus(award.promotion_id, award.points) for award in self.priced.bonus if award.points > 0]


def reprice_sale(session: Session, store: str, at, card_number: str | None, lines: tuple[dict, ...],
                 coupons: tuple[str, ...], program: LoyaltyProgram, feed_cursor: int | None = None,
                 rewards: tuple[RewardClaim, ...] = ()) -> Repricing:
    """Price the sale's known lines with the till's promotions and the rewards it says the member
    took (see the module docstring)."""
    rows = _product_rows(session, lines)
    facts = _products(rows)
    selling = {sku: active for sku, (active, _) in facts.items()}
    products = {sku: fact for sku, (_, fact) in facts.items()}
    known = tuple({"line_id": ln["line_id"], "sku": ln["sku"], "qty": ln["qty"], "qty_milli": ln.get("qty_milli"),
                   "unit_price_minor": ln.get("unit_price_minor")}
                  for ln in lines if selling.get(ln.get("sku")))
    unknown = tuple(UnknownLine(ln, "unknown" if ln.get("sku") not in selling else "inactive")
                    for ln in lines if not selling.get(ln.get("sku")))
    if not known:
        return Repricing(None, unknown, products=products)
    live = _catalogue(session, store, feed_cursor, lines)
    applied = {d["promotion_id"] for ln in lines for d in ln.get("discounts", ())}
    request = QuoteRequest(store=store, at=at, lines=known, card_number=card_number, coupons=coupons,
                           count_coupon_uses=False, rewards=rewards,
                           exhausted=exhausted_for_sale(session, live.catalogue, applied, at),
                           till_taxes=None if feed_cursor is None else taxes_at(session, store, feed_cursor,
                                                                                 [ln["sku"] for ln in known]),
                           products_read=tuple(rows))
    priced = price_basket_only(session, request, program, live)
    return Repricing(priced, unknown, _linking(live.catalogue, priced, lines) if unknown else (), products)


def price_differences(repricing: Repricing, lines: tuple[dict, ...]) -> list[str]:
    """Lines the till charged differently from the server's pricing (empty when they agree)."""
    server = {line.line_id: line.total for line in repricing.priced.lines}
    return [f"line {ln['line_id']} ({ln.get('sku', '')}): till {ln['paid_minor']}, server {server[ln['line_id']]}"
            for ln in lines if ln["line_id"] in server and server[ln["line_id"]] != ln["paid_minor"]]


def tax_differences(repricing: Repricing, lines: tuple[dict, ...]) -> list[str]:
    """Lines whose tax the till gave differently from the server's (lines it sent none for are not
    compared: older tills do not send it)."""
    server = {line.line_id: line.tax for line in repricing.priced.lines}
    return [f"line {ln['line_id']} ({ln.get('sku', '')}): till tax {ln['tax_minor']}, server {server[ln['line_id']]}"
            for ln in lines if ln["line_id"] in server and ln.get("tax_minor") is not None
            and server[ln["line_id"]] != ln["tax_minor"]]


def tax_figures(priced: PricedBasket) -> dict:
    """The server's tax of the lines it priced, as a posted sale keeps it (for receipts, reports, returns)."""
    return {"prices_include_tax": priced.prices_include_tax, "total": priced.tax,
            "rates": [{"rate_bp": r.rate_bp, "net": r.net, "tax": r.tax, "gross": r.gross} for r in priced.taxes],
            "lines": {line.line_id: line.tax for line in priced.lines}}


def unknown_items(repricing: Repricing) -> str:
    """The unknown lines, and whether the others could still be checked."""
    named = "; ".join(f"line {u.line['line_id']} ({u.line.get('sku') or 'no sku'}, {u.why}): "
                      f"till {u.line['paid_minor']}" for u in repricing.unknown)
    if repricing.priced is None:
        return f"no item is one the server sells, prices not checked: {named}"
    if repricing.linking:
        return (f"items the server does not sell: {named}; the other lines were not checked, as "
                f"{', '.join(repricing.linking)} price lines together")
    return f"items the server does not sell: {named}; the other lines were checked"


def _product_rows(session: Session, lines: tuple[dict, ...]) -> list:
    """The products of the sale's skus with their tax rates, read once for this module and the
    pricing (``QuoteRequest.products_read``)."""
    return products_and_rates(session, {line.get("sku") for line in lines if line.get("sku")})


def _products(rows: list) -> dict[str, tuple[bool, ProductFacts]]:
    """Each sku of the sale the server knows: whether it is on sale, and what it earns."""
    return {product.sku: (product.active, ProductFacts(product.category, product.excluded_from_points))
            for product, _ in rows}


def _catalogue(session: Session, store: str, feed_cursor: int | None, lines: tuple[dict, ...]) -> LiveCatalogue:
    if feed_cursor is not None:
        found = TILL_CATALOGUES.at(session, store, feed_cursor)
        if found is not None:
            return found
    live = CATALOGUES.live(session)
    older = _as_the_till_had_it(session, live, lines)
    return live if older is None else LiveCatalogue(older, live.key, live.limited)


def _linking(catalogue: Catalogue, priced: PricedBasket, lines: tuple[dict, ...]) -> tuple[str, ...]:
    """Promotions applied by the till or the server that price lines together, or are not known here."""
    used = {d["promotion_id"] for ln in lines for d in ln.get("discounts", ())}
    used |= {applied.promotion_id for applied in priced.applied}
    found = {pid: catalogue.get(pid) for pid in used}
    return tuple(sorted(f"{pid} (not known)" if p is None else f"{pid} ({p.label})"
                        for pid, p in found.items() if p is None or _prices_lines_together(p)))


def _prices_lines_together(promotion: Promotion) -> bool:
    rule = promotion.rule
    if isinstance(rule, (MultiBuy, BuyGet, Bundle, SpendThreshold)):
        return True
    if isinstance(rule, Reward):  # all but a free product spread their discount over several lines
        return rule.kind is not RewardKind.FREE_PRODUCT
    return isinstance(rule, (PercentOff, AmountOff)) and rule.scope.whole_basket


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
