"""Turning a paid basket into what is kept: the transaction body (the journal item) and the receipt."""

from __future__ import annotations

from datetime import datetime

from devices.preview import text_preview
from devices.receipt import layout_receipt
from devices.sale import CompletedSale, Discount, LoyaltySummary, PointsRule, SaleLine, StoreHeader, TaxRate, Tender
from loyalty.earning import Earning, no_points_reason
from pos_agent.checkout.basket import Basket, Item
from pos_agent.checkout.pricing import bonus_points, sale_lines
from pos_agent.checkout.program import Program
from promotions import Catalogue, MemberPrice, PricedBasket, PricedLine
from store_sync.transactions import (
    AppliedDiscount,
    TakenRewardLine,
    TenderKind,
    TenderLine,
    TillTransaction,
    TransactionKind,
    TransactionLine,
)

TENDER_LABELS = {TenderKind.CASH: "Cash", TenderKind.CARD: "Card", TenderKind.POINTS: "Points",
                 TenderKind.VOUCHER: "Voucher"}


def transaction_body(basket: Basket, priced: PricedBasket, earned: Earning, program: Program,
                     store: str, terminal: str, at: datetime, feed_cursor: int | None,
                     coupon_hold_id: str | None = None, cashier_id: str | None = None) -> TillTransaction:
    """The sale as the till posts it (its journal item's body is ``to_dict()`` of it, exactly).

    ``feed_cursor`` is the cursor of the catalogue ``priced`` came from (ReferenceData.catalogue_at).
    """
    skus = {line.line_id: line.sku for line in priced.lines}
    discounts = {line.line_id: tuple(AppliedDiscount(d.promotion_id, d.promotion_version, d.label, d.amount,
                                                     d.coupon_code) for d in line.discounts)
                 for line in priced.lines}
    items = {item.line_id: item for item in basket.items}
    taxes = {line.line_id: line.tax for line in priced.lines}
    lines = tuple(TransactionLine(line_id=ln.line_id, sku=skus[ln.line_id], qty=ln.qty, paid_minor=ln.paid_minor,
                                  category=ln.category, excluded=ln.excluded, discounts=discounts[ln.line_id],
                                  qty_milli=items[ln.line_id].qty_milli,
                                  unit_price_minor=items[ln.line_id].price_override, tax_minor=taxes[ln.line_id])
                  for ln in sale_lines(basket, priced, program))
    member = basket.member
    redeemed = (basket.redemption.points if basket.redemption else 0) + priced.reward_points
    return TillTransaction(
        id=basket.sale_id, kind=TransactionKind.SALE, store=store, terminal=terminal, at=at,
        offline=basket.offline, card_number=member.card_number if member else None,
        lines=lines, tenders=tenders(basket), coupons=tuple(priced.accepted_coupons),
        hold_id=basket.redemption.hold_id if basket.redemption else None, coupon_hold_id=coupon_hold_id,
        # An unknown card's tier is unknown here: the server decides its points alone.
        points_earned=earned.points if member and member.source != "unknown" else None,
        points_redeemed=redeemed if member else None,
        feed_cursor=feed_cursor, cashier_id=cashier_id, programme_version=program.version,
        rewards=tuple(TakenRewardLine(r.promotion_id, r.times, r.points) for r in priced.rewards),
    )


def tenders(basket: Basket) -> tuple[TenderLine, ...]:
    found = []
    if basket.redemption:
        found.append(TenderLine(TenderKind.POINTS, basket.redemption.value_minor, basket.redemption.points))
    found += [TenderLine(TenderKind(t.kind), t.amount_minor) for t in basket.tenders]
    return tuple(found)


def new_balance(basket: Basket, earned: int, reward_points: int = 0) -> int:
    """The member's balance after the sale: less the points tender and the rewards, plus what it earns."""
    member = basket.member
    redeemed = basket.redemption.points if basket.redemption else 0
    return (member.balance if member else 0) - redeemed - reward_points + earned


def receipt_sale(basket: Basket, priced: PricedBasket, catalogue: Catalogue, store: dict, program: Program,
                 terminal: str, at: datetime, earned: int, data_as_of: datetime | None,
                 cashier: str = "") -> CompletedSale:
    """The device layer's view of the completed sale, for the receipt layout."""
    items = {item.line_id: item for item in basket.items}
    return CompletedSale(
        receipt_id=basket.sale_id, store=store_header(store), sold_at=at,
        lines=tuple(_receipt_line(line, items[line.line_id], catalogue) for line in priced.lines),
        subtotal=priced.subtotal, total=priced.total, currency=program.currency,
        exponent=program.exponent, terminal=terminal,
        cashier=cashier, open_drawer=any(t.kind == TenderKind.CASH for t in basket.tenders),
        tenders=tuple(Tender(TENDER_LABELS[t.kind], t.amount_minor) for t in tenders(basket)),
        change=sum(max(0, t.given_minor - t.amount_minor) for t in basket.tenders),
        loyalty=_loyalty(basket, priced, program, earned), footer=_footer(basket, store, data_as_of),
        # A chain that has set no tax rate prints no tax block; a zero-rated line among taxed ones shows.
        taxes=tuple(TaxRate(r.rate_bp, r.net, r.tax, r.gross) for r in priced.taxes)
        if any(r.rate_bp for r in priced.taxes) else (),
        tax_added=0 if priced.prices_include_tax else priced.tax)


def store_header(store: dict) -> StoreHeader:
    """What the receipts print of the store: its name and the details it publishes (address lines,
    tax number, header lines; ``server.schemas.stores.ReceiptDetailsSchema``)."""
    details = store.get("receipt") or {}
    return StoreHeader(store.get("name", store["code"]), tuple(details.get("address_lines", ())),
                       tax_id=details.get("tax_number", ""), header_lines=tuple(details.get("header_lines", ())))


def receipt_text(sale: CompletedSale) -> str:
    return text_preview(layout_receipt(sale))


def _receipt_line(line: PricedLine, item: Item, catalogue: Catalogue) -> SaleLine:
    member_ids = {p.promotion_id for p in catalogue if isinstance(p.rule, MemberPrice)}
    member_off = sum(d.amount for d in line.discounts if d.promotion_id in member_ids)
    return SaleLine(
        description=item.name, unit_price=line.base_unit_price, amount=line.base_amount, quantity=line.qty,
        weight_grams=line.qty_milli, member_amount=line.base_amount - member_off if member_off else None,
        discounts=tuple(Discount(d.label, d.amount) for d in line.discounts if d.promotion_id not in member_ids))


def _loyalty(basket: Basket, priced: PricedBasket, program: Program, earned: int) -> LoyaltySummary | None:
    member = basket.member
    if member is None:
        return None
    redeemed = (basket.redemption.points if basket.redemption else 0) + priced.reward_points
    # What each earning rule gave, only when the till credits bonuses (``pricing.bonus_points``).
    rules = tuple(PointsRule(b.label, b.points) for b in priced.bonus) if bonus_points(basket, priced) else ()
    why = ((item.name, no_points_reason(item.category, item.excluded, program.earning)) for item in basket.items)
    return LoyaltySummary(member.card_number, member.tier or "-", earned,
                          new_balance(basket, earned, priced.reward_points),
                          redeemed, pending=basket.offline, earned_by=rules,
                          no_points=tuple(f"{name}: {reason}" for name, reason in why if reason))


def _footer(basket: Basket, store: dict, data_as_of: datetime | None) -> tuple[str, ...]:
    lines = list((store.get("receipt") or {}).get("footer_lines") or ["Thank you for shopping with us"])
    if basket.offline and data_as_of is not None:
        lines.append(f"Member data as of {data_as_of:%Y-%m-%d %H:%M} UTC")
    return tuple(lines)
