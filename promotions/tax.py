"""Sales tax (VAT): per-rate breakdowns of a priced basket, and the tax a return gives back.

Rates are basis points (2,000 = 20 %). A store's prices are entered either tax-inclusive (the
shelf price is what the customer pays) or tax-exclusive (tax is added on top); the engine takes
that from ``Store.prices_include_tax``. Money stays integer minor units.

Rounding rule (one rule, per rate, never per line): the lines of one rate are added up after
every discount, the tax of that rate's total is computed once and rounded **half up** to the
minor unit, and that tax is then spread over the rate's lines by largest remainder
(``loyalty.shares``), weighted by the line amounts. So the per-line taxes add up to the rate's
tax exactly, the rates add up to the basket's tax exactly, and ``net + tax == gross`` holds for
every line, every rate and the basket.

* Inclusive, gross ``G`` at rate ``r``: tax = round_half_up(G x r / (10,000 + r)), net = G - tax.
  20 % of 12.00 inclusive: 1200 x 2000 / 12000 = 200 -> tax 2.00, net 10.00.
  5 % of 0.99 inclusive: 99 x 500 / 10500 = 4.71 -> tax 0.05, net 0.94.
* Exclusive, net ``N`` at rate ``r``: tax = round_half_up(N x r / 10,000), gross = N + tax.
  20 % on 0.99: 19.8 -> tax 0.20, gross 1.19. 5 % on 0.10: 0.5 -> tax 0.01 (half up), gross 0.11.

Returns reverse tax in proportion to the value refunded (``returned_tax``): the tax given back
once ``v`` of a line's ``gross`` has been refunded is floor(tax x v / gross), cumulative over the
returns of a sale, so every part gives back a non-negative tax no larger than its refund, and
the returns of a whole line give back exactly the tax it was charged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from loyalty.shares import largest_remainder
from promotions.exceptions import InvalidBasket
from promotions.money import BASIS_POINTS

MAX_RATE_BP = BASIS_POINTS  # 100 %: a tax never exceeds what it is charged on


def check_rate(rate_bp: int, name: str = "tax_rate_bp") -> None:
    """Refuse a rate that is not an int of basis points in 0..10,000."""
    if type(rate_bp) is not int or not 0 <= rate_bp <= MAX_RATE_BP:
        raise InvalidBasket(name, "a tax rate is an int of basis points, 0..10000 (0 % .. 100 %)")


def _half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def tax_included(gross: int, rate_bp: int) -> int:
    """Return the tax contained in a tax-inclusive ``gross`` at ``rate_bp``, rounded half up.

    >>> tax_included(1200, 2000), tax_included(99, 500)
    (200, 5)
    """
    return _half_up(gross * rate_bp, BASIS_POINTS + rate_bp)


def tax_added(net: int, rate_bp: int) -> int:
    """Return the tax on a tax-exclusive ``net`` at ``rate_bp``, rounded half up.

    >>> tax_added(99, 2000), tax_added(10, 500)
    (20, 1)
    """
    return _half_up(net * rate_bp, BASIS_POINTS)


@dataclass(frozen=True)
class RateTax:
    """One line of a tax breakdown: everything sold at one rate.

    Attributes:
        rate_bp: The rate in basis points.
        net: The rate's amount before tax.
        tax: The rate's tax (``gross - net``).
        gross: What the customer pays for the rate's lines.
    """

    rate_bp: int
    net: int
    tax: int
    gross: int


@dataclass(frozen=True)
class Taxed:
    """A set of line amounts taxed per rate.

    Attributes:
        line_taxes: The tax of each line, in input order.
        rates: The breakdown, one entry per rate present, ascending by rate.
        inclusive: True when the amounts were tax-inclusive.
    """

    line_taxes: tuple[int, ...]
    rates: tuple[RateTax, ...]
    inclusive: bool

    @property
    def net(self) -> int:
        """The amounts before tax."""
        return sum(rate.net for rate in self.rates)

    @property
    def tax(self) -> int:
        """The total tax."""
        return sum(rate.tax for rate in self.rates)

    @property
    def gross(self) -> int:
        """What the customer pays."""
        return sum(rate.gross for rate in self.rates)


def tax_lines(amounts: Sequence[int], rates: Sequence[int], inclusive: bool) -> Taxed:
    """Tax line amounts (after every discount) per rate, by the module's rounding rule.

    Args:
        amounts: Each line's amount in minor units: gross when ``inclusive``, else net.
        rates: Each line's rate in basis points.
        inclusive: Whether ``amounts`` already contain the tax.

    Returns:
        Each line's tax and the breakdown per rate.

    Example:
        >>> taxed = tax_lines([600, 600, 99], [2000, 2000, 500], inclusive=True)
        >>> taxed.line_taxes, [(r.rate_bp, r.net, r.tax, r.gross) for r in taxed.rates]
        ((100, 100, 5), [(500, 94, 5, 99), (2000, 1000, 200, 1200)])
    """
    by_rate: dict[int, list[int]] = {}
    for position, rate in enumerate(rates):
        by_rate.setdefault(rate, []).append(position)
    line_taxes = [0] * len(amounts)
    breakdown = []
    for rate in sorted(by_rate):
        positions = by_rate[rate]
        weights = [amounts[i] for i in positions]
        base = sum(weights)
        tax = tax_included(base, rate) if inclusive else tax_added(base, rate)
        for i, share in zip(positions, largest_remainder(tax, weights), strict=True):
            line_taxes[i] = share
        net = base - tax if inclusive else base
        breakdown.append(RateTax(rate, net, tax, net + tax))
    return Taxed(tuple(line_taxes), tuple(breakdown), inclusive)


@dataclass(frozen=True)
class Spend:
    """What a basket comes to before and after tax; spend thresholds qualify on one of them."""

    gross: int
    net: int


def spend_of(amounts: Sequence[int], rates: Sequence[int], inclusive: bool) -> Spend:
    """Return the net and gross of line amounts, taxed by the module's rule."""
    if not any(rates):  # no tax anywhere (the common untaxed catalogue): skip the breakdown
        total = sum(amounts)
        return Spend(total, total)
    taxed = tax_lines(amounts, rates, inclusive)
    return Spend(taxed.gross, taxed.net)


def returned_tax(line_tax: int, line_gross: int, refunded_before: int, refunded_after: int) -> int:
    """Return the tax one return of a line gives back.

    The refunds of a line are cumulative: ``refunded_before`` of its ``line_gross`` went back
    in earlier returns, ``refunded_after`` once this one is done. The tax given back so far is
    floor(line_tax x refunded / line_gross), so each return's tax is between 0 and its refund
    and a line refunded in full (in any number of parts) gives back exactly ``line_tax``.

    >>> [returned_tax(17, 100, a, b) for a, b in ((0, 33), (33, 66), (66, 100))]
    [5, 6, 6]
    """
    if not 0 <= refunded_before <= refunded_after <= line_gross or not 0 <= line_tax <= line_gross:
        raise InvalidBasket("refunded", "refunds of a line run from 0 up to its gross, which bounds its tax")
    if line_gross == 0:
        return 0
    return line_tax * refunded_after // line_gross - line_tax * refunded_before // line_gross


def returned_taxes(line_taxes: Mapping[str, int], line_gross: Mapping[str, int],
                   refunded_before: Mapping[str, int], refunded_now: Mapping[str, int]) -> dict[str, int]:
    """Return line id -> the tax one return gives back, for each line it refunds (``returned_tax``).

    Args:
        line_taxes: Each line's tax as the sale charged it.
        line_gross: Each line's total as the sale charged it.
        refunded_before: Each line's value refunded by earlier returns (cumulative).
        refunded_now: Each line's value this return refunds.
    """
    return {line_id: returned_tax(line_taxes.get(line_id, 0), line_gross[line_id], refunded_before.get(line_id, 0),
                                  refunded_before.get(line_id, 0) + now)
            for line_id, now in refunded_now.items()}
