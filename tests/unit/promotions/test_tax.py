"""Taxes: per-rate breakdowns after discounts, inclusive and exclusive prices, net/gross thresholds,
and returns that give back exactly the tax charged.

Expected figures are worked by hand (see the comments) or, in the properties, by an independent
Fraction model that never calls the code under test.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promotions.basket import Store
from promotions.exceptions import InvalidBasket, InvalidPromotion
from promotions.rules import PercentOff, SpendBasis, SpendThreshold, ThresholdTier
from promotions.tax import returned_tax, tax_added, tax_included, tax_lines

from .builders import WHOLE_BASKET, line, member, price, promo, skus

STANDARD, REDUCED, ZERO = 2000, 500, 0
NET_PRICES = Store("london-1", "Europe/London", prices_include_tax=False)


def _rows(result):
    return [(r.rate_bp, r.net, r.tax, r.gross) for r in result.taxes]


def test_an_inclusive_price_contains_its_tax_rounded_half_up():
    assert tax_included(1200, STANDARD) == 200  # 1200 x 2000 / 12000 = 200 exactly
    assert tax_included(99, REDUCED) == 5  # 99 x 500 / 10500 = 4.71
    assert tax_included(21, REDUCED) == 1  # 21 x 500 / 10500 = 1.0 exactly
    assert tax_included(63, REDUCED) == 3  # 3.0
    assert tax_included(3, STANDARD) == 1  # 0.5 -> 1 (half up)


def test_an_exclusive_price_has_its_tax_added_rounded_half_up():
    assert tax_added(99, STANDARD) == 20  # 19.8
    assert tax_added(10, REDUCED) == 1  # 0.5 -> 1 (half up)
    assert tax_added(9, REDUCED) == 0  # 0.45


def test_a_basket_shows_one_breakdown_line_per_rate():
    # bread 1.00 at 5 %, wine 6.00 x 2 at 20 %, stamps 3.00 at 0 %
    result = price([line("bread", 100, tax_rate_bp=REDUCED), line("wine", 600, 2, tax_rate_bp=STANDARD),
                    line("stamps", 300, tax_rate_bp=ZERO)], [])
    # 5 %: 100 x 500 / 10500 = 4.76 -> 5; 20 %: 1200 / 6 = 200
    assert _rows(result) == [(0, 300, 0, 300), (500, 95, 5, 100), (2000, 1000, 200, 1200)]
    assert result.tax == 205 and result.total == 1600 and result.net == 1395
    assert [(ln.line_id, ln.tax, ln.net) for ln in result.lines] == [("bread", 5, 95), ("wine", 200, 1000),
                                                                      ("stamps", 0, 300)]


def test_tax_is_rounded_once_per_rate_not_per_line():
    # three lines of 0.03 at 20 %: per line 0.005 -> 0.01 each would be 0.03; per rate 9 / 6 = 1.5 -> 2
    result = price([line(f"gum{i}", 3, tax_rate_bp=STANDARD) for i in range(3)], [])
    assert _rows(result) == [(2000, 7, 2, 9)]
    assert sorted(ln.tax for ln in result.lines) == [0, 1, 1]  # largest remainder, adds up to 2


def test_a_discount_reduces_the_taxable_amount_of_the_line_it_applies_to():
    half_off_wine = promo("wine50", PercentOff(5000, skus("wine")))
    result = price([line("wine", 1200, tax_rate_bp=STANDARD), line("bread", 210, tax_rate_bp=REDUCED)],
                   [half_off_wine])
    # wine 6.00 gross -> tax 1.00; bread 2.10 -> 210 x 500 / 10500 = 10
    assert _rows(result) == [(500, 200, 10, 210), (2000, 500, 100, 600)]


def test_a_basket_discount_is_spread_over_the_lines_before_they_are_taxed():
    ten_percent = promo("all10", PercentOff(1000, WHOLE_BASKET))
    result = price([line("wine", 1000, tax_rate_bp=STANDARD), line("bread", 1000, tax_rate_bp=REDUCED)],
                   [ten_percent])
    # each line loses 1.00: 9.00 at 20 % -> 1.50; 9.00 at 5 % -> 900 x 500 / 10500 = 42.86 -> 43
    assert _rows(result) == [(500, 857, 43, 900), (2000, 750, 150, 900)]


def test_exclusive_prices_have_the_tax_added_to_what_the_customer_pays():
    result = price([line("wine", 999, tax_rate_bp=STANDARD), line("bread", 100, tax_rate_bp=REDUCED)], [],
                   store=NET_PRICES)
    # 9.99 + 20 % = 199.8 -> 2.00; 1.00 + 5 % = 0.05
    assert _rows(result) == [(500, 100, 5, 105), (2000, 999, 200, 1199)]
    assert (result.subtotal, result.discount_total, result.tax, result.total) == (1099, 0, 205, 1304)
    assert [ln.total for ln in result.lines] == [1199, 105]


def test_exclusive_prices_take_discounts_before_tax():
    ten_off = promo("wine10", PercentOff(1000, skus("wine")))
    result = price([line("wine", 1000, tax_rate_bp=STANDARD)], [ten_off], store=NET_PRICES)
    assert (result.discount_total, result.tax, result.total) == (100, 180, 1080)


def test_without_tax_rates_the_breakdown_is_one_zero_rate_line():
    result = price([line("a", 250), line("b", 199, 2)], [])
    assert _rows(result) == [(0, 648, 0, 648)] and result.total == 648


def _threshold(basis: SpendBasis):
    return promo("spend10", SpendThreshold((ThresholdTier(1000, amount_off=100),), basis), "Spend 10, save 1")


def test_a_gross_threshold_counts_tax_and_a_net_threshold_does_not():
    wine = [line("wine", 1100, tax_rate_bp=STANDARD)]  # 11.00 gross, 9.17 net
    assert price(wine, [_threshold(SpendBasis.GROSS)]).total == 1000
    assert price(wine, [_threshold(SpendBasis.NET)]).total == 1100
    wine = [line("wine", 1200, tax_rate_bp=STANDARD)]  # 12.00 gross, exactly 10.00 net
    assert price(wine, [_threshold(SpendBasis.NET)]).total == 1100


def test_with_exclusive_prices_a_gross_threshold_counts_the_tax_added():
    wine = [line("wine", 900, tax_rate_bp=STANDARD)]  # 9.00 net, 10.80 gross
    assert price(wine, [_threshold(SpendBasis.NET)], store=NET_PRICES).total == 1080
    # reached on 10.80: 1.00 off the 9.00 net, then 20 % on 8.00
    assert price(wine, [_threshold(SpendBasis.GROSS)], store=NET_PRICES).total == 960


def test_a_threshold_with_an_unknown_basis_is_refused():
    with pytest.raises(InvalidPromotion):
        SpendThreshold((ThresholdTier(1000, amount_off=100),), "after tax")


def test_a_tax_rate_outside_zero_to_one_hundred_percent_is_refused():
    for bad in (-1, 10_001, 20.0):
        with pytest.raises(InvalidBasket):
            line("x", 100, tax_rate_bp=bad)


def test_returning_one_of_three_units_gives_back_its_share_of_the_tax_and_all_three_give_back_all():
    # 3 x 3.33 = 9.99 at 20 % -> tax 1.67; refunds go by loyalty.returns' floor(paid x k / n)
    refunds = [0, 333, 666, 999]
    parts = [returned_tax(167, 999, a, b) for a, b in itertools.pairwise(refunds)]
    assert parts == [55, 56, 56] and sum(parts) == 167


def test_a_line_refunded_in_one_go_gives_back_its_whole_tax():
    assert returned_tax(200, 1200, 0, 1200) == 200
    assert returned_tax(0, 0, 0, 0) == 0


# ---------------------------------------------------------------- properties, against a Fraction model

RATES = st.sampled_from([0, 500, 700, 1000, 1900, 2000, 2100, 10_000])
LINES = st.lists(st.tuples(st.integers(0, 50_000), RATES), min_size=1, max_size=12)


def _model_tax(base: int, rate: int, inclusive: bool) -> int:
    exact = Fraction(base * rate, 10_000 + rate) if inclusive else Fraction(base * rate, 10_000)
    return int(exact + Fraction(1, 2)) if exact >= 0 else 0  # half up, for non-negative amounts


@settings(max_examples=300, deadline=None)
@given(LINES, st.booleans())
def test_per_rate_taxes_match_the_model_and_add_up_with_the_lines(rows, inclusive):
    amounts, rates = [a for a, _ in rows], [r for _, r in rows]
    taxed = tax_lines(amounts, rates, inclusive)
    for rate in set(rates):
        base = sum(a for a, r in rows if r == rate)
        entry = next(e for e in taxed.rates if e.rate_bp == rate)
        assert entry.tax == _model_tax(base, rate, inclusive)
        assert entry.net + entry.tax == entry.gross
        assert sum(t for t, (_, r) in zip(taxed.line_taxes, rows, strict=True) if r == rate) == entry.tax
    assert sum(taxed.line_taxes) == taxed.tax and taxed.net + taxed.tax == taxed.gross
    assert (taxed.gross if inclusive else taxed.net) == sum(amounts)  # no money made or lost
    for tax, amount in zip(taxed.line_taxes, amounts, strict=True):
        assert 0 <= tax <= amount


BASKET = st.lists(st.tuples(st.integers(1, 5_000), st.integers(1, 5), RATES), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(BASKET, st.booleans(), st.integers(0, 5_000))
def test_every_priced_line_has_net_plus_tax_equal_to_what_is_paid(rows, inclusive, percent):
    store = Store("s", prices_include_tax=inclusive)
    offers = [promo("all", PercentOff(percent, WHOLE_BASKET))] if percent else []
    result = price([line(f"l{i}", p, q, tax_rate_bp=r) for i, (p, q, r) in enumerate(rows)], offers,
                   store=store, member=member())
    assert sum(ln.total for ln in result.lines) == result.total
    assert sum(ln.tax for ln in result.lines) == result.tax == sum(r.tax for r in result.taxes)
    assert sum(r.gross for r in result.taxes) == result.total
    added = 0 if inclusive else result.tax
    assert result.subtotal - result.discount_total + added == result.total
    for ln in result.lines:
        assert ln.net + ln.tax == ln.total and ln.tax >= 0 and ln.net >= 0


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 100_000), st.integers(1, 12), RATES, st.data())
def test_returns_in_any_split_give_back_exactly_the_tax_charged(gross, qty, rate, data):
    tax = _model_tax(gross, rate, inclusive=True)
    sizes = data.draw(st.lists(st.integers(1, qty), max_size=qty))
    given_back, units, refunded = [], 0, 0
    for size in sizes:
        size = min(size, qty - units)
        if size == 0:
            break
        units += size
        after = gross * units // qty  # loyalty.returns: floor(paid x returned / qty), cumulative
        part = returned_tax(tax, gross, refunded, after)
        assert 0 <= part <= after - refunded  # never more tax than the refund, never negative
        given_back.append(part)
        refunded = after
    if units < qty:
        given_back.append(returned_tax(tax, gross, refunded, gross))  # the rest comes back
    assert sum(given_back) == tax


def test_the_worked_examples_in_the_module_docstrings_hold():
    import doctest

    import promotions.tax

    failed, tried = doctest.testmod(promotions.tax)
    assert (failed, tried >= 5) == (0, True)
