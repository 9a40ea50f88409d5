"""The checkout as a front end calls it: each method runs one use case and presents its result.

The use cases live in ``selling``, ``redeeming``, ``paying`` and ``suspending`` and return what they
changed; ``views`` builds the JSON-ready dicts. ``lane`` holds the state they share. Online, card
look-ups, points holds and the reservation of a sale's coupons (at completion) go to the server with
a short timeout; the first failure turns the sale offline for good (the cashier never waits on a
dead link twice) and the till's mode offline until the health probe sees the server again; a till
the server calls revoked sells the same way but redeems no points.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from devices.sale import CompletedSale
from pos_agent.checkout import paying, redeeming, rewarding, selling, suspending, views
from pos_agent.checkout.basket import Basket
from pos_agent.checkout.cashiers import Cashiers
from pos_agent.checkout.lane import KEEP_FINISHED, Lane, Till
from pos_agent.checkout.reference import ReferenceData
from pos_agent.store.database import Database
from pos_agent.sync.mode import LinkMode

__all__ = ["KEEP_FINISHED", "CheckoutService", "Till"]


class CheckoutService:
    def __init__(self, db: Database, ref: ReferenceData, link: Any, mode: LinkMode, till: Till,
                 clock: Callable[[], datetime], on_journal: Callable[[], None] = lambda: None,
                 cashiers: Cashiers | None = None) -> None:
        self.lane = Lane(db, ref, link, mode, till, clock, on_journal=on_journal, cashiers=cashiers)

    @property
    def baskets(self) -> dict[str, Basket]:
        """The baskets this till holds in memory (open ones, and its newest finished ones)."""
        return self.lane.baskets

    @property
    def on_complete(self) -> Callable[[CompletedSale], None]:
        return self.lane.on_complete

    @on_complete.setter
    def on_complete(self, printer: Callable[[CompletedSale], None]) -> None:
        self.lane.on_complete = printer  # e.g. print the receipt

    def view(self, basket_id: str) -> dict[str, Any]:
        return views.quote_view(self.lane.quote(self.lane.basket(basket_id, open_only=False)))

    def _present(self, basket) -> dict[str, Any]:
        return views.quote_view(self.lane.quote(basket))

    def open_basket(self) -> dict[str, Any]:
        return self._present(selling.open_basket(self.lane))

    def newest_open_basket_id(self) -> str | None:
        """The basket on the register: the newest open one not suspended, if any (opens nothing)."""
        basket = selling.newest_open_basket(self.lane)
        return basket.id if basket else None

    def current_basket_id(self) -> str:
        """The newest open basket (the one on the register), opening one when none is open."""
        with self.lane.lock:
            return (selling.newest_open_basket(self.lane) or selling.open_basket(self.lane)).id

    def add_item(self, basket_id: str, code: str, qty: int = 1) -> dict[str, Any]:
        """Add a product by barcode or sku; a member card scanned here attaches the member."""
        return self._present(selling.add_item(self.lane, basket_id, code, qty))

    def remove_line(self, basket_id: str, line_id: str) -> dict[str, Any]:
        return self._present(selling.remove_line(self.lane, basket_id, line_id))

    def change_quantity(self, basket_id: str, line_id: str, qty: int) -> dict[str, Any]:
        return self._present(selling.change_quantity(self.lane, basket_id, line_id, qty))

    def price_check(self, code: str, basket_id: str | None = None) -> dict[str, Any]:
        """What one unit of a product costs here and now; nothing is added to any basket."""
        return views.price_check_view(selling.price_check(self.lane, code, basket_id), code.strip())

    def attach_member(self, basket_id: str, number: str) -> dict[str, Any]:
        return self._present(selling.attach_member(self.lane, basket_id, number))

    def enrol(self, name: str, card_number: str, phone: str | None = None, email: str | None = None,
              consents: dict[str, bool] | None = None) -> dict:
        """Enrol a member on a pre-printed card; works offline (the till makes the member id)."""
        return views.enrolled_view(selling.enrol(self.lane, name, card_number, phone, email, consents))

    def apply_coupon(self, basket_id: str, code: str) -> dict[str, Any]:
        return self._present(selling.apply_coupon(self.lane, basket_id, code))

    def take_reward(self, basket_id: str, reward_id: str) -> dict[str, Any]:
        """Let the member take one more of a reward with points, when it is offered now."""
        return self._present(rewarding.take_reward(self.lane, basket_id, reward_id))

    def drop_reward(self, basket_id: str, reward_id: str) -> dict[str, Any]:
        """Give back every take of a reward (its points are not spent)."""
        return self._present(rewarding.drop_reward(self.lane, basket_id, reward_id))

    def redeem_points(self, basket_id: str, wanted: int) -> dict[str, Any]:
        return self._present(redeeming.redeem_points(self.lane, basket_id, wanted))

    def redeemable(self, basket_id: str) -> dict[str, Any]:
        """The most points the basket's member may redeem here now, and why none when none."""
        return views.redeemable_view(redeeming.redeemable(self.lane, basket_id))

    def add_tender(self, basket_id: str, kind: str, amount_minor: int | None = None) -> dict[str, Any]:
        return self._present(paying.add_tender(self.lane, basket_id, kind, amount_minor))

    def cancel(self, basket_id: str, approval: dict[str, str] | None = None) -> dict[str, Any]:
        """Void the open basket; one with lines needs a manager's PIN where cashiers sign in."""
        return self._present(selling.cancel(self.lane, basket_id, approval))

    def suspend(self, basket_id: str) -> dict[str, Any]:
        return self._present(suspending.suspend(self.lane, basket_id))

    def suspended(self) -> list[dict[str, Any]]:
        """The baskets suspended at this till, oldest first."""
        with self.lane.lock:
            return [views.suspended_view(self.lane.quote(b)) for b in suspending.suspended(self.lane)]

    def resume(self, basket_id: str) -> dict[str, Any]:
        return self._present(suspending.resume(self.lane, basket_id))

    def complete(self, basket_id: str) -> dict[str, Any]:
        """Keep the paid sale durably (sale, journal item, redemption, receipt in one transaction)."""
        with self.lane.lock:
            done = paying.complete(self.lane, basket_id)
            return views.completed_view(self.lane.quote(done.basket), done)
