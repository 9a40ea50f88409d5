"""The checkout use cases over the local store and the ``ServerLink`` port.

Online, card look-ups, points holds and the reservation of a sale's coupons, limited and capped
offers (at completion) go
to the server with a short timeout; the first failure turns
the sale offline for good (the cashier never waits on a dead link twice) and the till's mode
offline until the health probe sees the server again; a till the server calls revoked sells the
same way but redeems no points. Completion writes the sale, its journal
item, its redemption and its receipt in one local transaction, which also deletes the saved open
basket; every other change to an open basket is saved at once, so a restart reopens it (``recovery``).

Chain-capped offers (``promotions.chain_caps``): online, a basket is priced without those the feed
says reached their cap or the server refused to reserve here (remembered until the agent restarts);
offline, without those the till's offline allowance no longer covers.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devices.sale import CompletedSale
from loyalty.barcodes import BarcodeRules, CodeKind, classify
from loyalty.redemption import max_redeemable
from pos_agent.checkout import codec, completion, enrolment, members, points, pricing, recovery
from pos_agent.checkout.basket import Basket, BasketState, Item, PointsRedemption, Tender
from pos_agent.checkout.cashiers import Cashiers
from pos_agent.checkout.reference import ReferenceData
from pos_agent.checkout.views import basket_view
from pos_agent.exceptions import (
    BasketNotFound,
    BasketStateError,
    LineNotFound,
    LinkDown,
    OfferRefused,
    RedemptionRefused,
    TenderError,
    TillRevoked,
    UnknownBarcode,
    UnknownCard,
)
from pos_agent.ids import new_id
from pos_agent.store import baskets, journal, sales
from pos_agent.store.database import Database
from pos_agent.sync.mode import LinkMode
from promotions import Catalogue, PricedBasket, exhausted_offline
from store_sync.journal import ItemType
from store_sync.till_events import TillEventKind

log = logging.getLogger(__name__)

KEEP_FINISHED = 20  # completed or cancelled baskets kept in memory, newest last


@dataclass
class Till:
    """Who and where this checkout is."""

    store: str
    terminal: str


@dataclass
class CheckoutService:
    db: Database
    ref: ReferenceData
    link: Any  # a ServerLink
    mode: LinkMode
    till: Till
    clock: Callable[[], datetime]
    on_journal: Callable[[], None] = lambda: None
    on_complete: Callable[[CompletedSale], None] = lambda sale: None  # e.g. print the receipt
    cashiers: Cashiers | None = None  # sign-in and approvals; None: a till nobody signs in at
    baskets: dict[str, Basket] = field(default_factory=dict)
    caps_refused: set[str] = field(default_factory=set)  # capped offers the server would not reserve here
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self._restore()

    # -- baskets -------------------------------------------------------------------------------

    def open_basket(self) -> dict[str, Any]:
        with self._lock:
            self._guard()
            self._tidy()
            basket = Basket(new_id(), self.clock(), offline=not self.mode.online)
            basket.offline_reason = "" if self.mode.online else self.mode.reason
            self.baskets[basket.id] = basket
            self._save(basket)
            return self.view(basket.id)

    def newest_open_basket_id(self) -> str | None:
        """The basket on the register: the newest open one not suspended, if any (opens nothing)."""
        with self._lock:
            open_ids = [b.id for b in self.baskets.values() if b.state is BasketState.OPEN and not b.suspended_at]
            return open_ids[-1] if open_ids else None

    def current_basket_id(self) -> str:
        """The newest open basket (the one on the register), opening one when none is open."""
        with self._lock:
            return self.newest_open_basket_id() or self.open_basket()["id"]

    def view(self, basket_id: str) -> dict[str, Any]:
        basket = self._basket(basket_id, open_only=False)
        priced, program, at = self._price(basket)
        earned = pricing.earning(basket, priced, program, self._points_minor(basket)).points
        earned += pricing.bonus_points(basket, priced)
        catalogue = self.ref.catalogue()
        near = pricing.hints(basket, priced, catalogue, self.ref.store(), program, at,
                             self._exhausted(basket, catalogue))
        return basket_view(basket, priced, earned, at, program.earning, near)

    def add_item(self, basket_id: str, code: str, qty: int = 1) -> dict[str, Any]:
        """Add a product by barcode or sku; a member card scanned here attaches the member."""
        with self._lock:
            program, code = self.ref.program(), code.strip()
            scanned = classify(code, BarcodeRules(member_prefixes=(program.card_scheme.prefix,)))
            if scanned.kind is CodeKind.MEMBER_CARD:
                return self.attach_member(basket_id, code)
            with self._change(basket_id) as basket:
                if not scanned.valid:
                    raise UnknownBarcode(code, scanned.reason)
                basket.items.append(self._item(basket, scanned, code, qty))
                return self.view(basket_id)

    def remove_line(self, basket_id: str, line_id: str) -> dict[str, Any]:
        with self._change(basket_id) as basket:
            basket.items = [item for item in basket.items if item.line_id != line_id]
            return self.view(basket_id)

    def change_quantity(self, basket_id: str, line_id: str, qty: int) -> dict[str, Any]:
        """Set a counted line's quantity; a weighed or price-labelled line's comes from its label."""
        with self._change(basket_id) as basket:
            item = next((i for i in basket.items if i.line_id == line_id), None)
            if item is None:
                raise LineNotFound(basket_id, line_id)
            if item.qty_milli is not None or item.price_override is not None:
                raise BasketStateError(f"{item.name} is weighed or price-labelled: remove the line and scan "
                                       "the label again")
            item.qty = qty
            return self.view(basket_id)

    def price_check(self, code: str, basket_id: str | None = None) -> dict[str, Any]:
        """What one unit of a product costs here and now, for the member of ``basket_id`` if given.

        The unit is priced alone, so offers that need more units (multi-buys, bundles) do not show;
        nothing is added to any basket.
        """
        with self._lock:
            program, code = self.ref.program(), code.strip()
            scanned = classify(code, BarcodeRules(member_prefixes=(program.card_scheme.prefix,)))
            if not scanned.valid or scanned.kind is CodeKind.MEMBER_CARD:
                raise UnknownBarcode(code, scanned.reason or "a member card, not a product")
            probe = Basket(new_id(), self.clock(), offline=True)  # offline: pricing it calls no server
            probe.member = self._basket(basket_id).member if basket_id else None
            probe.items.append(self._item(probe, scanned, code, 1))
            priced, program, at = self._price(probe)
            line = basket_view(probe, priced, 0, at, program.earning)["lines"][0]
            return {**line, "code": code, "for_member": probe.member is not None}

    def attach_member(self, basket_id: str, number: str) -> dict[str, Any]:
        with self._change(basket_id) as basket:
            number = members.valid_number(self.ref.program(), number)
            basket.member = self._look_up(basket, number)
            return self.view(basket_id)

    def enrol(self, name: str, card_number: str, phone: str | None = None, email: str | None = None) -> dict:
        """Enrol a member on a pre-printed card; works offline (the till makes the member id)."""
        with self._lock:
            self._guard()
            number = members.valid_number(self.ref.program(), card_number)
            body = enrolment.enrol(self.db, number, name.strip(), phone, email, self.clock(),
                                   self.cashiers.cashier_id() if self.cashiers else None)
            self.on_journal()
            return {"member_id": body["member_id"], "card_number": number, "name": body["name"],
                    "synced": False}

    def apply_coupon(self, basket_id: str, code: str) -> dict[str, Any]:
        with self._change(basket_id) as basket:
            if code.strip() and code.strip() not in basket.coupons:
                basket.coupons.append(code.strip())
            return self.view(basket_id)

    def redeem_points(self, basket_id: str, wanted: int) -> dict[str, Any]:
        """Pay part of the basket with points: a server hold online, the offline allowance otherwise."""
        with self._change(basket_id) as basket:
            if basket.member is None:
                raise BasketStateError("attach a member card before redeeming points")
            self._drop_redemption(basket)
            if self.mode.revoked:  # told by the server: this till may not spend anyone's points
                raise TillRevoked()
            priced, program, now = self._price(basket)
            beside = sorted({t.kind for t in basket.tenders if not program.combines_with_points(t.kind)})
            if beside:
                raise RedemptionRefused(f"points cannot pay beside {', '.join(beside)} under the loyalty programme")
            if not basket.offline:
                basket.redemption = self._redeem_online(basket, wanted, priced.total, program)
            if basket.offline:
                allowance = points.offline_allowance(basket.member, self.ref, self.db, program, now)
                plan = points.plan(wanted, max(allowance - self._reserved_offline(basket), 0), priced.total, program)
                basket.redemption = PointsRedemption(plan.points, plan.value_minor, offline=True)
            return self.view(basket_id)

    def redeemable(self, basket_id: str) -> dict[str, Any]:
        """The most points the basket's member may redeem here now, and why none when none.

        The limit is the member's live ``available`` while the basket is online, else the offline
        allowance less what other open baskets plan; no server is asked and nothing is held.
        """
        with self._lock:
            basket = self._basket(basket_id)
            priced, program, now = self._price(basket)
            policy, limit, reason = program.redemption, 0, None
            try:
                limit = self._redeem_limit(basket, program, now)
            except RedemptionRefused as exc:
                reason = exc.detail
            best = max_redeemable(max(limit, 0), priced.total, policy)
            return {"points": best, "value_minor": policy.value.value_minor(best), "limit": limit,
                    "minimum_points": policy.minimum_points, "step_points": policy.value.step_points,
                    "offline": basket.offline or not self.mode.online, "reason": reason}

    def _redeem_limit(self, basket: Basket, program, now: datetime) -> int:
        if basket.member is None:
            raise RedemptionRefused("no member card on the basket")
        if self.mode.revoked:
            raise TillRevoked()
        if not basket.offline and self.mode.online:
            return basket.member.available
        allowance = points.offline_allowance(basket.member, self.ref, self.db, program, now)
        return max(allowance - self._reserved_offline(basket), 0)

    def add_tender(self, basket_id: str, kind: str, amount_minor: int | None = None) -> dict[str, Any]:
        """Take cash (any amount handed over; change given) or card (at most what is due)."""
        with self._change(basket_id) as basket:
            due = self.view(basket_id)["due"]
            given = due if amount_minor is None else amount_minor
            if kind not in ("cash", "card") or given <= 0 or due == 0:
                raise TenderError(f"cannot take {kind} {given}: {due} is due")
            if kind == "card" and given > due:
                raise TenderError(f"a card pays at most what is due ({due})")
            if basket.redemption and not self.ref.program(self.clock()).combines_with_points(kind):
                raise TenderError(f"{kind} cannot pay beside points under the loyalty programme")
            basket.tenders.append(Tender(kind, min(given, due), given_minor=given))
            return self.view(basket_id)

    def cancel(self, basket_id: str, approval: dict[str, str] | None = None) -> dict[str, Any]:
        """Void the open basket: nothing is kept, a hold is released.

        Where cashiers sign in, a basket with lines is voided only with a manager's PIN (``approval``),
        and the void is journalled as a till event naming the approver.
        """
        with self._change(basket_id) as basket:
            approver = None
            if basket.items and self.cashiers is not None:
                total = self.view(basket_id)["total"]
                approver = self.cashiers.approve(approval, "voiding this basket", basket_id, total)
            self._drop_redemption(basket)
            basket.state = BasketState.CANCELLED
            if approver is not None:
                self.cashiers.record(TillEventKind.BASKET_VOIDED, approver_id=approver, subject=basket_id,
                                     amount_minor=self.view(basket_id)["total"])
            return self.view(basket_id)

    # -- suspended baskets ---------------------------------------------------------------------

    def suspend(self, basket_id: str) -> dict[str, Any]:
        """Park the open basket (the customer fetches something); the next sale starts meanwhile.

        A points redemption is dropped (an online hold released): the cashier redeems again after resuming.
        """
        with self._change(basket_id) as basket:
            if not basket.items:
                raise BasketStateError("nothing to suspend: the basket is empty")
            if basket.tenders:
                raise BasketStateError("money was taken for this basket: complete or void it")
            self._drop_redemption(basket)
            basket.suspended_at = self.clock()
            return self.view(basket_id)

    def suspended(self) -> list[dict[str, Any]]:
        """The baskets suspended at this till, oldest first."""
        with self._lock:
            return [{"id": b.id, "suspended_at": b.suspended_at.isoformat(), "lines": len(b.items),
                     "items": sum(i.qty for i in b.items), "total": self.view(b.id)["total"],
                     "card_number": b.member.card_number if b.member else None,
                     "names": [i.name for i in b.items[:3]]}
                    for b in self.baskets.values() if b.state is BasketState.OPEN and b.suspended_at]

    def resume(self, basket_id: str) -> dict[str, Any]:
        """Bring a suspended basket back to the register (an empty one there is given up)."""
        with self._lock:
            basket = self._basket(basket_id)
            if not basket.suspended_at:
                raise BasketStateError("this basket is not suspended")
            self._tidy()
            with self._change(basket_id):
                basket.suspended_at = None
                self.baskets[basket_id] = self.baskets.pop(basket_id)  # the newest: the one on the register
            return self.view(basket_id)

    def complete(self, basket_id: str) -> dict[str, Any]:
        """Keep the paid sale durably (sale, journal item, redemption, receipt in one transaction)."""
        with self._lock:
            self._guard()
            basket = self._basket(basket_id)
            if self._hold_may_have_lapsed(basket, self.clock()) or (basket.redemption and self.mode.revoked):
                # The server keeps a hold for the programme's hold lifetime: renew an old one rather
                # than send a sale on a lapsed hold (points the member may have spent meanwhile).
                # A refusal stops here, as it does for points planned before the till learnt it was revoked.
                self.redeem_points(basket_id, basket.redemption.points)
            feed_cursor, catalogue = self.ref.catalogue_at()  # the sale names the cursor it was priced at
            at = self.clock()
            program = self.ref.program(at)  # the version in force at the sale's time
            priced = pricing.price(basket, catalogue, self.ref.store(), program, at, self._exhausted(basket, catalogue))
            self._check_paid(basket, priced.total)
            coupon_hold_id = self._reserve_coupons(basket, priced, catalogue)  # a refusal stops the sale here
            self._check_caps_offline(basket, priced, catalogue)
            basket.sale_id = new_id()
            earned = pricing.earning(basket, priced, program, self._points_minor(basket))
            points = earned.points + pricing.bonus_points(basket, priced)  # what the receipt promises
            cashier_id = self.cashiers.cashier_id() if self.cashiers else None
            body = completion.transaction_body(basket, priced, earned, program, self.till.store,
                                               self.till.terminal, at, feed_cursor, coupon_hold_id,
                                               cashier_id).to_dict()
            sale = completion.receipt_sale(basket, priced, catalogue, self.ref.store(), program,
                                           self.till.terminal, at, points, self.ref.caught_up_at(),
                                           self.cashiers.cashier_name() if self.cashiers else "")
            record = {"body": body, "total_minor": priced.total, "line_points": dict(earned.line_points),
                      "view": basket_view(basket, priced, points, at, program.earning),
                      "new_balance": completion.new_balance(basket, points)}
            self._keep(basket, body, record, completion.receipt_text(sale), at, _limited_uses(priced, catalogue),
                       _capped_uses(priced, catalogue))
            basket.state = BasketState.COMPLETED
            self.on_journal()
            self.on_complete(sale)
            return {**self.view(basket_id), "receipt_id": basket.sale_id,
                    "receipt_text": completion.receipt_text(sale), "new_balance": record["new_balance"]}

    # -- helpers -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _change(self, basket_id: str) -> Iterator[Basket]:
        """The open basket to change, saved afterwards even when the change failed half-way (a hold
        released before a refused redemption must not come back after a restart)."""
        with self._lock:
            self._guard()
            basket = self._basket(basket_id)
            try:
                yield basket
            finally:
                self._save(basket)

    def _guard(self) -> None:
        if self.cashiers is not None:
            self.cashiers.require()

    def _save(self, basket: Basket) -> None:
        """One small write: the open basket as it is now, or its row gone once it is cancelled."""
        with self.db.transaction() as conn:
            if basket.state is BasketState.OPEN:
                baskets.save(conn, basket.id, basket.state.value, basket.opened_at, self.clock(),
                             codec.encode(basket))
            else:
                baskets.delete(conn, basket.id)

    def _restore(self) -> None:
        """Reopen the baskets the last run left open; ``recovery`` says what a restored basket keeps."""
        with self.db.reading() as conn:
            saved = baskets.all_open(conn)
        for row in saved:
            try:
                basket = codec.decode(Basket, row.body)
            except codec.Unreadable as exc:
                log.error("open basket %s cannot be read and stays saved as it was: %s", row.id, exc)
                continue
            self.baskets[basket.id] = basket
            self._settle_restored(basket, row.updated_at, self.clock())

    def _hold_may_have_lapsed(self, basket: Basket, now: datetime) -> bool:
        # The programme is read only for an online hold: a start never fails on what a basket holds.
        online = basket.redemption is not None and not basket.redemption.offline
        return online and recovery.hold_may_have_lapsed(basket.redemption, now, self.ref.program(now).hold_ttl)

    def _settle_restored(self, basket: Basket, updated_at: datetime, now: datetime) -> None:
        abandoned = recovery.abandoned(basket, updated_at, now)
        if not abandoned and not self._hold_may_have_lapsed(basket, now):
            return
        why = f"untouched since {updated_at} and unpaid: cancelled" if abandoned else "points hold may have lapsed"
        log.warning("restored basket %s: %s", basket.id, why)
        with self._change(basket.id):  # no pricing here: a start never fails on what a basket holds
            self._drop_redemption(basket)
            if abandoned:
                basket.state = BasketState.CANCELLED

    def _tidy(self) -> None:
        """Forget what a new basket makes useless: open baskets nothing was put in (cancelled, so a
        restart does not bring them back) and all but the newest finished ones (a till runs for
        weeks; a finished basket is only looked at while its receipt is on the register)."""
        for basket in [b for b in self.baskets.values() if b.state is BasketState.OPEN and _empty(b)]:
            basket.state = BasketState.CANCELLED
            self._save(basket)
        finished = [b.id for b in self.baskets.values() if b.state is not BasketState.OPEN]
        for basket_id in finished[:-KEEP_FINISHED]:
            del self.baskets[basket_id]

    def _basket(self, basket_id: str, *, open_only: bool = True) -> Basket:
        basket = self.baskets.get(basket_id)
        if basket is None:
            raise BasketNotFound(basket_id)
        if open_only and basket.state is not BasketState.OPEN:
            raise BasketStateError(f"basket {basket_id} is {basket.state.value}")
        return basket

    def _price(self, basket: Basket):
        at = self.clock()
        program = self.ref.program(at)
        catalogue = self.ref.catalogue()
        priced = pricing.price(basket, catalogue, self.ref.store(), program, at, self._exhausted(basket, catalogue))
        return priced, program, at

    def _exhausted(self, basket: Basket, catalogue: Catalogue) -> frozenset[str]:
        """The chain-capped offers this basket may not have (see the module docstring)."""
        if not catalogue.capped:
            return frozenset()
        if basket.state is BasketState.COMPLETED:  # its view shows the sale as sold: what it got, it had
            with self.db.reading() as conn:
                had = sales.cap_uses_of(conn, basket.sale_id)
            return frozenset(p.promotion_id for p in catalogue.capped if p.promotion_id not in had)
        reached = self.ref.caps_reached()
        if basket.offline:
            with self.db.reading() as conn:
                own = sales.offline_cap_uses(conn)
            return exhausted_offline(catalogue, reached, own)
        return frozenset(p.promotion_id for p in catalogue.capped
                         if p.promotion_id in reached or p.promotion_id in self.caps_refused)

    def _check_caps_offline(self, basket: Basket, priced: PricedBasket, catalogue: Catalogue) -> None:
        """A basket priced online that the link failed under while reserving goes on offline: only within
        the till's offline allowance of each capped offer it got (else it is re-priced first)."""
        over = _capped_uses(priced, catalogue) & self._exhausted(basket, catalogue) if basket.offline else set()
        if over:
            raise OfferRefused(f"the link failed while reserving; offline this till may not give "
                               f"{', '.join(sorted(over))} any more: the basket is priced without it", min(over))

    def _item(self, basket: Basket, scanned, code: str, qty: int) -> Item:
        variable = scanned.kind in (CodeKind.WEIGHT_ITEM, CodeKind.PRICE_ITEM)
        product = self.ref.product_for_code(scanned.item if variable else code)
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

    def _look_up(self, basket: Basket, number: str):
        member = self._member_for(basket, number)
        if member.member_id:
            # The snapshot cannot know this till's sales it has not synced yet; a set, so overlap counts once.
            with self.db.reading() as conn:
                local = sales.promotion_uses(conn, member.member_id)
            member.promotion_uses = tuple(dict.fromkeys((*member.promotion_uses, *local)))
        return member

    def _member_for(self, basket: Basket, number: str):
        if not basket.offline:
            try:
                found = self.link.look_up_card(number)
                self.mode.went_online()
                return members.from_server(number, found, self.ref)
            except LinkDown as exc:
                self._go_offline(basket, exc)
            except UnknownCard:
                if self.ref.card(number) is None:
                    raise  # enrolled here and not yet on the server: the cache knows the member
        return members.from_cache(number, self.ref)

    def _redeem_online(self, basket: Basket, wanted: int, total: int, program) -> PointsRedemption | None:
        plan = points.plan(wanted, basket.member.available, total, program)
        hold_id = new_id()
        try:
            self.link.place_hold({"id": hold_id, "card_number": basket.member.card_number, "points": plan.points,
                                  "store": self.till.store, "terminal": self.till.terminal})
        except LinkDown as exc:
            self._go_offline(basket, exc)
            return None
        return PointsRedemption(plan.points, plan.value_minor, offline=False, hold_id=hold_id, held_at=self.clock())

    def _reserve_coupons(self, basket: Basket, priced: PricedBasket, catalogue: Catalogue) -> str | None:
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
                "capped_promotions": capped, "store": self.till.store, "terminal": self.till.terminal,
                "card_number": member.card_number if known else None}
        try:
            self.link.reserve_coupons(body)
        except OfferRefused as exc:
            if exc.promotion_id in capped:
                self.caps_refused.add(exc.promotion_id)  # the basket's view is priced without it from now
            raise
        except LinkDown as exc:
            self._go_offline(basket, str(exc))
            return None
        return hold_id

    def _reserved_offline(self, basket: Basket) -> int:
        """Points the member's other open baskets at this till already plan to redeem offline: the
        allowance counts redemptions once their sale completes, so two baskets must not share it."""
        return sum(other.redemption.points for other in self.baskets.values()
                   if other is not basket and other.state is BasketState.OPEN and other.redemption
                   and other.redemption.offline and other.member
                   and other.member.member_id == basket.member.member_id)

    def _drop_redemption(self, basket: Basket) -> None:
        held = basket.redemption.hold_id if basket.redemption else None
        basket.redemption = None
        if held and not basket.offline:
            with contextlib.suppress(LinkDown):  # the hold lapses by itself on the server
                self.link.release_hold(held)

    def _go_offline(self, basket: Basket, error: LinkDown) -> None:
        basket.offline, basket.offline_reason = True, str(error)
        self.mode.failed(error)

    def _points_minor(self, basket: Basket) -> int:
        return basket.redemption.value_minor if basket.redemption else 0

    def _check_paid(self, basket: Basket, total: int) -> None:
        if not basket.items:
            raise BasketStateError("the basket is empty")
        paid = sum(t.amount_minor for t in basket.tenders) + self._points_minor(basket)
        if paid != total:
            raise TenderError(f"tenders pay {paid} of {total}")

    def _keep(self, basket: Basket, body: dict, record: dict, text: str, at: datetime,
              limited_uses: set[str], capped_uses: set[str]) -> None:
        with self.db.transaction() as conn:
            sales.save_sale(conn, record)
            baskets.delete(conn, basket.id)
            journal.append(conn, body["id"], ItemType.TRANSACTION.value, body, at)
            if basket.redemption and basket.member.member_id:
                sales.record_redemption(conn, body["id"], basket.member.member_id, basket.redemption.points,
                                        at, basket.redemption.offline)
            if basket.member and basket.member.member_id:
                sales.record_promotion_uses(conn, body["id"], basket.member.member_id, limited_uses, at)
            sales.record_cap_uses(conn, body["id"], capped_uses, at, basket.offline)
            sales.save_receipt(conn, body["id"], body["id"], text, at)


def _empty(basket: Basket) -> bool:
    return not (basket.items or basket.member or basket.coupons or basket.redemption or basket.tenders)


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
