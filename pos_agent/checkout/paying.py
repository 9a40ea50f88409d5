"""Taking money and completing the sale.

Completion writes the sale, its journal item, its redemption and its receipt in one local
transaction, which also deletes the saved open basket. Online, the sale's coupons, its member's
limited offers and its chain-capped offers (member or anonymous) are reserved on the server first;
offline the server checks them when the sale arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from loyalty.currency import money_text
from pos_agent.checkout import completion, pricing
from pos_agent.checkout.basket import Basket, BasketState, Tender
from pos_agent.checkout.lane import Lane, points_minor
from pos_agent.checkout.redeeming import redeem_points
from pos_agent.checkout.views import basket_view
from pos_agent.exceptions import BasketStateError, LinkDown, OfferRefused, TenderError
from pos_agent.ids import new_id
from pos_agent.store import baskets, journal, sales
from promotions import Catalogue, PricedBasket
from store_sync.journal import ItemType


@dataclass(frozen=True)
class Completed:
    """A sale kept durably: its receipt and the member's balance after it (None without a member)."""

    basket: Basket
    receipt_id: str
    receipt_text: str
    new_balance: int | None


def add_tender(lane: Lane, basket_id: str, kind: str, amount_minor: int | None = None) -> Basket:
    """Take cash (any amount handed over; change given) or card (at most what is due)."""
    with lane.change(basket_id) as basket:
        quote = lane.quote(basket)
        due, currency = quote.due, quote.program.currency
        given = due if amount_minor is None else amount_minor
        if kind not in ("cash", "card") or given <= 0 or due == 0:
            raise TenderError(f"cannot take {kind} {money_text(given, currency)}: "
                              f"{money_text(due, currency)} is due")
        if kind == "card" and given > due:
            raise TenderError(f"a card pays at most what is due ({money_text(due, currency)})")
        if basket.redemption and not lane.ref.program(lane.clock()).combines_with_points(kind):
            raise TenderError(f"{kind} cannot pay beside points under the loyalty programme")
        basket.tenders.append(Tender(kind, min(given, due), given_minor=given))
        return basket


def complete(lane: Lane, basket_id: str) -> Completed:
    """Keep the paid sale durably (sale, journal item, redemption, receipt in one transaction)."""
    with lane.lock:
        lane.guard()
        basket = lane.basket(basket_id)
        if lane.hold_may_have_lapsed(basket, lane.clock()) or (basket.redemption and lane.mode.revoked):
            # The server keeps a hold for the programme's hold lifetime: renew an old one rather
            # than send a sale on a lapsed hold (points the member may have spent meanwhile).
            # A refusal stops here, as it does for points planned before the till learnt it was revoked.
            redeem_points(lane, basket_id, basket.redemption.points)
        feed_cursor, catalogue = lane.ref.catalogue_at()  # the sale names the cursor it was priced at
        at = lane.clock()
        program = lane.ref.program(at)  # the version in force at the sale's time
        priced = pricing.price(basket, catalogue, lane.ref.store(), program, at, lane.exhausted(basket, catalogue))
        _check_paid(basket, priced.total, program.currency)
        coupon_hold_id = _reserve_coupons(lane, basket, priced, catalogue)  # a refusal stops the sale here
        _check_caps_offline(lane, basket, priced, catalogue)
        basket.sale_id = new_id()
        earned = pricing.earning(basket, priced, program, points_minor(basket))
        points = earned.points + pricing.bonus_points(basket, priced)  # what the receipt promises
        body = completion.transaction_body(basket, priced, earned, program, lane.till.store,
                                           lane.till.terminal, at, feed_cursor, coupon_hold_id,
                                           lane.cashier_id()).to_dict()
        sale = completion.receipt_sale(basket, priced, catalogue, lane.ref.store(), program,
                                       lane.till.terminal, at, points, lane.ref.caught_up_at(),
                                       lane.cashiers.cashier_name() if lane.cashiers else "")
        # The kept sale carries the view it ended with (the register shows it after completion).
        record = {"body": body, "total_minor": priced.total, "line_points": dict(earned.line_points),
                  "view": basket_view(basket, priced, points, at, program.earning),
                  "new_balance": completion.new_balance(basket, points, priced.reward_points)}
        text = completion.receipt_text(sale)
        _keep(lane, basket, body, record, text, at, _limited_uses(priced, catalogue), _capped_uses(priced, catalogue),
              priced.reward_points)
        basket.state = BasketState.COMPLETED
        lane.on_journal()
        lane.on_complete(sale)
        return Completed(basket, basket.sale_id, text, record["new_balance"])


def _check_paid(basket: Basket, total: int, currency: str) -> None:
    if not basket.items:
        raise BasketStateError("the basket is empty")
    paid = sum(t.amount_minor for t in basket.tenders) + points_minor(basket)
    if paid != total:
        raise TenderError(f"{money_text(total - paid, currency)} still to pay: "
                          f"{money_text(paid, currency)} paid of {money_text(total, currency)}")


def _reserve_coupons(lane: Lane, basket: Basket, priced: PricedBasket, catalogue: Catalogue) -> str | None:
    """Online, have the server reserve the sale's coupons and its member's limited offers, so no
    other till can redeem a single-use or member-limited code, or the member's last use of an
    offer, meanwhile (CouponRefused or OfferRefused when it will not). Offline, or when the link
    fails now, the sale goes on and the server checks them when it arrives."""
    member = basket.member
    known = member is not None and member.source == "server"
    offers = sorted(_limited_uses(priced, catalogue)) if known else []
    capped = sorted(_capped_uses(priced, catalogue))  # member or anonymous
    if basket.offline or not (priced.accepted_coupons or offers or capped):
        return None
    hold_id = new_id()
    body = {"id": hold_id, "codes": list(priced.accepted_coupons), "promotions": offers,
            "capped_promotions": capped, "store": lane.till.store, "terminal": lane.till.terminal,
            "card_number": member.card_number if known else None}
    try:
        lane.link.reserve_coupons(body)
    except OfferRefused as exc:
        if exc.promotion_id in capped:
            lane.caps_refused.add(exc.promotion_id)  # the basket's view is priced without it from now
        raise
    except LinkDown as exc:
        lane.go_offline(basket, str(exc))
        return None
    return hold_id


def _check_caps_offline(lane: Lane, basket: Basket, priced: PricedBasket, catalogue: Catalogue) -> None:
    """A basket priced online that the link failed under while reserving goes on offline: only within
    the till's offline allowance of each capped offer it got (else it is re-priced first)."""
    over = _capped_uses(priced, catalogue) & lane.exhausted(basket, catalogue) if basket.offline else set()
    if over:
        raise OfferRefused(f"the link failed while reserving; offline this till may not give "
                           f"{', '.join(sorted(over))} any more: the basket is priced without it", min(over))


def _keep(lane: Lane, basket: Basket, body: dict, record: dict, text: str, at: datetime,
          limited_uses: set[str], capped_uses: set[str], reward_points: int = 0) -> None:
    spent = (basket.redemption.points if basket.redemption else 0) + reward_points  # rewards count as spent
    # Counted against the offline cap unless an online hold backs the sale, as the server counts
    # it (``redemption_checks.offline_allowance``): rewards taken online without a points tender have none.
    capped = basket.redemption.offline if basket.redemption else True
    with lane.db.transaction() as conn:
        sales.save_sale(conn, record)
        baskets.delete(conn, basket.id)
        journal.append(conn, body["id"], ItemType.TRANSACTION.value, body, at)
        if spent and basket.member.member_id:
            sales.record_redemption(conn, body["id"], basket.member.member_id, spent, at, capped)
        if basket.member and basket.member.member_id:
            sales.record_promotion_uses(conn, body["id"], basket.member.member_id, limited_uses, at)
        sales.record_cap_uses(conn, body["id"], capped_uses, at, basket.offline)
        sales.save_receipt(conn, body["id"], body["id"], text, at)


def _limited_uses(priced: PricedBasket, catalogue: Catalogue) -> set[str]:
    """The usage-limited promotions the sale used: money off on a line, or bonus points."""
    used = {d.promotion_id for line in priced.lines for d in line.discounts}
    used |= {award.promotion_id for award in priced.bonus}
    return {pid for pid in used if (promotion := catalogue.get(pid)) is not None and promotion.usage_limit}


def _capped_uses(priced: PricedBasket, catalogue: Catalogue) -> set[str]:
    """The chain-capped promotions the sale got: money off on a line, or bonus points."""
    used = {d.promotion_id for line in priced.lines for d in line.discounts}
    used |= {award.promotion_id for award in priced.bonus}
    return {pid for pid in used if (promotion := catalogue.get(pid)) is not None and promotion.chain_cap}
