"""Near misses: what the basket lacks for an offer, as structured hints."""

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from promotions.basket import PricingRequest
from promotions.catalogue import Catalogue
from promotions.engine import price_basket
from promotions.near_miss import NearMiss, near_misses
from promotions.rules import (
    BuyGet,
    MultiBuy,
    PercentOff,
    SpendBasis,
    SpendThreshold,
    ThresholdTier,
)
from promotions.windows import Window

from .builders import BERLIN, TUESDAY_NOON, categories, line, member, promo, skus

THREE_FOR_TWO = promo("3for2", MultiBuy(2, 1, categories("snacks")), "3 for 2 — Snacks")
SPEND_40 = promo("spend40", SpendThreshold((ThresholdTier(4000, percent_bp=1000),)), "10 % off at 40.00")
COFFEE_PASTRY = promo("cp", BuyGet(skus("coffee"), 1, categories("pastry"), 1), "Coffee + free pastry")


def hints(lines, promotions, **kwargs):
    request = PricingRequest(tuple(lines), BERLIN, kwargs.pop("at", TUESDAY_NOON), **kwargs)
    catalogue = Catalogue(promotions)
    return near_misses(request, catalogue, price_basket(request, catalogue))


def test_two_snacks_are_one_short_of_three_for_two():
    assert hints([line("crisps", 200, qty=2, category="snacks")], [THREE_FOR_TWO]) == (
        NearMiss("3for2", 1, "3 for 2 — Snacks", missing_qty=1),)


def test_four_snacks_are_two_short_of_the_second_group_and_three_are_none():
    assert hints([line("crisps", 200, qty=4, category="snacks")], [THREE_FOR_TWO])[0].missing_qty == 2
    assert hints([line("crisps", 200, qty=3, category="snacks")], [THREE_FOR_TWO]) == ()


def test_a_multibuy_used_up_to_its_limit_hints_nothing():
    once = promo("once", MultiBuy(2, 1, categories("snacks"), max_applications=1))
    assert hints([line("crisps", 200, qty=4, category="snacks")], [once]) == ()


def test_spending_36_80_is_3_20_short_of_forty():
    assert hints([line("ham", 3680)], [SPEND_40]) == (NearMiss("spend40", 1, "10 % off at 40.00", missing_amount=320),)
    assert hints([line("ham", 4000)], [SPEND_40]) == ()


def test_the_next_tier_is_hinted_once_the_first_is_reached():
    tiered = promo("t", SpendThreshold((ThresholdTier(1000, amount_off=100), ThresholdTier(5000, amount_off=800))))
    assert hints([line("ham", 4500)], [tiered])[0].missing_amount == 500


def test_a_threshold_counts_after_item_offers_but_before_its_own_discount():
    ten_off_ham = promo("ham10", PercentOff(1000, skus("ham")))
    # 40.00 of ham is 36.00 after its 10 %: 4.00 short.
    assert hints([line("ham", 4000)], [ten_off_ham, SPEND_40])[0].missing_amount == 400


def test_a_scoped_threshold_counts_its_own_lines_and_basis():
    coffee = promo("c", SpendThreshold((ThresholdTier(2000, amount_off=200),), SpendBasis.NET, categories("coffee")))
    # 11.90 gross at 19 % is 10.00 net; the milk does not count.
    result = hints([line("beans", 1190, category="coffee", tax_rate_bp=1900), line("milk", 5000)], [coffee])
    assert result == (NearMiss("c", 1, "c", missing_amount=1000),)


def test_a_coffee_without_a_pastry_is_one_pastry_short():
    assert hints([line("coffee", 300)], [COFFEE_PASTRY])[0].missing_qty == 1
    assert hints([line("coffee", 300), line("bun", 190, category="pastry")], [COFFEE_PASTRY]) == ()


def test_offers_not_live_give_no_hint():
    ended = promo("ended", MultiBuy(2, 1, categories("snacks")), window=Window(end=TUESDAY_NOON - timedelta(days=1)))
    assert hints([line("crisps", 200, qty=2, category="snacks")], [ended]) == ()


@given(st.lists(st.tuples(st.sampled_from(("crisps", "ham", "coffee", "bun")), st.integers(0, 3000),
                          st.integers(1, 5)), min_size=1, max_size=4, unique_by=lambda t: t[0]))
def test_adding_what_a_hint_asks_for_gets_the_offer(items):
    kinds = {"crisps": "snacks", "ham": "deli", "coffee": "drinks", "bun": "pastry"}
    basket = [line(sku, cents, qty=qty, category=kinds[sku]) for sku, cents, qty in items]
    for hint in hints(basket, [SPEND_40, THREE_FOR_TWO]):
        if hint.missing_amount:
            more = [*basket, line("extra", hint.missing_amount, category="deli")]
            assert all(h.promotion_id != "spend40" for h in hints(more, [SPEND_40]))
        else:
            more = [*basket, line("extra", 100, qty=hint.missing_qty, category="snacks")]
            assert hints(more, [THREE_FOR_TWO]) == ()


def test_a_points_only_tier_is_hinted_to_members_only():
    points = promo("pts", SpendThreshold((ThresholdTier(5000, bonus_points=200),)))
    assert hints([line("ham", 4000)], [points]) == ()
    assert hints([line("ham", 4000)], [points], member=member())[0].missing_amount == 1000
