"""What a posted sale earns on by the server's own rules, whatever the till's figures say.

Each line earns on a figure the server computes, never on the till's price, category or flag
when the server has the product:

* A product the server sells: its line as the server prices it (the promotion versions the
  till had, ``server.pricing.repricing``), with the server's category and exclusion. When the
  server cannot price the known lines on their own (a promotion in play prices them together
  with a line it does not know), each earns on the lesser of the server's and the till's figure.
* A product the server has but no longer sells (deactivated after the till's cursor): the till's
  charge, with the server's category and exclusion, under the cap below.
* A product the server has never had: the till's charge at the base rate (no category
  multiplier; the member's tier multiplier applies as to every line), earning nothing when the
  till itself says it is excluded or names an excluded category. Together with the previous kind,
  these lines earn on at most ``program.unknown_item_earn_cap_minor`` per sale; above it their
  charges are scaled down to the cap (largest remainder). Posting records each such sale as an
  ``unknown-items`` exception.

A line a stand-alone earning rule took (``promotions.bonus_points``) earns that rule's bonus
instead of base points, as the server's pricing decides, the same as the till's.

``basket_minor`` is the basket points may pay a share of: the lesser of the server's basket
(these lines) and the till's (what the customer was charged), so a redemption never pays more
than an honest till could have let it.
"""

from __future__ import annotations

from dataclasses import dataclass

from loyalty.earning import Bonus, SaleLine, earns_no_points
from loyalty.shares import largest_remainder
from promotions import PricedBasket
from server.membership.program import LoyaltyProgram
from server.pricing.repricing import Repricing
from store_sync.transactions import TransactionLine


@dataclass(frozen=True)
class SaleFigures:
    """The sale as the server counts it: the lines points are earned on, bonuses, the basket."""

    lines: tuple[SaleLine, ...]
    bonuses: tuple[Bonus, ...]
    basket_minor: int
    unpriced: tuple[str, ...] = ()  # line ids earning under the unknown-item rule
    priced: PricedBasket | None = None  # the server's pricing of the known lines (its rewards too)


def sale_figures(lines: tuple[TransactionLine, ...], repricing: Repricing | None,
                 program: LoyaltyProgram) -> SaleFigures:
    """The server's figures for ``lines`` (``repricing`` None: the server could price none of them)."""
    priced = _priced_totals(lines, repricing)
    replaced = _base_replaced(repricing)
    known = repricing.products if repricing else {}
    unpriced = [ln for ln in lines if ln.line_id not in priced]
    capped = _capped(unpriced, program.unknown_item_earn_cap_minor)
    earning = []
    for ln in lines:
        product = known.get(ln.sku)
        category = product.category if product else ""
        # An unknown product's own flag and category can only take points away, never add a bonus.
        flagged = product.excluded if product else earns_no_points(ln.category, ln.excluded, program.earning, ln.sku)
        paid = priced[ln.line_id] if ln.line_id in priced else capped[ln.line_id]
        earning.append(SaleLine(ln.line_id, paid, ln.qty, category,
                                earns_no_points(category, flagged, program.earning, ln.sku), sku=ln.sku,
                                base_replaced=ln.line_id in replaced))
    till_total = sum(ln.paid_minor for ln in lines)
    basket = min(sum(line.paid_minor for line in earning), till_total)
    bonuses = tuple(repricing.bonuses) if repricing else ()
    return SaleFigures(tuple(earning), bonuses, basket, tuple(ln.line_id for ln in unpriced),
                       repricing.priced if repricing else None)


def _priced_totals(lines: tuple[TransactionLine, ...], repricing: Repricing | None) -> dict[str, int]:
    """line id -> what the server says the line earns on, for the lines it could price."""
    if repricing is None or repricing.priced is None:
        return {}
    server = {line.line_id: line.total for line in repricing.priced.lines}
    if repricing.comparable:
        return server
    return {ln.line_id: min(server[ln.line_id], ln.paid_minor) for ln in lines if ln.line_id in server}


def _base_replaced(repricing: Repricing | None) -> set[str]:
    """Line ids whose base earning a stand-alone earning rule replaced, as the server priced them."""
    if repricing is None or repricing.priced is None:
        return set()
    return {line.line_id for line in repricing.priced.lines if line.base_replaced_by is not None}


def _capped(lines: list[TransactionLine], cap_minor: int) -> dict[str, int]:
    """The till's charges of lines the server cannot price, scaled down to ``cap_minor`` in all."""
    charged = [ln.paid_minor for ln in lines]
    if sum(charged) <= cap_minor:
        return {ln.line_id: ln.paid_minor for ln in lines}
    return {ln.line_id: share for ln, share in zip(lines, largest_remainder(cap_minor, charged), strict=True)}
