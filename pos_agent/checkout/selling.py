"""Selling use cases: open a basket, scan, correct, attach a member, coupons, price check, enrol, void.

Each takes the ``Lane`` and returns what it changed (the basket, a price check, an enrolment);
``views`` builds what the register shows of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from loyalty.barcodes import BarcodeRules, Classification, CodeKind, classify
from loyalty.contacts import normalize_email, normalize_phone
from loyalty.exceptions import InvalidEmail, InvalidPhone
from pos_agent.checkout import enrolment, members
from pos_agent.checkout.basket import Basket, BasketState, Item, MemberAtTill
from pos_agent.checkout.lane import Lane, Quote
from pos_agent.exceptions import (
    BasketStateError,
    CardAlreadyIssued,
    CardNotUsable,
    InvalidRequest,
    LineNotFound,
    LinkDown,
    UnknownBarcode,
    UnknownCard,
)
from pos_agent.ids import new_id
from pos_agent.store import sales
from store_sync.till_events import TillEventKind


@dataclass(frozen=True)
class Enrolled:
    member_id: str
    card_number: str
    name: str


def open_basket(lane: Lane) -> Basket:
    with lane.lock:
        lane.guard()
        lane.tidy()
        basket = Basket(new_id(), lane.clock(), offline=not lane.mode.online)
        basket.offline_reason = "" if lane.mode.online else lane.mode.reason
        lane.baskets[basket.id] = basket
        lane.save(basket)
        return basket


def newest_open_basket(lane: Lane) -> Basket | None:
    """The basket on the register: the newest open one not suspended, if any (opens nothing)."""
    with lane.lock:
        on_register = [b for b in lane.baskets.values() if b.state is BasketState.OPEN and not b.suspended_at]
        return on_register[-1] if on_register else None


def add_item(lane: Lane, basket_id: str, code: str, qty: int = 1) -> Basket:
    """Add a product by barcode or sku; a member card scanned here attaches the member."""
    with lane.lock:
        scanned, code = _classify(lane, code)
        if scanned.kind is CodeKind.MEMBER_CARD:
            return attach_member(lane, basket_id, code)
        with lane.change(basket_id) as basket:
            if not scanned.valid:
                raise UnknownBarcode(code, scanned.reason)
            basket.items.append(_item(lane, basket, scanned, code, qty))
            return basket


def remove_line(lane: Lane, basket_id: str, line_id: str) -> Basket:
    with lane.change(basket_id) as basket:
        basket.items = [item for item in basket.items if item.line_id != line_id]
        return basket


def change_quantity(lane: Lane, basket_id: str, line_id: str, qty: int) -> Basket:
    """Set a counted line's quantity; a weighed or price-labelled line's comes from its label."""
    with lane.change(basket_id) as basket:
        item = next((i for i in basket.items if i.line_id == line_id), None)
        if item is None:
            raise LineNotFound(basket_id, line_id)
        if item.qty_milli is not None or item.price_override is not None:
            raise BasketStateError(f"{item.name} is weighed or price-labelled: remove the line and scan "
                                   "the label again")
        item.qty = qty
        return basket


def price_check(lane: Lane, code: str, basket_id: str | None = None) -> Quote:
    """One unit of a product priced here and now, for the member of ``basket_id`` if given.

    The unit is priced alone in a probe basket kept nowhere, so offers that need more units
    (multi-buys, bundles) do not show.
    """
    with lane.lock:
        scanned, code = _classify(lane, code)
        if not scanned.valid or scanned.kind is CodeKind.MEMBER_CARD:
            raise UnknownBarcode(code, scanned.reason or "a member card, not a product")
        probe = Basket(new_id(), lane.clock(), offline=True)  # offline: pricing it calls no server
        probe.member = lane.basket(basket_id).member if basket_id else None
        probe.items.append(_item(lane, probe, scanned, code, 1))
        priced, program, at = lane.price(probe)
        return Quote(probe, priced, program, at, 0)


def attach_member(lane: Lane, basket_id: str, number: str) -> Basket:
    with lane.change(basket_id) as basket:
        number = members.valid_number(lane.ref.program(), number)
        basket.member = _look_up(lane, basket, number)
        return basket


def apply_coupon(lane: Lane, basket_id: str, code: str) -> Basket:
    with lane.change(basket_id) as basket:
        if code.strip() and code.strip() not in basket.coupons:
            basket.coupons.append(code.strip())
        return basket


def enrol(lane: Lane, name: str, card_number: str, phone: str | None = None, email: str | None = None,
          consents: dict[str, bool] | None = None) -> Enrolled:
    """Enrol a member on a pre-printed card; works offline (the till makes the member id).

    Name, phone and e-mail are checked here by the server's own rules, so an enrolment made offline
    is not refused later, when the customer has long gone.
    """
    with lane.lock:
        lane.guard()
        number = members.valid_number(lane.ref.program(), card_number)
        name, phone, email = _contact(name, phone, email)
        if lane.mode.online and lane.ref.card(number) is None:
            _not_on_server(lane, number)
        body = enrolment.enrol(lane.db, number, name, phone, email, lane.clock(), lane.cashier_id(), consents)
        lane.on_journal()
        return Enrolled(body["member_id"], number, body["name"])


def cancel(lane: Lane, basket_id: str, approval: dict[str, str] | None = None) -> Basket:
    """Void the open basket: nothing is kept, a hold is released.

    Where cashiers sign in, a basket with lines is voided only with a manager's PIN (``approval``),
    and the void is journalled as a till event naming the approver.
    """
    with lane.change(basket_id) as basket:
        approver, total = None, None
        if basket.items and lane.cashiers is not None:
            total = lane.price(basket)[0].total
            approver = lane.cashiers.approve(approval, "voiding this basket", basket_id, total)
        lane.drop_redemption(basket)
        basket.state = BasketState.CANCELLED
        if approver is not None:
            lane.cashiers.record(TillEventKind.BASKET_VOIDED, approver_id=approver, subject=basket_id,
                                 amount_minor=total)
        return basket


def _not_on_server(lane: Lane, number: str) -> None:
    """Online, the server is asked too: a card it gave out since the till's last sync is refused
    now, while the customer is at the till, not when the journal arrives. Offline, the till's cache
    is all there is (the server refuses a taken card later, and the journal shows it)."""
    try:
        lane.link.look_up_card(number)
    except UnknownCard:
        return
    except CardNotUsable:
        pass  # blocked, lost or replaced: still a member's card
    except LinkDown as exc:
        lane.mode.failed(exc)
        return
    raise CardAlreadyIssued(number)


def _contact(name: str, phone: str | None, email: str | None) -> tuple[str, str | None, str | None]:
    """The name trimmed, phone and e-mail normalised (blank: none), or InvalidRequest naming each field."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["the member's name is missing"]
    phone, email = (phone or "").strip() or None, (email or "").strip() or None
    try:
        phone = normalize_phone(phone) if phone else None
    except InvalidPhone as exc:
        errors["phone"] = [f"phone {exc.reason}, e.g. +44 20 7946 0958"]
    try:
        email = normalize_email(email) if email else None
    except InvalidEmail as exc:
        errors["email"] = [f"e-mail {exc.reason}"]
    if errors:
        raise InvalidRequest("; ".join(m for messages in errors.values() for m in messages), errors)
    return name.strip(), phone, email


def _classify(lane: Lane, code: str) -> tuple[Classification, str]:
    code = code.strip()
    rules = BarcodeRules(member_prefixes=(lane.ref.program().card_scheme.prefix,))
    return classify(code, rules), code


def _item(lane: Lane, basket: Basket, scanned: Classification, code: str, qty: int) -> Item:
    variable = scanned.kind in (CodeKind.WEIGHT_ITEM, CodeKind.PRICE_ITEM)
    product = lane.ref.product_for_code(scanned.item if variable else code)
    if product is None:
        raise UnknownBarcode(code)
    item = Item(basket.new_line_id(), product["sku"], product["name"], product["base_price_minor"],
                product.get("category", ""), product.get("excluded_from_points", False), qty=qty,
                tax_rate_bp=product.get("tax_rate_bp", 0))
    if scanned.kind is CodeKind.WEIGHT_ITEM:
        item.qty, item.qty_milli = 1, scanned.value
    elif scanned.kind is CodeKind.PRICE_ITEM:
        item.qty, item.price_override = 1, scanned.value
    return item


def _look_up(lane: Lane, basket: Basket, number: str) -> MemberAtTill:
    member = _member_for(lane, basket, number)
    if member.member_id:
        # The snapshot cannot know this till's sales it has not synced yet; a set, so overlap counts once.
        with lane.db.reading() as conn:
            local = sales.promotion_uses(conn, member.member_id)
        member.promotion_uses = tuple(dict.fromkeys((*member.promotion_uses, *local)))
    return member


def _member_for(lane: Lane, basket: Basket, number: str) -> MemberAtTill:
    if not basket.offline:
        try:
            found = lane.link.look_up_card(number)
            lane.mode.went_online()
            return members.from_server(number, found, lane.ref)
        except LinkDown as exc:
            lane.go_offline(basket, exc)
        except UnknownCard:
            if lane.ref.card(number) is None:
                raise  # enrolled here and not yet on the server: the cache knows the member
    return members.from_cache(number, lane.ref)
