"""A quote: price a basket for a store, a time and a card (or none) against the live catalogue.

Everything the engine needs is read here (products, member tier, segments and clipped offers,
usage counts, coupon counts, spendable points) and handed over as plain data; the engine decides.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from loyalty.cards import require_usable_card
from loyalty.earning import SaleLine, compute_earning, earns_no_points
from loyalty.redemption import max_redeemable
from promotions import (
    BasketLine,
    Catalogue,
    EarnConfig,
    Member,
    NearMiss,
    PresentedCoupon,
    PricedBasket,
    PricingRequest,
    RewardClaim,
    Store,
    near_misses,
    price_basket,
    usage_period_start,
)
from server.exceptions import NotFound
from server.membership import batch_work
from server.membership.accounts import account_summary
from server.membership.cards import get_card_and_member
from server.membership.clipped import segments_and_clipped
from server.membership.program import LoyaltyProgram
from server.models import Member as MemberRow
from server.models import Product, ProductBarcode, PromotionUseRecord, TaxClass
from server.models import Store as StoreRow
from server.pricing.cap_holds import exhausted_now
from server.pricing.catalogues import LiveCatalogue
from server.pricing.coupons import presented
from server.pricing.exceptions import UnknownItem
from server.pricing.till_taxes import TillTaxes
from server.pricing.use_log import covers, recent_uses


@dataclass(frozen=True)
class QuoteRequest:
    store: str
    at: datetime
    lines: tuple[dict, ...]
    card_number: str | None = None
    coupons: tuple[str, ...] = ()
    points_to_redeem: int = 0
    rewards: tuple[RewardClaim, ...] = ()  # rewards the member takes with points
    # Re-pricing a posted sale leaves coupon overuse to usage accounting (under the coupon's row
    # lock), so its price check does not race concurrent sales of the same code.
    count_coupon_uses: bool = True
    # The chain-capped promotions to price without; None: those the server's count says are
    # exhausted now (a quote). Re-pricing a posted sale passes its own (server.pricing.cap_holds).
    exhausted: frozenset[str] | None = None
    # Re-pricing an offline sale: the tax its till had (server.pricing.till_taxes); None: the server's own.
    till_taxes: TillTaxes | None = None
    # Re-pricing a posted sale: the rows ``products_and_rates`` gave for its skus, read once by
    # server.pricing.repricing (which needs them first); None: read here.
    products_read: tuple | None = None


@dataclass(frozen=True)
class Quote:
    request: QuoteRequest
    priced: PricedBasket
    products: dict[str, Product]  # by line id
    member: MemberRow | None
    base_points: int
    redeemable: tuple[int, int]  # points, value in minor units
    near_misses: tuple[NearMiss, ...] = ()


def store_read(code: str) -> tuple[str, str]:
    """The key ``find_store`` reads the store under (``batch_work.read_once``)."""
    return ("store", code)


def find_store(session: Session, code: str) -> StoreRow:
    """The store; in a journal batch, read once for all of its items (``batch_work.read_once``)."""
    store = batch_work.read_once(session, store_read(code),
                                 lambda: session.scalar(select(StoreRow).where(StoreRow.code == code)))
    if store is None:
        raise NotFound(f"no store {code}")
    return store


def price_quote(session: Session, request: QuoteRequest, program: LoyaltyProgram, live: LiveCatalogue,
                catalogue: Catalogue | None = None) -> Quote:
    """Price ``request``; ``catalogue`` overrides the live one (previews add a draft to it)."""
    pricing, priced, products, member_row, available = _price(session, request, program, live, catalogue)
    hints = near_misses(pricing, catalogue or live.catalogue, priced)
    # What the rewards cost is spent before the points tender: it pays from what is left.
    spendable = available - priced.reward_points
    redeemable = _redeemable(request.points_to_redeem, spendable, priced.total, program) if member_row else (0, 0)
    base = _base_points(priced, products, member_row, program, redeemable[1] if request.points_to_redeem else 0)
    return Quote(request, priced, products, member_row, base, redeemable, hints)


def price_basket_only(session: Session, request: QuoteRequest, program: LoyaltyProgram,
                      live: LiveCatalogue) -> PricedBasket:
    """The basket as ``price_quote`` prices it, without a quote's points and hints: a posted sale
    is re-priced with this (posting computes its points itself and shows no hints)."""
    return _price(session, request, program, live, None)[1]


def _price(session: Session, request: QuoteRequest, program: LoyaltyProgram, live: LiveCatalogue,
           catalogue: Catalogue | None):
    store = find_store(session, request.store)
    products, rates = resolve_lines(session, request.lines, request.products_read)
    inclusive = store.prices_include_tax
    if request.till_taxes is not None:
        rates = {**rates, **{sku: r for sku, r in request.till_taxes.rates.items() if sku in rates}}
        if request.till_taxes.prices_include_tax is not None:
            inclusive = request.till_taxes.prices_include_tax
    member_row, member, available = _member(session, request, program, live, store.timezone)
    pricing = PricingRequest(
        lines=tuple(basket_line(line_id, product, line, program, rates[product.sku])
                    for (line_id, product), line in zip(products.items(), request.lines, strict=True)),
        store=Store(store.code, store.timezone, inclusive), at=request.at, member=member,
        coupons=_coupons(session, request, member_row),
        earn=EarnConfig(program.earning.points_per_unit, program.earning.unit_minor), rewards=request.rewards,
        exhausted=_exhausted(session, request, catalogue or live.catalogue))
    return pricing, price_basket(pricing, catalogue or live.catalogue), products, member_row, available


def _exhausted(session: Session, request: QuoteRequest, catalogue: Catalogue) -> frozenset[str]:
    if request.exhausted is not None:
        return request.exhausted
    return exhausted_now(session, catalogue, request.at) if catalogue.capped else frozenset()


def _coupons(session: Session, request: QuoteRequest, member_row: MemberRow | None) -> tuple[PresentedCoupon, ...]:
    if not request.count_coupon_uses:
        return tuple(PresentedCoupon(code) for code in dict.fromkeys(request.coupons))
    return presented(session, request.coupons, member_row.id if member_row else None)


def resolve_lines(session: Session, lines: tuple[dict, ...], read: tuple | None = None
                  ) -> tuple[dict[str, Product], dict[str, int]]:
    """Each line's product, found by sku or barcode, and each product's tax rate (by sku, read with
    it); unknown or inactive items name their line. ``read``: the rows of ``products_and_rates``
    for the lines' skus, already read (lines with a barcode but no sku still read theirs)."""
    skus = {ln["sku"] for ln in lines if ln.get("sku")}
    barcodes = {ln["barcode"] for ln in lines if ln.get("barcode")}
    by_barcode = dict(session.execute(select(ProductBarcode.barcode, ProductBarcode.sku)
                                      .where(ProductBarcode.barcode.in_(barcodes))).all()) if barcodes else {}
    wanted = skus | set(by_barcode.values())
    if read is None:
        rows = products_and_rates(session, wanted)
    else:
        rows = [row for row in read if row[0].sku in wanted]
        missing = wanted - {product.sku for product, _ in rows}
        rows += products_and_rates(session, missing) if missing else []
    products = {product.sku: product for product, _ in rows}
    # Products name classes that exist; ``standard`` without its row is untaxed (server.pricing.taxes).
    rates = {product.sku: rate or 0 for product, rate in rows}
    found: dict[str, Product] = {}
    for position, line in enumerate(lines):
        field = "sku" if line.get("sku") else "barcode"
        sku = line["sku"] if field == "sku" else by_barcode.get(line["barcode"])
        product = products.get(sku)
        if product is None or not product.active:
            raise UnknownItem(f"lines.{position}.{field}", f"{line[field]} is not a product on sale")
        found[line["line_id"]] = product
    return found, rates


def products_and_rates(session: Session, skus: set[str]) -> list[tuple[Product, int | None]]:
    """The products of ``skus`` with their tax class's rate; in a journal batch, those of every sku
    its sales name are read once, with the first item (``batch_work``)."""
    work = batch_work.pending(session)
    if work is None:
        return _read_products(session, skus)
    known = batch_work.read_once(session, "products", lambda: {
        product.sku: (product, rate) for product, rate in _read_products(session, set(work.skus))})
    outside = skus - work.skus  # found by barcode: not among the skus the batch names
    return [known[sku] for sku in skus & work.skus if sku in known] + (
        _read_products(session, outside) if outside else [])


def _read_products(session: Session, skus: set[str]) -> list[tuple[Product, int | None]]:
    return list(session.execute(_PRODUCTS, {"skus": sorted(skus)}).all())


# Built once (as ``catalogues.live_key``'s): every sale and quote reads its products.
_PRODUCTS = (select(Product, TaxClass.rate_bp).outerjoin(TaxClass, TaxClass.code == Product.tax_class)
             .where(Product.sku.in_(bindparam("skus", expanding=True))))


def basket_line(line_id: str, product: Product, line: dict, program: LoyaltyProgram, rate_bp: int) -> BasketLine:
    """The engine's line, taxed at its class's rate; a price the item's own barcode carried (a
    re-priced sale's) replaces the shelf price."""
    unit = line["unit_price_minor"] if line.get("unit_price_minor") is not None else product.base_price_minor
    return BasketLine(line_id, product.sku, unit, qty=line.get("qty") or 1,
                      qty_milli=line.get("qty_milli"), category=product.category,
                      excluded_from_points=earns_no_points(product.category, product.excluded_from_points,
                                                           program.earning, product.sku),
                      tax_rate_bp=rate_bp)


def _member(session: Session, request: QuoteRequest, program: LoyaltyProgram, live: LiveCatalogue,
            timezone: str) -> tuple[MemberRow | None, Member | None, int]:
    if not request.card_number:
        return None, None, 0
    card, row = get_card_and_member(session, program, request.card_number)
    require_usable_card(card.number, card.state)
    # Spendable points only limit the points asked to pay (``_redeemable``): none asked, none read.
    balance = account_summary(session, row, program, request.at).available if request.points_to_redeem else 0
    uses = usage_counts(session, row.id, live.limited, request.at, timezone)
    segments, clipped = segments_and_clipped(session, row.id)
    return row, Member(str(row.id), row.tier, segments, uses, clipped), balance


def usage_counts(session: Session, member_id: uuid.UUID, limited, at: datetime, timezone: str,
                 exclude_transaction: str | None = None) -> dict[str, int]:
    """Sales in which each limited promotion gave this member something, in its current period."""
    if batch_work.pending(session) is not None and limited:
        return _counted_in_batch(session, member_id, limited, at, timezone, exclude_transaction)
    if batch_work.in_one_sale(session) and limited and covers(session, limited):
        # Read once for the sale and its member's snapshot.
        uses = [use for use in recent_uses(session, member_id, at) if use[1] != exclude_transaction]
        return _counted(uses, limited, at, timezone)
    counts: dict[str, int] = {}
    by_start: dict[datetime | None, list[str]] = {}
    for pid, period in limited:
        by_start.setdefault(usage_period_start(period, at, ZoneInfo(timezone)), []).append(pid)
    for start, pids in by_start.items():
        stmt = (select(PromotionUseRecord.promotion_id, func.count(PromotionUseRecord.transaction_id))
                .where(PromotionUseRecord.member_id == member_id, PromotionUseRecord.promotion_id.in_(pids))
                .group_by(PromotionUseRecord.promotion_id))
        if start is not None:
            stmt = stmt.where(PromotionUseRecord.at >= start)
        if exclude_transaction is not None:
            stmt = stmt.where(PromotionUseRecord.transaction_id != exclude_transaction)
        counts.update(dict(session.execute(stmt).all()))
    return counts


def _counted_in_batch(session: Session, member_id: uuid.UUID, limited, at: datetime, timezone: str,
                      exclude_transaction: str | None) -> dict[str, int]:
    """``usage_counts`` in a journal batch: the uses stored before it, read once for all of its
    locked members, and the uses its items have recorded since (``record_usage`` leaves them
    waiting in the batch until its end), counted here."""
    work = batch_work.pending(session)
    pids = frozenset(pid for pid, _ in limited)
    members = work.locked if member_id in work.locked else frozenset({member_id})
    stored = batch_work.read_once(session, ("promotion-uses", pids, members),
                                  lambda: _stored_uses(session, members, pids))
    uses = [use for use in (*stored.get(member_id, ()), *work.uses.get(member_id, ())) if use[1] != exclude_transaction]
    return _counted(uses, limited, at, timezone)


def _counted(uses: list[tuple[str, str, datetime]], limited, at: datetime, timezone: str) -> dict[str, int]:
    """``usage_counts`` of these uses (promotion, sale, instant)."""
    zone, counts = ZoneInfo(timezone), {}
    for pid, period in limited:
        start = usage_period_start(period, at, zone)
        found = sum(1 for used, _, used_at in uses if used == pid and (start is None or used_at >= start))
        if found:
            counts[pid] = found
    return counts


def _stored_uses(session: Session, members: frozenset[uuid.UUID], pids: frozenset[str]
                 ) -> dict[uuid.UUID, list[tuple[str, str, datetime]]]:
    stored: dict[uuid.UUID, list[tuple[str, str, datetime]]] = {}
    for member_id, pid, transaction_id, at in session.execute(
            select(PromotionUseRecord.member_id, PromotionUseRecord.promotion_id, PromotionUseRecord.transaction_id,
                   PromotionUseRecord.at)
            .where(PromotionUseRecord.member_id.in_(members), PromotionUseRecord.promotion_id.in_(pids))):
        stored.setdefault(member_id, []).append((pid, transaction_id, at))
    return stored


def _redeemable(wanted: int, available: int, total: int, program: LoyaltyProgram) -> tuple[int, int]:
    """Points (and their value) that may pay: by loyalty's one cap, within what was asked and is available."""
    points = max_redeemable(min(wanted, max(available, 0)), total, program.redemption)
    return points, program.redemption.value.value_minor(points)


def _base_points(priced: PricedBasket, products: dict[str, Product], member: MemberRow | None,
                 program: LoyaltyProgram, points_tender_minor: int) -> int:
    """Base points by loyalty's own rules (tier multipliers, exclusions): what posting will credit."""
    if member is None:
        return 0
    lines = [SaleLine(line_id=ln.line_id, paid_minor=ln.total, qty=ln.qty,
                      category=products[ln.line_id].category,
                      excluded=products[ln.line_id].excluded_from_points, sku=products[ln.line_id].sku,
                      base_replaced=ln.base_replaced_by is not None)
             for ln in priced.lines]
    return compute_earning(lines, program.earning, tier=member.tier, points_tender_minor=points_tender_minor).points
