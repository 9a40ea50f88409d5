"""One lane's checkout state and what every use case does with it: find, change and save a basket,
price it, turn it offline, release a points hold.

Every change to an open basket is saved at once, so a restart reopens it (``recovery`` says what a
restored basket keeps); a finished basket's row goes. The use cases (``selling``, ``redeeming``,
``paying``, ``suspending``) take a ``Lane`` and return results; ``views`` builds what a page shows.

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
from pos_agent.checkout import codec, pricing, recovery
from pos_agent.checkout.basket import Basket, BasketState
from pos_agent.checkout.cashiers import Cashiers
from pos_agent.checkout.program import Program
from pos_agent.checkout.reference import ReferenceData
from pos_agent.exceptions import BasketNotFound, BasketStateError, LinkDown
from pos_agent.store import baskets, sales
from pos_agent.store.database import Database
from pos_agent.sync.mode import LinkMode
from promotions import Catalogue, NearMiss, PricedBasket, exhausted_offline

log = logging.getLogger(__name__)

KEEP_FINISHED = 20  # completed or cancelled baskets kept in memory, newest last


@dataclass
class Till:
    """Who and where this checkout is."""

    store: str
    terminal: str


@dataclass(frozen=True)
class Quote:
    """A basket priced now: what the register shows of it."""

    basket: Basket
    priced: PricedBasket
    program: Program
    at: datetime
    points_to_earn: int
    near_misses: tuple[NearMiss, ...] = ()
    rewards: dict[str, Any] | None = None  # taken and offered (``rewarding.rewards``); None: those taken

    @property
    def paid(self) -> int:
        redeemed = self.basket.redemption.value_minor if self.basket.redemption else 0
        return sum(t.amount_minor for t in self.basket.tenders) + redeemed

    @property
    def due(self) -> int:
        return max(0, self.priced.total - self.paid)


@dataclass
class Lane:
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
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self._restore()

    @contextlib.contextmanager
    def change(self, basket_id: str) -> Iterator[Basket]:
        """The open basket to change, saved afterwards even when the change failed half-way (a hold
        released before a refused redemption must not come back after a restart)."""
        with self.lock:
            self.guard()
            basket = self.basket(basket_id)
            try:
                yield basket
            finally:
                self.save(basket)

    def guard(self) -> None:
        if self.cashiers is not None:
            self.cashiers.require()

    def cashier_id(self) -> str | None:
        return self.cashiers.cashier_id() if self.cashiers else None

    def basket(self, basket_id: str, *, open_only: bool = True) -> Basket:
        basket = self.baskets.get(basket_id)
        if basket is None:
            raise BasketNotFound(basket_id)
        if open_only and basket.state is not BasketState.OPEN:
            raise BasketStateError(f"basket {basket_id} is {basket.state.value}")
        return basket

    def price(self, basket: Basket) -> tuple[PricedBasket, Program, datetime]:
        at = self.clock()
        program = self.ref.program(at)
        catalogue = self.ref.catalogue()
        priced = pricing.price(basket, catalogue, self.ref.store(), program, at, self.exhausted(basket, catalogue))
        return priced, program, at

    def quote(self, basket: Basket) -> Quote:
        """The basket priced now, with the points it would earn and the offers it nearly reaches."""
        priced, program, at = self.price(basket)
        earned = pricing.earning(basket, priced, program, points_minor(basket)).points
        earned += pricing.bonus_points(basket, priced)
        catalogue = self.ref.catalogue()
        near = pricing.hints(basket, priced, catalogue, self.ref.store(), program, at,
                             self.exhausted(basket, catalogue))
        from pos_agent.checkout import rewarding  # it imports the use cases, which import this module

        return Quote(basket, priced, program, at, earned, near, rewarding.rewards(self, basket, priced, program, at))

    def exhausted(self, basket: Basket, catalogue: Catalogue) -> frozenset[str]:
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

    def save(self, basket: Basket) -> None:
        """One small write: the open basket as it is now, or its row gone once it is cancelled."""
        with self.db.transaction() as conn:
            if basket.state is BasketState.OPEN:
                baskets.save(conn, basket.id, basket.state.value, basket.opened_at, self.clock(),
                             codec.encode(basket))
            else:
                baskets.delete(conn, basket.id)

    def tidy(self) -> None:
        """Forget what a new basket makes useless: open baskets nothing was put in (cancelled, so a
        restart does not bring them back) and all but the newest finished ones (a till runs for
        weeks; a finished basket is only looked at while its receipt is on the register)."""
        for basket in [b for b in self.baskets.values() if b.state is BasketState.OPEN and _empty(b)]:
            basket.state = BasketState.CANCELLED
            self.save(basket)
        finished = [b.id for b in self.baskets.values() if b.state is not BasketState.OPEN]
        for basket_id in finished[:-KEEP_FINISHED]:
            del self.baskets[basket_id]

    def drop_redemption(self, basket: Basket) -> None:
        held = basket.redemption.hold_id if basket.redemption else None
        basket.redemption = None
        if held and not basket.offline:
            with contextlib.suppress(LinkDown):  # the hold lapses by itself on the server
                self.link.release_hold(held)

    def go_offline(self, basket: Basket, error: LinkDown | str) -> None:
        basket.offline, basket.offline_reason = True, str(error)
        self.mode.failed(error)

    def hold_may_have_lapsed(self, basket: Basket, now: datetime) -> bool:
        # The programme is read only for an online hold: a start never fails on what a basket holds.
        online = basket.redemption is not None and not basket.redemption.offline
        return online and recovery.hold_may_have_lapsed(basket.redemption, now, self.ref.program(now).hold_ttl)

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

    def _settle_restored(self, basket: Basket, updated_at: datetime, now: datetime) -> None:
        abandoned = recovery.abandoned(basket, updated_at, now)
        if not abandoned and not self.hold_may_have_lapsed(basket, now):
            return
        why = f"untouched since {updated_at} and unpaid: cancelled" if abandoned else "points hold may have lapsed"
        log.warning("restored basket %s: %s", basket.id, why)
        with self.change(basket.id):  # no pricing here: a start never fails on what a basket holds
            self.drop_redemption(basket)
            if abandoned:
                basket.state = BasketState.CANCELLED


def points_minor(basket: Basket) -> int:
    """The part of the basket points pay."""
    return basket.redemption.value_minor if basket.redemption else 0


def _empty(basket: Basket) -> bool:
    return not (basket.items or basket.member or basket.coupons or basket.redemption or basket.tenders)
