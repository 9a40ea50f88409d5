"""What a basket restored after an agent restart keeps, and what it gives up.

Every change to an open basket is saved (``store.baskets``) before the till answers, so a crash or a
restart loses nothing the cashier has seen: items, member, coupons, a points redemption, tenders
taken. Completing a basket deletes its row in the transaction that keeps the sale, so a basket is
never both sold and still open. On start the checkout reopens the saved baskets (the newest is the
one the register shows) and decides, with the till's clock:

- Mode: a basket keeps the mode it was sold in. An offline basket stays offline: its member came
  from the cache and its points from the offline allowance, which counts them only once the sale
  completes, so nothing is counted twice. An online basket stays online until its next call to the
  server fails, like any online basket. The till itself starts offline, as after any start, until a
  sync round or the health probe reaches the server. The member is not looked up again: the
  register shows the figures from when the card was read, with their age.
- Online points holds: the server keeps a hold for the programme's hold lifetime (``hold_ttl``,
  published to the till with the programme; 15 minutes by default) and flags a sale whose hold had
  lapsed when it arrived (reconciliation exception ``hold-not-usable``). A hold the till placed more
  than that lifetime less ``HOLD_SEND_MARGIN`` ago is dropped on restore and released best-effort: the
  basket shows no points paid and the cashier redeems again (a new hold online, the allowance
  offline). A younger hold is kept and confirmed by the sale as usual.
- Abandoned baskets: a basket untouched for ``ABANDONED_AFTER`` with no tender taken is cancelled on
  start (its hold released best-effort, its row deleted). A basket with a tender is never cancelled by
  the till, however old: money was taken, so it is restored for the cashier to complete or cancel.
- Prices: a restored basket is priced when it is shown and completed, like any basket, so an offer
  that ended meanwhile no longer applies.
- A saved body the agent cannot read (``codec.Unreadable``) is logged and left in the table.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pos_agent.checkout.basket import Basket, PointsRedemption

ABANDONED_AFTER = timedelta(days=1)
HOLD_SEND_MARGIN = timedelta(minutes=5)  # kept back from the hold's lifetime: time left to pay and send the sale


def abandoned(basket: Basket, updated_at: datetime, now: datetime) -> bool:
    """Untouched for a day and no money taken: nobody is coming back to pay for it."""
    return now - updated_at > ABANDONED_AFTER and not basket.tenders


def hold_may_have_lapsed(redemption: PointsRedemption | None, now: datetime, hold_ttl: timedelta) -> bool:
    """An online hold the server, keeping holds ``hold_ttl``, may have let go by the time the sale reaches it."""
    if redemption is None or redemption.offline:
        return False
    return redemption.held_at is None or now - redemption.held_at > hold_ttl - HOLD_SEND_MARGIN
